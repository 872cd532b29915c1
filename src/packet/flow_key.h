// FlowKey: everything the switch can match on, extracted from a packet in one pass.
//
// The key is a fixed-layout struct whose members are ordered like the headers on the wire
// (metadata, Ethernet, VLAN, L3, L4) and padded so that its size is a whole number of 64-bit
// words. That layout is what makes the fast path cheap: a mask is another FlowKey, "masked
// equality" is a loop of AND/XOR over words, and hashing a masked key never touches a byte the
// mask does not cover (see flow/match.h, classifier/, datapath/).
//
// Conventions (they follow Open vSwitch's struct flow so flows mean the same thing):
//  - all integers are in host byte order; MACs and IPv6 addresses are byte arrays in wire order;
//  - vlan_tci carries 0x1000 (the CFI bit, "VLAN present") when the packet has an 802.1Q tag,
//    so vlan_tci == 0 means "untagged" and dl_vlan=N matches tci (N|0x1000)/0x1fff;
//  - dl_type is the innermost ethertype after VLAN tags;
//  - for ARP, nw_src/nw_dst hold SPA/TPA and nw_proto holds the low byte of the opcode;
//  - for ICMP/ICMPv6, tp_src/tp_dst hold type/code;
//  - padding is always zero: code that builds keys starts from FlowKey{}.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>

#include "common/addr.h"

namespace nt {

// Ports with special meaning, numbered as in OpenFlow 1.0 / Open vSwitch.
namespace ofp_port {
inline constexpr uint32_t kMax = 0xff00;
inline constexpr uint32_t kInPort = 0xfff8;
inline constexpr uint32_t kTable = 0xfff9;
inline constexpr uint32_t kNormal = 0xfffa;
inline constexpr uint32_t kFlood = 0xfffb;
inline constexpr uint32_t kAll = 0xfffc;
inline constexpr uint32_t kController = 0xfffd;
inline constexpr uint32_t kLocal = 0xfffe;
inline constexpr uint32_t kNone = 0xffff;
}  // namespace ofp_port

inline constexpr uint16_t kEthTypeIp = 0x0800;
inline constexpr uint16_t kEthTypeArp = 0x0806;
inline constexpr uint16_t kEthTypeVlan = 0x8100;
inline constexpr uint16_t kEthTypeQinQ = 0x88a8;
inline constexpr uint16_t kEthTypeIpv6 = 0x86dd;
inline constexpr uint16_t kEthTypeNone = 0x05ff;  // dl_type of 802.3 frames (length, not type)
inline constexpr uint8_t kIpProtoIcmp = 1;
inline constexpr uint8_t kIpProtoTcp = 6;
inline constexpr uint8_t kIpProtoUdp = 17;
inline constexpr uint8_t kIpProtoGre = 47;
inline constexpr uint8_t kIpProtoIcmpv6 = 58;
inline constexpr uint16_t kVlanCfi = 0x1000;
inline constexpr uint16_t kVlanVidMask = 0x0fff;
inline constexpr uint16_t kVlanPcpMask = 0xe000;

// nw_frag bits.
inline constexpr uint8_t kFragAny = 1;    // the packet is a fragment
inline constexpr uint8_t kFragLater = 2;  // ... and not the first one

// One 64-bit word of a FlowKey. Keys are compared, masked and hashed a word at a time; the
// attribute tells the compiler that these words alias the key's fields, so the accesses are
// defined behaviour (strict aliasing) and are never reordered around a field's store.
using KeyWord = uint64_t __attribute__((__may_alias__));

struct FlowKey {
  // Metadata: tunnel, pipeline registers, ingress port.
  uint64_t tun_id = 0;     // VXLAN VNI / GRE key of the tunnel the packet arrived on
  uint32_t tun_src = 0;    // outer IPv4 source
  uint32_t tun_dst = 0;    // outer IPv4 destination
  uint64_t metadata = 0;   // OpenFlow metadata (write_metadata)
  uint32_t regs[16] = {};  // reg0..reg15
  uint32_t in_port = 0;    // OpenFlow port number
  // Ethernet and VLAN.
  uint16_t vlan_tci = 0;  // outer 802.1Q TCI | kVlanCfi if tagged
  uint16_t dl_type = 0;   // innermost ethertype
  MacAddr dl_dst;
  MacAddr dl_src;
  uint16_t vlan_tci2 = 0;  // inner (second) 802.1Q TCI | kVlanCfi, QinQ; not matchable
  uint16_t tcp_flags = 0;  // TCP: the 12 flag bits (FIN 0x001 ... NS 0x100); else 0
  // Network layer.
  uint32_t nw_src = 0;   // IPv4 source or ARP SPA
  uint32_t nw_dst = 0;   // IPv4 destination or ARP TPA
  uint8_t nw_proto = 0;  // IP protocol or ARP opcode
  uint8_t nw_tos = 0;    // DSCP (high 6 bits) + ECN (low 2 bits)
  uint8_t nw_ttl = 0;    // TTL / hop limit
  uint8_t nw_frag = 0;   // kFragAny | kFragLater
  // Transport layer.
  uint16_t tp_src = 0;   // TCP/UDP source port or ICMP type
  uint16_t tp_dst = 0;   // TCP/UDP destination port or ICMP code
  MacAddr arp_sha;       // ARP source hardware address
  MacAddr arp_tha;       // ARP target hardware address
  uint32_t conj_id = 0;  // set only while the classifier looks up a completed conjunction
                         // (conj_id=ID flows); always 0 in a packet's key
  // Connection tracking (all zero for a packet that no ct() has seen; five words). They follow
  // the ordinary packet's fields so those keep their offsets; the classifier counts them to its
  // metadata stage.
  uint32_t recirc_id = 0;   // datapath recirculation id (0: first pass); not an OpenFlow field
  uint32_t ct_mark = 0;     // ct_mark
  uint8_t ct_state = 0;     // kCs* bits (conntrack/conntrack.h); 0 = untracked
  uint8_t ct_nw_proto = 0;  // original-direction tuple, before NAT (the parent's for +rel):
  uint16_t ct_zone = 0;     //   IP protocol ...
  uint32_t ct_nw_src = 0;   //   ... IPv4 source (host order) ...
  uint32_t ct_nw_dst = 0;   //   ... IPv4 destination ...
  uint16_t ct_tp_src = 0;   //   ... L4 source port / ICMP type ...
  uint16_t ct_tp_dst = 0;   //   ... L4 destination port / ICMP code
  // ct_label as 16 bytes in network (big-endian) order, like the IPv6 addresses: byte 0 holds
  // bits 127..120, byte 15 bits 7..0 (ct_label=0x1 sets ct_label[15] = 1). ct_label_get/set()
  // below convert to and from the 128-bit integer.
  std::array<uint8_t, 16> ct_label{};
  // IPv6 addresses last: most masks never reach them; the conntrack tuple's after the packet's.
  std::array<uint8_t, 16> ipv6_src{};
  std::array<uint8_t, 16> ipv6_dst{};
  std::array<uint8_t, 16> ct_ipv6_src{};  // original-direction IPv6 source, before NAT
  std::array<uint8_t, 16> ct_ipv6_dst{};  // original-direction IPv6 destination, before NAT

