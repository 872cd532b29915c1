// L3: routers (with their external gateway, interfaces and extra routes) and floating IPs.
//
// A router owns ports rather than addresses: its gateway is a port on the external network
// (device_owner network:router_gateway, project "") and each interface a port on a tenant
// subnet (network:router_interface) holding the subnet's gateway_ip; both carry the router's id
// as device_id, so "the router's ports" is one indexed read. A floating IP owns a hidden port
// on the external network (network:floatingip, device_id = the floating IP's id) whose address
// is the floating address, so IPAM, release on delete and "no address twice" are the ports'
// own. An association is also an allocation row, pool "fip-assoc:<port id>", key
// "<floating network>/<fixed ip>", owned by "floatingip:<id>": the store's unique key refuses a
// second floating IP for one fixed IP on one external network, and a port delete finds its
// floating IPs with one probe. Everything runs in the request's transaction (api.h).
//
// The port API cannot delete a router's or a floating IP's port (409 ServicePortInUse); deleting
// an associated port disassociates its floating IPs (the hooks ports.cc calls).
#pragma once

#include "controller/resource.h"

namespace nt::controller {

// routers.cc
const ResourceInfo& router_info();
Json create_router(Env& env, const Json& in);
Json update_router(Env& env, Json cur, const Json& in);
void delete_router(Env& env, const Json& cur);
// PUT /v2.0/routers/{id}/add_router_interface and remove_router_interface: Neutron's body.
Json add_router_interface(Env& env, const Json& router, const Json& body);
Json remove_router_interface(Env& env, const Json& router, const Json& body);

// floatingips.cc
const ResourceInfo& floatingip_info();
Json create_floatingip(Env& env, const Json& in);
Json update_floatingip(Env& env, Json cur, const Json& in);
void delete_floatingip(Env& env, const Json& cur);
// update_floatingip_statuses, from `POST /v2.0/neutrino/floatingip-status` (admin): `{"router_id",
// "fip_statuses": {fip id: ACTIVE|DOWN|ERROR}}` from the L3 agent hosting the router. Floating
// IPs associated through another router (or gone) are left alone, as Neutron does; a change
// is a revision and a feed entry. Answer: {"updated": [ids]}.
Json update_floatingip_statuses(Env& env, const Json& in);

// Hooks for the port API (ports.cc): refuses deleting a router's or floating IP's port and
// disassociates the floating IPs of a port that goes; keeps port_details in step.
void l3_before_port_delete(Env& env, const Json& port);
void l3_after_port_update(Env& env, const Json& port);
// And for the network API (networks.cc): an external network with router gateways stays
// external (409 ExternalNetworkInUse).
void l3_before_network_update(Env& env, const Json& network, const Json& changes);

// Shared by routers.cc and floatingips.cc.
inline constexpr const char* kOwnerRouterGateway = "network:router_gateway";
inline constexpr const char* kOwnerRouterInterface = "network:router_interface";
inline constexpr const char* kOwnerFloatingIp = "network:floatingip";
// Creates and stores a port on the caller's behalf with admin rights (a gateway port belongs
// to project "", which no tenant may name).
Json create_service_port(Env& env, Json spec);
// Releases a port's addresses and MAC and removes it (no hooks: the caller owns the port).
void drop_port(Env& env, const Json& port);
// The ports whose device_id is `device_id` and device_owner `owner`.
std::vector<Json> owned_ports(Env& env, const std::string& device_id, const std::string& owner);
std::vector<Json> list_or_fail(Env& env, const std::string& kind, const std::string& column = "",
                               const std::string& value = "");
void put_or_fail(Env& env, const std::string& kind, const Json& body);
// "Bad <resource> request: <msg>." (400 BadRequest), neutron_lib's BadRequest.
Fault bad_resource_request(const std::string& resource, const std::string& msg);

}  // namespace nt::controller
