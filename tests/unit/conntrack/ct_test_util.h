// Frames for the conntrack tests: Ethernet + IPv4/IPv6 + a transport header written byte by
// byte (TCP with seq/ack/window/flags, UDP, ICMP echo and errors), checksums computed; and
// a small driver that runs one ct() and returns the state.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "common/clock.h"
#include "conntrack/conntrack.h"
#include "packet/bytes.h"
#include "packet/checksum.h"
#include "packet/packet.h"
#include "packet/parse.h"

namespace nt::testing {

inline constexpr uint32_t ip4(int a, int b, int c, int d) {
  return uint32_t(a) << 24 | uint32_t(b) << 16 | uint32_t(c) << 8 | uint32_t(d);
}

struct Ip {  // an IPv4 (host order) or IPv6 address for the builders
  bool v6 = false;
  uint32_t v4 = 0;
  std::array<uint8_t, 16> a6{};
};
inline Ip v4(int a, int b, int c, int d) { return Ip{false, ip4(a, b, c, d), {}}; }
inline Ip v6(uint16_t last, uint16_t first = 0xfd00) {
  Ip ip;
  ip.v6 = true;
  ip.a6[0] = static_cast<uint8_t>(first >> 8);
  ip.a6[1] = static_cast<uint8_t>(first);
  ip.a6[14] = static_cast<uint8_t>(last >> 8);
  ip.a6[15] = static_cast<uint8_t>(last);
  return ip;
}

inline constexpr uint8_t kFin = 0x01, kSyn = 0x02, kRst = 0x04, kPsh = 0x08, kAck = 0x10;

// IP header bytes (no Ethernet) for `l4`, checksum valid.
inline std::vector<uint8_t> ip_header(const Ip& s, const Ip& d, uint8_t proto, size_t l4_len) {
  std::vector<uint8_t> h;
  if (!s.v6) {
    h.assign(20, 0);
    h[0] = 0x45;
    store_be16(&h[2], static_cast<uint16_t>(20 + l4_len));
    h[8] = 64;
    h[9] = proto;
    store_be32(&h[12], s.v4);
    store_be32(&h[16], d.v4);
    store_be16(&h[10], ipv4_header_checksum(h.data(), 20));
  } else {
    h.assign(40, 0);
    h[0] = 0x60;
    store_be16(&h[4], static_cast<uint16_t>(l4_len));
    h[6] = proto;
    h[7] = 64;
    std::copy(s.a6.begin(), s.a6.end(), h.begin() + 8);
    std::copy(d.a6.begin(), d.a6.end(), h.begin() + 24);
  }
  return h;
}

// A whole frame; the transport checksum is computed over `l4` (field zeroed first).
inline void frame(Packet& p, const Ip& s, const Ip& d, uint8_t proto, std::vector<uint8_t> l4) {
  std::vector<uint8_t> f(14, 0);
  f[0] = 0x02;
  f[6] = 0x02;
  f[11] = 1;
  store_be16(&f[12], s.v6 ? kEthTypeIpv6 : kEthTypeIp);
  auto ip = ip_header(s, d, proto, l4.size());
  int off = proto == kIpProtoTcp ? 16 : proto == kIpProtoUdp ? 6 : 2;
  if (l4.size() >= size_t(off + 2)) {
    store_be16(&l4[off], 0);
    uint16_t c;
    if (s.v6) {
      c = l4_checksum_ipv6(s.a6, d.a6, proto, l4.data(), l4.size());
    } else if (proto == kIpProtoIcmp) {
      c = inet_checksum(l4.data(), l4.size());
    } else {
      c = l4_checksum_ipv4(s.v4, d.v4, proto, l4.data(), l4.size());
    }
    store_be16(&l4[off], c);
  }
  f.insert(f.end(), ip.begin(), ip.end());
  f.insert(f.end(), l4.begin(), l4.end());
  p.assign(f.data(), f.size());
}

inline std::vector<uint8_t> tcp_l4(uint16_t sp, uint16_t dp, uint8_t flags, uint32_t seq,
                                   uint32_t ack, uint16_t win = 65535, size_t payload = 0) {
  std::vector<uint8_t> t(20 + payload, 0);
  store_be16(&t[0], sp);
  store_be16(&t[2], dp);
  store_be32(&t[4], seq);
  store_be32(&t[8], ack);
  t[12] = 5 << 4;
  t[13] = flags;
  store_be16(&t[14], win);
  for (size_t i = 0; i < payload; ++i) t[20 + i] = static_cast<uint8_t>(i);
  return t;
}

inline std::vector<uint8_t> udp_l4(uint16_t sp, uint16_t dp, size_t payload = 8) {
  std::vector<uint8_t> u(8 + payload, 0);
  store_be16(&u[0], sp);
  store_be16(&u[2], dp);
  store_be16(&u[4], static_cast<uint16_t>(8 + payload));
  for (size_t i = 0; i < payload; ++i) u[8 + i] = static_cast<uint8_t>(i * 7);
  return u;
}

inline std::vector<uint8_t> icmp_echo(uint8_t type, uint16_t id, uint16_t seq = 1) {
  std::vector<uint8_t> c(16, 0);
  c[0] = type;
  store_be16(&c[4], id);
  store_be16(&c[6], seq);
  return c;
}

// An ICMP error (type/code) quoting `inner_ip` + the first bytes of `inner_l4`.
inline std::vector<uint8_t> icmp_error(uint8_t type, uint8_t code, const Ip& is, const Ip& id,
                                       uint8_t proto, const std::vector<uint8_t>& inner_l4) {
  std::vector<uint8_t> c(8, 0);
  c[0] = type;
  c[1] = code;
  auto ih = ip_header(is, id, proto, inner_l4.size());
  c.insert(c.end(), ih.begin(), ih.end());
  c.insert(c.end(), inner_l4.begin(), inner_l4.end());
  return c;
}

// One packet through ct(): parses, executes, returns the ct_state.
struct CtRun {
  ManualClock clock;
  Conntrack ct{clock};
  Packet pkt;
  FlowKey key;
  HeaderOffsets ofs;
  CtMeta meta;
  CtDrop drop = CtDrop::kNone;

