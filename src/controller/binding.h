// ML2 port binding, as Neutron's `openvswitch` mechanism driver does it.
//
// A port whose binding:host_id names a host is bound when that host has an alive
// "Open vSwitch agent" (agents.h; alive per [DEFAULT] agent_down_time) whose reported
// configurations reach the network's segment — `local` always; `flat`/`vlan` when its
// bridge_mappings has the segment's physical_network; a tunnel type when its tunnel_types lists
// it (Neutron's check_segment_for_agent) — and the vnic type is one the agent plugs (`normal`;
// `direct` only with the switchdev capability in binding:profile). Then binding:vif_type is
// `ovs` and binding:vif_details is the driver's: {connectivity: l2, port_filter: true,
// ovs_hybrid_plug (the agent's, false by default), datapath_type (the agent's, "system"),
// bridge_name (the agent's integration_bridge, "br-int")}. Otherwise `binding_failed` with no
// details (also when `[ml2] mechanism_drivers` lacks openvswitch); no host: `unbound`.
//
// When: on create with a host, and on update when the host, vnic type or profile changes or
// the port is not bound yet (Neutron retries a failed binding on every port update). A port
// that failed because its host had no usable agent is rebound when that agent reports new,
// revived or with changed configurations (`rebind_host_ports`, from the report's transaction:
// Neutron leaves it to the next port update; doing it at report time means a port Nova bound
// before the agent came up heals by itself). Binding never changes status: a port stays DOWN
// until the agent's device-status says it is up; a host change sets it DOWN again.
#pragma once

#include <string>

#include "controller/resource.h"

namespace nt::controller {

inline constexpr const char* kOvsAgentType = "Open vSwitch agent";

// Sets binding:vif_type and binding:vif_details of `port` (a complete body) for its
// binding:host_id, at env.now.
void bind_port(Env& env, Json& port);

// Does an update from `before` to `after` need a (re)binding?
bool needs_binding(const Json& before, const Json& after);

// Did an agent's configurations change in what binding reads (bridge_mappings, tunnel_types,
// integration_bridge, datapath_type, ovs_hybrid_plug)? A changing `devices` count does not.
bool binding_configuration_changed(const Json& before, const Json& after);

// Retries the binding of `host`'s ports that are not bound (binding_failed); stores those that
// change. Returns how many did.
int rebind_host_ports(Env& env, const std::string& host);

}  // namespace nt::controller
