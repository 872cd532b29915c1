// Security groups on br-int: Neutron's `openvswitch` firewall driver
// (neutron/agent/linux/openvswitch_firewall) as a pure function from the host state and the
// agent's plan to flows, like desired.h. Nothing here talks to the node or the server.
//
// Each filtered port gets the driver's tables: 60 classifies by in_port (egress, reg5 = ofport,
// reg6 = the network's local VLAN, also the conntrack zone) or by local VLAN + destination MAC
// (ingress); 71 and 81 check spoofing and let ARP, DHCP and ND through, then ct() into 72/82
// where the security-group rules accept `+new-est` (committing the connection) and
// `+est-rel-rpl`; established traffic of a connection no rule accepts any more is marked
// (ct_mark=1) and dropped. Rules with a remote group are two-dimensional conjunctions (member
// addresses x the rest of the rule), so a group of n members and m rules costs n + m flows.
// Trusted ports (network:*) and ports without port security only pass through 73 so traffic to
// a filtered port still meets its ingress rules.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "agent/config.h"
#include "agent/desired.h"
#include "rpc/host_state.h"

namespace nt::agent {

// The driver's tables (neutron_lib ovs_constants).
inline constexpr int kTransientTable = 60;
inline constexpr int kBaseEgressTable = 71;
inline constexpr int kRulesEgressTable = 72;
inline constexpr int kAcceptOrIngressTable = 73;
inline constexpr int kBaseIngressTable = 81;
inline constexpr int kRulesIngressTable = 82;
inline constexpr int kAcceptedEgressTable = 91;
inline constexpr int kAcceptedIngressTable = 92;
inline constexpr int kDroppedTable = 93;
inline constexpr int kEgressNormalTable = 94;

// Whether `[securitygroup] firewall_driver` is Neutron's openvswitch driver.
bool firewall_enabled(const AgentConfig& config);

// br-int's firewall flows, every line prefixed with `cookie` ("cookie=0x..,"): the driver's
// global flows (table 60's NORMAL, the tables' drops, 91-94), and those of every live port of
// `plan`. br-int's table 0 (which resubmits to 60 with the driver on) is desired.cc's.
std::vector<std::string> firewall_default_flows(const std::string& cookie);
std::vector<std::string> firewall_port_flows(const rpc::HostState& state, const Plan& plan,
                                             const std::string& cookie);

// A port range as value/mask pairs covering exactly [lo, hi] (Neutron's port_rule_masking);
// empty for the whole range (0 or 1 to 65535).
std::vector<std::pair<int, int>> port_range_masks(int lo, int hi);

}  // namespace nt::agent
