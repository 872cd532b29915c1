// The agent's desired state as pure functions: configuration + the server's HostState + what
// the node has (LocalView) + the local VLAN map in; ports, tags and every bridge's flows out.
// Nothing here talks to the node or the server, so each network type's wiring is a unit test.
//
// The flows are the 2017 (Ocata, ovs-ofctl driver) layout of Neutron's Open vSwitch agent,
// written in the seed's ovs-ofctl syntax (mod_vlan_vid, strip_vlan, resubmit, set_tunnel),
// every one carrying the agent's cookie; the applier diffs them against the bridge and installs
// the difference as one bundle. Local VLANs are the lowest free 1, 2, ... (the seed shows 1),
// kept per network while it has a port on the host and recorded in Port other_config.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "agent/config.h"
#include "agent/local_view.h"
#include "rpc/host_state.h"

namespace nt::agent {

inline constexpr int kDeadVlan = 4095;
inline constexpr int kMaxLocalVlan = 4093;

// A br-int port plugged with external_ids:iface-id and what the agent makes of it.
struct VmPort {
  std::string name, iface_id;
  std::string network_id;  // "" when dead
  int tag = kDeadVlan;     // the network's local VLAN, or 4095
  int64_t ofport = -1;
  bool dead = true;         // unknown port, failed binding, unreachable segment
  bool bound_here = false;  // the server has it bound to this host
  StringMap other_config;   // the agent's record (empty when dead)
};

struct TunnelPort {
  std::string name, type, remote_ip;
  bool operator==(const TunnelPort&) const = default;
};

struct Plan {
  std::map<std::string, int> lvids;  // network id -> local VLAN, networks with a port here
  std::vector<VmPort> vm_ports;      // by name
  std::vector<TunnelPort> tunnels;   // by name
  std::vector<std::string> unbound;  // iface-ids plugged here the server has not bound here
};

// "vxlan-a642100b": the type and the remote IPv4 as 8 hex digits.
std::string tunnel_port_name(const std::string& type, const std::string& remote_ip);
// The patch ports of a physical bridge: int-br-eth1 (on br-int), phy-br-eth1 (on br-eth1).
std::string int_patch_name(const std::string& bridge);
std::string phy_patch_name(const std::string& bridge);

// The local VLANs a restarted agent finds in br-int's Port other_config (net_uuid + tag).
std::map<std::string, int> recover_lvids(const AgentConfig& config, const LocalView& local);

// Whether this agent can wire a port of `net` (its type and physical network configured).
bool can_wire(const AgentConfig& config, const LocalView& local, const rpc::NetworkInfo& net);

// Ports and tunnels; `lvids` are the current assignments (kept for networks still in use,
// reclaimed otherwise, new networks get the lowest free in the order of their first port's
// ofport). `failed` iface-ids (not bound here, binding refused) are not listed to bind again.
Plan plan_ports(const AgentConfig& config, const rpc::HostState& state, const LocalView& local,
                const std::map<std::string, int>& lvids, const std::set<std::string>& failed = {});

// One nvs-vsctl transaction (argv, commands joined by "--") that makes the node's bridges,
// patch ports, tunnel ports and VM port tags match; empty when nothing differs. With
// `ports_too` false only the bridges and patch pairs (start-up without the server).
std::vector<std::string> port_commands(const AgentConfig& config, const Plan& plan,
                                       const LocalView& local, bool ports_too = true);

// Every bridge's flows (ovs-ofctl lines with `cookie`), br-int, br-tun and the mapped bridges
// the node has. Ports without an ofport yet are left out.
std::map<std::string, std::vector<std::string>> plan_flows(const AgentConfig& config,
                                                           const rpc::HostState& state,
                                                           const Plan& plan, const LocalView& local,
                                                           uint64_t cookie);
// Only the default flows (start-up before the first host state).
std::map<std::string, std::vector<std::string>> default_flows(const AgentConfig& config,
                                                              const LocalView& local,
                                                              uint64_t cookie);

}  // namespace nt::agent
