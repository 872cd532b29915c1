#include "packet/build.h"

#include <cstring>

#include "packet/bytes.h"
#include "packet/checksum.h"

namespace nt {

namespace {

constexpr uint16_t kLaterFragOffset = 185;  // 1480 bytes, in 8-byte units

// Appends bytes at the end of the frame; compose_packet() checks the room up front.
struct Writer {
  Packet& pkt;
  uint8_t* put(size_t n) {
    size_t at = pkt.size();
    pkt.set_size(at + n);
    uint8_t* p = pkt.data() + at;
    std::memset(p, 0, n);
    return p;
  }
  void pattern(size_t n) {
    uint8_t* p = put(n);
    for (size_t i = 0; i < n; ++i) p[i] = static_cast<uint8_t>(i);
  }
};

void write_l2(Writer& w, const FlowKey& k) {
  uint8_t* p = w.put(12);
  store_mac(p, k.dl_dst);
  store_mac(p + 6, k.dl_src);
  if (k.vlan_tci & kVlanCfi) {
    bool qinq = k.vlan_tci2 & kVlanCfi;
    p = w.put(4);
    store_be16(p, qinq ? kEthTypeQinQ : kEthTypeVlan);
    store_be16(p + 2, k.vlan_tci & ~kVlanCfi);
    if (qinq) {
      p = w.put(4);
      store_be16(p, kEthTypeVlan);
      store_be16(p + 2, k.vlan_tci2 & ~kVlanCfi);
    }
  }
}

void write_arp(Writer& w, const FlowKey& k) {
  uint8_t* a = w.put(28);
  store_be16(a, 1);
  store_be16(a + 2, kEthTypeIp);
  a[4] = 6;
  a[5] = 4;
  store_be16(a + 6, k.nw_proto);
  store_mac(a + 8, k.arp_sha);
  store_be32(a + 14, k.nw_src);
  store_mac(a + 18, k.arp_tha);
  store_be32(a + 24, k.nw_dst);
}

// Transport header (if the protocol has one we write) plus payload; returns its start.
uint8_t* write_l4(Writer& w, const FlowKey& k, bool ipv6, size_t payload) {
  size_t start = w.pkt.size();
  uint8_t proto = k.nw_proto;
  bool icmp = (proto == kIpProtoIcmp && !ipv6) || (proto == kIpProtoIcmpv6 && ipv6);
  if (k.nw_frag & kFragLater) {
    // no transport header in a later fragment
  } else if (proto == kIpProtoTcp) {
    uint8_t* t = w.put(20);
    store_be16(t, k.tp_src);
    store_be16(t + 2, k.tp_dst);
    store_be16(t + 12, static_cast<uint16_t>(5 << 12 | (k.tcp_flags & 0x0fff)));  // offset 5
    store_be16(t + 14, 0xffff);
  } else if (proto == kIpProtoUdp) {
    uint8_t* u = w.put(8);
    store_be16(u, k.tp_src);
    store_be16(u + 2, k.tp_dst);
    store_be16(u + 4, static_cast<uint16_t>(8 + payload));
  } else if (icmp) {
    uint8_t* c = w.put(8);
    c[0] = static_cast<uint8_t>(k.tp_src);
    c[1] = static_cast<uint8_t>(k.tp_dst);
  }
  w.pattern(payload);
  return w.pkt.data() + start;
}

// Fills the transport checksum of a segment written by write_l4() (first fragments included:
// the sum then covers only this fragment's bytes).
void l4_checksum(const FlowKey& k, uint8_t* l4, size_t len, bool ipv6) {
  if (k.nw_frag & kFragLater) return;
  uint8_t p = k.nw_proto;
  if (p == kIpProtoTcp || p == kIpProtoUdp || (p == kIpProtoIcmpv6 && ipv6)) {
    uint8_t* c = l4 + (p == kIpProtoTcp ? 16 : p == kIpProtoUdp ? 6 : 2);
    store_be16(c, ipv6 ? l4_checksum_ipv6(k.ipv6_src, k.ipv6_dst, p, l4, len)
                       : l4_checksum_ipv4(k.nw_src, k.nw_dst, p, l4, len));
  } else if (p == kIpProtoIcmp && !ipv6) {
    store_be16(l4 + 2, inet_checksum(l4, len));
  }
}

void write_ipv4(Writer& w, const FlowKey& k, size_t payload) {
  size_t l3 = w.pkt.size();
  w.put(20);
  uint8_t* l4 = write_l4(w, k, false, payload);
  size_t l4_len = w.pkt.size() - l3 - 20;
  uint8_t* ip = w.pkt.data() + l3;
  ip[0] = 0x45;
  ip[1] = k.nw_tos;
  store_be16(ip + 2, static_cast<uint16_t>(20 + l4_len));
  uint16_t frag = (k.nw_frag & kFragLater) ? kLaterFragOffset : (k.nw_frag & kFragAny) ? 0x2000 : 0;
  store_be16(ip + 6, frag);
  ip[8] = k.nw_ttl;
  ip[9] = k.nw_proto;
  store_be32(ip + 12, k.nw_src);
  store_be32(ip + 16, k.nw_dst);
  store_be16(ip + 10, ipv4_header_checksum(ip, 20));
  l4_checksum(k, l4, l4_len, false);
}

void write_ipv6(Writer& w, const FlowKey& k, size_t payload) {
  size_t l3 = w.pkt.size();
  w.put(40);
  if (k.nw_frag & kFragAny) {
    uint8_t* f = w.put(8);
    f[0] = k.nw_proto;
    store_be16(f + 2, (k.nw_frag & kFragLater) ? kLaterFragOffset << 3 : 1);  // offset | M
  }
  uint8_t* l4 = write_l4(w, k, true, payload);
  size_t l4_len = w.pkt.data() + w.pkt.size() - l4;
  uint8_t* ip = w.pkt.data() + l3;
  store_be32(ip, 6u << 28 | uint32_t{k.nw_tos} << 20);
  store_be16(ip + 4, static_cast<uint16_t>(w.pkt.size() - l3 - 40));
  ip[6] = (k.nw_frag & kFragAny) ? 44 : k.nw_proto;
  ip[7] = k.nw_ttl;
  std::memcpy(ip + 8, k.ipv6_src.data(), 16);
  std::memcpy(ip + 24, k.ipv6_dst.data(), 16);
  l4_checksum(k, l4, l4_len, true);
}

void set_metadata(const FlowKey& key, Packet& out) {
  out.in_port = key.in_port;
  if (key.tun_id || key.tun_src || key.tun_dst) {
    out.tunnel.tun_id = key.tun_id;
    out.tunnel.ip_src = key.tun_src;
    out.tunnel.ip_dst = key.tun_dst;
    out.tunnel.valid = true;
  }
}

}  // namespace

bool compose_packet(const FlowKey& key, Packet& out, size_t payload) {
  out.reset();
  if (payload > 0xffff - kComposeMaxHeaders || payload + kComposeMaxHeaders > out.capacity()) {
    return false;
  }
  set_metadata(key, out);
  Writer w{out};
  write_l2(w, key);
  if (key.dl_type == kEthTypeNone) {
    if (payload >= 0x600) payload = 0x5ff;
    store_be16(w.put(2), static_cast<uint16_t>(payload));
    w.pattern(payload);
    return true;
  }
  store_be16(w.put(2), key.dl_type);
  switch (key.dl_type) {
    case kEthTypeArp:
      write_arp(w, key);
      break;
    case kEthTypeIp:
      write_ipv4(w, key, payload);
      break;
    case kEthTypeIpv6:
      write_ipv6(w, key, payload);
      break;
    default:
      w.pattern(payload);
  }
  return true;
}

namespace {

FlowKey ipv4_key(const MacAddr& eth_src, const MacAddr& eth_dst, uint32_t ip_src, uint32_t ip_dst,
                 uint8_t proto, uint8_t ttl) {
  FlowKey k;
  k.dl_src = eth_src;
  k.dl_dst = eth_dst;
  k.dl_type = kEthTypeIp;
  k.nw_src = ip_src;
  k.nw_dst = ip_dst;
  k.nw_proto = proto;
  k.nw_ttl = ttl;
  return k;
}

constexpr size_t kIpv4L4 = 14 + 20;  // transport offset in the untagged frames built below

}  // namespace

bool build_icmp_echo(Packet& out, const MacAddr& eth_src, const MacAddr& eth_dst, uint32_t ip_src,
                     uint32_t ip_dst, bool reply, uint16_t id, uint16_t seq, size_t payload_len,
                     uint8_t ttl) {
  FlowKey k = ipv4_key(eth_src, eth_dst, ip_src, ip_dst, kIpProtoIcmp, ttl);
  k.tp_src = reply ? 0 : 8;
  if (!compose_packet(k, out, payload_len)) return false;
  uint8_t* icmp = out.data() + kIpv4L4;
  store_be16(icmp + 2, 0);
  store_be16(icmp + 4, id);
  store_be16(icmp + 6, seq);
  store_be16(icmp + 2, inet_checksum(icmp, out.size() - kIpv4L4));
  return true;
}

bool build_arp_request(Packet& out, const MacAddr& sha, uint32_t spa, uint32_t tpa) {
  FlowKey k;
  k.dl_src = sha;
  k.dl_dst = MacAddr::from_u64(0xffffffffffffULL);
  k.dl_type = kEthTypeArp;
  k.nw_proto = 1;
  k.arp_sha = sha;
  k.nw_src = spa;
  k.nw_dst = tpa;
  return compose_packet(k, out);
}

bool build_arp_reply(Packet& out, const MacAddr& sha, uint32_t spa, const MacAddr& tha,
                     uint32_t tpa) {
  FlowKey k;
  k.dl_src = sha;
  k.dl_dst = tha;
  k.dl_type = kEthTypeArp;
  k.nw_proto = 2;
  k.arp_sha = sha;
  k.nw_src = spa;
  k.arp_tha = tha;
  k.nw_dst = tpa;
  return compose_packet(k, out);
}

bool build_udp(Packet& out, const MacAddr& eth_src, const MacAddr& eth_dst, uint32_t ip_src,
               uint32_t ip_dst, uint16_t src_port, uint16_t dst_port, const uint8_t* payload,
               size_t payload_len, uint8_t ttl) {
  FlowKey k = ipv4_key(eth_src, eth_dst, ip_src, ip_dst, kIpProtoUdp, ttl);
  k.tp_src = src_port;
  k.tp_dst = dst_port;
  if (!compose_packet(k, out, payload_len)) return false;
  uint8_t* udp = out.data() + kIpv4L4;
  if (payload_len) std::memcpy(udp + 8, payload, payload_len);
  store_be16(udp + 6, 0);
  store_be16(udp + 6, l4_checksum_ipv4(ip_src, ip_dst, kIpProtoUdp, udp, 8 + payload_len));
  return true;
}

}  // namespace nt
