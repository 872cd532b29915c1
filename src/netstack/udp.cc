// UDP: sockets, demultiplexing, port unreachable.
#include "netstack/udp.h"

#include <algorithm>

#include "netstack/host.h"
#include "packet/bytes.h"
#include "packet/checksum.h"

namespace nt {

UdpSocket::~UdpSocket() {
  if (host_) host_->udp_unbind(this);
}

Status UdpSocket::sendto(uint32_t dst, uint16_t dport, const uint8_t* data, size_t len,
                         const UdpSendOptions& opts) {
  if (host_ == nullptr) return make_error("socket's host is gone", ErrorCode::kInternal);
  return host_->udp_send(*this, dst, dport, data, len, opts);
}

Result<std::unique_ptr<UdpSocket>> Host::udp_open(uint16_t port, uint32_t addr, NicId device) {
  if (addr != 0 && !is_local_address(addr)) return make_error("Cannot assign requested address");
  auto in_use = [&](uint16_t p) {
    auto it = udp_sockets_.find(p);
    if (it == udp_sockets_.end()) return false;
    return std::any_of(it->second.begin(), it->second.end(), [&](const UdpSocket* s) {
      bool same_dev = s->nic_ == device || s->nic_ == kNoNic || device == kNoNic;
      return s->addr_ == addr && same_dev;
    });
  };
  if (port == 0) {
    for (int tries = kEphemeralLast - kEphemeralFirst + 1; tries > 0 && port == 0; --tries) {
      uint16_t p = next_ephemeral_;
      next_ephemeral_ = p == kEphemeralLast ? kEphemeralFirst : p + 1;
      if (!in_use(p)) port = p;
    }
    if (port == 0) return make_error("no free ephemeral port", ErrorCode::kConflict);
  } else if (in_use(port)) {
    return make_error("Address already in use", ErrorCode::kConflict);
  }
  std::unique_ptr<UdpSocket> s(new UdpSocket(*this, addr, port));
  s->nic_ = device;
  udp_sockets_[port].push_back(s.get());
  return s;
}

void Host::udp_unbind(UdpSocket* s) {
  auto it = udp_sockets_.find(s->port_);
  if (it == udp_sockets_.end()) return;
  std::erase(it->second, s);
  if (it->second.empty()) udp_sockets_.erase(it);
}

Status Host::udp_send(const UdpSocket& s, uint32_t dst, uint16_t dport, const uint8_t* data,
                      size_t len, const UdpSendOptions& o) {
  if (len > kMaxMtu) return make_error("Message too long");
  uint8_t h[kUdpHeaderLen];
  store_be16(h, o.sport ? o.sport : s.port_);
  store_be16(h + 2, dport);
  store_be16(h + 4, static_cast<uint16_t>(kUdpHeaderLen + len));
  store_be16(h + 6, 0);
  IpSend p;
  p.dst = dst;
  p.src = o.src ? o.src : s.addr_;
  p.proto = kIpProtoUdp;
  p.ttl = o.ttl;
  p.dont_fragment = o.dont_fragment;
  p.nic = s.nic_;
  p.dst_mac = o.dst_mac;
  p.udp_checksum = true;
  return send_ip(p, {h, kUdpHeaderLen}, {data, len});
}

UdpSocket* Host::udp_lookup(const IpRx& rx, uint16_t port, bool unconfigured) const {
  auto it = udp_sockets_.find(port);
  if (it == udp_sockets_.end()) return nullptr;
  UdpSocket* best = nullptr;
  int best_score = -1;
  for (UdpSocket* s : it->second) {
    int score = 0;
    if (unconfigured) {
      if (!s->accept_unconfigured_ || s->nic_ != rx.nic) continue;
    } else {
      if (s->addr_ != 0 && s->addr_ != rx.dst) continue;
      if (s->nic_ != kNoNic && s->nic_ != rx.nic) continue;
      score = (s->addr_ != 0 ? 2 : 0) + (s->nic_ != kNoNic ? 1 : 0);
    }
    if (score > best_score) {
      best = s;
      best_score = score;
    }
  }
  return best;
}

bool Host::udp_wants_unconfigured(const IpRx& rx) const {
  if (rx.l4_len < kUdpHeaderLen || rx.l2_multicast) return false;
  return udp_lookup(rx, load_be16(rx.l4 + 2), true) != nullptr;
}

void Host::udp_input(const IpRx& rx, bool unconfigured) {
  if (rx.l4_len < kUdpHeaderLen) return drop(HostDrop::kUdpBadLength);
  uint16_t ulen = load_be16(rx.l4 + 4);
  if (ulen < kUdpHeaderLen || ulen > rx.l4_len) return drop(HostDrop::kUdpBadLength);
  if (load_be16(rx.l4 + 6) != 0) {
    uint32_t sum = ipv4_pseudo_header_sum(rx.src, rx.dst, kIpProtoUdp, ulen);
    if (csum_finish(csum_add(sum, rx.l4, ulen)) != 0) return drop(HostDrop::kUdpBadChecksum);
  }
  uint16_t dport = load_be16(rx.l4 + 2);
  UdpSocket* s = udp_lookup(rx, dport, unconfigured);
  if (s == nullptr || !s->on_receive_) {
    if (!unconfigured) icmp_send_error(rx, kIcmpDestUnreachable, kIcmpPortUnreachable);
    return drop(HostDrop::kUdpNoSocket);
  }
  UdpDatagram d;
  d.src = rx.src;
  d.dst = rx.dst;
  d.sport = load_be16(rx.l4);
  d.dport = dport;
  d.ttl = rx.ttl;
  d.nic = rx.nic;
  d.src_mac = rx.src_mac;
  d.data = rx.l4 + kUdpHeaderLen;
  d.len = ulen - kUdpHeaderLen;
  s->on_receive_(d);
}

}  // namespace nt
