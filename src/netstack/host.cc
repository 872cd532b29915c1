#include "netstack/host.h"

#include "netstack/netfilter.h"
#include "packet/bytes.h"

namespace nt {

std::string_view host_drop_name(HostDrop d) {
  switch (d) {
#define NT_HOST_DROP_NAME(name, str) \
  case HostDrop::name:               \
    return str;
    NT_HOST_DROPS(NT_HOST_DROP_NAME)
#undef NT_HOST_DROP_NAME
    case HostDrop::kCount:
      break;
  }
  return "unknown";
}

namespace {

uint64_t fnv1a(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : s) h = (h ^ static_cast<uint8_t>(c)) * 0x100000001b3ULL;
  return h;
}

}  // namespace

Host::Host(Scheduler& sched, std::string name)
    : sched_(&sched), name_(std::move(name)), rng_(fnv1a(name_)) {
  ip_id_ = static_cast<uint16_t>(random());
  next_echo_id_ = static_cast<uint16_t>(random() | 1);
}

Host::~Host() {
  // Sockets outliving the host must not call back into it.
  for (auto& [port, socks] : udp_sockets_) {
    for (UdpSocket* s : socks) s->host_ = nullptr;
  }
  for (auto& [tuple, c] : tcp_conns_) {
    c->timer_.cancel();
    c->host_ = nullptr;
  }
  for (auto& [port, l] : tcp_listeners_) l->host_ = nullptr;
}

uint32_t Host::random() {
  // splitmix64: deterministic, seeded by the host name.
  uint64_t z = (rng_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return static_cast<uint32_t>((z ^ (z >> 31)) >> 16);
}

void Host::receive(NicId id, const uint8_t* frame, size_t len) {
  if (id >= nics_.size()) return;
  Nic& nic = nic_mut(id);
  ++nic.stats_.rx_packets;
  nic.stats_.rx_bytes += len;
  if (!nic.up_) return drop(HostDrop::kNicDown);
  FlowKey key;
  HeaderOffsets ofs;
  ParseError err = flow_extract(frame, len, key, &ofs);
  if (err != ParseError::kOk) {
    ++parse_drops_[static_cast<size_t>(err)];
    return drop(HostDrop::kMalformed);
  }
  if (!key.dl_dst.is_multicast() && key.dl_dst != nic.mac_) return drop(HostDrop::kOtherMac);
  if (key.has_vlan()) return drop(HostDrop::kVlanTagged);
  switch (key.dl_type) {
    case kEthTypeArp:
      return arp_input(id, key);
    case kEthTypeIp:
      return ipv4_input(id, frame, key, ofs);
    case kEthTypeIpv6:
      return drop(HostDrop::kIpv6);
    default:
      return drop(HostDrop::kUnknownEthertype);
  }
}

void Host::nic_transmit(NicId id, uint8_t* frame, size_t len) {
  Nic& nic = nic_mut(id);
  if (!nic.up_ || !nic.tx_) return drop(HostDrop::kTxNoLink);
  ++nic.stats_.tx_packets;
  nic.stats_.tx_bytes += len;
  nic.tx_(frame, len);  // the hook must not rewire this NIC while it runs
}

void Host::set_protocol_handler(uint8_t proto, ProtocolFn fn) {
  for (auto& [p, f] : protocols_) {
    if (p == proto) {
      f = std::move(fn);
      return;
    }
  }
  protocols_.emplace_back(proto, std::move(fn));
}

uint16_t Host::icmp_open(IcmpEchoListener* listener) {
  uint16_t id = next_echo_id_++;
  while (echo_listeners_.count(id)) id = next_echo_id_++;
  echo_listeners_[id] = listener;
  return id;
}

uint64_t Host::total_drops() const {
  uint64_t n = 0;
  for (uint64_t d : drops_) n += d;
  return n;
}

}  // namespace nt
