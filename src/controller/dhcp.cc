// DHCP agents' networks and ports (dhcp.h).
#include "controller/dhcp.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "controller/agents.h"
#include "controller/ipam.h"
#include "controller/l3.h"

namespace nt::controller {
namespace {

constexpr const char* kNamespaceDns = "6ba7b810-9dad-11d1-80b4-00c04fd430c8";  // RFC 4122

bool is_dhcp_port(const Json& p) { return str_of(p, "device_owner") == kOwnerDhcp; }

bool has_ip_on(const Json& port, const std::string& subnet_id) {
  const Json ips = port.value("fixed_ips", Json::array());
  return std::any_of(ips.begin(), ips.end(),
                     [&](const Json& f) { return f.value("subnet_id", "") == subnet_id; });
}

// Does this subnet make its network need a DHCP agent? (IPv4 with enable_dhcp.)
bool serves_dhcp(const Json& subnet) {
  return bool_of(subnet, "enable_dhcp") && subnet.value("ip_version", 0) == 4;
}

bool network_needs_dhcp(Env& env, const std::string& network_id, const std::string& except = "") {
  auto subnets = list_or_fail(env, "subnet", "network_id", network_id);
  return std::any_of(subnets.begin(), subnets.end(),
                     [&](const Json& s) { return str_of(s, "id") != except && serves_dhcp(s); });
}

std::vector<Json> dhcp_ports_of(Env& env, const std::string& network_id) {
  std::vector<Json> out;
  for (auto& p : list_or_fail(env, "port", "network_id", network_id)) {
    if (is_dhcp_port(p)) out.push_back(std::move(p));
  }
  return out;
}

// The fixed_ips request of a DHCP port on `subnet`: its lowest free address by name (the
// EUI-64 address is implied on SLAAC / DHCPv6-stateless subnets); nullopt when it is full.
std::optional<Json> address_request(Env& env, const Json& subnet) {
  Json req = {{"subnet_id", subnet["id"]}};
  if (subnet.value("ip_version", 0) == 6 && is_auto_address_subnet(subnet)) return req;
  auto ip = first_free_ip(env.txn, subnet);
  if (!ip) return std::nullopt;
  req["ip_address"] = ip->to_string();
  return req;
}

// Host -> DHCP ports on it, of the alive, admin-up DHCP agents (the scheduling candidates).
using Load = std::map<std::string, int>;

Load alive_dhcp_agents(Env& env) {
  Load load;
  for (const auto& a : schedulable_agents(env, kDhcpAgentType)) load[str_of(a, "host")];
  return load;
}

// Makes the DHCP port of `net` on `host`; false when no DHCP subnet has a free address.
bool create_dhcp_port(Env& env, const Json& net, const std::string& host) {
  const std::string id = net["id"];
  Json ips = Json::array();
  for (const auto& s : list_or_fail(env, "subnet", "network_id", id)) {
    if (!bool_of(s, "enable_dhcp")) continue;
    if (auto req = address_request(env, s)) ips.push_back(*req);
  }
  if (ips.empty()) return false;
  create_service_port(env, {{"network_id", id},
                            {"name", ""},
                            {"device_owner", kOwnerDhcp},
                            {"device_id", dhcp_device_id(host, id)},
                            {"binding:host_id", host},
                            {"admin_state_up", true},
                            {"fixed_ips", ips},
                            {"project_id", net.value("project_id", "")},
                            {"tenant_id", net.value("tenant_id", "")}});
  return true;
}

// The least-loaded candidate not in `taken` (ties: host name, the map's order).
std::optional<std::string> pick_agent(const Load& load, const std::set<std::string>& taken) {
  std::optional<std::string> best;
  for (const auto& [host, n] : load) {
    if (taken.count(host)) continue;
    if (!best || n < load.at(*best)) best = host;
  }
  return best;
}

// Gives `net` DHCP ports until dhcp_agents_per_network alive agents serve it.
int schedule_network(Env& env, const Json& net, Load& load, std::set<std::string> hosts) {
  auto serving = static_cast<size_t>(std::count_if(
      hosts.begin(), hosts.end(), [&](const std::string& h) { return load.count(h) > 0; }));
  int made = 0;
  while (serving < env.config.dhcp_agents_per_network) {
    auto host = pick_agent(load, hosts);
    if (!host || !create_dhcp_port(env, net, *host)) break;
    hosts.insert(*host);
    ++load[*host];
    ++serving;
    ++made;
  }
  return made;
}

// A DHCP port's fixed_ips changed through the port API's own update (IPAM claims/releases,
// revision, feed), with admin rights.
void set_fixed_ips(Env& env, const Json& port, const Json& ips) {
  Context admin{env.ctx.project_id, true};
  Env as_admin{env.config, env.txn, admin, env.now};
  put_or_fail(env, "port", update_port(as_admin, port, {{"fixed_ips", ips}}));
}

// The network's DHCP ports take (or give back) their address on `subnet`.
void follow_subnet(Env& env, const Json& subnet) {
  const std::string id = subnet["id"];
  const bool on = bool_of(subnet, "enable_dhcp");
  for (const auto& port : dhcp_ports_of(env, str_of(subnet, "network_id"))) {
    Json ips = port.value("fixed_ips", Json::array());
    if (on && !has_ip_on(port, id)) {
      auto req = address_request(env, subnet);
      if (!req) continue;  // full: the port serves the subnet without an address there
      ips.push_back(*req);
      set_fixed_ips(env, port, ips);
    } else if (!on && has_ip_on(port, id)) {
      ips.erase(std::remove_if(ips.begin(), ips.end(),
                               [&](const Json& f) { return f.value("subnet_id", "") == id; }),
                ips.end());
      set_fixed_ips(env, port, ips);
    }
  }
}

// Runs the scheduler over every network, or only `only`.
int schedule(Env& env, const std::string& only = "") {
  Load load = alive_dhcp_agents(env);
  if (load.empty()) return 0;
  std::map<std::string, std::set<std::string>> hosts;  // network -> hosts of its DHCP ports
  for (const auto& p : list_or_fail(env, "port")) {
    if (!is_dhcp_port(p)) continue;
    std::string host = p.value("binding:host_id", "");
    hosts[str_of(p, "network_id")].insert(host);
    if (load.count(host)) ++load[host];
  }
  std::set<std::string> needy;
  for (const auto& s : list_or_fail(env, "subnet")) {
    if (serves_dhcp(s) && (only.empty() || str_of(s, "network_id") == only))
      needy.insert(str_of(s, "network_id"));
  }
  int made = 0;
  for (const auto& id : needy) {
    auto net = env.txn.get("network", id);
    if (!net) internal(net.error());
    if (net->has_value()) made += schedule_network(env, **net, load, hosts[id]);
  }
  return made;
}

}  // namespace

std::string uuid5(const std::string& ns, const std::string& name) {
  std::string bytes;
  for (size_t i = 0; i + 1 < ns.size(); ++i) {
    if (ns[i] == '-') continue;
    bytes.push_back(static_cast<char>(std::stoi(ns.substr(i, 2), nullptr, 16)));
    ++i;
  }
  std::string msg = bytes + name;
  std::array<uint8_t, EVP_MAX_MD_SIZE> h{};
  unsigned int len = 0;
  if (EVP_Digest(msg.data(), msg.size(), h.data(), &len, EVP_sha1(), nullptr) != 1 || len != 20) {
    throw Fault(500, "InternalError", "uuid5: SHA-1 is not available");
  }
  h[6] = static_cast<uint8_t>((h[6] & 0x0f) | 0x50);  // version 5
  h[8] = static_cast<uint8_t>((h[8] & 0x3f) | 0x80);  // variant RFC 4122
  std::string out;
  char hex[3];
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    std::snprintf(hex, sizeof hex, "%02x", h[i]);
    out += hex;
  }
  return out;
}