  static constexpr size_t kWords = 31;

  const KeyWord* words() const { return reinterpret_cast<const KeyWord*>(this); }
  KeyWord* words() { return reinterpret_cast<KeyWord*>(this); }
  bool operator==(const FlowKey& o) const { return std::memcmp(this, &o, sizeof o) == 0; }

  bool is_ip() const { return dl_type == kEthTypeIp; }
  bool is_ipv6() const { return dl_type == kEthTypeIpv6; }
  bool is_arp() const { return dl_type == kEthTypeArp; }
  bool has_vlan() const { return vlan_tci & kVlanCfi; }
};
static_assert(sizeof(FlowKey) == FlowKey::kWords * 8, "FlowKey must be whole 64-bit words");
static_assert(std::is_trivially_copyable_v<FlowKey>);
static_assert(std::has_unique_object_representations_v<FlowKey>, "FlowKey has no hidden padding");
static_assert(offsetof(FlowKey, ipv6_src) % 8 == 0);
static_assert(offsetof(FlowKey, recirc_id) % 8 == 0 && offsetof(FlowKey, ct_label) % 8 == 0,
              "the conntrack block is whole words");
static_assert(offsetof(FlowKey, ipv6_src) == offsetof(FlowKey, recirc_id) + 40,
              "the conntrack block (before the IPv6 addresses) is five words");
static_assert(offsetof(FlowKey, ct_ipv6_dst) + 16 == sizeof(FlowKey),
              "the conntrack IPv6 tuple ends the key");

// ct_label as a 128-bit integer (the byte array is big-endian).
inline unsigned __int128 ct_label_get(const FlowKey& k) {
  unsigned __int128 v = 0;
  for (uint8_t b : k.ct_label) v = v << 8 | b;
  return v;
}
inline void ct_label_set(FlowKey& k, unsigned __int128 v) {
  for (int i = 15; i >= 0; --i, v >>= 8)
    k.ct_label[static_cast<size_t>(i)] = static_cast<uint8_t>(v);
}

std::string ipv6_to_string(const std::array<uint8_t, 16>& addr);

// Hash of all words of a key (used by the exact-match cache).
uint64_t hash_words(const KeyWord* w, size_t n, uint64_t basis = 0);

}  // namespace nt
