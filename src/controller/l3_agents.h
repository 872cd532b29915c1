// The server side of the L3 service: L3 agents, the scheduling of routers to them, and Neutron's
// l3_agent_scheduler API.
//
// L3 agents report through report_state (agents.h) with agent_type "L3 agent". A router is
// scheduled to at most one (Neutron's legacy routers); the record is a row of kind
// `router_l3_agent_binding` (Neutron's routerl3agentbindings), id = the router's id, body
// {id, router_id, l3_agent_id, host}. It is a row of its own, not a member of the router, so no
// router response changes; its puts and deletes are in the change feed like any row.
//
// Scheduling (Neutron's LeastRoutersScheduler with router_auto_schedule): every router without a
// binding to an alive, admin-up L3 agent gets the alive, admin-up L3 agent with the fewest
// routers, ties by host name. It runs on router create and update (a gateway set), after
// add_router_interface, and on every L3 agent report (a new or revived agent takes the routers
// that waited for one). A router bound to a dead agent moves when another agent is alive
// (Neutron's allow_automatic_l3agent_failover); with no alive L3 agent it stays where it is and
// an unscheduled router stays unscheduled.
//
// A scheduled router's ports (network:router_gateway, network:router_interface) carry
// binding:host_id = the agent's host and are bound like any port (binding.h), so the OVS agent
// there tags them; ports made later for a scheduled router get the host at creation. Removing a
// router from its agent (API) clears its ports' host; deleting the router or the agent removes
// the binding.
//
// The host state (feed.h) carries `routers` for the routers bound to the host
// (`routers_for_host`), the shape src/rpc/host_state.h parses as RouterInfo.
#pragma once

#include <string>
#include <vector>

#include "controller/resource.h"

namespace nt::controller {

inline constexpr const char* kL3AgentType = "L3 agent";
inline constexpr const char* kL3BindingKind = "router_l3_agent_binding";

// Schedules every router that needs an agent (see above); returns how many it scheduled.
int schedule_routers(Env& env);
// After a router was stored (create, update) or its interfaces changed: schedules it if it
// needs an agent, and gives its ports its agent's host.
void l3_after_router_write(Env& env, const Json& router);
// The host of the L3 agent `router_id` is bound to, "" when unscheduled.
std::string router_host(Env& env, const std::string& router_id);
// A router's delete: its binding goes.
void l3_before_router_delete(Env& env, const Json& router);
// An L3 agent's delete (its row is still there): its routers' bindings go, their ports lose the
// host, and they are scheduled again among the other agents.
void l3_before_agent_delete(Env& env, const Json& agent);

// GET /v2.0/routers/{id}/l3-agents: {"agents": [...]}.
Json l3_agents_hosting_router(Env& env, const std::string& router_id);
// GET /v2.0/agents/{id}/l3-routers: {"routers": [...]}.
Json routers_hosted_by_l3_agent(Env& env, const std::string& agent_id);
// POST /v2.0/agents/{id}/l3-routers {"router_id"}: 404 InvalidL3Agent for another kind of agent
// or an admin-down one; 409 RouterHostedByL3Agent when another agent hosts it; nothing when
// this one does (Neutron).
void add_router_to_l3_agent(Env& env, const std::string& agent_id, const Json& body);
// DELETE /v2.0/agents/{id}/l3-routers/{router}: 409 RouterNotHostedByL3Agent when it is not.
void remove_router_from_l3_agent(Env& env, const std::string& agent_id,
                                 const std::string& router_id);

// The host state's "routers": one entry per router bound to `host`: {id, name, admin_state_up,
// enable_snat, gw_port (null without a gateway), interfaces: [router ports], routes,
// floating_ips: [{id, floating_ip_address, fixed_ip_address, port_id, status}]}; a router
// port is {id, mac_address, network_id, device_owner, fixed_ips, mtu (its network's), subnets:
// [{id, network_id, cidr, gateway_ip, ip_version, enable_dhcp, dns_nameservers, host_routes}]}.
// `ports`: every port (the host state has read them already).
Json routers_for_host(Env& env, const std::string& host, const std::vector<Json>& ports);

}  // namespace nt::controller
