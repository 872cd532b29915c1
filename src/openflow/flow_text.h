// The ovs-ofctl flow syntax: parsing "table=0,priority=1,in_port=1 actions=resubmit(,2)" and
// formatting matches exactly as `ovs-ofctl dump-flows` prints them.
//
// The match half understands every field of flow/fields.h by name, alias or NXM name, the
// protocol shorthands (ip, ipv6, arp, icmp, icmp6, tcp, udp, tcp6, udp6), dl_vlan=0xffff for
// "no VLAN", masks and CIDR prefixes, and enforces prerequisites as Open vSwitch does: a field
// used without its prerequisite fails with a message saying what to add.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"
#include "flow/match.h"
#include "openflow/actions.h"

namespace nt {

inline constexpr uint16_t kDefaultPriority = 32768;

// What ovs-ofctl's add-flow / mod-flows / del-flows text may carry.
struct FlowSpec {
  uint8_t table = 0;
  bool table_given = false;  // "table=" present (del/mod without it mean all tables)
  uint16_t priority = kDefaultPriority;
  bool priority_given = false;
  uint64_t cookie = 0;
  uint64_t cookie_mask = 0;  // non-zero only for "cookie=V/M" (mod/del selection)
  uint16_t idle_timeout = 0;
  uint16_t hard_timeout = 0;
  uint16_t importance = 0;
  bool send_flow_rem = false;
  bool reset_counts = false;  // OFPFF_RESET_COUNTS: implied by OpenFlow 1.0-1.2 adds
  bool check_overlap = false;
  uint32_t out_port = ofp_port::kNone;  // del-flows out_port=
  Match match;
  ActionList actions;
  bool actions_given = false;
  bool operator==(const FlowSpec&) const = default;
};

enum class FlowTextMode {
  kAdd,     // actions required ("actions=" may be "drop")
  kModify,  // actions required
  kDelete,  // actions forbidden; out_port and cookie masks allowed
};

// Parses one flow: "key=value" items separated by commas and/or white space — table=,
// priority=, cookie=V[/M], idle_timeout=, hard_timeout=, importance=, send_flow_rem,
// check_overlap, out_port=, match items — and, last, "actions=..." (everything after it).
// The statistics dump-flows prints (duration=, n_packets=, n_bytes=, idle_age=, hard_age=) are
// accepted and ignored, so a dump-flows line can be pasted back. For kAdd and kModify the
// actions are also checked against the match (check_actions()).
Result<FlowSpec> parse_flow(std::string_view text, FlowTextMode mode,
                            const PortNamer* names = nullptr);
// parse_flow() into *spec, which must be default-constructed (bulk loading parses each flow in
// place, into storage reserved for the whole file). On error *spec is unspecified.
Status parse_flow_into(std::string_view text, FlowTextMode mode, const PortNamer* names,
                       FlowSpec* spec);
// The inverse of parse_flow(): "cookie=0x1,table=2,priority=5,ip actions=drop" with only the
// keys that differ from their defaults, so parse_flow(format_flow(s, m), m) == s.
std::string format_flow(const FlowSpec& spec, FlowTextMode mode, const PortNamer* names = nullptr);
// Parses only a match ("in_port=1,dl_vlan=5,tcp,tp_dst=80"); used by trace and dump-flows
// filters. Values for the shorthands and fields accumulate into one Match.
Result<Match> parse_match(std::string_view text, const PortNamer* names = nullptr);
// "priority=1,in_port=1" in Open vSwitch's match_format order; priority is omitted when it is
// kDefaultPriority; an empty match with default priority formats as "".
std::string format_match(const Match& match, uint16_t priority, const PortNamer* names = nullptr);

}  // namespace nt
