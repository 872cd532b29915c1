// Rewriting packets for NAT: addresses and ports (or ICMP ids) of data packets, and of ICMP
// errors both the outer address and the embedded header, as OVS's nat_packet() and
// reverse_nat_packet(). Checksums are patched incrementally (RFC 1624); a transport checksum
// left partial by an offload (Packet::offload NEEDS_CSUM) only takes the pseudo-header
// change. The ICMP error's own checksum is recomputed over the message, as OVS does.
#include "conntrack/conn.h"
#include "packet/bytes.h"
#include "packet/checksum.h"

namespace nt::ct {
namespace {

// Where a protocol's checksum sits in its header, and whether addresses enter it.
int csum_offset(uint8_t proto, bool v6) {
  if (proto == kIpProtoTcp) return 16;
  if (proto == kIpProtoUdp) return 6;
  if (is_icmp(proto, v6)) return 2;
  return -1;
}

bool pseudo_covered(uint8_t proto) {
  return proto == kIpProtoTcp || proto == kIpProtoUdp || proto == kIpProtoIcmpv6;
}

struct L4Csum {
  uint8_t* field = nullptr;  // nullptr: none to patch
  bool udp = false;
  bool partial = false;
};

L4Csum l4_csum(const Packet& pkt, uint8_t* l4, size_t len, uint8_t proto, bool v6) {
  L4Csum c;
  int off = csum_offset(proto, v6);
  if (!l4 || off < 0 || static_cast<size_t>(off) + 2 > len) return c;
  c.field = l4 + off;
  c.udp = proto == kIpProtoUdp;
  const VnetHdr& o = pkt.offload;
  c.partial = (o.flags & kVnetNeedsCsum) && c.field == pkt.data() + o.csum_start + o.csum_offset;
  if (!c.partial && c.udp && load_be16(c.field) == 0) c.field = nullptr;  // no checksum
  return c;
}

void patch(const L4Csum& c, uint32_t old_v, uint32_t new_v, bool pseudo) {
  if (!c.field || (c.partial && !pseudo)) return;
  uint16_t v = load_be16(c.field);
  if (c.partial) v = static_cast<uint16_t>(~v);
  v = csum_update32(v, old_v, new_v);
  if (c.partial) {
    v = static_cast<uint16_t>(~v);
  } else if (c.udp && v == 0) {
    v = 0xffff;
  }
  store_be16(c.field, v);
}

// Sets the source (which = 0) or destination (1) address of the IP header at l3.
void set_addr(uint8_t* l3, bool v6, int which, const CtAddr& a, const L4Csum& c, bool pseudo) {
  if (!v6) {
    uint8_t* p = l3 + 12 + 4 * which;
    uint32_t old_v = load_be32(p), new_v = load_be32(a.b.data());
    if (old_v == new_v) return;
    store_be32(p, new_v);
    store_be16(l3 + 10, csum_update32(load_be16(l3 + 10), old_v, new_v));
    patch(c, old_v, new_v, pseudo);
    return;
  }
  uint8_t* p = l3 + 8 + 16 * which;
  for (int i = 0; i < 16; i += 4) {
    uint32_t old_v = load_be32(p + i), new_v = load_be32(a.b.data() + i);
    if (old_v == new_v) continue;
    store_be32(p + i, new_v);
    patch(c, old_v, new_v, pseudo);
  }
}

void set_port(uint8_t* field, uint16_t v, const L4Csum& c) {
  uint16_t old_v = load_be16(field);
  if (old_v == v) return;
  store_be16(field, v);
  patch(c, old_v, v, false);
}

// Rewrites the tuple of the IP packet at l3 (transport at l4, `len` bytes) to `to`.
void set_tuple(const Packet& pkt, uint8_t* l3, uint8_t* l4, size_t len, const ConnKey& to) {
  bool v6 = to.ipv6;
  L4Csum c = l4_csum(pkt, l4, len, to.proto, v6);
  L4Csum ca = pseudo_covered(to.proto) ? c : L4Csum{};  // ICMPv4: addresses not covered
  set_addr(l3, v6, 0, to.src, ca, true);
  set_addr(l3, v6, 1, to.dst, ca, true);
  if (!l4 || len < 8) return;
  if (to.proto == kIpProtoTcp || to.proto == kIpProtoUdp) {
    set_port(l4, to.sport, c);
    set_port(l4 + 2, to.dport, c);
  } else if (is_icmp(to.proto, v6)) {
    set_port(l4 + 4, to.sport, c);
  }
}

void key_addrs_from_packet(FlowKey& key, const uint8_t* l3, bool v6) {
  if (v6) {
    std::memcpy(key.ipv6_src.data(), l3 + 8, 16);
    std::memcpy(key.ipv6_dst.data(), l3 + 24, 16);
  } else {
    key.nw_src = load_be32(l3 + 12);
    key.nw_dst = load_be32(l3 + 16);
  }
}

void recompute_icmp(const Ctx& ctx) {
  const ConnKey& k = ctx.key;
  uint8_t* l4 = ctx.l4;
  store_be16(l4 + 2, 0);
  uint32_t sum = 0;
  if (k.ipv6) {
    std::array<uint8_t, 16> s, d;
    std::memcpy(s.data(), ctx.l3 + 8, 16);
    std::memcpy(d.data(), ctx.l3 + 24, 16);
    sum = ipv6_pseudo_header_sum(s, d, kIpProtoIcmpv6, static_cast<uint32_t>(ctx.l4_len));
  }
  store_be16(l4 + 2, csum_finish(csum_add(sum, l4, ctx.l4_len)));
}

}  // namespace

void nat_packet(Packet& pkt, FlowKey& key, const Ctx& ctx, const Conn& c, bool reply) {
  // Where a packet of this direction must leave with: the other key, reversed.
  ConnKey out = reverse(c.key[reply ? 0 : 1]);
  bool v6 = ctx.key.ipv6;
  if (!ctx.related) {
    set_tuple(pkt, ctx.l3, ctx.l4, ctx.l4_len, out);
    key_addrs_from_packet(key, ctx.l3, v6);
    if (out.proto == kIpProtoTcp || out.proto == kIpProtoUdp) {
      key.tp_src = out.sport;
      key.tp_dst = out.dport;
    }
    return;
  }
  // The outer header: only the address the NAT governs (the error may come from a router).
  bool src_side = (c.nat == kCsSnat) != reply;
  L4Csum none;
  set_addr(ctx.l3, v6, src_side ? 0 : 1, src_side ? out.src : out.dst, none, false);
  // The embedded packet went the other way, already translated: restore what it had.
  ConnKey in = c.key[reply ? 0 : 1];
  set_tuple(pkt, ctx.inner_l3, ctx.inner_l4, ctx.inner_l4_len, in);
  recompute_icmp(ctx);
  key_addrs_from_packet(key, ctx.l3, v6);
}

}  // namespace nt::ct
