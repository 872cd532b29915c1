#include "node/deferred_port.h"

namespace nt {

DeferredNetdev::DeferredNetdev(PortSpec spec, std::optional<TunnelConfig> tunnel, std::string why)
    : spec_(std::move(spec)), tunnel_(std::move(tunnel)) {
  set_down(std::move(why));
}

void DeferredNetdev::sync_counters() {
  rx_packets = inner_->rx_packets;
  rx_bytes = inner_->rx_bytes;
  tx_packets = inner_->tx_packets;
  tx_bytes = inner_->tx_bytes;
  tx_dropped = inner_->tx_dropped;
  rx_dropped = inner_->rx_dropped;
  if (inner_->is_up() != is_up()) inner_->is_up() ? set_up() : set_down(inner_->error());
}

void DeferredNetdev::send(PacketBatch& batch, PacketPool& pool) {
  if (inner_) {
    inner_->send(batch, pool);
    sync_counters();
    return;
  }
  drop(NetdevCounter::kTxDown, batch.count);
  for (Packet* p : batch) pool.put(p);
  batch.clear();
}

size_t DeferredNetdev::receive(PacketPool& pool, PacketBatch& out) {
  if (!inner_) return 0;
  size_t n = inner_->receive(pool, out);
  sync_counters();
  return n;
}

void DeferredNetdev::poll_stats() {
  if (!inner_) return;
  inner_->poll_stats();
  sync_counters();
}

Status DeferredNetdev::retry() {
  if (inner_) {
    Status st = inner_->retry();
    if (inner_->is_up()) set_up();
    return st;
  }
  auto nd = netdev_open(spec_, tunnel_);
  if (!nd.ok()) {
    set_down(nd.error().message);
    return nd.error();
  }
  inner_ = std::move(*nd);
  inner_->name = name;
  inner_->odp_port = odp_port;  // packets it receives carry our datapath port number
  if (inner_->is_up()) {
    set_up();
  } else {
    set_down(inner_->error());
  }
  return ok_status();
}

Result<std::unique_ptr<DpPort>> open_port_or_defer(const PortSpec& spec,
                                                   const std::optional<TunnelConfig>& tunnel) {
  auto nd = netdev_open(spec, tunnel);
  if (nd.ok()) return std::unique_ptr<DpPort>(std::move(*nd));
  if (!netdev_type_supported(spec.type)) return nd.error();
  return std::unique_ptr<DpPort>(new DeferredNetdev(spec, tunnel, nd.error().message));
}

}  // namespace nt
