// L3 agents' routers (l3_agents.h).
#include "controller/l3_agents.h"

#include <map>
#include <optional>

#include "controller/agents.h"
#include "controller/l3.h"

namespace nt::controller {
namespace {

std::optional<Json> get_row(Env& env, const std::string& kind, const std::string& id) {
  auto r = env.txn.get(kind, id);
  if (!r) internal(r.error());
  return *r;
}

bool is_l3_agent(const Json& a) { return str_of(a, "agent_type") == kL3AgentType; }

bool is_router_port(const Json& p) {
  const std::string owner = str_of(p, "device_owner");
  return owner == kOwnerRouterGateway || owner == kOwnerRouterInterface;
}

// An alive, admin-up L3 agent and how many routers it hosts.
struct Candidate {
  std::string id;
  int routers = 0;
};
using Candidates = std::map<std::string, Candidate>;  // by host: ties go to the first host

// `except`: an agent being deleted.
Candidates alive_l3_agents(Env& env, const std::string& except = "") {
  Candidates out;
  for (const auto& a : schedulable_agents(env, kL3AgentType, except)) {
    out[str_of(a, "host")] = {str_of(a, "id"), 0};
  }
  for (const auto& b : list_or_fail(env, kL3BindingKind)) {
    auto it = out.find(str_of(b, "host"));
    if (it != out.end() && it->second.id == str_of(b, "l3_agent_id")) ++it->second.routers;
  }
  return out;
}

// The least-loaded candidate's host (ties: host name, the map's order).
std::optional<std::string> least_loaded(const Candidates& c) {
  std::optional<std::string> best;
  for (const auto& [host, cand] : c) {
    if (!best || cand.routers < c.at(*best).routers) best = host;
  }
  return best;
}

// The router's ports take `host` (""; unbound) through the port API's own update, with admin
// rights: binding, status DOWN on a host change, revision and feed entry.
void set_ports_host(Env& env, const std::string& router_id, const std::string& host) {
  Context admin{env.ctx.project_id, true};
  Env as_admin{env.config, env.txn, admin, env.now};
  for (const auto& p : list_or_fail(env, "port", "device_id", router_id)) {
    if (!is_router_port(p) || str_of(p, "binding:host_id") == host) continue;
    put_or_fail(env, "port", update_port(as_admin, p, {{"binding:host_id", host}}));
  }
}

void bind_router(Env& env, const std::string& router_id, const std::string& agent_id,
                 const std::string& host) {
  put_or_fail(
      env, kL3BindingKind,
      {{"id", router_id}, {"router_id", router_id}, {"l3_agent_id", agent_id}, {"host", host}});
  set_ports_host(env, router_id, host);
}

void unbind_router(Env& env, const std::string& router_id) {
  Status s = env.txn.remove(kL3BindingKind, router_id);
  if (!s) internal(s.error());
}

// Schedules `router_id` when it has no binding to a candidate; true when it did.
bool schedule_one(Env& env, const std::string& router_id, Candidates& c) {
  if (auto b = get_row(env, kL3BindingKind, router_id)) {
    auto it = c.find(str_of(*b, "host"));
    if (it != c.end() && it->second.id == str_of(*b, "l3_agent_id")) return false;
  }
  auto host = least_loaded(c);
  if (!host) return false;
  Candidate& chosen = c[*host];
  bind_router(env, router_id, chosen.id, *host);
  ++chosen.routers;
  return true;
}

Json agent_of(Env& env, const std::string& agent_id) {
  return get_visible(env, agent_info(), agent_id);  // AgentNotFound
}

Json subnet_summary(const Json& s) {
  Json out = Json::object();
  for (const char* k : {"id", "network_id", "cidr", "gateway_ip", "ip_version", "enable_dhcp",
                        "dns_nameservers", "host_routes"}) {
    out[k] = s.value(k, Json());
  }
  return out;
}

// A router port as the host state carries it: its network's mtu and its fixed IPs' subnets.
Json router_port_state(Env& env, const Json& p) {
  auto net = get_row(env, "network", str_of(p, "network_id"));
  Json subnets = Json::array();
  for (const auto& f : p.value("fixed_ips", Json::array())) {
    if (auto s = get_row(env, "subnet", f.value("subnet_id", ""))) {
      subnets.push_back(subnet_summary(*s));
    }
  }
  return {{"id", p["id"]},
          {"mac_address", p.value("mac_address", "")},
          {"network_id", p.value("network_id", "")},
          {"device_owner", p.value("device_owner", "")},
          {"fixed_ips", p.value("fixed_ips", Json::array())},
          {"mtu", net ? net->value("mtu", 1500) : 1500},
          {"subnets", subnets}};
}

Json floating_ips_of(Env& env, const std::string& router_id) {
  Json out = Json::array();
  for (const auto& f : list_or_fail(env, "floatingip")) {
    if (f.value("router_id", Json()) != router_id || !f.value("port_id", Json()).is_string()) {
      continue;
    }
    out.push_back({{"id", f["id"]},
                   {"floating_ip_address", f["floating_ip_address"]},
                   {"fixed_ip_address", f["fixed_ip_address"]},
                   {"port_id", f["port_id"]},
                   {"status", f.value("status", "DOWN")}});
  }
  return out;
}

Json router_state(Env& env, const Json& router, const std::vector<Json>& ports) {
  const std::string id = router["id"];
  const Json gw_info = router.value("external_gateway_info", Json());
  Json gw = nullptr, interfaces = Json::array();
  for (const auto& p : ports) {
    if (str_of(p, "device_id") != id) continue;
    const std::string owner = str_of(p, "device_owner");
    if (owner == kOwnerRouterGateway) gw = router_port_state(env, p);
    if (owner == kOwnerRouterInterface) interfaces.push_back(router_port_state(env, p));
  }
  return {{"id", id},
          {"name", router.value("name", "")},
          {"admin_state_up", router.value("admin_state_up", true)},
          {"enable_snat", gw_info.is_object() ? gw_info.value("enable_snat", true) : true},
          {"gw_port", gw},
          {"interfaces", interfaces},
          {"routes", router.value("routes", Json::array())},
          {"floating_ips", floating_ips_of(env, id)}};
}

}  // namespace

namespace {

int schedule_all(Env& env, Candidates c) {
  if (c.empty()) return 0;
  int made = 0;
  for (const auto& r : list_or_fail(env, "router")) made += schedule_one(env, str_of(r, "id"), c);
  return made;
}

}  // namespace

int schedule_routers(Env& env) { return schedule_all(env, alive_l3_agents(env)); }

void l3_after_router_write(Env& env, const Json& router) {
  const std::string id = str_of(router, "id");
  Candidates c = alive_l3_agents(env);
  if (!c.empty()) schedule_one(env, id, c);
  const std::string host = router_host(env, id);
  if (!host.empty()) set_ports_host(env, id, host);
}

std::string router_host(Env& env, const std::string& router_id) {
  auto b = get_row(env, kL3BindingKind, router_id);
  return b ? str_of(*b, "host") : "";
}

void l3_before_router_delete(Env& env, const Json& router) {
  if (get_row(env, kL3BindingKind, str_of(router, "id"))) unbind_router(env, str_of(router, "id"));
}

void l3_before_agent_delete(Env& env, const Json& agent) {
  if (!is_l3_agent(agent)) return;
  const std::string id = str_of(agent, "id");
  for (const auto& b : list_or_fail(env, kL3BindingKind)) {
    if (str_of(b, "l3_agent_id") != id) continue;
    unbind_router(env, str_of(b, "id"));
    set_ports_host(env, str_of(b, "id"), "");
  }
  schedule_all(env, alive_l3_agents(env, id));
}

Json l3_agents_hosting_router(Env& env, const std::string& router_id) {
  require_admin(env.ctx, "get_l3-agents");
  get_visible(env, router_info(), router_id);  // RouterNotFound
  Json agents = Json::array();
  if (auto b = get_row(env, kL3BindingKind, router_id)) {
    if (auto a = get_row(env, "agent", str_of(*b, "l3_agent_id"))) {
      agents.push_back(agent_view(env.config, env.now, std::move(*a)));
    }
  }
  return {{"agents", agents}};
}

Json routers_hosted_by_l3_agent(Env& env, const std::string& agent_id) {
  require_admin(env.ctx, "get_l3-routers");
  agent_of(env, agent_id);
  Json routers = Json::array();
  for (const auto& b : list_or_fail(env, kL3BindingKind)) {
    if (str_of(b, "l3_agent_id") != agent_id) continue;
    if (auto r = get_row(env, "router", str_of(b, "router_id"))) routers.push_back(std::move(*r));
  }
  return {{"routers", routers}};
}

void add_router_to_l3_agent(Env& env, const std::string& agent_id, const Json& body) {
  require_admin(env.ctx, "create_l3-router");
  if (!body.is_object() || !body.contains("router_id") || !body["router_id"].is_string()) {
    throw bad_request("Failed to parse request. Required attribute 'router_id' not specified");
  }
  const std::string router_id = body["router_id"];
  Json agent = agent_of(env, agent_id);
  get_visible(env, router_info(), router_id);  // RouterNotFound
  if (!is_l3_agent(agent) || !bool_of(agent, "admin_state_up")) {
    throw not_found("InvalidL3Agent",
                    "Agent " + agent_id + " is not a L3 Agent or has been disabled");
  }
  if (auto b = get_row(env, kL3BindingKind, router_id)) {
    if (str_of(*b, "l3_agent_id") == agent_id) return;  // already there: nothing (Neutron)
    throw conflict("RouterHostedByL3Agent", "The router " + router_id +
                                                " has been already hosted by the L3 Agent " +
                                                str_of(*b, "l3_agent_id") + ".");
  }
  bind_router(env, router_id, agent_id, str_of(agent, "host"));
}

void remove_router_from_l3_agent(Env& env, const std::string& agent_id,
                                 const std::string& router_id) {
  require_admin(env.ctx, "delete_l3-router");
  agent_of(env, agent_id);
  get_visible(env, router_info(), router_id);  // RouterNotFound
  auto b = get_row(env, kL3BindingKind, router_id);
  if (!b || str_of(*b, "l3_agent_id") != agent_id) {
    throw conflict("RouterNotHostedByL3Agent",
                   "The router " + router_id + " is not hosted by L3 agent " + agent_id + ".");
  }
  unbind_router(env, router_id);
  set_ports_host(env, router_id, "");
}

Json routers_for_host(Env& env, const std::string& host, const std::vector<Json>& ports) {
  Json out = Json::array();
  for (const auto& b : list_or_fail(env, kL3BindingKind)) {
    if (str_of(b, "host") != host) continue;
    if (auto r = get_row(env, "router", str_of(b, "router_id"))) {
      out.push_back(router_state(env, *r, ports));
    }
  }
  return out;
}

}  // namespace nt::controller
