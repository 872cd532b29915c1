#include "packet/modify.h"

#include "packet/bytes.h"
#include "packet/checksum.h"

namespace nt {

namespace {

constexpr size_t kEthLen = 14;

bool is_vlan_tpid(uint16_t t) { return t == kEthTypeVlan || t == kEthTypeQinQ; }

// The L3 header after Ethernet and up to two VLAN tags: its offset and ethertype.
bool locate_l3(const Packet& pkt, size_t& l3, uint16_t& type) {
  const uint8_t* p = pkt.data();
  size_t len = pkt.size();
  if (len < kEthLen) return false;
  type = load_be16(p + 12);
  l3 = kEthLen;
  for (int i = 0; i < 2 && is_vlan_tpid(type); ++i) {
    if (len - l3 < 4) return false;
    type = load_be16(p + l3 + 2);
    l3 += 4;
  }
  return true;
}

struct Ipv4Hdr {
  uint8_t* ip = nullptr;
  size_t ihl = 0;
  size_t total = 0;
};

bool locate_ipv4(Packet& pkt, Ipv4Hdr& h) {
  size_t l3;
  uint16_t type;
  if (!locate_l3(pkt, l3, type) || type != kEthTypeIp) return false;
  size_t n = pkt.size() - l3;
  uint8_t* ip = pkt.data() + l3;
  if (n < 20 || ip[0] >> 4 != 4) return false;
  size_t ihl = size_t{ip[0] & 0x0fu} * 4;
  size_t total = load_be16(ip + 2);
  if (ihl < 20 || ihl > n || total < ihl || total > n) return false;
  h = Ipv4Hdr{ip, ihl, total};
  return true;
}

// The TCP/UDP header of an IPv4 packet, if it carries one in this fragment.
uint8_t* ipv4_l4(const Ipv4Hdr& h, uint8_t& proto) {
  proto = h.ip[9];
  if (load_be16(h.ip + 6) & 0x1fff) return nullptr;
  size_t need = proto == kIpProtoTcp ? 20 : proto == kIpProtoUdp ? 8 : 0;
  if (need == 0 || h.total - h.ihl < need) return nullptr;
  return h.ip + h.ihl;
}

// The TCP/UDP header after an IPv4 or a plain IPv6 header.
uint8_t* locate_l4(Packet& pkt, uint8_t& proto) {
  Ipv4Hdr h;
  if (locate_ipv4(pkt, h)) return ipv4_l4(h, proto);
  size_t l3;
  uint16_t type;
  if (!locate_l3(pkt, l3, type) || type != kEthTypeIpv6) return nullptr;
  size_t n = pkt.size() - l3;
  uint8_t* ip = pkt.data() + l3;
  if (n < 40 || ip[0] >> 4 != 6) return nullptr;
  size_t total = 40 + size_t{load_be16(ip + 4)};
  proto = ip[6];
  size_t need = proto == kIpProtoTcp ? 20 : proto == kIpProtoUdp ? 8 : 0;
  if (need == 0 || total > n || total - 40 < need) return nullptr;
  return ip + 40;
}

size_t l4_csum_offset(uint8_t proto) { return proto == kIpProtoTcp ? 16 : 6; }

// True if the transport checksum at `field` is partial (offload NEEDS_CSUM): it then holds
// the pseudo-header sum, and whoever completes it sums the transport bytes themselves.
bool partial_csum(const Packet& pkt, const uint8_t* field) {
  const VnetHdr& o = pkt.offload;
  return (o.flags & kVnetNeedsCsum) && field == pkt.data() + o.csum_start + o.csum_offset;
}

// Patches the TCP/UDP checksum at l4 for a 16- or 32-bit change elsewhere in its coverage.
// `pseudo`: the change is in the pseudo-header (an address), not in the transport bytes.
void update_l4_csum(const Packet& pkt, uint8_t* l4, uint8_t proto, uint32_t old_v, uint32_t new_v,
                    bool wide, bool pseudo) {
  uint8_t* c = l4 + l4_csum_offset(proto);
  uint16_t csum = load_be16(c);
  bool partial = partial_csum(pkt, c);
  if (partial && !pseudo) return;  // completed over the new bytes later
  if (partial) csum = static_cast<uint16_t>(~csum);
  if (!partial && proto == kIpProtoUdp && csum == 0) return;  // no checksum
  csum = wide ? csum_update32(csum, old_v, new_v)
              : csum_update16(csum, static_cast<uint16_t>(old_v), static_cast<uint16_t>(new_v));
  if (partial) {
    csum = static_cast<uint16_t>(~csum);
  } else if (proto == kIpProtoUdp && csum == 0) {
    csum = 0xffff;
  }
  store_be16(c, csum);
}

// Rewrites a 16-bit word of the IPv4 header (offset `ofs`), patching the header checksum.
void ipv4_set_word(uint8_t* ip, size_t ofs, uint16_t v) {
  uint16_t old = load_be16(ip + ofs);
  store_be16(ip + ofs, v);
  store_be16(ip + 10, csum_update16(load_be16(ip + 10), old, v));
}

bool set_ipv4_addr(Packet& pkt, size_t ofs, uint32_t addr) {
  Ipv4Hdr h;
  if (!locate_ipv4(pkt, h)) return false;
  uint32_t old = load_be32(h.ip + ofs);
  store_be32(h.ip + ofs, addr);
  store_be16(h.ip + 10, csum_update32(load_be16(h.ip + 10), old, addr));
  uint8_t proto;
  if (uint8_t* l4 = ipv4_l4(h, proto)) update_l4_csum(pkt, l4, proto, old, addr, true, true);
  return true;
}

bool set_l4_port(Packet& pkt, size_t ofs, uint16_t port) {
  uint8_t proto;
  uint8_t* l4 = locate_l4(pkt, proto);
  if (!l4) return false;
  uint16_t old = load_be16(l4 + ofs);
  store_be16(l4 + ofs, port);
  update_l4_csum(pkt, l4, proto, old, port, false, false);
  return true;
}

uint8_t* locate_arp(Packet& pkt) {
  size_t l3;
  uint16_t type;
  if (!locate_l3(pkt, l3, type) || type != kEthTypeArp || pkt.size() - l3 < 28) return nullptr;
  uint8_t* a = pkt.data() + l3;
  if (load_be16(a) != 1 || load_be16(a + 2) != kEthTypeIp || a[4] != 6 || a[5] != 4) {
    return nullptr;
  }
  return a;
}

}  // namespace

bool push_vlan(Packet& pkt, uint16_t tpid, uint16_t tci) {
  if (pkt.size() < kEthLen) return false;
  uint8_t* tag = pkt.insert_at(12, 4);
  if (!tag) return false;
  store_be16(tag, tpid);
  store_be16(tag + 2, tci);
  return true;
}

bool pop_vlan(Packet& pkt) {
  if (pkt.size() < kEthLen + 4 || !is_vlan_tpid(load_be16(pkt.data() + 12))) return false;
  return pkt.remove_at(12, 4);
}

bool set_vlan_tci(Packet& pkt, uint16_t tci) {
  if (pkt.size() < kEthLen + 4 || !is_vlan_tpid(load_be16(pkt.data() + 12))) return false;
  store_be16(pkt.data() + 14, tci);
  return true;
}

bool set_eth_src(Packet& pkt, const MacAddr& mac) {
  if (pkt.size() < kEthLen) return false;
  store_mac(pkt.data() + 6, mac);
  return true;
}

bool set_eth_dst(Packet& pkt, const MacAddr& mac) {
  if (pkt.size() < kEthLen) return false;
  store_mac(pkt.data(), mac);
  return true;
}

bool set_ipv4_src(Packet& pkt, uint32_t addr) { return set_ipv4_addr(pkt, 12, addr); }
bool set_ipv4_dst(Packet& pkt, uint32_t addr) { return set_ipv4_addr(pkt, 16, addr); }

bool set_ipv4_tos(Packet& pkt, uint8_t tos, uint8_t mask) {
  Ipv4Hdr h;
  if (!locate_ipv4(pkt, h)) return false;
  uint8_t v = static_cast<uint8_t>((h.ip[1] & ~mask) | (tos & mask));
  ipv4_set_word(h.ip, 0, static_cast<uint16_t>(h.ip[0] << 8 | v));
  return true;
}

bool set_ipv4_ttl(Packet& pkt, uint8_t ttl) {
  Ipv4Hdr h;
  if (!locate_ipv4(pkt, h)) return false;
  ipv4_set_word(h.ip, 8, static_cast<uint16_t>(ttl << 8 | h.ip[9]));
  return true;
}

bool set_ipv6_hlimit(Packet& pkt, uint8_t hlimit) {
  size_t l3;
  uint16_t type;
  if (!locate_l3(pkt, l3, type) || type != kEthTypeIpv6 || pkt.size() < l3 + 40) return false;
  pkt.data()[l3 + 7] = hlimit;
  return true;
}

// The traffic class straddles the first two bytes: version(4) tclass(8) flow label(20).
bool set_ipv6_tclass(Packet& pkt, uint8_t tclass, uint8_t mask) {
  size_t l3;
  uint16_t type;
  if (!locate_l3(pkt, l3, type) || type != kEthTypeIpv6 || pkt.size() < l3 + 40) return false;
  uint8_t* ip = pkt.data() + l3;
  uint8_t old = static_cast<uint8_t>((ip[0] & 0x0f) << 4 | ip[1] >> 4);
  uint8_t v = static_cast<uint8_t>((old & ~mask) | (tclass & mask));
  ip[0] = static_cast<uint8_t>((ip[0] & 0xf0) | v >> 4);
  ip[1] = static_cast<uint8_t>((ip[1] & 0x0f) | (v & 0x0f) << 4);
  return true;
}

bool set_l4_src(Packet& pkt, uint16_t port) { return set_l4_port(pkt, 0, port); }
bool set_l4_dst(Packet& pkt, uint16_t port) { return set_l4_port(pkt, 2, port); }

bool set_arp_op(Packet& pkt, uint16_t op) {
  uint8_t* a = locate_arp(pkt);
  if (a) store_be16(a + 6, op);
  return a != nullptr;
}

bool set_arp_sha(Packet& pkt, const MacAddr& mac) {
  uint8_t* a = locate_arp(pkt);
  if (a) store_mac(a + 8, mac);
  return a != nullptr;
}

bool set_arp_spa(Packet& pkt, uint32_t addr) {
  uint8_t* a = locate_arp(pkt);
  if (a) store_be32(a + 14, addr);
  return a != nullptr;
}

bool set_arp_tha(Packet& pkt, const MacAddr& mac) {
  uint8_t* a = locate_arp(pkt);
  if (a) store_mac(a + 18, mac);
  return a != nullptr;
}

bool set_arp_tpa(Packet& pkt, uint32_t addr) {
  uint8_t* a = locate_arp(pkt);
  if (a) store_be32(a + 24, addr);
  return a != nullptr;
}

}  // namespace nt
