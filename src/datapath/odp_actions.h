// Datapath actions: the flat, already-decided list a megaflow carries.
//
// Translation (xlate/) turns a walk over OpenFlow tables into a short list of these; the
// datapath then applies them to every packet of the megaflow without thinking. They only know
// how to edit headers, push/pop tags, attach tunnel metadata, output and hand a packet to
// userspace — resubmit, goto_table, learn and NORMAL never reach this level.
//
// NT_ODP_ACTIONS is the one list of datapath actions, in the manner of the OpenFlow actions'
// NT_OFPACTS (openflow/actions.h). Each row names a small payload struct in `odp::` (plain data,
// no heap, defaulted ==) and, for a header rewrite, the header family Open vSwitch's odp-util
// groups it under when printing ("set(ipv4(src=..,ttl=..))"). From the list come the OdpType
// enum (equal to the variant's index), the std::variant `OdpAction`, and the switches that
// format and execute an action: each calls an overload per payload, so a new row fails to
// compile until the formatter (odp_actions.cc) and the executor (datapath_exec.cc) handle it.
// Equality is the variant's, member by member (never memcmp over padding).
//
// The text form follows odp-util ("push_vlan(vid=1,pcp=0)", "set(tunnel(tun_id=0x64,...))",
// "2" for an output), which is what ofproto/trace and dpctl/dump-flows print.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "conntrack/conntrack.h"
#include "packet/flow_key.h"
#include "packet/packet.h"

