// OpenFlow actions: one list drives parse, format, check and xlate.
//
// NT_OFPACTS below is the single list of actions Neutrino understands. Each row names the enum
// constant, the keyword ovs-ofctl uses, and the payload struct. From it we build the ActionType
// enum, the keyword table and the std::variant `Action`. Every consumer — the text parser
// (action_parse.cc), the formatter (action_format.cc), the checker (action_check.cc) and the
// translator (xlate/) — visits the variant with one overload per payload and no catch-all, so
// adding a row fails to compile until each of them handles the new action.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/result.h"
#include "flow/fields.h"
#include "flow/match.h"

namespace nt {

// output:PORT, a bare port number, and the reserved ports NORMAL, FLOOD, ALL, IN_PORT, LOCAL.
struct OutputAction {
  uint32_t port = 0;
  uint16_t max_len = 0;  // only meaningful for CONTROLLER
  bool operator==(const OutputAction&) const = default;
};
// output:NXM_NX_REG0[0..15] — the port number is read from a field at run time.
struct OutputRegAction {
  Subfield src;
  bool operator==(const OutputRegAction&) const = default;
};
// controller(reason=...,max_len=...) with a reason other than "action". As in Open vSwitch,
// "CONTROLLER", "output:CONTROLLER", "controller:N" and "controller(max_len=N)" parse to
// OutputAction{ofp_port::kController, N} instead (printed "CONTROLLER:N"), so consumers must
// treat both as sending to the controller.
struct ControllerAction {
  uint16_t max_len = 65535;
  uint8_t reason = 1;  // OFPR_ACTION
  bool operator==(const ControllerAction&) const = default;
};
// resubmit:PORT, resubmit(PORT,TABLE), resubmit(,TABLE)
struct ResubmitAction {
  uint32_t in_port = ofp_port::kInPort;  // kInPort: keep the current in_port
  uint8_t table = 255;                   // 255: the current table
  bool operator==(const ResubmitAction&) const = default;
};
struct GotoTableAction {
  uint8_t table = 0;
  bool operator==(const GotoTableAction&) const = default;
};
// mod_vlan_vid:VID (OpenFlow 1.0: pushes a tag if the packet has none).
struct SetVlanVidAction {
  uint16_t vid = 0;
  bool operator==(const SetVlanVidAction&) const = default;
};
struct SetVlanPcpAction {
  uint8_t pcp = 0;
  bool operator==(const SetVlanPcpAction&) const = default;
};
struct StripVlanAction {
  bool operator==(const StripVlanAction&) const = default;
};
struct PopVlanAction {
  bool operator==(const PopVlanAction&) const = default;
};
struct PushVlanAction {
  uint16_t ethertype = kEthTypeVlan;
  bool operator==(const PushVlanAction&) const = default;
};
// set_field:VALUE[/MASK]->FIELD
struct SetFieldAction {
  const FieldInfo* field = nullptr;
  u128 value = 0;
  u128 mask = 0;
  bool operator==(const SetFieldAction&) const = default;
};
// load:VALUE->DST[a..b]
struct RegLoadAction {
  Subfield dst;
  u128 value = 0;
  bool operator==(const RegLoadAction&) const = default;
};
// move:SRC[a..b]->DST[c..d]
struct RegMoveAction {
  Subfield src;
  Subfield dst;
  bool operator==(const RegMoveAction&) const = default;
};
struct SetEthSrcAction {
  MacAddr mac;
  bool operator==(const SetEthSrcAction&) const = default;
};
struct SetEthDstAction {
  MacAddr mac;
  bool operator==(const SetEthDstAction&) const = default;
};
struct SetIpv4SrcAction {
  uint32_t ip = 0;
  bool operator==(const SetIpv4SrcAction&) const = default;
};
struct SetIpv4DstAction {
  uint32_t ip = 0;
  bool operator==(const SetIpv4DstAction&) const = default;
};
struct SetL4SrcAction {
  uint16_t port = 0;
  bool operator==(const SetL4SrcAction&) const = default;
};
struct SetL4DstAction {
  uint16_t port = 0;
  bool operator==(const SetL4DstAction&) const = default;
};
struct DecTtlAction {
  bool operator==(const DecTtlAction&) const = default;
};
// set_tunnel:ID (32-bit in OpenFlow 1.0 syntax) and set_tunnel64:ID.
struct SetTunnelAction {
  uint64_t tun_id = 0;
  bool is64 = false;  // remembers the keyword for formatting
  bool operator==(const SetTunnelAction&) const = default;
};
// write_metadata:VALUE[/MASK]
struct WriteMetadataAction {
  uint64_t value = 0;
  uint64_t mask = ~uint64_t{0};
  bool operator==(const WriteMetadataAction&) const = default;
};
// note:HEX.HEX... (no effect on packets)
struct NoteAction {
  std::vector<uint8_t> data;
  bool operator==(const NoteAction&) const = default;
};

// mod_nw_tos:TOS — the DSCP bits (high 6) of the IPv4 TOS / IPv6 traffic class; the ECN bits
// are kept. (mod_nw_ecn:N parses to load:N->NXM_NX_IP_ECN[], as Open vSwitch stores it.)
struct SetIpDscpAction {
  uint8_t dscp = 0;  // the TOS byte with the low 2 bits clear, as written ("mod_nw_tos:32")
  bool operator==(const SetIpDscpAction&) const = default;
};
// ct_clear: forgets the packet's connection-tracking state. Without a ct() action there is
// no state to forget, so translation emits nothing (Open vSwitch does the same).
struct CtClearAction {
  bool operator==(const CtClearAction&) const = default;
};
// nat / nat(src|dst=ADDR[-ADDR][:PORT[-PORT]][,persistent][,hash|random]) inside ct().
struct CtNatSpec {
  enum class Kind : uint8_t {
    kReverse,  // bare "nat": apply the NAT an existing connection already has
    kSrc,
    kDst,
  };
  Kind kind = Kind::kReverse;
  // The address family of the range: none ("nat(src)", or an all-zero address, which
  // Open vSwitch does not encode), IPv4 or IPv6.
  enum class Af : uint8_t { kNone, kIpv4, kIpv6 };
  Af af = Af::kNone;
  // Addresses in network byte order: IPv4 in bytes 0..3 (the rest zero), IPv6 all 16.
  // addr_max is zero when only one address was given.
  std::array<uint8_t, 16> addr_min{};
  std::array<uint8_t, 16> addr_max{};
  uint16_t port_min = 0;  // 0: no port range (ports are kept unless they collide)
  uint16_t port_max = 0;  // 0 or == port_min: one port
  bool persistent = false;
  bool hash = false;
  bool random = false;
  bool operator==(const CtNatSpec&) const = default;
};
// What ct(exec(...)) may hold: writes of ct_mark / ct_label (checked when parsed).
using CtExecAction = std::variant<SetFieldAction, RegLoadAction, RegMoveAction>;

// ct([commit][,force][,table=N][,zone=N|zone=FIELD[a..b]][,nat[(...)]][,exec(...)]
//    [,alg=ftp|tftp]) — ovs-actions(7), "The ct action". Sends the packet through the
// connection tracker of `zone`; with table=N a clone re-enters table N with ct_state and the
// other ct_* fields set. Printed in this canonical order whatever order it was written in.
struct CtAction {
  static constexpr uint8_t kNoTable = 255;  // NX_CT_RECIRC_NONE: no recirculation
  static constexpr uint16_t kAlgFtp = 21, kAlgTftp = 69;
  bool commit = false;
  bool force = false;              // with commit: re-commit a reply-direction connection
  uint8_t table = kNoTable;        // table=N, 0..254
  uint16_t zone = 0;               // zone=N (when zone_src has no field)
  Subfield zone_src;               // zone=FIELD[a..b] (16 bits), read at translation time
  std::optional<CtNatSpec> nat;    // nat / nat(...)
  std::vector<CtExecAction> exec;  // exec(...)
  uint16_t alg = 0;                // 0, kAlgFtp or kAlgTftp (the helper's well-known port)
  bool operator==(const CtAction&) const = default;
};

// conjunction(ID,K/N): this rule is clause K (1-based) of the N-dimensional conjunctive match
// ID (ovs-fields(7), "Conjunctive Match Fields"). A rule with conjunction actions matches only
// when, at its priority, every clause 1..N of ID has a matching rule; then the lookup is
// redone with conj_id=ID. Only note may accompany conjunction actions.
struct ConjunctionAction {
  uint32_t id = 0;
  uint8_t clause = 1;     // K, 1..N
  uint8_t n_clauses = 2;  // N, 2..64
  bool operator==(const ConjunctionAction&) const = default;
};

// One element of a learn() specification (ovs-actions(7), "The learn action").
struct LearnSpec {
  enum class Kind : uint8_t {
    kMatchField,      // DST[] (=SRC[] implied same field) or DST[]=SRC[]
    kMatchImmediate,  // DST[]=VALUE
    kLoadField,       // load:SRC[]->DST[]
    kLoadImmediate,   // load:VALUE->DST[]
    kOutput,          // output:SRC[]
  };
  Kind kind = Kind::kMatchField;
  Subfield dst;             // match/load destination (unused for kOutput)
  Subfield src;             // field source (kMatchField, kLoadField, kOutput)
  u128 value = 0;           // immediate (kMatchImmediate, kLoadImmediate)
  bool src_is_dst = false;  // kMatchField with src == dst ("NXM_OF_VLAN_TCI[0..11]"); the
                            // parser always sets src too, and prints it without "=SRC"
  bool operator==(const LearnSpec&) const = default;
};

struct LearnAction {
  uint8_t table = 1;
  uint16_t priority = 32768;
  uint16_t idle_timeout = 0;
  uint16_t hard_timeout = 0;
  uint16_t fin_idle_timeout = 0;
  uint16_t fin_hard_timeout = 0;
  uint64_t cookie = 0;
  bool send_flow_rem = false;
  bool delete_learned = false;
  std::vector<LearnSpec> specs;
  bool operator==(const LearnAction&) const = default;
};

// X(EnumName, "keyword", PayloadType)
#define NT_OFPACTS(X)                                     \
  X(Output, "output", OutputAction)                       \
  X(OutputReg, "output", OutputRegAction)                 \
  X(Controller, "controller", ControllerAction)           \
  X(Resubmit, "resubmit", ResubmitAction)                 \
  X(GotoTable, "goto_table", GotoTableAction)             \
  X(SetVlanVid, "mod_vlan_vid", SetVlanVidAction)         \
  X(SetVlanPcp, "mod_vlan_pcp", SetVlanPcpAction)         \
  X(StripVlan, "strip_vlan", StripVlanAction)             \
  X(PopVlan, "pop_vlan", PopVlanAction)                   \
  X(PushVlan, "push_vlan", PushVlanAction)                \
  X(SetField, "set_field", SetFieldAction)                \
  X(RegLoad, "load", RegLoadAction)                       \
  X(RegMove, "move", RegMoveAction)                       \
  X(SetEthSrc, "mod_dl_src", SetEthSrcAction)             \
  X(SetEthDst, "mod_dl_dst", SetEthDstAction)             \
  X(SetIpv4Src, "mod_nw_src", SetIpv4SrcAction)           \
  X(SetIpv4Dst, "mod_nw_dst", SetIpv4DstAction)           \
  X(SetL4Src, "mod_tp_src", SetL4SrcAction)               \
  X(SetL4Dst, "mod_tp_dst", SetL4DstAction)               \
  X(DecTtl, "dec_ttl", DecTtlAction)                      \
  X(SetTunnel, "set_tunnel", SetTunnelAction)             \
  X(WriteMetadata, "write_metadata", WriteMetadataAction) \
  X(Note, "note", NoteAction)                             \
  X(Learn, "learn", LearnAction)                          \
  X(SetIpDscp, "mod_nw_tos", SetIpDscpAction)             \
  X(CtClear, "ct_clear", CtClearAction)                   \
  X(Ct, "ct", CtAction)                                   \
  X(Conjunction, "conjunction", ConjunctionAction)

enum class ActionType : uint8_t {
#define NT_OFPACT_ENUM(name, kw, type) k##name,
  NT_OFPACTS(NT_OFPACT_ENUM)
#undef NT_OFPACT_ENUM
};

#define NT_OFPACT_TYPE(name, kw, type) type,
using Action = std::variant<NT_OFPACTS(NT_OFPACT_TYPE) std::monostate>;
#undef NT_OFPACT_TYPE
// std::monostate closes the list only to absorb the trailing comma; it is never constructed.

using ActionList = std::vector<Action>;

// Helper for std::visit with overloaded lambdas.
template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

// Port names used in actions and matches ("LOCAL", "NORMAL", ...); a lookup hook lets callers
// that know the bridge (ovs-ofctl --names) turn names into numbers and back.
struct PortNamer {
  virtual ~PortNamer() = default;
  virtual std::optional<uint32_t> port_by_name(std::string_view name) const = 0;
  virtual std::optional<std::string> name_by_port(uint32_t port) const = 0;
};

// Parses "actions" text: "strip_vlan,set_tunnel:0x64,output:2", "drop", "" (= drop).
Result<ActionList> parse_actions(std::string_view s, const PortNamer* names = nullptr);
// The same for the actions nested in ct(exec(...)), where ct_mark / ct_label may be written.
Result<ActionList> parse_actions(std::string_view s, const PortNamer* names, bool inside_ct);
// Formats as ovs-ofctl dump-flows does; an empty list formats as "drop".
std::string format_actions(const ActionList& acts, const PortNamer* names = nullptr);
std::string format_action(const Action& a, const PortNamer* names = nullptr);
// The list's size in Open vSwitch's internal form (action_size.cc); more than
// kMaxOfpactsSize is refused with "input too big", as ovs-ofctl refuses it.
inline constexpr size_t kMaxOfpactsSize = 65535;
size_t ofpacts_size(const ActionList& acts);
// Checks actions against the rule's match (prerequisites of set_field/load/move targets,
// bit widths, output port ranges, goto_table going forward). `table` is the rule's table.
Status check_actions(const ActionList& acts, const Match& match, uint8_t table);

// The action a ct(exec(...)) element is (for printing and translation).
Action ct_exec_action(const CtExecAction& a);

}  // namespace nt
