#include "packet/tunnel.h"

#include "packet/bytes.h"
#include "packet/checksum.h"

namespace nt {

namespace {

constexpr size_t kEthLen = 14;
constexpr size_t kIpLen = 20;
constexpr size_t kUdpLen = 8;
constexpr size_t kVxlanLen = 8;
constexpr size_t kMaxIpTotal = 0xffff;
constexpr uint8_t kVxlanFlagI = 0x08;
constexpr uint16_t kGreC = 0x8000, kGreR = 0x4000, kGreK = 0x2000, kGreS = 0x1000;

bool is_vlan_tpid(uint16_t t) { return t == kEthTypeVlan || t == kEthTypeQinQ; }

uint64_t mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  return h * 0xff51afd7ed558ccdULL;
}

void write_outer_eth(uint8_t* p, const TunnelEncap& e) {
  store_mac(p, e.eth_dst);
  store_mac(p + 6, e.eth_src);
  store_be16(p + 12, kEthTypeIp);
}

void write_outer_ipv4(uint8_t* ip, const TunnelEncap& e, uint8_t proto, size_t total) {
  ip[0] = 0x45;
  ip[1] = e.tos;
  store_be16(ip + 2, static_cast<uint16_t>(total));
  store_be16(ip + 4, 0);                  // id: 0 is fine with DF (RFC 6864)
  store_be16(ip + 6, e.df ? 0x4000 : 0);  // flags + fragment offset
  ip[8] = e.ttl;
  ip[9] = proto;
  store_be16(ip + 10, 0);
  store_be32(ip + 12, e.ip_src);
  store_be32(ip + 16, e.ip_dst);
  // The checksum is summed from the values just written, not read back from memory (reading
  // back freshly stored bytes as wider words stalls store-to-load forwarding).
  uint32_t sum = 0x4500u + e.tos + static_cast<uint32_t>(total) + (e.df ? 0x4000u : 0u) +
                 (uint32_t{e.ttl} << 8 | proto) + (e.ip_src >> 16) + (e.ip_src & 0xffff) +
                 (e.ip_dst >> 16) + (e.ip_dst & 0xffff);
  store_be16(ip + 10, csum_finish(sum));
}

}  // namespace

uint16_t tunnel_src_port(const uint8_t* p, size_t len) {
  uint64_t h = 0;
  if (len < kEthLen) return kTunnelSrcPortMin;
  h = mix(h, load_mac(p).to_u64());
  h = mix(h, load_mac(p + 6).to_u64());
  size_t off = kEthLen;
  uint16_t type = load_be16(p + 12);
  for (int i = 0; i < 2 && is_vlan_tpid(type) && len - off >= 4; ++i, off += 4) {
    type = load_be16(p + off + 2);
  }
  h = mix(h, type);
  if (type == kEthTypeIp && len - off >= kIpLen) {
    const uint8_t* ip = p + off;
    size_t ihl = size_t{ip[0] & 0x0fu} * 4;
    h = mix(h, uint64_t{load_be32(ip + 12)} << 32 | load_be32(ip + 16));
    h = mix(h, ip[9]);
    bool ports = (ip[9] == kIpProtoTcp || ip[9] == kIpProtoUdp) && !(load_be16(ip + 6) & 0x1fff);
    if (ports && ihl >= kIpLen && len - off >= ihl + 4) h = mix(h, load_be32(ip + ihl));
  }
  constexpr uint32_t kRange = kTunnelSrcPortMax - kTunnelSrcPortMin + 1;
  return static_cast<uint16_t>(kTunnelSrcPortMin + (h >> 17) % kRange);
}

