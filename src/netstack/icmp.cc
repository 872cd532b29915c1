// ICMP: echo replies, errors raised by this host, errors delivered to their senders.
#include <algorithm>
#include <array>

#include "netstack/host.h"
#include "packet/bytes.h"
#include "packet/checksum.h"

namespace nt {

namespace {

// RFC 1812 §4.3.2.3: quote as much of the original as fits in a 576-byte error.
constexpr size_t kIcmpErrorMax = 576 - kIpv4HeaderLen;
constexpr size_t kIcmpHeaderLen = 8;

bool is_error_type(uint8_t type) {
  return type == kIcmpDestUnreachable || type == 4 || type == 5 || type == kIcmpTimeExceeded ||
         type == kIcmpParamProblem;
}

}  // namespace

void Host::icmp_input(const IpRx& rx) {
  if (rx.l4_len < kIcmpHeaderLen) return drop(HostDrop::kIcmpTruncated);
  if (inet_checksum(rx.l4, rx.l4_len) != 0) return drop(HostDrop::kIcmpBadChecksum);
  uint8_t type = rx.l4[0];
  if (type == kIcmpEchoRequest) {
    if (rx.ip_broadcast || rx.l2_multicast) return drop(HostDrop::kIcmpBroadcastEcho);
    return icmp_echo_reply(rx);
  }
  if (type == kIcmpEchoReply) {
    auto it = echo_listeners_.find(load_be16(rx.l4 + 4));
    if (it == echo_listeners_.end()) return drop(HostDrop::kIcmpNoListener);
    IcmpEchoReply reply{rx.src, rx.dst, load_be16(rx.l4 + 4),   load_be16(rx.l4 + 6),
                        rx.ttl, rx.nic, rx.l4 + kIcmpHeaderLen, rx.l4_len - kIcmpHeaderLen};
    return it->second->on_echo_reply(reply);
  }
  if (type == kIcmpDestUnreachable || type == kIcmpTimeExceeded || type == kIcmpParamProblem) {
    return icmp_error_input(rx);
  }
  drop(HostDrop::kIcmpUnhandledType);
}

void Host::icmp_echo_reply(const IpRx& rx) {
  // Same message with type 0: only the first word and the checksum change, and the data
  // goes out straight from the received frame.
  uint8_t head[kIcmpHeaderLen];
  std::copy_n(rx.l4, kIcmpHeaderLen, head);
  uint16_t old_word = load_be16(head);
  head[0] = kIcmpEchoReply;
  store_be16(head + 2, csum_update16(load_be16(head + 2), old_word, load_be16(head)));
  IpSend p;
  p.dst = rx.src;
  p.src = rx.dst;
  p.proto = kIpProtoIcmp;
  p.tos = rx.tos;
  (void)send_ip(p, {head, kIcmpHeaderLen}, {rx.l4 + kIcmpHeaderLen, rx.l4_len - kIcmpHeaderLen});
}

void Host::icmp_send_error(const IpRx& orig, uint8_t type, uint8_t code, uint16_t mtu) {
  // RFC 1122 §3.2.2: never about an ICMP error, a broadcast or multicast, or a packet whose
  // source does not name a single host.
  if (orig.proto == kIpProtoIcmp && (orig.l4_len == 0 || is_error_type(orig.l4[0]))) return;
  if (orig.ip_broadcast || orig.l2_multicast || is_ipv4_multicast(orig.dst)) return;
  if (is_ipv4_martian(orig.src)) return;
  std::array<uint8_t, kIcmpErrorMax> msg{};
  size_t quote = std::min(orig.ip_len, kIcmpErrorMax - kIcmpHeaderLen);
  msg[0] = type;
  msg[1] = code;
  store_be16(msg.data() + 6, mtu);
  std::copy_n(orig.ip, quote, msg.data() + kIcmpHeaderLen);
  size_t len = kIcmpHeaderLen + quote;
  store_be16(msg.data() + 2, inet_checksum(msg.data(), len));
  IpSend p;
  p.dst = orig.src;
  // From the address the packet was sent to if it was ours, else as the route back chooses
  // (the interface facing the sender, which is what traceroute prints).
  p.src = is_local_address(orig.dst) ? orig.dst : 0;
  p.proto = kIpProtoIcmp;
  p.tos = 0xc0;  // internetwork control, as Linux marks its errors
  (void)send_ip(p, {msg.data(), len});
}

void Host::icmp_error_for_frame(const uint8_t* frame, size_t len, uint8_t type, uint8_t code) {
  if (len < kEthHeaderLen + kIpv4HeaderLen) return;
  IpRx rx = parse_ip_rx(kNoNic, frame, kEthHeaderLen);
  if (rx.ip_len > len - kEthHeaderLen || rx.ihl < kIpv4HeaderLen || rx.ip_len < rx.ihl) return;
  rx.l2_multicast = false;
  icmp_send_error(rx, type, code);
}

void Host::icmp_error_input(const IpRx& rx) {
  const uint8_t* q = rx.l4 + kIcmpHeaderLen;
  size_t qlen = rx.l4_len - kIcmpHeaderLen;
  size_t qihl = qlen >= kIpv4HeaderLen ? size_t{q[0] & 0x0fu} * 4 : 0;
  if (qihl < kIpv4HeaderLen || q[0] >> 4 != 4 || qlen < qihl + 8) {
    return drop(HostDrop::kIcmpTruncated);
  }
  IcmpError e;
  e.type = rx.l4[0];
  e.code = rx.l4[1];
  e.from = rx.src;
  e.ttl = rx.ttl;
  e.nic = rx.nic;
  e.local = rx.looped;
  e.orig_src = load_be32(q + 12);
  e.orig_dst = load_be32(q + 16);
  e.orig_proto = q[9];
  const uint8_t* ql4 = q + qihl;
  bool echo = e.orig_proto == kIpProtoIcmp && ql4[0] == kIcmpEchoRequest;
  e.orig_sport = load_be16(ql4 + (echo ? 4 : 0));
  e.orig_dport = load_be16(ql4 + (echo ? 6 : 2));
  if (e.type == kIcmpDestUnreachable && e.code == kIcmpFragNeeded)
    e.next_hop_mtu = load_be16(rx.l4 + 6);
  if (!is_local_address(e.orig_src)) return drop(HostDrop::kIcmpNoListener);
  if (echo) {
    auto it = echo_listeners_.find(e.orig_sport);
    if (it == echo_listeners_.end()) return drop(HostDrop::kIcmpNoListener);
    return it->second->on_icmp_error(e);
  }
  if (e.orig_proto == kIpProtoUdp) {
    auto it = udp_sockets_.find(e.orig_sport);
    if (it != udp_sockets_.end()) {
      for (UdpSocket* s : it->second) {
        if ((s->addr_ == 0 || s->addr_ == e.orig_src) && s->on_error_) return s->on_error_(e);
      }
    }
  }
  drop(HostDrop::kIcmpNoListener);
}

}  // namespace nt
