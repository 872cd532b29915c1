#include "controller/feed.h"

#include <algorithm>
#include <map>
#include <set>
#include <vector>

#include "controller/dhcp.h"
#include "controller/l3_agents.h"
#include "controller/raw_json.h"

namespace nt::controller {
namespace {

constexpr std::chrono::milliseconds kCloseCheck{100};

std::vector<Json> list_of(Txn& txn, const std::string& kind, const std::string& column = "",
                          const std::string& value = "") {
  auto r = txn.list(kind, column, value);
  if (!r) internal(r.error());
  return std::move(*r);
}

std::optional<Json> get_of(Txn& txn, const std::string& kind, const std::string& id) {
  auto r = txn.get(kind, id);
  if (!r) internal(r.error());
  return std::move(*r);
}

Json ids_of(const Json& body, const char* key) {
  auto it = body.find(key);
  return it != body.end() && it->is_array() ? *it : Json::array();
}

// Host -> tunneling_ip of the Open vSwitch agents that announced one.
using Vteps = std::map<std::string, std::string>;

Vteps vteps_of(Txn& txn) {
  Vteps out;
  for (const auto& a : list_of(txn, "agent")) {
    if (str_of(a, "agent_type") != "Open vSwitch agent") continue;
    const Json conf = a.value("configurations", Json::object());
    std::string ip = conf.is_object() ? conf.value("tunneling_ip", "") : "";
    if (!ip.empty()) out[str_of(a, "host")] = ip;
  }
  return out;
}

// A port as another host's agent needs it for l2population: its host's VTEP too ("" when
// that host has no OVS agent with a tunneling_ip).
Json remote_port(const Json& p, const Vteps& vteps) {
  std::string host = p.value("binding:host_id", "");
  auto vtep = vteps.find(host);
  return {{"id", p["id"]},
          {"host", host},
          {"tunneling_ip", vtep == vteps.end() ? "" : vtep->second},
          {"mac_address", p.value("mac_address", "")},
          {"fixed_ips", ids_of(p, "fixed_ips")},
          {"device_owner", p.value("device_owner", "")}};
}

Json network_with_remotes(Txn& txn, Json net, const std::string& host, const Vteps& vteps) {
  Json remote = Json::array();
  for (const auto& p : list_of(txn, "port", "network_id", str_of(net, "id"))) {
    std::string h = p.value("binding:host_id", "");
    if (!h.empty() && h != host) remote.push_back(remote_port(p, vteps));
  }
  net["remote_ports"] = std::move(remote);
  return net;
}

// Other hosts' Open vSwitch agents that announced a tunnel endpoint.
Json tunnel_peers(Txn& txn, const std::string& host) {
  Json out = Json::array();
  for (const auto& a : list_of(txn, "agent")) {
    if (str_of(a, "agent_type") != "Open vSwitch agent" || str_of(a, "host") == host) continue;
    const Json conf = a.value("configurations", Json::object());
    std::string ip = conf.is_object() ? conf.value("tunneling_ip", "") : "";
    if (ip.empty()) continue;
    out.push_back({{"host", a["host"]},
                   {"tunneling_ip", ip},
                   {"tunnel_types", conf.value("tunnel_types", Json::array())},
                   {"admin_state_up", a.value("admin_state_up", true)}});
  }
  return out;
}

}  // namespace

void Feed::notify(uint64_t revision) {
  {
    std::lock_guard lock(mu_);
    if (revision <= revision_) return;
    revision_ = revision;
  }
  cv_.notify_all();
}

uint64_t Feed::revision() const {
  std::lock_guard lock(mu_);
  return revision_;
}

int Feed::waiters() const {
  std::lock_guard lock(mu_);
  return waiters_;
}

Feed::Wait Feed::wait_past(uint64_t since, std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mu_);
  if (revision_ > since) return Wait::kChanged;
  if (waiters_ >= kMaxFeedWaiters) return Wait::kBusy;
  ++waiters_;
  // Slices of 100 ms only to notice close(); a notify wakes the waiter at once.
  bool changed = false;
  while (!changed && !closed_ && std::chrono::steady_clock::now() < deadline) {
    auto slice = std::min(deadline, std::chrono::steady_clock::now() + kCloseCheck);
    changed = cv_.wait_until(lock, slice, [&] { return revision_ > since; });
  }
  --waiters_;
  return changed ? Wait::kChanged : Wait::kTimeout;
}

