// IPv4: input, local delivery, forwarding, output (routing, source selection, ARP).
#include <array>
#include <cstring>

#include "netstack/host.h"
#include "netstack/netfilter.h"
#include "packet/bytes.h"
#include "packet/checksum.h"

namespace nt {

namespace {

constexpr uint16_t kIpDf = 0x4000;

void write_ipv4_header(uint8_t* ip, size_t total, uint16_t id, const IpSend& p, uint32_t src,
                       uint8_t ttl) {
  ip[0] = 0x45;
  ip[1] = p.tos;
  store_be16(ip + 2, static_cast<uint16_t>(total));
  store_be16(ip + 4, id);
  store_be16(ip + 6, p.dont_fragment ? kIpDf : 0);
  ip[8] = ttl;
  ip[9] = p.proto;
  store_be16(ip + 10, 0);
  store_be32(ip + 12, src);
  store_be32(ip + 16, p.dst);
  store_be16(ip + 10, ipv4_header_checksum(ip, kIpv4HeaderLen));
}

}  // namespace

Host::IpRx Host::parse_ip_rx(NicId id, const uint8_t* frame, size_t l3) const {
  IpRx rx;
  rx.nic = id;
  rx.ip = frame + l3;
  rx.ihl = size_t{rx.ip[0] & 0x0fu} * 4;
  rx.ip_len = load_be16(rx.ip + 2);
  rx.l4 = rx.ip + rx.ihl;
  rx.l4_len = rx.ip_len - rx.ihl;
  rx.tos = rx.ip[1];
  rx.df = load_be16(rx.ip + 6) & kIpDf;
  rx.ttl = rx.ip[8];
  rx.proto = rx.ip[9];
  rx.src = load_be32(rx.ip + 12);
  rx.dst = load_be32(rx.ip + 16);
  rx.src_mac = load_mac(frame + 6);
  rx.l2_multicast = frame[0] & 1;
  rx.ip_broadcast = id != kNoNic && is_broadcast_on(id, rx.dst);
  return rx;
}

void Host::ipv4_input(NicId id, const uint8_t* frame, const FlowKey& key,
                      const HeaderOffsets& ofs) {
  IpRx rx = parse_ip_rx(id, frame, ofs.l3);
  if (!ipv4_header_checksum_ok(rx.ip, rx.ihl)) return drop(HostDrop::kIpBadChecksum);
  if (key.nw_frag) return drop(HostDrop::kIpFragment);  // no reassembly
  // Source 0.0.0.0 is legal only from a client asking for an address (DHCP broadcast).
  bool bad_src = rx.src == 0 ? !rx.ip_broadcast : is_ipv4_martian(rx.src);
  if (bad_src || is_ipv4_loopback(rx.src) || is_ipv4_loopback(rx.dst)) {
    return drop(HostDrop::kIpMartian);
  }
  if (nf_ && nf_->active()) return ipv4_input_nf(rx, frame);
  if (rx.ip_broadcast || is_local_address(rx.dst)) return ip_local_deliver(rx);
  if (rx.proto == kIpProtoUdp && udp_wants_unconfigured(rx)) return udp_input(rx, true);
  if (forwarding_ && !rx.l2_multicast && !is_ipv4_multicast(rx.dst)) return ip_forward(rx);
  drop(HostDrop::kIpNotForUs);
}

// PREROUTING on a copy of the frame (NAT rewrites it), routing on the translated destination,
// then INPUT before local delivery or FORWARD and POSTROUTING in ip_forward.
void Host::ipv4_input_nf(const IpRx& in, const uint8_t* frame) {
  std::array<uint8_t, kMaxFrame> buf;
  size_t l3 = static_cast<size_t>(in.ip - frame);
  size_t len = l3 + in.ip_len;
  std::memcpy(buf.data(), frame, len);
  NfPass pass;
  pass.in = in.nic;
  if (!nf_ok(nf_->prerouting(buf.data(), len, pass))) return;
  IpRx rx = parse_ip_rx(in.nic, buf.data(), l3);
  if (rx.ip_broadcast || is_local_address(rx.dst)) {
    if (!nf_ok(nf_->input(buf.data(), len, pass))) return;
    return ip_local_deliver(rx);
  }
  if (rx.proto == kIpProtoUdp && udp_wants_unconfigured(rx)) return udp_input(rx, true);
  if (forwarding_ && !rx.l2_multicast && !is_ipv4_multicast(rx.dst)) return ip_forward(rx, &pass);
  drop(HostDrop::kIpNotForUs);
}

bool Host::nf_ok(NfVerdict v) {
  if (v == NfVerdict::kAccept) return true;
  drop(v == NfVerdict::kDrop ? HostDrop::kNetfilterDrop : HostDrop::kNetfilterCtDrop);
  return false;
}

Netfilter& Host::netfilter() {
  if (!nf_) nf_ = std::make_unique<Netfilter>(*this);
  return *nf_;
}

void Host::ip_local_deliver(const IpRx& rx) {
  if (encap_ && !rx.ip_broadcast && encap_input(rx)) return;
  switch (rx.proto) {
    case kIpProtoIcmp:
      return icmp_input(rx);
    case kIpProtoUdp:
      return udp_input(rx, false);
    case kIpProtoTcp:
      return tcp_input(rx);
    default:
      break;
  }
  for (const auto& [proto, fn] : protocols_) {
    if (proto == rx.proto && fn) {
      return fn(IpPacketView{rx.nic, rx.src, rx.dst, rx.proto, rx.ttl, rx.l4, rx.l4_len});
    }
  }
  if (!rx.ip_broadcast) icmp_send_error(rx, kIcmpDestUnreachable, kIcmpProtoUnreachable);
  drop(HostDrop::kIpUnknownProtocol);
}

void Host::ip_forward(const IpRx& rx, NfPass* nf) {
  if (rx.ttl <= 1) {
    icmp_send_error(rx, kIcmpTimeExceeded, 0);
    return drop(HostDrop::kIpTtlExceeded);
  }
  const Route* route = routes_.lookup(rx.dst);
  if (route == nullptr) {
    icmp_send_error(rx, kIcmpDestUnreachable, kIcmpNetUnreachable);
    return drop(HostDrop::kIpNoRoute);
  }
  NicId out = route->nic;
  uint32_t next_hop = route->gateway ? route->gateway : rx.dst;
  if (is_broadcast_on(out, rx.dst)) return drop(HostDrop::kIpNotForUs);  // directed broadcast
  uint16_t mtu = nics_[out]->mtu_;
  if (rx.ip_len > mtu) {
    if (rx.df) icmp_send_error(rx, kIcmpDestUnreachable, kIcmpFragNeeded, mtu);
    return drop(HostDrop::kIpTooBig);  // no fragmentation
  }
  std::array<uint8_t, kMaxFrame> buf;
  uint8_t* ip = buf.data() + kEthHeaderLen;
  std::memcpy(ip, rx.ip, rx.ip_len);
  uint16_t old_word = load_be16(ip + 8);
  --ip[8];
  store_be16(ip + 10, csum_update16(load_be16(ip + 10), old_word, load_be16(ip + 8)));
  size_t len = kEthHeaderLen + rx.ip_len;
  if (nf) {
    nf->out = out;
    if (!nf_ok(nf_->forward(buf.data(), len, *nf))) return;
    if (!nf_ok(nf_->postrouting(buf.data(), len, *nf))) return;
  }
  eth_output_ip(out, next_hop, buf.data(), len, nullptr);
}

Result<Host::OutRoute> Host::route_output(uint32_t dst, NicId bound, uint32_t src) const {
  if (nics_.empty()) return make_error("Network is unreachable");
  if (dst == kIpv4Broadcast) {
    NicId id = bound != kNoNic ? bound : nics_.size() == 1 ? 0 : kNoNic;
    if (id == kNoNic) return make_error("Network is unreachable (broadcast needs a device)");
    return OutRoute{id, dst, src ? src : nics_[id]->primary_address(), false};
  }
  if (is_local_address(dst)) {
    NicId owner = 0;
    for (NicId i = 0; i < nics_.size(); ++i) {
      for (const IfAddr& a : nics_[i]->addrs_) owner = a.addr == dst ? i : owner;
    }
    return OutRoute{owner, dst, src ? src : dst, true};
  }
  const Route* r = routes_.lookup(dst, bound);
  if (r == nullptr) return make_error("Network is unreachable");
  OutRoute out{r->nic, r->gateway ? r->gateway : dst, src, false};
  if (out.src == 0) out.src = r->src ? r->src : select_source(r->nic, out.next_hop);
  if (out.src == 0) return make_error("Cannot assign requested address");
  return out;
}

Status Host::send_ip(const IpSend& p, std::span<const uint8_t> head,
                     std::span<const uint8_t> body) {
  size_t total = kIpv4HeaderLen + head.size() + body.size();
  Result<OutRoute> r = route_output(p.dst, p.nic, p.src);
  if (!r) {
    drop(HostDrop::kIpNoRoute);
    return r.error();
  }
  if (total > (r->local ? kMaxMtu : nics_[r->nic]->mtu_)) {
    drop(HostDrop::kIpTooBig);
    return make_error("Message too long");
  }
  std::array<uint8_t, kMaxFrame> buf;
  uint8_t* ip = buf.data() + kEthHeaderLen;
  write_ipv4_header(ip, total, ip_id_++, p, r->src, p.ttl ? p.ttl : kDefaultTtl);
  uint8_t* l4 = ip + kIpv4HeaderLen;
  if (!head.empty()) std::memcpy(l4, head.data(), head.size());
  if (!body.empty()) std::memcpy(l4 + head.size(), body.data(), body.size());
  if (p.udp_checksum && p.proto == kIpProtoUdp) {
    size_t l4_len = total - kIpv4HeaderLen;
    store_be16(l4 + 6, 0);
    store_be16(l4 + 6, l4_checksum_ipv4(r->src, p.dst, kIpProtoUdp, l4, l4_len));
  }
  size_t len = kEthHeaderLen + total;
  if (nf_ && nf_->active()) {
    Result<OutRoute> routed = nf_output(buf.data(), len, p, *r);
    if (!routed) return routed.error();
    r = routed;
  }
  if (r->local) {
    store_mac(buf.data(), nics_[r->nic]->mac_);
    store_mac(buf.data() + 6, nics_[r->nic]->mac_);
    store_be16(buf.data() + 12, kEthTypeIp);
    deliver_locally(r->nic, buf.data(), len);
  } else {
    eth_output_ip(r->nic, r->next_hop, buf.data(), len, p.dst_mac);
  }
  return ok_status();
}

// OUTPUT (DNAT there routes the packet again) and, for a packet that leaves, POSTROUTING.
Result<Host::OutRoute> Host::nf_output(uint8_t* frame, size_t len, const IpSend& p, OutRoute r) {
  NfPass pass;
  pass.out = r.local ? kNoNic : r.nic;
  if (!nf_ok(nf_->output(frame, len, pass))) return make_error("Operation not permitted");
  uint32_t dst = load_be32(frame + kEthHeaderLen + 16);
  if (dst != p.dst) {
    Result<OutRoute> again = route_output(dst, p.nic, load_be32(frame + kEthHeaderLen + 12));
    if (!again) {
      drop(HostDrop::kIpNoRoute);
      return again.error();
    }
    r = *again;
  }
  if (r.local) return r;
  pass.out = r.nic;
  if (!nf_ok(nf_->postrouting(frame, len, pass))) return make_error("Operation not permitted");
  return r;
}

std::optional<MacAddr> Host::l2_destination(NicId id, uint32_t next_hop) const {
  if (is_broadcast_on(id, next_hop)) return MacAddr::from_u64(0xffffffffffffULL);
  if (is_ipv4_multicast(next_hop))
    return MacAddr::from_u64(0x01005e000000ULL | (next_hop & 0x7fffff));
  return std::nullopt;
}

void Host::eth_output_ip(NicId id, uint32_t next_hop, uint8_t* frame, size_t len,
                         const MacAddr* dst_mac) {
  Nic& nic = nic_mut(id);
  store_mac(frame + 6, nic.mac_);
  store_be16(frame + 12, kEthTypeIp);
  std::optional<MacAddr> l2 =
      dst_mac ? std::optional<MacAddr>(*dst_mac) : l2_destination(id, next_hop);
  if (!l2) {
    const MacAddr* known = nic.arp_.lookup(next_hop, now_us());
    if (known == nullptr) return arp_enqueue(id, next_hop, frame, len);
    l2 = *known;
  }
  store_mac(frame, *l2);
  nic_transmit(id, frame, len);
}

void Host::deliver_locally(NicId id, const uint8_t* frame, size_t len) {
  IpRx rx = parse_ip_rx(kNoNic, frame, kEthHeaderLen);
  rx.nic = id;
  rx.looped = true;
  rx.src_mac = nics_[id]->mac_;
  ip_local_deliver(rx);
}

}  // namespace nt
