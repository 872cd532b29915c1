// The match-field table: one constexpr row per field a flow can match, load, move or learn.
//
// Every place that names a field — the flow-text parser and formatter, set_field/load/move,
// learn specs, prerequisite checks, the megaflow un-wildcarding in xlate — goes through this
// one table, so a field added here is usable everywhere (DESIGN.md §6). Names and aliases are
// those of ovs-fields(7); NXM names (NXM_OF_VLAN_TCI, NXM_NX_TUN_ID, ...) are accepted wherever
// a field is, which is what the seed's learn() action uses.
//
// A field lives in a FlowKey member ("storage": 1, 2, 4 or 8 bytes of host-order integer, 6 bytes
// of MAC or 16 bytes of IPv6) at a bit shift and width, so dl_vlan is bits 0..11 of vlan_tci and
// ip_dscp bits 2..7 of nw_tos. Values travel as u128 so IPv6 addresses need no special case.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "packet/ct_meta.h"
#include "packet/flow_key.h"

namespace nt {

using u128 = unsigned __int128;

enum class Prereq : uint8_t {
  kNone,
  kIp,      // dl_type=0x0800
  kIpv6,    // dl_type=0x86dd
  kIpAny,   // ip or ipv6
  kArp,     // dl_type=0x0806
  kL4,      // ip/ipv6 and nw_proto tcp or udp
  kTcp,     // ip/ipv6 and nw_proto=6
  kUdp,     // ip/ipv6 and nw_proto=17
  kIcmp,    // ip and nw_proto=1
  kIcmpv6,  // ipv6 and nw_proto=58
  kCt,      // "CT": a ct_state match proving tracked and valid (+new, +est, +rpl, +trk-inv, ...)
  kCtIp,    // CT and ip (ct_nw_src/dst)
  kCtIpv6,  // CT and ipv6 (ct_ipv6_src/dst)
};

enum class FieldFormat : uint8_t {
  kDecimal,
  kHex,    // 0x64
  kHex16,  // 0x0001 (vlan_tci is printed with 4 digits)
  kMac,
  kIpv4,
  kIpv6,
  kPort,      // OpenFlow port: number or LOCAL/IN_PORT/...
  kFrag,      // no/yes/first/later/not_later
  kEthType,   // 0x0800
  kTcpFlags,  // +syn-ack, syn|ack, 0x012/0x0ff
  kCtState,   // +trk-inv, new|trk, 0x22/0x26
};

// X(id, name, aliases, nxm_name, member, shift, width, maskable, prereq, format, writable)
#define NT_FIELDS(X)                                                                              \
  X(kTunId, "tun_id", "tunnel_id", "NXM_NX_TUN_ID", tun_id, 0, 64, true, kNone, kHex, true)       \
  X(kTunSrc, "tun_src", "", "NXM_NX_TUN_IPV4_SRC", tun_src, 0, 32, true, kNone, kIpv4, true)      \
  X(kTunDst, "tun_dst", "", "NXM_NX_TUN_IPV4_DST", tun_dst, 0, 32, true, kNone, kIpv4, true)      \
  X(kMetadata, "metadata", "", "OXM_OF_METADATA", metadata, 0, 64, true, kNone, kHex, true)       \
  X(kReg0, "reg0", "", "NXM_NX_REG0", regs[0], 0, 32, true, kNone, kHex, true)                    \
  X(kReg1, "reg1", "", "NXM_NX_REG1", regs[1], 0, 32, true, kNone, kHex, true)                    \
  X(kReg2, "reg2", "", "NXM_NX_REG2", regs[2], 0, 32, true, kNone, kHex, true)                    \
  X(kReg3, "reg3", "", "NXM_NX_REG3", regs[3], 0, 32, true, kNone, kHex, true)                    \
  X(kReg4, "reg4", "", "NXM_NX_REG4", regs[4], 0, 32, true, kNone, kHex, true)                    \
  X(kReg5, "reg5", "", "NXM_NX_REG5", regs[5], 0, 32, true, kNone, kHex, true)                    \
  X(kReg6, "reg6", "", "NXM_NX_REG6", regs[6], 0, 32, true, kNone, kHex, true)                    \
  X(kReg7, "reg7", "", "NXM_NX_REG7", regs[7], 0, 32, true, kNone, kHex, true)                    \
  X(kReg8, "reg8", "", "NXM_NX_REG8", regs[8], 0, 32, true, kNone, kHex, true)                    \
  X(kReg9, "reg9", "", "NXM_NX_REG9", regs[9], 0, 32, true, kNone, kHex, true)                    \
  X(kReg10, "reg10", "", "NXM_NX_REG10", regs[10], 0, 32, true, kNone, kHex, true)                \
  X(kReg11, "reg11", "", "NXM_NX_REG11", regs[11], 0, 32, true, kNone, kHex, true)                \
  X(kReg12, "reg12", "", "NXM_NX_REG12", regs[12], 0, 32, true, kNone, kHex, true)                \
  X(kReg13, "reg13", "", "NXM_NX_REG13", regs[13], 0, 32, true, kNone, kHex, true)                \
  X(kReg14, "reg14", "", "NXM_NX_REG14", regs[14], 0, 32, true, kNone, kHex, true)                \
  X(kReg15, "reg15", "", "NXM_NX_REG15", regs[15], 0, 32, true, kNone, kHex, true)                \
  X(kInPort, "in_port", "", "NXM_OF_IN_PORT", in_port, 0, 16, false, kNone, kPort, true)          \
  X(kVlanTci, "vlan_tci", "", "NXM_OF_VLAN_TCI", vlan_tci, 0, 16, true, kNone, kHex16, true)      \
  X(kDlVlan, "dl_vlan", "", "", vlan_tci, 0, 12, false, kNone, kDecimal, true)                    \
  X(kVlanVid, "vlan_vid", "", "OXM_OF_VLAN_VID", vlan_tci, 0, 13, true, kNone, kDecimal, true)    \
  X(kDlVlanPcp, "dl_vlan_pcp", "vlan_pcp", "OXM_OF_VLAN_PCP", vlan_tci, 13, 3, false, kNone,      \
    kDecimal, true)                                                                               \
  X(kDlSrc, "dl_src", "eth_src", "NXM_OF_ETH_SRC", dl_src, 0, 48, true, kNone, kMac, true)        \
  X(kDlDst, "dl_dst", "eth_dst", "NXM_OF_ETH_DST", dl_dst, 0, 48, true, kNone, kMac, true)        \
  X(kDlType, "dl_type", "eth_type", "NXM_OF_ETH_TYPE", dl_type, 0, 16, false, kNone, kEthType,    \
    false)                                                                                        \
  X(kNwSrc, "nw_src", "ip_src", "NXM_OF_IP_SRC", nw_src, 0, 32, true, kIp, kIpv4, true)           \
  X(kNwDst, "nw_dst", "ip_dst", "NXM_OF_IP_DST", nw_dst, 0, 32, true, kIp, kIpv4, true)           \
  X(kNwProto, "nw_proto", "ip_proto", "NXM_OF_IP_PROTO", nw_proto, 0, 8, false, kIpAny, kDecimal, \
    false)                                                                                        \
  X(kNwTos, "nw_tos", "", "NXM_OF_IP_TOS", nw_tos, 0, 8, false, kIpAny, kDecimal, true)           \
  X(kIpDscp, "ip_dscp", "", "OXM_OF_IP_DSCP", nw_tos, 2, 6, false, kIpAny, kDecimal, true)        \
  X(kNwEcn, "nw_ecn", "ip_ecn", "NXM_NX_IP_ECN", nw_tos, 0, 2, false, kIpAny, kDecimal, true)     \
  X(kNwTtl, "nw_ttl", "", "NXM_NX_IP_TTL", nw_ttl, 0, 8, false, kIpAny, kDecimal, true)           \
  X(kNwFrag, "nw_frag", "ip_frag", "NXM_NX_IP_FRAG", nw_frag, 0, 2, true, kIpAny, kFrag, false)   \
  X(kArpOp, "arp_op", "", "NXM_OF_ARP_OP", nw_proto, 0, 8, false, kArp, kDecimal, true)           \
  X(kArpSpa, "arp_spa", "", "NXM_OF_ARP_SPA", nw_src, 0, 32, true, kArp, kIpv4, true)             \
  X(kArpTpa, "arp_tpa", "", "NXM_OF_ARP_TPA", nw_dst, 0, 32, true, kArp, kIpv4, true)             \
  X(kArpSha, "arp_sha", "", "NXM_NX_ARP_SHA", arp_sha, 0, 48, true, kArp, kMac, true)             \
  X(kArpTha, "arp_tha", "", "NXM_NX_ARP_THA", arp_tha, 0, 48, true, kArp, kMac, true)             \
  X(kIpv6Src, "ipv6_src", "", "NXM_NX_IPV6_SRC", ipv6_src, 0, 128, true, kIpv6, kIpv6, false)     \
  X(kIpv6Dst, "ipv6_dst", "", "NXM_NX_IPV6_DST", ipv6_dst, 0, 128, true, kIpv6, kIpv6, false)     \
  X(kTpSrc, "tp_src", "", "", tp_src, 0, 16, true, kL4, kDecimal, true)                           \
  X(kTpDst, "tp_dst", "", "", tp_dst, 0, 16, true, kL4, kDecimal, true)                           \
  X(kTcpSrc, "tcp_src", "", "NXM_OF_TCP_SRC", tp_src, 0, 16, true, kTcp, kDecimal, true)          \
  X(kTcpDst, "tcp_dst", "", "NXM_OF_TCP_DST", tp_dst, 0, 16, true, kTcp, kDecimal, true)          \
  X(kUdpSrc, "udp_src", "", "NXM_OF_UDP_SRC", tp_src, 0, 16, true, kUdp, kDecimal, true)          \
  X(kUdpDst, "udp_dst", "", "NXM_OF_UDP_DST", tp_dst, 0, 16, true, kUdp, kDecimal, true)          \
  X(kIcmpType, "icmp_type", "", "NXM_OF_ICMP_TYPE", tp_src, 0, 8, false, kIcmp, kDecimal, true)   \
  X(kIcmpCode, "icmp_code", "", "NXM_OF_ICMP_CODE", tp_dst, 0, 8, false, kIcmp, kDecimal, true)   \
  X(kIcmpv6Type, "icmpv6_type", "", "NXM_NX_ICMPV6_TYPE", tp_src, 0, 8, false, kIcmpv6, kDecimal, \
    true)                                                                                         \
  X(kIcmpv6Code, "icmpv6_code", "", "NXM_NX_ICMPV6_CODE", tp_dst, 0, 8, false, kIcmpv6, kDecimal, \
    true)                                                                                         \
  X(kTcpFlags, "tcp_flags", "", "NXM_NX_TCP_FLAGS", tcp_flags, 0, 12, true, kTcp, kTcpFlags,      \
    false)                                                                                        \
  X(kConjId, "conj_id", "", "NXM_NX_CONJ_ID", conj_id, 0, 32, false, kNone, kDecimal, false)      \
  X(kCtState, "ct_state", "", "NXM_NX_CT_STATE", ct_state, 0, 8, true, kNone, kCtState, false)    \
  X(kCtZone, "ct_zone", "", "NXM_NX_CT_ZONE", ct_zone, 0, 16, false, kNone, kDecimal, false)      \
  X(kCtMark, "ct_mark", "", "NXM_NX_CT_MARK", ct_mark, 0, 32, true, kNone, kHex, true)            \
  X(kCtLabel, "ct_label", "", "NXM_NX_CT_LABEL", ct_label, 0, 128, true, kNone, kHex, true)       \
  X(kCtNwSrc, "ct_nw_src", "", "NXM_NX_CT_NW_SRC", ct_nw_src, 0, 32, true, kCtIp, kIpv4, false)   \
  X(kCtNwDst, "ct_nw_dst", "", "NXM_NX_CT_NW_DST", ct_nw_dst, 0, 32, true, kCtIp, kIpv4, false)   \
  X(kCtIpv6Src, "ct_ipv6_src", "", "NXM_NX_CT_IPV6_SRC", ct_ipv6_src, 0, 128, true, kCtIpv6,      \
    kIpv6, false)                                                                                 \
  X(kCtIpv6Dst, "ct_ipv6_dst", "", "NXM_NX_CT_IPV6_DST", ct_ipv6_dst, 0, 128, true, kCtIpv6,      \
    kIpv6, false)                                                                                 \
  X(kCtNwProto, "ct_nw_proto", "", "NXM_NX_CT_NW_PROTO", ct_nw_proto, 0, 8, false, kCt, kDecimal, \
    false)                                                                                        \
  X(kCtTpSrc, "ct_tp_src", "", "NXM_NX_CT_TP_SRC", ct_tp_src, 0, 16, true, kCt, kDecimal, false)  \
  X(kCtTpDst, "ct_tp_dst", "", "NXM_NX_CT_TP_DST", ct_tp_dst, 0, 16, true, kCt, kDecimal, false)

enum class FieldId : uint8_t {
#define NT_FIELD_ENUM(id, ...) id,
  NT_FIELDS(NT_FIELD_ENUM)
#undef NT_FIELD_ENUM
      kCount
};
inline constexpr size_t kNumFields = static_cast<size_t>(FieldId::kCount);

struct FieldInfo {
  FieldId id;
  std::string_view name;      // the name Open vSwitch prints in matches
  std::string_view aliases;   // other accepted names, space separated
  std::string_view nxm_name;  // NXM/OXM name, "" if none
  uint16_t offset;            // byte offset of the storage member in FlowKey
  uint8_t size;               // storage bytes: 1, 2, 4, 8, 6 (MAC), 16 (IPv6)
  uint8_t shift;              // field = (storage >> shift) & ones(width)
  uint8_t width;              // bits
  bool maskable;
  Prereq prereq;
  FieldFormat format;
  bool writable;  // set_field / load / move may write it (ct_mark, ct_label: only inside ct())
};

// Fields that only ct(exec(...)) may write (Open vSwitch's field_requires_ct()).
inline bool field_requires_ct(const FieldInfo& f) {
  return f.id == FieldId::kCtMark || f.id == FieldId::kCtLabel;
}

const FieldInfo& field_info(FieldId id);
// Looks a field up by name, alias or NXM/OXM name (case-sensitive, as ovs-ofctl).
const FieldInfo* field_by_name(std::string_view name);

u128 ones(int bits);  // low `bits` bits set, bits in [0, 128]
inline u128 field_ones(const FieldInfo& f) { return ones(f.width); }

u128 field_get(const FlowKey& key, const FieldInfo& f);
// Writes the low f.width bits of `v`; bits of the storage outside the field are kept.
void field_set(FlowKey& key, const FieldInfo& f, u128 v);
// key.field = (key.field & ~mask) | (v & mask), within the field.
void field_set_masked(FlowKey& key, const FieldInfo& f, u128 v, u128 mask);

// True when `flow` (a concrete packet's key) satisfies the field's prerequisites.
bool prereqs_met(Prereq p, const FlowKey& flow);
// True when a match (value/mask) pins down the field's prerequisites, as OpenFlow requires
// before a field may be matched or set (tp_dst needs "tcp" or "udp").
bool prereqs_in_match(Prereq p, const FlowKey& value, const FlowKey& mask);
// "tcp or udp (e.g. 'tcp,tp_dst=80')" — what a user must add, for error messages.
std::string_view prereq_hint(Prereq p);
// Un-wildcards, in `mask`, the fields that decide whether `p` holds (dl_type, nw_proto).
void prereq_unwildcard(Prereq p, FlowKey& mask);

std::string format_field_value(const FieldInfo& f, u128 v);
// Parses "VALUE" in the field's syntax (decimal, 0x hex, MAC, dotted quad, IPv6, port name
// like LOCAL, frag keyword).
Result<u128> parse_field_value(const FieldInfo& f, std::string_view s);
// Parses "VALUE" or "VALUE/MASK" (IPv4/IPv6 also accept /PREFIXLEN). Returns {value, mask}.
Result<std::pair<u128, u128>> parse_field_value_masked(const FieldInfo& f, std::string_view s);

// tcp_flags text (ovs-fields(7)): "+syn-ack", "syn|ack", "0x012/0x0ff" -> {value, mask}.
Result<std::pair<u128, u128>> parse_tcp_flags(std::string_view s);
// As Open vSwitch prints a tcp_flags match: "syn|ack" (all bits pinned), "+syn-ack", "0/0".
std::string format_tcp_flags(uint16_t value, uint16_t mask);

// ct_state bits (ovs-fields(7) CS_*): the packet layer's kCs* (packet/ct_meta.h), short names.
namespace cs {
inline constexpr uint8_t kNew = kCsNew, kEst = kCsEst, kRel = kCsRel, kRpl = kCsRpl, kInv = kCsInv,
                         kTrk = kCsTrk, kSnat = kCsSnat, kDnat = kCsDnat;
}
// ct_state text (ovs-fields(7)): "+trk-inv" (named flags set/clear, others wildcarded),
// "new|trk" (exactly these), "0x22/0x26" -> {value, mask}; errors worded as ovs-ofctl's.
Result<std::pair<u128, u128>> parse_ct_state(std::string_view s);
// As Open vSwitch prints a ct_state match: "est|rpl|trk" or "0" when all 8 bits are pinned,
// else the masked bits in bit order with signs ("+est-rel+trk").
std::string format_ct_state(uint8_t value, uint8_t mask);
// A ct_state name ("new", "est", ...) for one bit.
std::string_view ct_state_name(uint8_t bit);

// A bit range of a field: NXM_OF_VLAN_TCI[0..11], reg0[5], NXM_OF_ETH_DST[].
struct Subfield {
  const FieldInfo* field = nullptr;
  uint8_t ofs = 0;
  uint8_t n_bits = 0;
  bool operator==(const Subfield&) const = default;
  bool whole() const { return field && ofs == 0 && n_bits == field->width; }
};
Result<Subfield> parse_subfield(std::string_view s);
// Formats with the NXM name where the field has one (as ovs-ofctl prints learn specs).
std::string format_subfield(const Subfield& sf);
u128 subfield_get(const FlowKey& key, const Subfield& sf);
void subfield_set(FlowKey& key, const Subfield& sf, u128 v);
// Sets the subfield's bits in a mask to all-ones (un-wildcard).
void subfield_unwildcard(FlowKey& mask, const Subfield& sf);

}  // namespace nt