namespace {

std::string json_string(const std::string& s) {
  return Json(s).dump(-1, ' ', false, Json::error_handler_t::replace);
}

// A port's feed header: its binding:host_id and network_id read off the stored text without
// parsing it; nullopt when either is not a plain string (the agent then reads the body).
struct PortHeader {
  std::string_view host, network_id;
};
std::optional<PortHeader> port_header(std::string_view body) {
  auto members = raw_members(body);
  if (!members) return std::nullopt;
  auto host = plain_string(*members, "binding:host_id");
  auto net = plain_string(*members, "network_id");
  if (!host || !net) return std::nullopt;
  return PortHeader{*host, *net};
}

// One change as Json would dump it (keys sorted), its body spliced as stored. The header's
// views point into `body`, which lives to the end.
void append_change(Txn& txn, const Change& c, std::string& out) {
  std::optional<std::string> body;
  if (c.op == "put") {
    auto text = txn.get_text(c.kind, c.id);
    if (!text) internal(text.error());
    body = *text ? std::move(**text) : "null";
  }
  std::optional<PortHeader> header;
  if (body && c.kind == "port" && *body != "null") header = port_header(*body);
  out += '{';
  if (body) out.append("\"body\":").append(*body).append(",");
  if (header) out.append("\"host\":\"").append(header->host).append("\",");
  out += "\"id\":" + json_string(c.id) + ",\"kind\":" + json_string(c.kind) + ',';
  if (header) out.append("\"network_id\":\"").append(header->network_id).append("\",");
  out += "\"op\":" + json_string(c.op) + ",\"revision\":" + std::to_string(c.revision) + '}';
}

}  // namespace

FeedDoc changes_doc(Txn& txn, uint64_t since, uint64_t upto) {
  if (since > upto) {
    return {upto, true,
            "{\"changes\":[],\"more\":false,\"resync\":true,\"revision\":" + std::to_string(upto) +
                "}"};
  }
  uint64_t last = std::min(upto, since + kFeedPageRevisions);
  auto rows = txn.changes(since, last);
  if (!rows) internal(rows.error());
  std::string text = "{\"changes\":[";
  for (size_t i = 0; i < rows->size(); ++i) {
    if (i > 0) text += ',';
    append_change(txn, (*rows)[i], text);
  }
  text += "],\"more\":";
  text += last < upto ? "true" : "false";
  text += ",\"resync\":false,\"revision\":" + std::to_string(last) + "}";
  return {last, false, std::move(text)};
}

// Neutron's sg_member_ips: every port (any host) in a group one of `rules` names as its remote
// group, with the addresses it may send from.
static Json group_members(const std::vector<Json>& all_ports, const Json& rules) {
  std::set<std::string> remote;
  for (const auto& r : rules) {
    auto g = r.find("remote_group_id");
    if (g != r.end() && g->is_string()) remote.insert(g->get<std::string>());
  }
  Json members = Json::array();
  if (remote.empty()) return members;
  for (const auto& p : all_ports) {
    Json groups = Json::array();
    bool in = false;
    for (const auto& sg : ids_of(p, "security_groups")) {
      if (!sg.is_string()) continue;
      in |= remote.count(sg.get<std::string>()) > 0;
      groups.push_back(sg);
    }
    if (!in) continue;
    Json ips = Json::array();
    for (const auto& f : ids_of(p, "fixed_ips")) {
      if (f.is_object() && f.value("ip_address", Json()).is_string())
        ips.push_back(f["ip_address"]);
    }
    for (const auto& a : ids_of(p, "allowed_address_pairs")) {
      if (a.is_object() && a.value("ip_address", Json()).is_string())
        ips.push_back(a["ip_address"]);
    }
    members.push_back({{"port_id", str_of(p, "id")},
                       {"mac_address", p.value("mac_address", "")},
                       {"security_groups", groups},
                       {"ips", ips}});
  }
  return members;
}

Json host_state(Env& env, const std::string& host, uint64_t revision) {
  Json ports = Json::array(), networks = Json::array(), subnets = Json::array();
  Json groups = Json::array(), rules = Json::array();
  std::set<std::string> net_ids, sg_ids;
  const std::vector<Json> all_ports = list_of(env.txn, "port");
  for (const auto& p : all_ports) {
    if (p.value("binding:host_id", "") != host) continue;
    net_ids.insert(str_of(p, "network_id"));
    for (const auto& sg : ids_of(p, "security_groups")) {
      if (sg.is_string()) sg_ids.insert(sg.get<std::string>());
    }
    ports.push_back(p);
  }
  const Vteps vteps = vteps_of(env.txn);
  for (const auto& id : net_ids) {
    auto net = get_of(env.txn, "network", id);
    if (net) networks.push_back(network_with_remotes(env.txn, *net, host, vteps));
    for (auto& s : list_of(env.txn, "subnet", "network_id", id)) subnets.push_back(std::move(s));
  }
  for (const auto& id : sg_ids) {
    if (auto sg = get_of(env.txn, "security_group", id)) groups.push_back(std::move(*sg));
  }
  for (auto& r : list_of(env.txn, "security_group_rule")) {
    if (sg_ids.count(str_of(r, "security_group_id"))) rules.push_back(std::move(r));
  }
  return {{"host", host},
          {"revision", revision},
          {"ports", ports},
          {"networks", networks},
          {"subnets", subnets},
          {"security_groups", groups},
          {"security_group_rules", rules},
          {"security_group_members", group_members(all_ports, rules)},
          {"tunnel_peers", tunnel_peers(env.txn, host)},
          {"dhcp_networks", dhcp_networks_for_host(env, host, all_ports)},
          {"routers", routers_for_host(env, host, all_ports)}};
}

}  // namespace nt::controller