  uint8_t run(const CtArgs& a, bool keep_meta = false) {
    key = FlowKey{};
    ofs = HeaderOffsets{};
    EXPECT_EQ(flow_extract(pkt, key, &ofs), ParseError::kOk);
    if (!keep_meta) meta = CtMeta{};
    drop = ct.execute(pkt, key, ofs, a, meta);
    return meta.state;
  }
  uint8_t tcp(const Ip& s, const Ip& d, uint16_t sp, uint16_t dp, uint8_t flags, uint32_t seq,
              uint32_t ack, const CtArgs& a, size_t payload = 0) {
    frame(pkt, s, d, kIpProtoTcp, tcp_l4(sp, dp, flags, seq, ack, 65535, payload));
    return run(a);
  }
  uint8_t udp(const Ip& s, const Ip& d, uint16_t sp, uint16_t dp, const CtArgs& a) {
    frame(pkt, s, d, kIpProtoUdp, udp_l4(sp, dp));
    return run(a);
  }
};

inline CtArgs commit(uint16_t zone = 0) {
  CtArgs a;
  a.zone = zone;
  a.commit = true;
  return a;
}
inline CtArgs track(uint16_t zone = 0) {
  CtArgs a;
  a.zone = zone;
  return a;
}

inline CtAddr ct_addr(const Ip& ip) {
  CtAddr a;
  if (ip.v6) {
    a.b = ip.a6;
  } else {
    store_be32(a.b.data(), ip.v4);
  }
  return a;
}

inline CtNat snat(const Ip& lo, const Ip& hi, uint16_t pmin = 0, uint16_t pmax = 0) {
  CtNat n;
  n.kind = CtNat::Kind::kSrc;
  n.ipv6 = lo.v6;
  n.addr_min = ct_addr(lo);
  n.addr_max = ct_addr(hi);
  n.port_min = pmin;
  n.port_max = pmax;
  return n;
}

inline CtNat dnat(const Ip& lo, uint16_t port = 0) {
  CtNat n = snat(lo, lo, port, port);
  n.kind = CtNat::Kind::kDst;
  return n;
}

inline CtArgs with_nat(CtArgs a, CtNat n) {
  a.nat = n;
  return a;
}

inline CtArgs nat_only(uint16_t zone = 0) {
  CtArgs a = track(zone);
  a.nat.kind = CtNat::Kind::kReverseOnly;
  return a;
}

// True if the IPv4 header checksum of the frame's (outer) IP header is right.
inline bool checksums_ok(const Packet& p) { return verify_checksums(p); }

}  // namespace nt::testing
