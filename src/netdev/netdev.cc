#include "netdev/netdev.h"

#include <atomic>
#include <cstring>

#include "netdev/netdev_afpacket.h"
#include "netdev/netdev_dummy.h"
#include "netdev/netdev_tap.h"
#include "netdev/netdev_tunnel.h"

namespace nt {

std::string_view netdev_counter_name(NetdevCounter c) {
  switch (c) {
#define NT_NETDEV_NAME(name, str) \
  case NetdevCounter::name:       \
    return str;
    NT_NETDEV_COUNTERS(NT_NETDEV_NAME)
#undef NT_NETDEV_NAME
    case NetdevCounter::kCount:
      break;
  }
  return "unknown";
}

Status Netdev::reconfigure(const PortSpec& spec, const std::optional<TunnelConfig>& tunnel) {
  return make_error(name + ": type " + std::string(type()) + " cannot change its options in place",
                    ErrorCode::kUnsupported);
}

Status Netdev::retry() {
  if (is_up()) return ok_status();
  std::string why = error();
  return make_error(why.empty() ? name + ": down" : why, ErrorCode::kNotFound);
}

void Netdev::drop(NetdevCounter c, uint64_t n) {
  counters_[static_cast<size_t>(c)] += n;
  if (c >= NetdevCounter::kTxDown) {
    tx_dropped += n;
  } else {
    rx_dropped += n;
  }
}

void Netdev::count_rx(PacketBatch& out, size_t first) {
  for (size_t i = first; i < out.count; ++i) {
    out.pkts[i]->in_port = odp_port;
    rx_bytes += out.pkts[i]->size();
  }
  rx_packets += out.count - first;
}

bool Netdev::finish_csum(const VnetHdr& hdr, Packet& p) {
  if (!(hdr.flags & kVnetNeedsCsum)) return true;
  if (vnet_complete_csum(p.data(), p.size(), hdr) != VnetStatus::kOk) {
    drop(NetdevCounter::kRxBadVnetHdr);
    return false;
  }
  ++rx_csum_completed;
  return true;
}

Netdev::RxOffload Netdev::rx_offload(const VnetHdr& hdr, const uint8_t* frame, size_t len,
                                     const PacketPool& pool) {
  if (!vnet_active(hdr)) return RxOffload::kNone;
  if (pool.large_capacity() == 0) return RxOffload::kFinish;
  switch (vnet_check(frame, len, hdr)) {
    case VnetStatus::kOk:
      return RxOffload::kPass;
    case VnetStatus::kUnsupportedGso:
      drop(NetdevCounter::kRxGsoUnsupported);
      return RxOffload::kDrop;
    default:
      drop(NetdevCounter::kRxBadVnetHdr);
      return RxOffload::kDrop;
  }
}

void Netdev::segment(const VnetHdr& hdr, const uint8_t* frame, size_t len, PacketPool& pool,
                     PacketRing& ring) {
  size_t before = ring.size();
  VnetStatus st = vnet_segment(frame, len, hdr, pool, ring);
  ++rx_gso_frames;
  rx_gso_segments += ring.size() - before;
  switch (st) {
    case VnetStatus::kOk:
      break;
    case VnetStatus::kBadHeader:
      drop(NetdevCounter::kRxBadVnetHdr);
      break;
    case VnetStatus::kUnsupportedGso:
      drop(NetdevCounter::kRxGsoUnsupported);
      break;
    case VnetStatus::kNoBuffer:
      drop(NetdevCounter::kRxNoBuffer);
      break;
    case VnetStatus::kTooBig:
      drop(NetdevCounter::kRxTooBig);
      break;
  }
}

std::string netdev_errno_message(std::string_view name, std::string_view what, int err) {
  std::string s(name);
  s += ": ";
  s += what;
  s += ": ";
  s += std::strerror(err);
  return s;
}

namespace {

using NetdevFactory = Result<std::unique_ptr<Netdev>> (*)(const PortSpec&,
                                                          const std::optional<TunnelConfig>&);

template <typename T>
Result<std::unique_ptr<Netdev>> upcast(Result<std::unique_ptr<T>> r) {
  if (!r.ok()) return r.error();
  return std::unique_ptr<Netdev>(std::move(*r));
}

std::atomic<bool> g_dummy_enabled{false};

Result<std::unique_ptr<Netdev>> open_dummy(const PortSpec& spec,
                                           const std::optional<TunnelConfig>&) {
  if (!netdev_dummy_enabled()) {
    return make_error(spec.name +
                          ": dummy netdevs are not enabled (start neutrino-vswitchd with "
                          "--enable-dummy)",
                      ErrorCode::kUnsupported);
  }
  return upcast(DummyNetdev::open(spec));
}

Result<std::unique_ptr<Netdev>> open_tap(const PortSpec& spec, const std::optional<TunnelConfig>&) {
  return upcast(TapNetdev::open(spec));
}

Result<std::unique_ptr<Netdev>> open_system(const PortSpec& spec,
                                            const std::optional<TunnelConfig>&) {
  return upcast(AfPacketNetdev::open(spec));
}

Result<std::unique_ptr<Netdev>> open_tunnel(const PortSpec& spec,
                                            const std::optional<TunnelConfig>& tunnel) {
  if (!tunnel) return make_error(spec.name + ": tunnel port without tunnel configuration");
  return upcast(TunnelNetdev::open(spec, *tunnel));
}

struct NetdevProvider {
  PortType type;
  NetdevFactory open;
};

// The one table of providers. Patch ports never get here (xlate resolves them).
constexpr NetdevProvider kProviders[] = {
    {PortType::kDummy, open_dummy},  {PortType::kTap, open_tap},
    {PortType::kInternal, open_tap}, {PortType::kSystem, open_system},
    {PortType::kVxlan, open_tunnel}, {PortType::kGre, open_tunnel},
};

const NetdevProvider* find_provider(PortType type) {
  for (const NetdevProvider& p : kProviders) {
    if (p.type == type) return &p;
  }
  return nullptr;
}

}  // namespace

void netdev_enable_dummy(bool enable) { g_dummy_enabled = enable; }
bool netdev_dummy_enabled() { return g_dummy_enabled.load(std::memory_order_relaxed); }

bool netdev_type_supported(PortType type) { return find_provider(type) != nullptr; }

Result<std::unique_ptr<Netdev>> netdev_open(const PortSpec& spec,
                                            const std::optional<TunnelConfig>& tunnel) {
  const NetdevProvider* p = find_provider(spec.type);
  if (!p) {
    return make_error(
        spec.name + ": unsupported port type '" + std::string(port_type_name(spec.type)) + "'",
        ErrorCode::kUnsupported);
  }
  auto r = p->open(spec, tunnel);
  if (r.ok()) (*r)->name = spec.name;
  return r;
}

}  // namespace nt
