#include "packet/parse.h"

#include "packet/bytes.h"

namespace nt {

std::string_view parse_error_name(ParseError e) {
  switch (e) {
#define NT_PARSE_NAME(name, str) \
  case ParseError::name:         \
    return str;
    NT_PARSE_ERRORS(NT_PARSE_NAME)
#undef NT_PARSE_NAME
    case ParseError::kCount:
      break;
  }
  return "unknown";
}

namespace {

constexpr size_t kEthLen = 14;
constexpr size_t kVlanLen = 4;
constexpr size_t kArpLen = 28;  // Ethernet/IPv4 ARP
constexpr size_t kIpv4MinLen = 20;
constexpr size_t kIpv6Len = 40;

bool is_vlan_tpid(uint16_t type) { return type == kEthTypeVlan || type == kEthTypeQinQ; }

// Ethernet and up to two VLAN tags. On success `l3` is the offset after them.
ParseError parse_l2(const uint8_t* p, size_t len, FlowKey& key, HeaderOffsets& o, size_t& l3) {
  if (len < kEthLen) return ParseError::kTruncatedEth;
  key.dl_dst = load_mac(p);
  key.dl_src = load_mac(p + 6);
  uint16_t type = load_be16(p + 12);
  size_t off = kEthLen;
  for (int i = 0; i < 2 && is_vlan_tpid(type); ++i) {
    if (len - off < kVlanLen) return ParseError::kTruncatedVlan;
    uint16_t tci = load_be16(p + off) | kVlanCfi;
    if (i == 0) {
      key.vlan_tci = tci;
      o.l2_5 = static_cast<uint16_t>(off);
    } else {
      key.vlan_tci2 = tci;
    }
    type = load_be16(p + off + 2);
    off += kVlanLen;
  }
  key.dl_type = type < 0x600 ? kEthTypeNone : type;
  l3 = off;
  return ParseError::kOk;
}

ParseError parse_arp(const uint8_t* p, size_t n, FlowKey& key) {
  if (n < 8) return ParseError::kTruncatedArp;
  if (load_be16(p) != 1 || load_be16(p + 2) != kEthTypeIp || p[4] != 6 || p[5] != 4) {
    return ParseError::kBadArp;
  }
  if (n < kArpLen) return ParseError::kTruncatedArp;
  key.nw_proto = static_cast<uint8_t>(load_be16(p + 6));
  key.arp_sha = load_mac(p + 8);
  key.nw_src = load_be32(p + 14);
  key.arp_tha = load_mac(p + 18);
  key.nw_dst = load_be32(p + 24);
  return ParseError::kOk;
}

// Transport ports (TCP/UDP) or ICMP type/code from the first `n` bytes of the L4 header.
ParseError parse_l4(const uint8_t* p, size_t n, uint8_t proto, bool ipv6, FlowKey& key) {
  size_t need = 0;
  if (proto == kIpProtoTcp) {
    need = 20;
  } else if (proto == kIpProtoUdp) {
    need = 8;
  } else if ((proto == kIpProtoIcmp && !ipv6) || (proto == kIpProtoIcmpv6 && ipv6)) {
    if (n < 4) return ParseError::kTruncatedL4;
    key.tp_src = p[0];
    key.tp_dst = p[1];
    return ParseError::kOk;
  } else {
    return ParseError::kOk;
  }
  if (n < need) return ParseError::kTruncatedL4;
  key.tp_src = load_be16(p);
  key.tp_dst = load_be16(p + 2);
  if (proto == kIpProtoTcp) key.tcp_flags = load_be16(p + 12) & 0x0fff;
  return ParseError::kOk;
}

ParseError parse_ipv4(const uint8_t* p, size_t n, size_t l3, FlowKey& key, HeaderOffsets& o) {
  if (n < kIpv4MinLen) return ParseError::kTruncatedIpv4;
  size_t ihl = size_t{p[0] & 0x0fu} * 4;
  if (p[0] >> 4 != 4 || ihl < kIpv4MinLen) return ParseError::kBadIpv4Header;
  if (n < ihl) return ParseError::kTruncatedIpv4;
  size_t total = load_be16(p + 2);
  if (total < ihl) return ParseError::kBadIpv4Header;
  if (total > n) return ParseError::kTruncatedIpv4;
  key.nw_tos = p[1];
  key.nw_ttl = p[8];
  key.nw_proto = p[9];
  key.nw_src = load_be32(p + 12);
  key.nw_dst = load_be32(p + 16);
  uint16_t frag = load_be16(p + 6);
  if (frag & 0x3fff) key.nw_frag = kFragAny;  // MF set or offset != 0
  if (frag & 0x1fff) {
    key.nw_frag |= kFragLater;
    return ParseError::kOk;  // no transport header in a later fragment
  }
  o.l4 = static_cast<uint16_t>(l3 + ihl);
  return parse_l4(p + ihl, total - ihl, key.nw_proto, false, key);
}

bool is_ipv6_ext(uint8_t nh) { return nh == 0 || nh == 43 || nh == 44 || nh == 60; }

// Walks hop-by-hop, routing, fragment and destination-options headers starting at `pos`
// (relative to the IPv6 header). Leaves `nh` at the upper-layer protocol and `pos` after
// the last extension header. AH and ESP are not walked: they become nw_proto.
ParseError walk_ipv6_ext(const uint8_t* p, size_t n, uint8_t& nh, size_t& pos, FlowKey& key) {
  while (is_ipv6_ext(nh)) {
    if (n - pos < 8) return ParseError::kTruncatedIpv6;
    const uint8_t* h = p + pos;
    if (nh == 44) {
      uint16_t offlg = load_be16(h + 2);
      key.nw_frag = kFragAny;
      if (offlg & 0xfff8) key.nw_frag |= kFragLater;
      nh = h[0];
      pos += 8;
      if (key.nw_frag & kFragLater) break;
      continue;
    }
    size_t hlen = (size_t{h[1]} + 1) * 8;
    if (n - pos < hlen) return ParseError::kTruncatedIpv6;
    nh = h[0];
    pos += hlen;
  }
  return ParseError::kOk;
}

ParseError parse_ipv6(const uint8_t* p, size_t n, size_t l3, FlowKey& key, HeaderOffsets& o) {
  if (n < kIpv6Len) return ParseError::kTruncatedIpv6;
  if (p[0] >> 4 != 6) return ParseError::kBadIpv6Header;
  size_t total = kIpv6Len + load_be16(p + 4);
  if (total > n) return ParseError::kTruncatedIpv6;
  key.nw_tos = static_cast<uint8_t>((p[0] & 0x0f) << 4 | p[1] >> 4);
  key.nw_ttl = p[7];
  for (int i = 0; i < 16; ++i) {
    key.ipv6_src[i] = p[8 + i];
    key.ipv6_dst[i] = p[24 + i];
  }
  uint8_t nh = p[6];
  size_t pos = kIpv6Len;
  key.nw_proto = nh;
  ParseError err = walk_ipv6_ext(p, total, nh, pos, key);
  key.nw_proto = nh;
  if (err != ParseError::kOk || (key.nw_frag & kFragLater)) return err;
  o.l4 = static_cast<uint16_t>(l3 + pos);
  return parse_l4(p + pos, total - pos, nh, true, key);
}

ParseError extract_frame(const uint8_t* data, size_t len, FlowKey& key, HeaderOffsets* ofs) {
  HeaderOffsets local;
  HeaderOffsets& o = ofs ? *ofs : local;
  o = HeaderOffsets{};
  size_t l3 = 0;
  ParseError err = parse_l2(data, len, key, o, l3);
  if (err != ParseError::kOk) return err;
  const uint8_t* p = data + l3;
  size_t n = len - l3;
  switch (key.dl_type) {
    case kEthTypeArp:
      o.l3 = static_cast<uint16_t>(l3);
      return parse_arp(p, n, key);
    case kEthTypeIp:
      o.l3 = static_cast<uint16_t>(l3);
      return parse_ipv4(p, n, l3, key, o);
    case kEthTypeIpv6:
      o.l3 = static_cast<uint16_t>(l3);
      return parse_ipv6(p, n, l3, key, o);
    default:
      return ParseError::kOk;
  }
}

}  // namespace

ParseError flow_extract(const uint8_t* data, size_t len, FlowKey& key, HeaderOffsets* ofs) {
  key = FlowKey{};
  return extract_frame(data, len, key, ofs);
}

ParseError flow_extract(const Packet& pkt, FlowKey& key, HeaderOffsets* ofs) {
  key = FlowKey{};
  key.in_port = pkt.in_port;
  if (pkt.tunnel.valid) {
    key.tun_id = pkt.tunnel.tun_id;
    key.tun_src = pkt.tunnel.ip_src;
    key.tun_dst = pkt.tunnel.ip_dst;
  }
  return extract_frame(pkt.data(), pkt.size(), key, ofs);
}

}  // namespace nt