bool vxlan_encap(Packet& pkt, const TunnelEncap& e) {
  size_t inner = pkt.size();
  size_t total = kIpLen + kUdpLen + kVxlanLen + inner;
  if (total > kMaxIpTotal) return false;
  constexpr uint32_t kRange = kTunnelSrcPortMax - kTunnelSrcPortMin + 1;
  uint16_t sport = e.flow_hash
                       ? static_cast<uint16_t>(kTunnelSrcPortMin + (e.flow_hash >> 8) % kRange)
                       : tunnel_src_port(pkt.data(), inner);
  uint8_t* p = pkt.push_front(kVxlanEncapLen);
  if (!p) return false;
  write_outer_eth(p, e);
  write_outer_ipv4(p + kEthLen, e, kIpProtoUdp, total);
  uint8_t* udp = p + kEthLen + kIpLen;
  store_be16(udp, sport);
  store_be16(udp + 2, e.udp_dst);
  store_be16(udp + 4, static_cast<uint16_t>(total - kIpLen));
  store_be16(udp + 6, 0);  // RFC 7348: the UDP checksum SHOULD be 0 over IPv4
  uint8_t* vx = udp + kUdpLen;
  store_be32(vx, uint32_t{kVxlanFlagI} << 24);
  store_be32(vx + 4, static_cast<uint32_t>(e.key & 0xffffff) << 8);
  return true;
}

bool gre_encap(Packet& pkt, const TunnelEncap& e) {
  size_t total = kIpLen + 8 + pkt.size();
  if (total > kMaxIpTotal) return false;
  uint8_t* p = pkt.push_front(kGreEncapLen);
  if (!p) return false;
  write_outer_eth(p, e);
  write_outer_ipv4(p + kEthLen, e, kIpProtoGre, total);
  uint8_t* gre = p + kEthLen + kIpLen;
  store_be16(gre, kGreK);  // version 0, key present
  store_be16(gre + 2, kEthTypeTeb);
  store_be32(gre + 4, static_cast<uint32_t>(e.key));
  return true;
}

std::string_view tunnel_kind_name(TunnelKind kind) {
  switch (kind) {
    case TunnelKind::kVxlan:
      return "vxlan";
    case TunnelKind::kGre:
      return "gre";
    case TunnelKind::kNone:
      break;
  }
  return "none";
}

std::string_view tunnel_error_name(TunnelError e) {
  switch (e) {
#define NT_TUNNEL_NAME(name, str) \
  case TunnelError::name:         \
    return str;
    NT_TUNNEL_ERRORS(NT_TUNNEL_NAME)
#undef NT_TUNNEL_NAME
    case TunnelError::kCount:
      break;
  }
  return "unknown";
}

