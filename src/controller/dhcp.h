// The server side of the DHCP service: DHCP agents, the scheduling of networks to them, their
// DHCP ports, and Neutron's dhcp_agent_scheduler API.
//
// The scheduling record is the port: network N is scheduled to DHCP agent A exactly when a port
// with device_owner `network:dhcp`, network_id N and binding:host_id = A's host exists (Neutron
// keeps a networkdhcpagentbindings table and lets the agent create the port; here the server
// does both at once, so there is one thing to keep consistent, not two). The port is Neutron's:
// name "", device_id `dhcp<uuid5(NAMESPACE_DNS, host)>-<network id>`, the network's project,
// bound like any port (binding.h), and the lowest free address of each DHCP-enabled subnet (the
// seeds' .2 when the gateway is .1).
//
// A network needs DHCP when it has a DHCP-enabled IPv4 subnet. Scheduling (`schedule_dhcp`)
// gives every such network with fewer than `[DEFAULT] dhcp_agents_per_network` DHCP ports on
// alive, admin-up DHCP agents a port on each further agent, least loaded first (fewest DHCP
// ports), ties by host name. It runs on every DHCP agent report (so a new or revived agent
// picks up what waited for it, and a DHCP port deleted by hand comes back) and after a subnet
// is created or updated. No alive DHCP agent: nothing happens until one reports. Ports on dead
// agents stay (Neutron's automatic failover is not done).
//
// Subnets: a DHCP-enabled subnet created on (or switched on for) a network with DHCP ports
// gives each of them an address there; a subnet deleted or switched to enable_dhcp=false takes
// their address there away, and when the network needs DHCP no longer its DHCP ports go.
//
// The host state (feed.h) carries `dhcp_networks` for the networks a host's DHCP ports serve
// (`dhcp_networks_for_host`), the shape src/rpc/host_state.h parses.
#pragma once

#include <string>
#include <vector>

#include "controller/resource.h"

namespace nt::controller {

inline constexpr const char* kDhcpAgentType = "DHCP agent";
inline constexpr const char* kOwnerDhcp = "network:dhcp";

// Neutron's DHCP port device_id: "dhcp" + uuid5(NAMESPACE_DNS, host) + "-" + network id.
std::string dhcp_device_id(const std::string& host, const std::string& network_id);
// RFC 4122 version 5 (SHA-1) UUID of `name` in `ns` (a UUID string), as Python's uuid.uuid5.
std::string uuid5(const std::string& ns, const std::string& name);

// Schedules every network that needs it (see above); returns how many DHCP ports it made.
int schedule_dhcp(Env& env);

// After a subnet was stored (created or updated): the network's DHCP ports follow it, then the
// network is scheduled.
void dhcp_after_subnet_write(Env& env, const Json& subnet);
// At the end of a subnet's delete (its addresses are already gone): a network that needs DHCP
// no longer loses its DHCP ports.
void dhcp_after_subnet_delete(Env& env, const Json& subnet);

// GET /v2.0/networks/{id}/dhcp-agents: {"agents": [...]}, the agents hosting the network.
Json dhcp_agents_hosting_network(Env& env, const std::string& network_id);
// GET /v2.0/agents/{id}/dhcp-networks: {"networks": [...]}, the networks a DHCP agent hosts.
Json networks_hosted_by_dhcp_agent(Env& env, const std::string& agent_id);

// POST /v2.0/agents/{id}/dhcp-networks {"network_id"}: the agent's host gets a DHCP port on
// the network (`openstack network agent add network`); 409 NetworkHostedByDHCPAgent when it
// has one, InvalidDHCPAgent for another kind of agent or an admin-down one, and (not Neutron:
// the port needs an address) NetworkWithoutDhcpSubnet when no DHCP subnet has a free address.
void add_network_to_dhcp_agent(Env& env, const std::string& agent_id, const Json& body);
// DELETE /v2.0/agents/{id}/dhcp-networks/{network}: the agent's DHCP port on it goes (409
// NetworkNotHostedByDhcpAgent when there is none). The next scheduling pass may give the
// network a port again while it has fewer than dhcp_agents_per_network, as Neutron's agents'
// resync does.
void remove_network_from_dhcp_agent(Env& env, const std::string& agent_id,
                                    const std::string& network_id);

// The host state's "dhcp_networks": one entry per network with a DHCP port bound to `host`:
// {id, name, mtu, dhcp_port_id, subnets: [subnet bodies], ports: [{id, mac_address,
// device_owner, device_id, admin_state_up, fixed_ips}] (every port of the network, any host)}.
// `ports`: every port (the host state has read them already).
Json dhcp_networks_for_host(Env& env, const std::string& host, const std::vector<Json>& ports);

}  // namespace nt::controller
