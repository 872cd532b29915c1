// From a parsed packet to a connection key, validating it as OVS's conn_key_extract() does:
// IPv4 header checksum and lengths, transport header sizes and checksums, TCP/UDP/ICMP only
// as far as their keys need; for ICMP errors the key is the embedded header's, reversed.
#include "conntrack/conn.h"
#include "packet/bytes.h"
#include "packet/checksum.h"

namespace nt::ct {
namespace {

CtAddr v4_addr(uint32_t host_order) {
  CtAddr a;
  store_be32(a.b.data(), host_order);
  return a;
}

CtAddr v6_addr(const uint8_t* p) {
  CtAddr a;
  std::memcpy(a.b.data(), p, 16);
  return a;
}

bool icmp_keyed_type(uint8_t type, bool v6) {
  if (v6) return type == 128 || type == 129;
  return type == 0 || type == 8 || type == 13 || type == 14 || type == 15 || type == 16;
}

bool icmp_error_type(uint8_t type, bool v6) {
  if (v6) return type >= 1 && type <= 4;
  return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

// Transport part of a key from the header at l4 (`len` bytes present). `inner`: inside an
// ICMP error (no checksum, only the first 8 bytes needed, no nested errors).
bool l4_key(ConnKey& k, const uint8_t* l4, size_t len, bool inner) {
  bool icmp = is_icmp(k.proto, k.ipv6);
  if (k.proto == kIpProtoTcp || k.proto == kIpProtoUdp) {
    if (len < (inner ? 8u : (k.proto == kIpProtoTcp ? 20u : 8u))) return false;
    k.sport = load_be16(l4);
    k.dport = load_be16(l4 + 2);
    return true;
  }
  if (icmp) {
    if (len < 8) return false;
    uint8_t type = l4[0];
    if (!icmp_keyed_type(type, k.ipv6) || l4[1] != 0) return false;
    k.sport = k.dport = load_be16(l4 + 4);
    k.stype = type;
    k.dtype = reverse_icmp_type(type, k.ipv6);
    return true;
  }
  return true;  // other protocols: addresses only
}

bool csum_ok(const Packet& pkt, const ConnKey& k, const uint8_t* l3, const uint8_t* l4,
             size_t len) {
  if (pkt.offload.flags & (kVnetNeedsCsum | kVnetDataValid)) return true;
  uint32_t sum;
  if (k.proto == kIpProtoUdp && load_be16(l4 + 6) == 0) return true;
  if (k.proto == kIpProtoIcmp && !k.ipv6) {
    sum = 0;
  } else if (k.proto != kIpProtoTcp && k.proto != kIpProtoUdp && k.proto != kIpProtoIcmpv6) {
    return true;
  } else if (k.ipv6) {
    std::array<uint8_t, 16> s, d;
    std::memcpy(s.data(), l3 + 8, 16);
    std::memcpy(d.data(), l3 + 24, 16);
    sum = ipv6_pseudo_header_sum(s, d, k.proto, static_cast<uint32_t>(len));
  } else {
    sum = ipv4_pseudo_header_sum(load_be32(l3 + 12), load_be32(l3 + 16), k.proto,
                                 static_cast<uint16_t>(len));
  }
  return csum_finish(csum_add(sum, l4, len)) == 0;
}

// The embedded IP header of an ICMP error at `p` (`len` bytes): fills `k` (zone/ipv6 set by
// the caller) and says where its transport header starts.
bool inner_l3(ConnKey& k, const uint8_t* p, size_t len, const uint8_t** l4) {
  if (!k.ipv6) {
    if (len < 20 || (p[0] >> 4) != 4) return false;
    size_t ihl = (p[0] & 0x0f) * 4u;
    if (ihl < 20 || ihl > len) return false;
    if (load_be16(p + 6) & 0x3fff) return false;  // a fragment
    k.src = v4_addr(load_be32(p + 12));
    k.dst = v4_addr(load_be32(p + 16));
    k.proto = p[9];
    *l4 = p + ihl;
    return true;
  }
  if (len < 40 || (p[0] >> 4) != 6) return false;
  k.src = v6_addr(p + 8);
  k.dst = v6_addr(p + 24);
  uint8_t nh = p[6];
  size_t off = 40;
  while (nh == 0 || nh == 43 || nh == 60) {  // hop-by-hop, routing, destination options
    if (off + 8 > len) return false;
    nh = p[off];
    off += 8u + p[off + 1] * 8u;
  }
  if (nh == 44 || off > len) return false;  // fragment
  k.proto = nh;
  *l4 = p + off;
  return true;
}

bool related_key(Table& t, Ctx& ctx, uint8_t* l4, size_t len) {
  ConnKey in{};
  in.zone = ctx.key.zone;
  in.ipv6 = ctx.key.ipv6;
  uint8_t* p = l4 + 8;
  size_t avail = len - 8;
  const uint8_t* il4 = nullptr;
  if (!inner_l3(in, p, avail, &il4)) return false;
  if (!(in.src == ctx.key.dst)) return false;  // the error must go back to the sender
  size_t il4_len = avail - static_cast<size_t>(il4 - p);
  if (!l4_key(in, il4, il4_len, true)) return false;
  ctx.key = reverse(in);
  ctx.related = true;
  ctx.inner_l3 = p;
  ctx.inner_l4 = const_cast<uint8_t*>(il4);
  ctx.inner_l4_len = il4_len;
  return true;
}

bool l3_lengths(Table& t, Packet& pkt, const FlowKey& key, const HeaderOffsets& ofs, Ctx& ctx) {
  uint8_t* l3 = pkt.data() + ofs.l3;
  size_t room = pkt.size() - ofs.l3;
  size_t end;  // L3 packet end, from the IP length field
  if (key.is_ip()) {
    if (room < 20) return false;
    size_t ihl = (l3[0] & 0x0f) * 4u;
    end = load_be16(l3 + 2);
    if (ihl < 20 || ihl > room || end < ihl || end > room) return false;
    if (!ipv4_header_checksum_ok(l3, ihl)) {
      t.count(CtCounter::kL3Csum);
      return false;
    }
  } else {
    if (room < 40) return false;
    end = 40u + load_be16(l3 + 4);
    if (end > room) return false;
  }
  ctx.l3 = l3;
  if (ofs.l4 == 0xffff || ofs.l4 < ofs.l3 || size_t(ofs.l4 - ofs.l3) > end) return false;
  ctx.l4 = pkt.data() + ofs.l4;
  ctx.l4_len = end - (ofs.l4 - ofs.l3);
  return true;
}

}  // namespace

bool is_icmp(uint8_t proto, bool ipv6) {
  return ipv6 ? proto == kIpProtoIcmpv6 : proto == kIpProtoIcmp;
}

uint8_t reverse_icmp_type(uint8_t type, bool ipv6) {
  if (ipv6) return type == 128 ? 129 : type == 129 ? 128 : type;
  switch (type) {
    case 8:
      return 0;
    case 0:
      return 8;
    case 13:
      return 14;
    case 14:
      return 13;
    case 15:
      return 16;
    case 16:
      return 15;
    default:
      return type;
  }
}

bool extract(Table& t, Packet& pkt, const FlowKey& key, const HeaderOffsets& ofs, uint16_t zone,
             Ctx& ctx) {
  if (!key.is_ip() && !key.is_ipv6()) {
    t.count(CtCounter::kNotIp);
    return false;
  }
  if (key.nw_frag & kFragAny) {
    t.count(CtCounter::kFragment);
    return false;
  }
  ConnKey& k = ctx.key;
  k = ConnKey{};
  k.zone = zone;
  k.ipv6 = key.is_ipv6();
  k.proto = key.nw_proto;
  if (ofs.l3 == 0xffff || !l3_lengths(t, pkt, key, ofs, ctx)) {
    t.count(CtCounter::kMalformed);
    return false;
  }
  if (k.ipv6) {
    k.src = v6_addr(key.ipv6_src.data());
    k.dst = v6_addr(key.ipv6_dst.data());
  } else {
    k.src = v4_addr(key.nw_src);
    k.dst = v4_addr(key.nw_dst);
  }
  uint8_t* l4 = ctx.l4;
  size_t len = ctx.l4_len;
  bool ok;
  if (k.proto == kIpProtoTcp) {
    size_t doff = len >= 20 ? (l4[12] >> 4) * 4u : 0;
    ok = doff >= 20 && doff <= len;
  } else if (k.proto == kIpProtoUdp) {
    ok = len >= 8 && load_be16(l4 + 4) >= 8 && load_be16(l4 + 4) <= len;
    if (ok) len = load_be16(l4 + 4);
  } else {
    ok = !is_icmp(k.proto, k.ipv6) || len >= 8;
  }
  if (!ok) {
    t.count(CtCounter::kMalformed);
    return false;
  }
  if (!csum_ok(pkt, k, ctx.l3, l4, len)) {
    t.count(CtCounter::kL4Csum);
    return false;
  }
  if (is_icmp(k.proto, k.ipv6) && icmp_error_type(l4[0], k.ipv6)) {
    ok = related_key(t, ctx, l4, len);
  } else {
    ok = l4_key(k, l4, len, false);
  }
  if (!ok) t.count(CtCounter::kMalformed);
  ctx.hash = hash_key(k);
  return ok;
}

}  // namespace nt::ct
