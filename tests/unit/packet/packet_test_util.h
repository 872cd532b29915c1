// Helpers shared by the packet-layer unit tests: frame bytes, random keys, exact-size copies.
#pragma once

#include <cstdint>
#include <memory>
#include <ostream>
#include <random>
#include <vector>

#include "packet/flow_key.h"
#include "packet/packet.h"
#include "packet/parse.h"

namespace nt {
// gtest prints these by name.
inline void PrintTo(ParseError e, std::ostream* os) { *os << parse_error_name(e); }
inline void PrintTo(const MacAddr& m, std::ostream* os) { *os << m.to_string(); }
}  // namespace nt

namespace nt::testing {

inline std::vector<uint8_t> bytes_of(const Packet& p) {
  return std::vector<uint8_t>(p.data(), p.data() + p.size());
}

inline void load(Packet& p, const std::vector<uint8_t>& b) { p.assign(b.data(), b.size()); }

// A heap copy of exactly `n` bytes, so AddressSanitizer flags any read past the end.
inline std::unique_ptr<uint8_t[]> exact_copy(const uint8_t* data, size_t n) {
  std::unique_ptr<uint8_t[]> c(new uint8_t[n]);
  for (size_t i = 0; i < n; ++i) c[i] = data[i];
  return c;
}

inline MacAddr mac(uint64_t v) { return MacAddr::from_u64(v); }

inline constexpr uint32_t ip4(int a, int b, int c, int d) {
  return uint32_t(a) << 24 | uint32_t(b) << 16 | uint32_t(c) << 8 | uint32_t(d);
}

inline std::array<uint8_t, 16> ip6(uint16_t first, uint16_t last) {
  std::array<uint8_t, 16> a{};
  a[0] = first >> 8;
  a[1] = first & 0xff;
  a[14] = last >> 8;
  a[15] = last & 0xff;
  return a;
}

// A random key of a shape flow_extract() can produce (see build.h for what composes).
inline FlowKey random_key(std::mt19937_64& rng) {
  auto r = [&](uint64_t n) { return rng() % n; };
  FlowKey k;
  k.in_port = static_cast<uint32_t>(r(64));
  if (r(4) == 0) {
    k.tun_id = r(1 << 24) + 1;
    k.tun_src = static_cast<uint32_t>(rng());
    k.tun_dst = static_cast<uint32_t>(rng());
  }
  k.dl_src = MacAddr::from_u64(rng() & 0xffffffffffffULL);
  k.dl_dst = MacAddr::from_u64(rng() & 0xffffffffffffULL);
  int tags = static_cast<int>(r(3));
  if (tags >= 1) k.vlan_tci = static_cast<uint16_t>((rng() & 0xefff) | kVlanCfi);
  if (tags == 2) k.vlan_tci2 = static_cast<uint16_t>((rng() & 0xefff) | kVlanCfi);
  switch (r(6)) {
    case 0:
      k.dl_type = kEthTypeArp;
      k.nw_proto = static_cast<uint8_t>(rng());
      k.arp_sha = MacAddr::from_u64(rng() & 0xffffffffffffULL);
      k.arp_tha = MacAddr::from_u64(rng() & 0xffffffffffffULL);
      k.nw_src = static_cast<uint32_t>(rng());
      k.nw_dst = static_cast<uint32_t>(rng());
      return k;
    case 1:
    case 2: {
      k.dl_type = kEthTypeIp;
      k.nw_src = static_cast<uint32_t>(rng());
      k.nw_dst = static_cast<uint32_t>(rng());
      static const uint8_t protos[] = {kIpProtoIcmp, kIpProtoTcp, kIpProtoUdp, kIpProtoGre, 0, 89};
      k.nw_proto = protos[r(6)];
      break;
    }
    case 3: {
      k.dl_type = kEthTypeIpv6;
      for (auto& b : k.ipv6_src) b = static_cast<uint8_t>(rng());
      for (auto& b : k.ipv6_dst) b = static_cast<uint8_t>(rng());
      static const uint8_t protos[] = {kIpProtoIcmpv6, kIpProtoTcp, kIpProtoUdp, 59, 132, 1};
      k.nw_proto = protos[r(6)];
      break;
    }
    case 4:
      k.dl_type = kEthTypeNone;
      return k;
    default:
      k.dl_type = static_cast<uint16_t>(0x88cc + r(16));
      return k;
  }
  k.nw_tos = static_cast<uint8_t>(rng());
  k.nw_ttl = static_cast<uint8_t>(rng());
  static const uint8_t frags[] = {0, 0, kFragAny, kFragAny | kFragLater};
  k.nw_frag = frags[r(4)];
  if (k.nw_frag & kFragLater) return k;
  bool ipv6 = k.is_ipv6();
  if (k.nw_proto == kIpProtoTcp || k.nw_proto == kIpProtoUdp) {
    k.tp_src = static_cast<uint16_t>(rng());
    k.tp_dst = static_cast<uint16_t>(rng());
  } else if (k.nw_proto == (ipv6 ? kIpProtoIcmpv6 : kIpProtoIcmp)) {
    k.tp_src = static_cast<uint16_t>(r(256));
    k.tp_dst = static_cast<uint16_t>(r(256));
  }
  return k;
}

}  // namespace nt::testing

namespace nt::testing {

// Writes frames byte by byte, big-endian, for tests that must not depend on compose_packet().
struct Bytes {
  std::vector<uint8_t> v;
  Bytes& u8(uint8_t x) {
    v.push_back(x);
    return *this;
  }
  Bytes& u16(uint16_t x) { return u8(x >> 8).u8(x & 0xff); }
  Bytes& u32(uint32_t x) { return u16(x >> 16).u16(x & 0xffff); }
  Bytes& mac(uint64_t m) {
    for (int i = 5; i >= 0; --i) u8(static_cast<uint8_t>(m >> (8 * i)));
    return *this;
  }
  Bytes& zeros(size_t n) {
    v.insert(v.end(), n, 0);
    return *this;
  }
  Bytes& raw(const std::vector<uint8_t>& b) {
    v.insert(v.end(), b.begin(), b.end());
    return *this;
  }
  Bytes& eth(uint64_t dst, uint64_t src, uint16_t type) { return mac(dst).mac(src).u16(type); }
  // IPv4 header (checksum left zero: the parser does not check it).
  Bytes& ipv4(uint32_t src, uint32_t dst, uint8_t proto, uint16_t payload, uint16_t frag = 0,
              uint8_t tos = 0, uint8_t ttl = 64) {
    return u8(0x45)
        .u8(tos)
        .u16(20 + payload)
        .u16(0)
        .u16(frag)
        .u8(ttl)
        .u8(proto)
        .u16(0)
        .u32(src)
        .u32(dst);
  }
  Bytes& ipv6(uint8_t next, uint16_t payload, uint8_t tc = 0, uint8_t hlim = 64) {
    u32(6u << 28 | uint32_t{tc} << 20).u16(payload).u8(next).u8(hlim);
    for (int i = 0; i < 16; ++i) u8(static_cast<uint8_t>(0x20 + i));
    for (int i = 0; i < 16; ++i) u8(static_cast<uint8_t>(0x40 + i));
    return *this;
  }
  size_t size() const { return v.size(); }
};

}  // namespace nt::testing
