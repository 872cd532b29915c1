#include "netdev/netdev_dummy.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

namespace nt {

int64_t netdev_wall_usec() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

namespace {

std::string option(const PortSpec& spec, const char* key) {
  auto it = spec.options.find(key);
  return it == spec.options.end() ? std::string() : it->second;
}

}  // namespace

Result<std::unique_ptr<DummyNetdev>> DummyNetdev::open(const PortSpec& spec) {
  std::unique_ptr<DummyNetdev> d(new DummyNetdev(std::string(port_type_name(spec.type))));
  d->name = spec.name;
  d->event_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (d->event_fd_ < 0) return make_error(netdev_errno_message(spec.name, "eventfd", errno));
  NT_TRY(d->open_pcaps(spec));
  d->set_up();
  return d;
}

DummyNetdev::~DummyNetdev() {
  if (event_fd_ >= 0) ::close(event_fd_);
}

Status DummyNetdev::open_pcaps(const PortSpec& spec) {
  std::string tx = option(spec, "tx_pcap"), rx = option(spec, "rx_pcap");
  std::lock_guard<std::mutex> lock(mu_);
  if (tx != tx_pcap_path_) {
    tx_pcap_.close();
    if (!tx.empty()) NT_TRY(tx_pcap_.open(tx));
    tx_pcap_path_ = tx;
  }
  if (rx != rx_pcap_path_) {
    rx_pcap_.close();
    if (!rx.empty()) NT_TRY(rx_pcap_.open(rx));
    rx_pcap_path_ = rx;
  }
  return ok_status();
}

Status DummyNetdev::reconfigure(const PortSpec& spec, const std::optional<TunnelConfig>&) {
  return open_pcaps(spec);
}

void DummyNetdev::send(PacketBatch& batch, PacketPool& pool) {
  count_tx(batch);
  int64_t now = tx_pcap_.is_open() ? netdev_wall_usec() : 0;
  for (Packet* p : batch) {
    if (tx_pcap_.is_open()) (void)tx_pcap_.write(*p, now);
    if (on_send) on_send(p->data(), p->size());
    pool.put(p);
  }
  batch.clear();
}

bool DummyNetdev::inject(const uint8_t* data, size_t len, const TunnelMeta* tunnel) {
  std::lock_guard<std::mutex> lock(mu_);
  if (queue_.size() >= kMaxQueued) {
    drop(NetdevCounter::kRxQueueFull);
    return false;
  }
  Frame f{std::vector<uint8_t>(data, data + len), std::nullopt};
  if (tunnel) f.tunnel = *tunnel;
  queue_.push_back(std::move(f));
  if (rx_pcap_.is_open()) (void)rx_pcap_.write(data, len, netdev_wall_usec());
  uint64_t one = 1;
  (void)!::write(event_fd_, &one, sizeof one);
  return true;
}

size_t DummyNetdev::queued() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

bool DummyNetdev::rx_pending() const { return queued() > 0; }

size_t DummyNetdev::receive(PacketPool& pool, PacketBatch& out) {
  size_t first = out.count;
  std::lock_guard<std::mutex> lock(mu_);
  while (!queue_.empty() && out.count < PacketBatch::kMax) {
    Frame& f = queue_.front();
    Packet* p = pool.get();
    if (!p) {
      drop(NetdevCounter::kRxNoBuffer);
    } else if (!p->assign(f.bytes.data(), f.bytes.size())) {
      drop(NetdevCounter::kRxTooBig);
      pool.put(p);
    } else {
      if (f.tunnel) p->tunnel = *f.tunnel;
      out.add(p);
    }
    queue_.pop_front();
  }
  if (queue_.empty()) {
    uint64_t v;
    (void)!::read(event_fd_, &v, sizeof v);  // readable again at the next inject
  }
  count_rx(out, first);
  return out.count - first;
}

}  // namespace nt