std::string dhcp_device_id(const std::string& host, const std::string& network_id) {
  return "dhcp" + uuid5(kNamespaceDns, host) + "-" + network_id;
}

int schedule_dhcp(Env& env) { return schedule(env); }

void dhcp_after_subnet_write(Env& env, const Json& subnet) {
  const std::string net = str_of(subnet, "network_id");
  follow_subnet(env, subnet);
  if (!network_needs_dhcp(env, net)) {
    for (const auto& p : dhcp_ports_of(env, net)) drop_port(env, p);
    return;
  }
  schedule(env, net);
}

void dhcp_after_subnet_delete(Env& env, const Json& subnet) {
  const std::string net = str_of(subnet, "network_id");
  if (network_needs_dhcp(env, net, str_of(subnet, "id"))) return;
  for (const auto& p : dhcp_ports_of(env, net)) drop_port(env, p);
}

Json dhcp_agents_hosting_network(Env& env, const std::string& network_id) {
  require_admin(env.ctx, "get_dhcp-agents");
  get_visible(env, network_info(), network_id);  // NetworkNotFound
  std::set<std::string> hosts;
  for (const auto& p : dhcp_ports_of(env, network_id)) hosts.insert(p.value("binding:host_id", ""));
  Json agents = Json::array();
  for (auto& a : list_or_fail(env, "agent")) {
    if (str_of(a, "agent_type") == kDhcpAgentType && hosts.count(str_of(a, "host"))) {
      agents.push_back(agent_view(env.config, env.now, std::move(a)));
    }
  }
  return {{"agents", agents}};
}

