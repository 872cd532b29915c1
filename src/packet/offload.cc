#include "packet/offload.h"

#include <array>
#include <cstring>

#include "packet/bytes.h"
#include "packet/checksum.h"
#include "packet/flow_key.h"

namespace nt {

size_t PacketRing::drain_into(PacketBatch& out) {
  size_t n = 0;
  while (!empty() && out.count < PacketBatch::kMax) {
    out.add(pop());
    ++n;
  }
  return n;
}

namespace {

constexpr uint8_t kTcpFin = 0x01, kTcpPsh = 0x08, kTcpCwr = 0x80;
constexpr size_t kEthLen = 14, kIpv6Len = 40, kUdpLen = 8, kTcpMinLen = 20;

// Where the headers of a super-frame are.
struct GsoLayout {
  size_t l3 = 0;
  size_t l4 = 0;
  size_t hdr_len = 0;  // bytes copied in front of every segment
  bool ipv6 = false;
  bool udp = false;
};

// Offset of the network header after the Ethernet header and up to two VLAN tags.
bool parse_l2(const uint8_t* f, size_t len, size_t& l3, uint16_t& type) {
  if (len < kEthLen) return false;
  type = load_be16(f + 12);
  l3 = kEthLen;
  for (int i = 0; i < 2 && (type == kEthTypeVlan || type == kEthTypeQinQ); ++i) {
    if (len < l3 + 4) return false;
    type = load_be16(f + l3 + 2);
    l3 += 4;
  }
  return true;
}

bool parse_layout(const uint8_t* f, size_t len, const VnetHdr& hdr, GsoLayout& g) {
  uint16_t type = 0;
  if (!parse_l2(f, len, g.l3, type)) return false;
  if (type == kEthTypeIp) {
    if (len < g.l3 + 20 || (f[g.l3] >> 4) != 4) return false;
    g.l4 = g.l3 + size_t{f[g.l3] & 0x0fu} * 4;
    if (g.l4 < g.l3 + 20 || (load_be16(f + g.l3 + 6) & 0x3fff)) return false;  // fragment
  } else if (type == kEthTypeIpv6) {
    if (len < g.l3 + kIpv6Len) return false;
    g.ipv6 = true;
    g.l4 = g.l3 + kIpv6Len;
  } else {
    return false;
  }
  // The kernel always marks GSO frames NEEDS_CSUM; csum_start then skips IPv6 extensions.
  if ((hdr.flags & kVnetNeedsCsum) && hdr.csum_start >= g.l4) g.l4 = hdr.csum_start;
  if (g.udp) {
    g.hdr_len = g.l4 + kUdpLen;
  } else {
    if (len < g.l4 + kTcpMinLen) return false;
    g.hdr_len = g.l4 + size_t{static_cast<uint8_t>(f[g.l4 + 12] >> 4)} * 4;
    if (g.hdr_len < g.l4 + kTcpMinLen) return false;
  }
  return g.hdr_len <= len;
}

// Partial sum of the pseudo-header of a segment whose transport part is `l4_len` bytes.
uint32_t pseudo_sum(const uint8_t* f, const GsoLayout& g, size_t l4_len) {
  uint8_t proto = g.udp ? kIpProtoUdp : kIpProtoTcp;
  if (!g.ipv6) {
    return ipv4_pseudo_header_sum(load_be32(f + g.l3 + 12), load_be32(f + g.l3 + 16), proto,
                                  static_cast<uint16_t>(l4_len));
  }
  std::array<uint8_t, 16> src, dst;
  std::memcpy(src.data(), f + g.l3 + 8, 16);
  std::memcpy(dst.data(), f + g.l3 + 24, 16);
  return ipv6_pseudo_header_sum(src, dst, proto, static_cast<uint32_t>(l4_len));
}

// Rewrites the network header of segment `index` whose transport part is `l4_len` bytes.
void fix_l3(uint8_t* s, const GsoLayout& g, size_t index, size_t l4_len) {
  uint8_t* ip = s + g.l3;
  if (g.ipv6) {
    store_be16(ip + 4, static_cast<uint16_t>(g.l4 - g.l3 - kIpv6Len + l4_len));
    return;
  }
  store_be16(ip + 2, static_cast<uint16_t>(g.l4 - g.l3 + l4_len));
  store_be16(ip + 4, static_cast<uint16_t>(load_be16(ip + 4) + index));
  store_be16(ip + 10, ipv4_header_checksum(ip, g.l4 - g.l3));
}

// Rewrites the transport header of a segment carrying payload [offset, offset + chunk).
void fix_l4(uint8_t* s, const GsoLayout& g, size_t offset, size_t chunk, bool first, bool last) {
  uint8_t* l4 = s + g.l4;
  size_t l4_len = g.hdr_len - g.l4 + chunk;
  size_t csum_at = g.udp ? 6 : 16;
  if (g.udp) {
    store_be16(l4 + 4, static_cast<uint16_t>(l4_len));
  } else {
    store_be32(l4 + 4, load_be32(l4 + 4) + static_cast<uint32_t>(offset));
    if (!last) l4[13] &= static_cast<uint8_t>(~(kTcpFin | kTcpPsh));
    if (!first) l4[13] &= static_cast<uint8_t>(~kTcpCwr);
  }
  store_be16(l4 + csum_at, 0);
  uint16_t c = csum_finish(csum_add(pseudo_sum(s, g, l4_len), l4, l4_len));
  if (g.udp && c == 0) c = 0xffff;
  store_be16(l4 + csum_at, c);
}

VnetStatus check_gso(const uint8_t* frame, size_t len, const VnetHdr& hdr, GsoLayout& g) {
  uint8_t type = hdr.gso_type & static_cast<uint8_t>(~kVnetGsoEcn);
  if (type == kVnetGsoUdpL4) {
    g.udp = true;
  } else if (type != kVnetGsoTcpv4 && type != kVnetGsoTcpv6) {
    return VnetStatus::kUnsupportedGso;
  }
  if (!parse_layout(frame, len, hdr, g) || hdr.gso_size == 0) return VnetStatus::kBadHeader;
  if (g.ipv6 != (type == kVnetGsoTcpv6) && !g.udp) return VnetStatus::kBadHeader;
  return VnetStatus::kOk;
}

void copy_meta(const Packet& from, Packet& to) {
  to.in_port = from.in_port;
  to.hash = from.hash;
  to.tunnel = from.tunnel;
}

}  // namespace

VnetStatus vnet_check(const uint8_t* frame, size_t len, const VnetHdr& hdr) {
  if (hdr.flags & kVnetNeedsCsum) {
    if (hdr.csum_start >= len || size_t{hdr.csum_start} + hdr.csum_offset + 2 > len) {
      return VnetStatus::kBadHeader;
    }
  }
  if (hdr.gso_type == kVnetGsoNone) return VnetStatus::kOk;
  // A super-frame's checksum must be partial at its transport header: that is what the
  // output port (or our segmentation) completes.
  if (!(hdr.flags & kVnetNeedsCsum)) return VnetStatus::kBadHeader;
  GsoLayout g;
  VnetStatus st = check_gso(frame, len, hdr, g);
  if (st != VnetStatus::kOk) return st;
  return hdr.csum_start == g.l4 ? VnetStatus::kOk : VnetStatus::kBadHeader;
}

VnetStatus vnet_resolve(Packet* p, PacketPool& pool, PacketRing& ring) {
  VnetHdr hdr = p->offload;
  p->offload = VnetHdr{};
  if (hdr.gso_type != kVnetGsoNone) {
    size_t before = ring.size();
    VnetStatus st = vnet_segment(p->data(), p->size(), hdr, pool, ring);
    for (size_t i = before; i < ring.size(); ++i) copy_meta(*p, *ring.at(i));
    pool.put(p);
    return st;
  }
  VnetStatus st = VnetStatus::kOk;
  if (hdr.flags & kVnetNeedsCsum) st = vnet_complete_csum(p->data(), p->size(), hdr);
  if (st == VnetStatus::kOk && ring.push(p)) return st;
  pool.put(p);
  return st == VnetStatus::kOk ? VnetStatus::kTooBig : st;
}

VnetStatus vnet_complete_csum(uint8_t* frame, size_t len, const VnetHdr& hdr) {
  size_t start = hdr.csum_start, field = size_t{hdr.csum_start} + hdr.csum_offset;
  if (start >= len || field + 2 > len) return VnetStatus::kBadHeader;
  // The field holds the pseudo-header sum; summing from csum_start over it finishes the job.
  uint16_t c = csum_finish(csum_add(0, frame + start, len - start));
  if (c == 0 && hdr.csum_offset == 6) c = 0xffff;  // UDP: 0 means "no checksum"
  store_be16(frame + field, c);
  return VnetStatus::kOk;
}

VnetStatus vnet_segment(const uint8_t* frame, size_t len, const VnetHdr& hdr, PacketPool& pool,
                        PacketRing& ring) {
  GsoLayout g;
  VnetStatus st = check_gso(frame, len, hdr, g);
  if (st != VnetStatus::kOk) return st;
  size_t payload = len - g.hdr_len, mss = hdr.gso_size;
  size_t nseg = payload == 0 ? 1 : (payload + mss - 1) / mss;
  if (nseg > ring.room()) return VnetStatus::kTooBig;
  for (size_t i = 0, off = 0; i < nseg; ++i, off += mss) {
    size_t chunk = payload - off < mss ? payload - off : mss;
    Packet* p = pool.get();
    if (!p) return VnetStatus::kNoBuffer;
    if (!p->set_size(g.hdr_len + chunk)) {
      pool.put(p);
      return VnetStatus::kTooBig;
    }
    std::memcpy(p->data(), frame, g.hdr_len);
    std::memcpy(p->data() + g.hdr_len, frame + g.hdr_len + off, chunk);
    fix_l3(p->data(), g, i, g.hdr_len - g.l4 + chunk);
    fix_l4(p->data(), g, off, chunk, i == 0, i + 1 == nseg);
    ring.push(p);
  }
  return VnetStatus::kOk;
}

}  // namespace nt
