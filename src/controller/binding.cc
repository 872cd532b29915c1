#include "controller/binding.h"

#include <algorithm>

#include "controller/agents.h"

namespace nt::controller {
namespace {

bool list_has(const Json& list, const std::string& value) {
  return list.is_array() && std::find(list.begin(), list.end(), Json(value)) != list.end();
}

// bridge_mappings as agents report it: a dict physnet -> bridge (Neutron), or a list of
// "physnet:bridge" strings.
bool maps_physnet(const Json& mappings, const std::string& physnet) {
  if (mappings.is_object()) return mappings.contains(physnet);
  if (!mappings.is_array()) return false;
  for (const auto& m : mappings) {
    if (m.is_string() && m.get<std::string>().starts_with(physnet + ":")) return true;
  }
  return false;
}

// Neutron's check_segment_for_agent for the OVS agent.
bool reaches_segment(const Json& conf, const Json& network) {
  const std::string type = str_of(network, "provider:network_type");
  if (type == "local") return true;
  if (type == "flat" || type == "vlan") {
    const std::string physnet = str_of(network, "provider:physical_network");
    return maps_physnet(conf.value("bridge_mappings", Json::object()), physnet);
  }
  return list_has(conf.value("tunnel_types", Json::array()), type);
}

bool plugs_vnic(const Json& port) {
  const std::string vnic = str_of(port, "binding:vnic_type");
  if (vnic == "normal") return true;
  if (vnic != "direct") return false;
  const Json profile = port.value("binding:profile", Json::object());
  return profile.is_object() && list_has(profile.value("capabilities", Json::array()), "switchdev");
}

// The alive OVS agent of `host`, if any, at env.now.
std::optional<Json> live_ovs_agent(Env& env, const std::string& host) {
  auto agents = env.txn.list("agent");
  if (!agents) internal(agents.error());
  for (auto& a : *agents) {
    if (str_of(a, "agent_type") != kOvsAgentType || str_of(a, "host") != host) continue;
    Json v = agent_view(env.config, env.now, std::move(a));
    if (v.value("alive", false)) return v;
  }
  return std::nullopt;
}

Json vif_details(const Json& conf) {
  auto text = [&](const char* key, const char* def) {
    auto it = conf.find(key);
    return it != conf.end() && it->is_string() && !it->get<std::string>().empty() ? *it : Json(def);
  };
  auto hybrid = conf.find("ovs_hybrid_plug");
  return {{"connectivity", "l2"},
          {"port_filter", true},
          {"ovs_hybrid_plug", hybrid != conf.end() && hybrid->is_boolean() && hybrid->get<bool>()},
          {"datapath_type", text("datapath_type", "system")},
          {"bridge_name", text("integration_bridge", "br-int")}};
}

}  // namespace

void bind_port(Env& env, Json& port) {
  const std::string host = str_of(port, "binding:host_id");
  port["binding:vif_details"] = Json::object();
  if (host.empty()) {
    port["binding:vif_type"] = "unbound";
    return;
  }
  port["binding:vif_type"] = "binding_failed";
  const auto& drivers = env.config.mechanism_drivers;
  if (std::find(drivers.begin(), drivers.end(), "openvswitch") == drivers.end()) return;
  if (!plugs_vnic(port)) return;
  auto agent = live_ovs_agent(env, host);
  if (!agent) return;
  auto net = env.txn.get("network", str_of(port, "network_id"));
  if (!net) internal(net.error());
  if (!net->has_value()) return;
  Json conf = agent->value("configurations", Json::object());
  if (!conf.is_object() || !reaches_segment(conf, **net)) return;
  port["binding:vif_type"] = "ovs";
  port["binding:vif_details"] = vif_details(conf);
}

bool needs_binding(const Json& before, const Json& after) {
  for (const char* k : {"binding:host_id", "binding:vnic_type", "binding:profile"}) {
    if (before.value(k, Json()) != after.value(k, Json())) return true;
  }
  // Not bound yet with a host: retry, as Neutron does on every update of such a port.
  return !str_of(after, "binding:host_id").empty() && str_of(after, "binding:vif_type") != "ovs";
}

bool binding_configuration_changed(const Json& before, const Json& after) {
  for (const char* k : {"bridge_mappings", "tunnel_types", "integration_bridge", "datapath_type",
                        "ovs_hybrid_plug"}) {
    Json b = before.is_object() ? before.value(k, Json()) : Json();
    Json a = after.is_object() ? after.value(k, Json()) : Json();
    if (a != b) return true;
  }
  return false;
}

int rebind_host_ports(Env& env, const std::string& host) {
  auto ports = env.txn.list("port");
  if (!ports) internal(ports.error());
  int changed = 0;
  for (auto& p : *ports) {
    if (str_of(p, "binding:host_id") != host || str_of(p, "binding:vif_type") == "ovs") continue;
    bind_port(env, p);
    if (str_of(p, "binding:vif_type") != "ovs") continue;
    stamp_update(p);
    if (Status s = env.txn.put("port", p); !s) internal(s.error());
    ++changed;
  }
  return changed;
}

}  // namespace nt::controller