Json networks_hosted_by_dhcp_agent(Env& env, const std::string& agent_id) {
  require_admin(env.ctx, "get_dhcp-networks");
  Json agent = get_visible(env, agent_info(), agent_id);  // AgentNotFound
  Json nets = Json::array();
  if (str_of(agent, "agent_type") != kDhcpAgentType) return {{"networks", nets}};
  std::set<std::string> ids;
  for (const auto& p : list_or_fail(env, "port")) {
    if (is_dhcp_port(p) && p.value("binding:host_id", "") == str_of(agent, "host")) {
      ids.insert(str_of(p, "network_id"));
    }
  }
  for (const auto& id : ids) {
    auto net = env.txn.get("network", id);
    if (!net) internal(net.error());
    if (net->has_value()) nets.push_back(**net);
  }
  return {{"networks", nets}};
}

namespace {

// The DHCP agent `agent_id` (admin only; AgentNotFound) and its network `network_id`'s DHCP
// ports on its host.
struct AgentNetwork {
  Json agent, network;
  std::vector<Json> ports;
};

AgentNetwork agent_network(Env& env, const std::string& agent_id, const std::string& network_id,
                           const char* rule) {
  require_admin(env.ctx, rule);
  AgentNetwork out{get_visible(env, agent_info(), agent_id), Json(), {}};
  out.network = get_visible(env, network_info(), network_id);  // NetworkNotFound
  for (auto& p : dhcp_ports_of(env, network_id)) {
    if (str_of(p, "binding:host_id") == str_of(out.agent, "host")) out.ports.push_back(p);
  }
  return out;
}

}  // namespace

void add_network_to_dhcp_agent(Env& env, const std::string& agent_id, const Json& body) {
  if (!body.is_object() || !body.contains("network_id") || !body["network_id"].is_string()) {
    throw bad_request("Failed to parse request. Required attribute 'network_id' not specified");
  }
  const std::string net = body["network_id"];
  AgentNetwork an = agent_network(env, agent_id, net, "create_dhcp-network");
  if (str_of(an.agent, "agent_type") != kDhcpAgentType || !bool_of(an.agent, "admin_state_up")) {
    throw conflict("InvalidDHCPAgent",
                   "Agent " + agent_id + " is not a valid DHCP Agent or has been disabled.");
  }
  if (!an.ports.empty()) {
    throw conflict(
        "NetworkHostedByDHCPAgent",
        "The network " + net + " has been already hosted by the DHCP Agent " + agent_id + ".");
  }
  if (!create_dhcp_port(env, an.network, str_of(an.agent, "host"))) {
    throw conflict("NetworkWithoutDhcpSubnet",
                   "The network " + net + " has no DHCP-enabled subnet with a free address.");
  }
}

void remove_network_from_dhcp_agent(Env& env, const std::string& agent_id,
                                    const std::string& network_id) {
  AgentNetwork an = agent_network(env, agent_id, network_id, "delete_dhcp-network");
  if (an.ports.empty()) {
    throw conflict(
        "NetworkNotHostedByDhcpAgent",
        "The network " + network_id + " is not hosted by the DHCP agent " + agent_id + ".");
  }
  for (const auto& p : an.ports) drop_port(env, p);
}

Json dhcp_networks_for_host(Env& env, const std::string& host, const std::vector<Json>& ports) {
  std::map<std::string, std::string> dhcp_port;  // network -> this host's DHCP port
  for (const auto& p : ports) {
    if (is_dhcp_port(p) && p.value("binding:host_id", "") == host) {
      dhcp_port.emplace(str_of(p, "network_id"), str_of(p, "id"));
    }
  }
  Json out = Json::array();
  for (const auto& [id, port_id] : dhcp_port) {
    auto net = env.txn.get("network", id);
    if (!net) internal(net.error());
    if (!net->has_value()) continue;
    Json members = Json::array();
    for (const auto& p : ports) {
      if (str_of(p, "network_id") != id) continue;
      members.push_back({{"id", p["id"]},
                         {"mac_address", p.value("mac_address", "")},
                         {"device_owner", p.value("device_owner", "")},
                         {"device_id", p.value("device_id", "")},
                         {"admin_state_up", p.value("admin_state_up", true)},
                         {"fixed_ips", p.value("fixed_ips", Json::array())}});
    }
    out.push_back({{"id", id},
                   {"name", (**net).value("name", "")},
                   {"mtu", (**net).value("mtu", 1500)},
                   {"dhcp_port_id", port_id},
                   {"subnets", list_or_fail(env, "subnet", "network_id", id)},
                   {"ports", members}});
  }
  return out;
}

}  // namespace nt::controller