namespace {

// VXLAN header at `p` with `n` bytes left in the UDP payload.
TunnelError parse_vxlan(const uint8_t* p, size_t n, TunnelInfo& t) {
  if (n < kVxlanLen) return TunnelError::kTruncatedOuter;
  if (!(p[0] & kVxlanFlagI)) return TunnelError::kBadVxlan;
  t.key = load_be32(p + 4) >> 8;
  return TunnelError::kOk;
}

// UDP header at `p` with `n` bytes of IP payload; not a tunnel unless sent to vxlan_port.
TunnelError parse_udp(const uint8_t* p, size_t n, uint16_t vxlan_port, TunnelInfo& t, size_t& hdr,
                      size_t& payload) {
  if (n < kUdpLen) return TunnelError::kTruncatedOuter;
  if (load_be16(p + 2) != vxlan_port) return TunnelError::kNotTunnel;
  t.kind = TunnelKind::kVxlan;
  t.udp_src = load_be16(p);
  t.udp_dst = load_be16(p + 2);
  size_t udp_len = load_be16(p + 4);
  if (udp_len < kUdpLen || udp_len > n) return TunnelError::kBadUdp;
  hdr = kUdpLen + kVxlanLen;
  payload = udp_len;
  return parse_vxlan(p + kUdpLen, udp_len - kUdpLen, t);
}

// GRE header at `p` with `n` bytes of IP payload.
TunnelError parse_gre(const uint8_t* p, size_t n, TunnelInfo& t, size_t& hdr) {
  t.kind = TunnelKind::kGre;
  if (n < 4) return TunnelError::kTruncatedOuter;
  uint16_t flags = load_be16(p);
  if ((flags & kGreR) || (flags & 7) != 0 || load_be16(p + 2) != kEthTypeTeb) {
    return TunnelError::kBadGre;
  }
  size_t key_ofs = (flags & kGreC) ? 8 : 4;
  hdr = key_ofs + ((flags & kGreK) ? 4 : 0) + ((flags & kGreS) ? 4 : 0);
  if (n < hdr) return TunnelError::kTruncatedOuter;
  if (flags & kGreK) t.key = load_be32(p + key_ofs);
  return TunnelError::kOk;
}

// Outer Ethernet + VLAN tags + IPv4 header checks; sets `l3` and the IPv4 facts.
TunnelError parse_outer_ip(const uint8_t* p, size_t len, TunnelInfo& t, size_t& l3, size_t& ihl,
                           size_t& total) {
  if (len < kEthLen) return TunnelError::kTruncatedOuter;
  uint16_t type = load_be16(p + 12);
  l3 = kEthLen;
  for (int i = 0; i < 2 && is_vlan_tpid(type); ++i, l3 += 4) {
    if (len - l3 < 4) return TunnelError::kTruncatedOuter;
    type = load_be16(p + l3 + 2);
  }
  if (type != kEthTypeIp) return TunnelError::kNotTunnel;
  const uint8_t* ip = p + l3;
  size_t n = len - l3;
  if (n < kIpLen) return TunnelError::kTruncatedOuter;
  ihl = size_t{ip[0] & 0x0fu} * 4;
  total = load_be16(ip + 2);
  if (ip[0] >> 4 != 4 || ihl < kIpLen || total < ihl) return TunnelError::kBadOuterIpv4;
  if (ihl > n || total > n) return TunnelError::kTruncatedOuter;
  t.tos = ip[1];
  t.ttl = ip[8];
  t.ip_src = load_be32(ip + 12);
  t.ip_dst = load_be32(ip + 16);
  return TunnelError::kOk;
}

TunnelError classify(const uint8_t* p, size_t len, uint16_t vxlan_port, TunnelInfo& t) {
  size_t l3 = 0, ihl = 0, total = 0;
  TunnelError err = parse_outer_ip(p, len, t, l3, ihl, total);
  if (err != TunnelError::kOk) return err;
  const uint8_t* ip = p + l3;
  uint8_t proto = ip[9];
  if (proto != kIpProtoUdp && proto != kIpProtoGre) return TunnelError::kNotTunnel;
  uint16_t frag = load_be16(ip + 6);
  if (frag & 0x1fff) return TunnelError::kNotTunnel;  // later fragment: cannot tell
  const uint8_t* l4 = ip + ihl;
  size_t n = total - ihl, hdr = 0, payload = n;
  err = proto == kIpProtoUdp ? parse_udp(l4, n, vxlan_port, t, hdr, payload)
                             : parse_gre(l4, n, t, hdr);
  if (err != TunnelError::kOk) return err;
  if (frag & 0x2000) return TunnelError::kOuterFragment;
  if (payload - hdr < kEthLen) return TunnelError::kTruncatedInner;
  t.outer_len = static_cast<uint16_t>(l3 + ihl + hdr);
  t.inner_len = static_cast<uint16_t>(payload - hdr);
  return TunnelError::kOk;
}

}  // namespace

TunnelInfo tunnel_classify(const uint8_t* data, size_t len, uint16_t vxlan_port) {
  TunnelInfo t;
  t.error = classify(data, len, vxlan_port, t);
  if (t.error == TunnelError::kNotTunnel) t.kind = TunnelKind::kNone;
  return t;
}

TunnelError tunnel_decap(Packet& pkt, TunnelInfo* info, uint16_t vxlan_port) {
  TunnelInfo t = tunnel_classify(pkt, vxlan_port);
  if (info) *info = t;
  if (!t.ok()) return t.error;
  pkt.pull_front(t.outer_len);
  pkt.set_size(t.inner_len);
  pkt.tunnel.tun_id = t.key;
  pkt.tunnel.ip_src = t.ip_src;
  pkt.tunnel.ip_dst = t.ip_dst;
  pkt.tunnel.ip_tos = t.tos;
  pkt.tunnel.ip_ttl = t.ttl;
  pkt.tunnel.tp_dst = t.udp_dst;
  pkt.tunnel.valid = true;
  return TunnelError::kOk;
}

}  // namespace nt