namespace nt {
namespace odp {

struct Output {  // to a datapath port
  uint32_t port = 0;
  bool operator==(const Output&) const = default;
};
struct PushVlan {
  uint16_t tpid = kEthTypeVlan;  // the new tag's ethertype (0x8100, 0x88a8)
  uint16_t tci = 0;              // wire TCI: PCP and VID, no CFI
  bool operator==(const PushVlan&) const = default;
};
struct PopVlan {
  bool operator==(const PopVlan&) const = default;
};
struct SetEthSrc {
  MacAddr mac;
  bool operator==(const SetEthSrc&) const = default;
};
struct SetEthDst {
  MacAddr mac;
  bool operator==(const SetEthDst&) const = default;
};
struct SetIpv4Src {
  uint32_t ip = 0;  // host order
  bool operator==(const SetIpv4Src&) const = default;
};
struct SetIpv4Dst {
  uint32_t ip = 0;
  bool operator==(const SetIpv4Dst&) const = default;
};
struct SetIpv4Tos {  // masked: only the bits under `mask` change (mod_nw_tos keeps ECN)
  uint8_t tos = 0;   // DSCP and ECN, already masked
  uint8_t mask = 0xff;
  bool operator==(const SetIpv4Tos&) const = default;
};
struct SetIpv4Ttl {
  uint8_t ttl = 0;
  bool operator==(const SetIpv4Ttl&) const = default;
};
struct SetIpv6Hlimit {
  uint8_t hlimit = 0;
  bool operator==(const SetIpv6Hlimit&) const = default;
};
struct SetIpv6Tclass {  // the traffic class, masked as SetIpv4Tos
  uint8_t tclass = 0;
  uint8_t mask = 0xff;
  bool operator==(const SetIpv6Tclass&) const = default;
};
struct SetL4Src {  // TCP/UDP source port
  uint16_t port = 0;
  bool operator==(const SetL4Src&) const = default;
};
struct SetL4Dst {
  uint16_t port = 0;
  bool operator==(const SetL4Dst&) const = default;
};
struct SetArpOp {
  uint16_t op = 0;
  bool operator==(const SetArpOp&) const = default;
};
struct SetArpSha {
  MacAddr mac;
  bool operator==(const SetArpSha&) const = default;
};
struct SetArpSpa {
  uint32_t ip = 0;
  bool operator==(const SetArpSpa&) const = default;
};
struct SetArpTha {
  MacAddr mac;
  bool operator==(const SetArpTha&) const = default;
};
struct SetArpTpa {
  uint32_t ip = 0;
  bool operator==(const SetArpTpa&) const = default;
};
// Tunnel metadata for a following output to a tunnel vport.
struct SetTunnel {
  uint64_t tun_id = 0;
  uint32_t ip_src = 0;  // host order; 0: the route decides
  uint32_t ip_dst = 0;
  uint8_t tos = 0;
  uint8_t ttl = 64;
  uint16_t tp_dst = 0;  // UDP destination port (VXLAN); 0 for GRE
  bool operator==(const SetTunnel&) const = default;
  TunnelMeta meta() const;  // as the packet carries it (valid)
};
// Through the connection tracker (ct()): the packet's CtMeta is set, NAT applied, the
// connection committed if asked. With a recirc_id the packet then re-enters the datapath with
// that id and its ct_* fields in the key (OVS's "ct(...),recirc(N)"); when more outputs follow,
// a clone does so and the packet itself goes on untouched.
// The arguments live in an interning pool (ct_args_intern(): one immutable copy per distinct
// CtArgs, kept for the process's life), so the action stays small plain data and equal
// arguments compare equal by address.
struct Ct {
  const CtArgs* args = nullptr;  // from ct_args_intern()
  uint32_t recirc_id = 0;        // 0: no recirculation
  bool operator==(const Ct&) const = default;
};
// ct_clear: the packet forgets its connection-tracking state.
struct CtClear {
  bool operator==(const CtClear&) const = default;
};
// A copy of the packet to the controller handler (packet-in).
struct Userspace {
  uint32_t reason = 0;  // OFPR_*
  uint16_t max_len = 0;
  bool operator==(const Userspace&) const = default;
};

}  // namespace odp

// X(Name, set family): the payload is odp::Name; the family (nullptr if the action is not a
// header rewrite) groups consecutive rewrites into one "set(family(...))" when printed.
#define NT_ODP_ACTIONS(X)  \
  X(Output, nullptr)       \
  X(PushVlan, nullptr)     \
  X(PopVlan, nullptr)      \
  X(SetEthSrc, "eth")      \
  X(SetEthDst, "eth")      \
  X(SetIpv4Src, "ipv4")    \
  X(SetIpv4Dst, "ipv4")    \
  X(SetIpv4Tos, "ipv4")    \
  X(SetIpv4Ttl, "ipv4")    \
  X(SetIpv6Hlimit, "ipv6") \
  X(SetIpv6Tclass, "ipv6") \
  X(SetL4Src, "l4")        \
  X(SetL4Dst, "l4")        \
  X(SetArpOp, "arp")       \
  X(SetArpSha, "arp")      \
  X(SetArpSpa, "arp")      \
  X(SetArpTha, "arp")      \
  X(SetArpTpa, "arp")      \
  X(SetTunnel, nullptr)    \
  X(Ct, nullptr)           \
  X(CtClear, nullptr)      \
  X(Userspace, nullptr)

enum class OdpType : uint8_t {
#define NT_ODP_ENUM(name, family) k##name,
  NT_ODP_ACTIONS(NT_ODP_ENUM)
#undef NT_ODP_ENUM
};

#define NT_ODP_TYPE(name, family) odp::name,
using OdpAction = std::variant<NT_ODP_ACTIONS(NT_ODP_TYPE) std::monostate>;
#undef NT_ODP_TYPE
// std::monostate closes the list only to absorb the trailing comma; it is never constructed
// (an action is always built from a payload).

using OdpActions = std::vector<OdpAction>;

// The enum is the variant's index, row for row.
#define NT_ODP_CHECK(name, family)                                                                 \
  static_assert(                                                                                   \
      std::is_same_v<std::variant_alternative_t<static_cast<size_t>(OdpType::k##name), OdpAction>, \
                     odp::name>);
NT_ODP_ACTIONS(NT_ODP_CHECK)
#undef NT_ODP_CHECK
static_assert(std::is_trivially_copyable_v<OdpAction>, "datapath actions are plain data");

inline OdpType odp_type(const OdpAction& a) { return static_cast<OdpType>(a.index()); }

// Calls f with the action's payload: a switch generated from the list (no function-pointer
// table, no exceptions), so `f` must accept every payload type or the caller fails to compile.
template <typename F>
decltype(auto) odp_visit(const OdpAction& a, F&& f) {
  switch (odp_type(a)) {
#define NT_ODP_CASE(name, family) \
  case OdpType::k##name:          \
    return f(*std::get_if<odp::name>(&a));
    NT_ODP_ACTIONS(NT_ODP_CASE)
#undef NT_ODP_CASE
  }
  __builtin_unreachable();  // std::monostate: never constructed
}
// Output and Userspace are the actions that send a packet somewhere; a ct() that
// recirculates hands the packet (or a clone) to the next pass.
inline bool odp_sends(const OdpAction& a) {
  if (const auto* ct = std::get_if<odp::Ct>(&a)) return ct->recirc_id != 0;
  return std::holds_alternative<odp::Output>(a) || std::holds_alternative<odp::Userspace>(a);
}

// The pooled copy of `args` (thread-safe; called when translating, never per packet).
const CtArgs* ct_args_intern(const CtArgs& args);

// Open vSwitch's datapath action syntax; "drop" for an empty list.
std::string format_odp_actions(const OdpActions& acts);

}  // namespace nt
