#include "agent/agent.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <thread>

#include "agent/dhcp.h"
#include "agent/l3.h"
#include "common/strings.h"
#include "common/vlog.h"
#include "ofproto/bundle.h"
#include "openflow/flow_text.h"

namespace nt::agent {
namespace {

using Json = nlohmann::json;

constexpr auto kCanaryInterval = std::chrono::seconds(1);
constexpr int kFeedWaitSeconds = 10;

void log(VlogLevel level, const std::string& text) { vlog_write("agent", level, text); }

uint64_t random_cookie() {
  std::random_device rd;
  uint64_t c = 0;
  while (c == 0) c = (uint64_t{rd()} << 32) | rd();
  return c;
}

std::string reply_error(const std::string& what, const ControlReply& r) {
  std::string err(trim(r.err));
  return what + ": " + (err.empty() ? "exit status " + std::to_string(r.status) : err);
}

}  // namespace

Agent::Agent(AgentConfig config, NodeChannel& node, std::string server_url)
    : config_(std::move(config)),
      node_(node),
      server_url_(server_url.empty() ? rpc::kDefaultServerUrl : std::move(server_url)),
      client_(std::make_unique<rpc::ServerClient>(server_url_)),
      cookie_(random_cookie()) {}

Agent::~Agent() = default;

void Agent::enable_dhcp(DhcpDriver& driver) {
  dhcp_ = std::make_unique<DhcpRole>(config_.dhcp, driver, config_.integration_bridge);
  dirty_ = true;
}

void Agent::enable_l3(L3Driver& driver) {
  l3_ = std::make_unique<L3Role>(config_.l3, driver, config_.integration_bridge);
  dirty_ = true;
}

ControlReply Agent::node(const std::string& tool, const std::vector<std::string>& argv,
                         const std::string& stdin_data) {
  return drain_reply(node_.execute(tool, argv, stdin_data));
}

Result<bool> Agent::run_once() {
  auto n = poll_node();
  if (!n) return n.error();
  bool changed = *n;
  std::optional<Error> server_error;
  auto rep = report_if_due();
  if (!rep) {
    server_error = rep.error();
  } else {
    auto s = poll_server();
    if (!s) server_error = s.error();
  }
  auto a = apply();
  if (!a) return a.error();
  changed |= *a;
  if (server_error) {
    need_sync_ = true;  // the server may have lost or replaced its state meanwhile
    return *server_error;
  }
  return changed;
}

// The node: db/seqno, the ports when it moved, the canary now and then.
// The switch's database sequence number (nvs-appctl db/seqno).
Result<DbSeqno> Agent::node_seqno() {
  ControlReply r = node("appctl", {"db/seqno"});
  if (r.status != 0) return make_error(reply_error("node: db/seqno", r), ErrorCode::kInternal);
  auto seq = parse_db_seqno(r.out);
  if (!seq) return make_error("node: db/seqno: unexpected answer '" + r.out + "'");
  return *seq;
}

Result<bool> Agent::poll_node() {
  auto seq = node_seqno();
  if (!seq) return seq.error();
  if (seqno_ && seq->instance != seqno_->instance) {
    ++stats_.node_restarts;
    log(VlogLevel::kInfo, "the switch restarted: re-applying everything");
  }
  if (!seqno_ || *seq != *seqno_) {
    auto l = read_local();
    if (!l) return l.error();
    seqno_ = *seq;
  }
  auto now = Clock::now();
  if (!last_canary_ || now - *last_canary_ >= kCanaryInterval) {
    last_canary_ = now;
    if (local_ && local_->has_bridge(config_.integration_bridge)) {
      ControlReply c = node("ofctl", {"dump-flows", "--no-stats", "--no-names",
                                      config_.integration_bridge, "table=23"});
      if (c.status == 0 && c.out.find("cookie=") == std::string::npos && !dirty_) {
        ++stats_.node_restarts;
        log(VlogLevel::kInfo, "canary flow gone (table 23): re-applying everything");
        dirty_ = true;
      }
    }
  }
  return false;
}

Result<bool> Agent::read_local() {
  ControlReply r = node("vsctl", local_view_command());
  if (r.status != 0) return make_error(reply_error("node: vsctl list", r), ErrorCode::kInternal);
  auto view = parse_local_view(r.out);
  if (!view) return view.error();
  local_ = std::move(*view);
  if (!lvids_recovered_) {
    lvids_ = recover_lvids(config_, *local_);
    lvids_recovered_ = true;
  }
  dirty_ = true;
  return true;
}

// After a role's changes: the local view again only if the switch's database moved (a device
// plugged or unplugged), not after a reload that left the bridges as they were.
Result<bool> Agent::refresh_local() {
  auto seq = node_seqno();
  if (!seq) return seq.error();
  if (seqno_ && *seq == *seqno_) return false;
  auto l = read_local();
  if (!l) return l.error();
  // A restart (another instance) is poll_node's to notice and count.
  if (seqno_ && seq->instance == seqno_->instance) seqno_ = *seq;
  return true;
}

Result<bool> Agent::report_if_due() {
  auto now = Clock::now();
  auto interval = std::chrono::duration<double>(config_.report_interval);
  if (last_report_ && (config_.report_interval <= 0 || now - *last_report_ < interval)) {
    return false;
  }
  rpc::AgentReport ovs;
  ovs.host = config_.host;
  ovs.configurations = configurations_json();
  ovs.start_flag = start_flag_;
  auto r = client_->report_state(ovs);
  if (!r) return r.error();
  if (dhcp_) {
    rpc::AgentReport d = ovs;
    d.configurations = dhcp_->configurations_json();
    d.agent_type = rpc::kDhcpAgentType;
    d.binary = rpc::kDhcpAgentBinary;
    d.topic = "dhcp_agent";
    auto rd = report_role(std::move(d));
    if (!rd) return rd.error();
  }
  if (l3_) {
    rpc::AgentReport l = ovs;
    l.configurations = l3_->configurations_json();
    l.agent_type = rpc::kL3AgentType;
    l.binary = rpc::kL3AgentBinary;
    l.topic = "l3_agent";
    auto rl = report_role(std::move(l));
    if (!rl) return rl.error();
  }
  if (metadata_) {
    rpc::AgentReport m = ovs;
    m.configurations = metadata_configurations_json();
    m.agent_type = rpc::kMetadataAgentType;
    m.binary = rpc::kMetadataAgentBinary;
    auto rm = client_->report_state(m);
    if (!rm) return rm.error();
  }
  ++stats_.reports;
  last_report_ = now;
  start_flag_ = false;
  if (*r == "revived") need_sync_ = true;
  return false;
}

// A second agent's report (DHCP, L3: availability zone "nova"); a revived one resyncs.
Result<std::string> Agent::report_role(rpc::AgentReport report) {
  report.availability_zone = "nova";
  auto r = client_->report_state(report);
  if (!r) return r.error();
  if (*r == "revived") need_sync_ = true;
  return r;
}

// Neutron's metadata agent's configurations.
std::string Agent::metadata_configurations_json() const {
  Json c = {{"log_agent_heartbeats", false},
            {"metadata_proxy_socket", config_.dhcp.state_path + "/metadata_proxy"},
            {"nova_metadata_host", config_.metadata.nova_metadata_host},
            {"nova_metadata_port", config_.metadata.nova_metadata_port}};
  return c.dump();
}

std::string Agent::configurations_json() const {
  Json mappings = Json::object();
  for (const auto& [physnet, br] : config_.bridge_mappings) mappings[physnet] = br;
  Json c = {{"bridge_mappings", mappings},
            {"tunnel_types", config_.tunnel_types},
            {"tunneling_ip", config_.local_ip},
            {"l2_population", config_.l2_population},
            {"arp_responder_enabled", config_.arp_responder && config_.l2_population},
            {"arp_responder", config_.arp_responder && config_.l2_population},
            {"enable_distributed_routing", false},
            {"devices", devices_},
            {"integration_bridge", config_.integration_bridge},
            {"tunnel_bridge", config_.tunnel_bridge},
            {"firewall_driver", config_.firewall_driver},
            {"ovs_hybrid_plug", false},
            {"datapath_type", "system"},
            {"in_distributed_mode", false},
            {"log_agent_heartbeats", false},
            {"extensions", Json::array()}};
  return c.dump();
}

Result<bool> Agent::fetch_state() {
  auto s = client_->host_state(config_.host);
  if (!s) return s.error();
  ++stats_.syncs;
  need_sync_ = false;
  revision_ = s->revision;
  if (!state_ || *state_ != *s) {
    state_ = std::move(*s);
    dirty_ = true;
  }
  return false;
}

// A rule of a group this host's ports are in (created, changed or deleted).
bool Agent::relevant_rule(const std::string& id, const std::string& group) const {
  if (group.empty()) {  // deleted: was it one of ours?
    for (const auto& r : state_->security_group_rules) {
      if (r.id == id) return true;
    }
    return false;
  }
  for (const auto& p : state_->ports) {
    if (std::find(p.security_groups.begin(), p.security_groups.end(), group) !=
        p.security_groups.end()) {
      return true;
    }
  }
  return false;
}

// A port of a network this host serves DHCP for: its addresses are in dnsmasq's files.
bool Agent::dhcp_serves_port(const std::string& id, const std::string& network_id) const {
  for (const auto& n : state_->dhcp_networks) {
    if (n.id == network_id) return true;
    for (const auto& p : n.ports) {
      if (p.id == id) return true;
    }
  }
  return false;
}

// A port elsewhere joining, changing in or leaving a group our rules name as remote group.
bool Agent::member_moved(const std::string& id, const Json& body) const {
  for (const auto& m : state_->security_group_members) {
    if (m.port_id == id) return true;
  }
  auto it = body.is_object() ? body.find("security_groups") : body.end();
  if (it == body.end() || !it->is_array()) return false;
  for (const auto& r : state_->security_group_rules) {
    if (r.remote_group_id.empty()) continue;
    for (const auto& g : *it) {
      if (g.is_string() && g.get<std::string>() == r.remote_group_id) return true;
    }
  }
  return false;
}

// A change of a router here, of its binding, floating IPs, ports, subnets or networks (the L3
// role's inputs); a router newly bound here comes as its binding's put with our host.
bool Agent::l3_relevant(const rpc::Change& c, const Json& body) const {
  auto str = [&](const char* key) {
    auto it = body.is_object() ? body.find(key) : body.end();
    return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (c.kind == "router") return l3_->serves_router(c.id);
  if (c.kind == "router_l3_agent_binding") {
    return l3_->serves_router(c.id) || str("host") == config_.host;
  }
  if (c.kind == "floatingip") {
    return l3_->serves_floating_ip(c.id) || l3_->serves_router(str("router_id"));
  }
  if (c.kind == "port") return l3_->serves_port(c.id) || l3_->serves_router(str("device_id"));
  if (c.kind == "subnet") return l3_->serves_subnet(c.id);
  if (c.kind == "network") return l3_->serves_network(c.id);
  return false;
}

// Whether a feed change can alter this host's desired state: its own ports, its networks
// (and, with l2population, their ports elsewhere), tunnel endpoints of other agents, with the
// DHCP role the ports of its networks, with the L3 role its routers' inputs. Everything else
// (other hosts' ports, other routers, heartbeats) leaves the host state as it is, so a hundred
// agents do not each fetch their state on every change of the cloud.
// `port`: a port change's body, parsed once for port_patchable and patch_port.
Agent::Relevance Agent::relevance(const rpc::Change& c, std::optional<rpc::PortInfo>& port) const {
  if (!state_) return Relevance::kState;
  if (!relevant(c)) return Relevance::kNone;
  return port_patchable(c, port) ? Relevance::kPatch : Relevance::kState;
}

// Whether a port change can be applied to the host state from the feed's body alone: another
// host's port (l2population's remote ports, remote-group members, DHCP-served ports); a port here
// (not a network: service port of the DHCP and L3 roles) on a network we have whose groups'
// rules we already hold. A port of ours going away or moving, one on a network new here or in a
// group new here, or one of the L3 role's routers, takes the whole state.
bool Agent::port_patchable(const rpc::Change& c, std::optional<rpc::PortInfo>& port) const {
  if (c.kind != "port") return false;
  if (l3_ && l3_->serves_port(c.id)) return false;  // a router's port: the L3 role replans
  const rpc::PortInfo* mine = state_->find_port(c.id);
  if (c.body.empty()) return !mine;  // deleted: a remote or DHCP-served port
  auto parsed = rpc::parse_port(c.body);
  if (!parsed) return false;
  port = std::move(*parsed);
  const rpc::PortInfo* p = &*port;
  if (!state_->find_network(p->network_id)) return false;
  if (l3_ && l3_->serves_router(p->device_id)) return false;
  if (mine && p->host != config_.host) return false;  // moved away or unbound
  if (p->host != config_.host) return true;
  if (p->device_owner.rfind("network:", 0) == 0) return false;
  if (config_.firewall_driver == "noop") return true;
  auto held = [&](const std::string& g) {  // some port here is in the group: its rules are here
    return std::any_of(state_->ports.begin(), state_->ports.end(), [&](const rpc::PortInfo& q) {
      return std::find(q.security_groups.begin(), q.security_groups.end(), g) !=
             q.security_groups.end();
    });
  };
  return std::all_of(p->security_groups.begin(), p->security_groups.end(), held);
}

namespace {

template <typename T, typename Pred>
void put_or_erase(std::vector<T>& v, Pred same, std::optional<T> item) {
  auto it = std::find_if(v.begin(), v.end(), same);
  if (!item) {
    if (it != v.end()) v.erase(it);
  } else if (it != v.end()) {
    *it = std::move(*item);
  } else {
    v.push_back(std::move(*item));
  }
}

}  // namespace

// Applies a patchable port change (port_patchable) to the host state, as Neutron's agents take
// port_update and l2population's fdb_add / fdb_update / fdb_remove: the port here, the network's
// remote ports, the DHCP-served network's ports. A port booting is then no host state fetch at
// all, where each agent sharing its network used to fetch its whole state.
void Agent::patch_port(const rpc::Change& c, const std::optional<rpc::PortInfo>& p) {
  auto same_id = [&](const auto& x) { return x.id == c.id; };
  bool here = p && p->host == config_.host;
  if (here) put_or_erase(state_->ports, same_id, p);
  for (auto& n : state_->networks) {
    if (p && n.id != p->network_id) continue;
    std::optional<rpc::RemotePort> r;
    if (p && !here && !p->host.empty()) {
      r = rpc::RemotePort{p->id, p->host, p->mac_address, p->device_owner, p->fixed_ips};
    }
    put_or_erase(n.remote_ports, same_id, r);
  }
  for (auto& n : state_->dhcp_networks) {
    if (p && n.id != p->network_id) continue;
    std::optional<rpc::DhcpPort> d;
    if (p) {
      d = rpc::DhcpPort{p->id,        p->mac_address,    p->device_owner,
                        p->device_id, p->admin_state_up, p->fixed_ips};
    }
    put_or_erase(n.ports, same_id, d);
  }
  std::set<std::string> remote_groups;  // Neutron's sg_member_ips: ports in these groups
  for (const auto& r : state_->security_group_rules) {
    if (!r.remote_group_id.empty()) remote_groups.insert(r.remote_group_id);
  }
  std::optional<rpc::SecurityGroupMember> m;
  if (p && std::any_of(p->security_groups.begin(), p->security_groups.end(),
                       [&](const std::string& g) { return remote_groups.count(g) > 0; })) {
    m = rpc::SecurityGroupMember{p->id, p->mac_address, p->security_groups, {}};
    for (const auto& f : p->fixed_ips) m->ips.push_back(f.ip_address);
    for (const auto& a : p->allowed_address_pairs) m->ips.push_back(a.ip_address);
  }
  put_or_erase(
      state_->security_group_members,
      [&](const rpc::SecurityGroupMember& x) { return x.port_id == c.id; }, m);
  state_->revision = std::max(state_->revision, c.revision);
  ++stats_.port_patches;
  dirty_ = true;
}

// The feed's pre-filter: a port put whose header shows another host's port on a network this
// host has nothing of (no port, no l2population peer, no DHCP service), which relevant() would
// answer false for without its body ever being parsed. With a hundred agents each reading
// every change of the cloud, that parse was the feed's cost. Conservative where the header
// cannot tell: the L3 role (a router's port is known by its device_id) and the openvswitch
// firewall with remote-group rules (a port's groups make it a member) always read the body.
bool Agent::skippable(const rpc::Change& c) const {
  if (!state_ || c.kind != "port" || !c.has_header || c.body.empty() || l3_) return false;
  if (c.host == config_.host || state_->find_port(c.id)) return false;
  if (state_->find_network(c.network_id)) return false;
  if (dhcp_ && dhcp_serves_port(c.id, c.network_id)) return false;
  if (config_.firewall_driver == "noop") return true;
  auto remote = [](const rpc::SecurityGroupRule& r) { return !r.remote_group_id.empty(); };
  return !std::any_of(state_->security_group_rules.begin(), state_->security_group_rules.end(),
                      remote) &&
         !std::any_of(state_->security_group_members.begin(), state_->security_group_members.end(),
                      [&](const rpc::SecurityGroupMember& m) { return m.port_id == c.id; });
}

bool Agent::relevant(const rpc::Change& c) const {
  if (!state_) return true;
  Json body = c.body.empty() ? Json() : Json::parse(c.body, nullptr, false);
  auto str = [&](const char* key) {
    auto it = body.is_object() ? body.find(key) : body.end();
    return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (c.kind == "security_group_rule") return relevant_rule(c.id, str("security_group_id"));
  if (l3_ && l3_relevant(c, body)) return true;
  if (c.kind == "port") {
    if (state_->find_port(c.id)) return true;
    if (dhcp_ && dhcp_serves_port(c.id, str("network_id"))) return true;
    if (config_.firewall_driver != "noop" && member_moved(c.id, body)) return true;
    if (!body.is_object()) {  // deleted: was it one of l2population's remote ports?
      if (!config_.l2_population) return false;
      for (const auto& n : state_->networks) {
        for (const auto& r : n.remote_ports) {
          if (r.id == c.id) return true;
        }
      }
      return false;
    }
    if (str("binding:host_id") == config_.host) return true;
    return config_.l2_population && state_->find_network(str("network_id"));
  }
  if (c.kind == "network") return state_->find_network(c.id) != nullptr;
  if (c.kind == "subnet") return body.is_object() && state_->find_network(str("network_id"));
  if (c.kind != "agent") return false;
  if (!body.is_object()) return true;  // a deleted agent: perhaps a tunnel peer
  std::string host = str("host");
  if (host == config_.host || str("agent_type") != rpc::kOvsAgentType) return false;
  const Json conf = body.value("configurations", Json::object());
  std::string ip = conf.is_object() ? conf.value("tunneling_ip", "") : "";
  std::vector<std::string> types;
  if (conf.is_object() && conf.contains("tunnel_types") && conf["tunnel_types"].is_array()) {
    for (const auto& t : conf["tunnel_types"]) {
      if (t.is_string()) types.push_back(t.get<std::string>());
    }
  }
  bool up = body.value("admin_state_up", true);
  for (const auto& p : state_->tunnel_peers) {
    if (p.host == host)
      return p.tunneling_ip != ip || p.tunnel_types != types || p.admin_state_up != up;
  }
  return !ip.empty();
}

Result<bool> Agent::poll_server() {
  if (need_sync_) return fetch_state();
  if (external_feed_ && !feed_pending_.exchange(false)) return false;
  bool refetch = false;
  for (;;) {
    auto page = client_->changes(revision_, 0);
    if (!page) return page.error();
    if (page->resync) return fetch_state();
    for (const auto& c : page->changes) {
      if (refetch) break;  // the whole state comes anyway
      if (skippable(c)) {
        ++stats_.changes_skipped;
        continue;
      }
      std::optional<rpc::PortInfo> port;
      Relevance r = relevance(c, port);
      if (r == Relevance::kPatch) patch_port(c, port);
      refetch = r == Relevance::kState;
    }
    revision_ = page->revision;
    if (!page->more) break;
  }
  if (refetch) return fetch_state();
  return false;
}

// The DHCP role's devices first, so the OVS part tags and binds them in the same pass.
Result<bool> Agent::apply_dhcp() {
  if (!dhcp_ || !state_) return false;
  auto d = dhcp_->apply(*state_, node_);
  if (!d) return d.error();
  std::string errors;
  for (const auto& [net, e] : dhcp_->errors()) errors += (errors.empty() ? "" : "; ") + e;
  if (errors != dhcp_error_ && !errors.empty()) log(VlogLevel::kWarn, "dhcp: " + errors);
  dhcp_error_ = errors;
  if (*d) {
    auto l = refresh_local();
    if (!l) return l.error();
  }
  return *d;
}

// The L3 role's devices, like the DHCP role's, before the OVS part tags and binds them.
Result<bool> Agent::apply_l3() {
  if (!l3_ || !state_) return false;
  auto d = l3_->apply(*state_, node_);
  if (!d) return d.error();
  std::string errors;
  for (const auto& [router, e] : l3_->errors()) errors += (errors.empty() ? "" : "; ") + e;
  if (errors != l3_error_ && !errors.empty()) log(VlogLevel::kWarn, "l3: " + errors);
  l3_error_ = errors;
  if (*d) {
    auto l = refresh_local();
    if (!l) return l.error();
  }
  return *d;
}

Result<bool> Agent::apply() {
  if (!dirty_ || !local_) return false;
  auto dh = apply_dhcp();
  if (!dh) return dh.error();
  bool changed = *dh;
  auto l3 = apply_l3();
  if (!l3) return l3.error();
  changed |= *l3;
  Plan plan;
  if (state_) plan = plan_ports(config_, *state_, *local_, lvids_, bind_failed_);
  std::vector<std::string> cmds = port_commands(config_, plan, *local_, state_.has_value());
  if (!cmds.empty()) {
    ControlReply r = node("vsctl", cmds);
    if (r.status != 0) return make_error(reply_error("node: vsctl", r), ErrorCode::kInternal);
    ++stats_.vsctl_txns;
    log(VlogLevel::kDbg, "vsctl " + std::to_string(cmds.size()) + " words");
    changed = true;
    auto l = read_local();
    if (!l) return l.error();
    if (state_) plan = plan_ports(config_, *state_, *local_, lvids_, bind_failed_);
  }
  auto flows = state_ ? plan_flows(config_, *state_, plan, *local_, cookie_)
                      : default_flows(config_, *local_, cookie_);
  auto f = apply_flows(flows, state_.has_value());
  if (!f) return f.error();
  changed |= *f;
  if (state_) {
    // A refused binding is tried again once the port is replugged or bound here after all.
    std::set<std::string> plugged;
    for (const auto& vp : plan.vm_ports) {
      if (!vp.bound_here) plugged.insert(vp.iface_id);
    }
    std::erase_if(bind_failed_, [&](const std::string& id) { return !plugged.count(id); });
    lvids_ = plan.lvids;
    devices_ = 0;
    for (const auto& vp : plan.vm_ports) devices_ += vp.dead ? 0 : 1;
    // The server's side: errors leave dirty_ set, so the next call retries.
    auto b = bind_plugged(plan);
    auto d = b ? report_devices(plan) : Result<bool>(b.error());
    if (!d) return d.error();
    changed |= *b || *d;
    auto f = report_floating_ips();
    if (!f) return f.error();
    changed |= *f;
  }
  // A DHCP service or a router that failed is tried again.
  dirty_ = (dhcp_ && !dhcp_error_.empty()) || (l3_ && !l3_error_.empty());
  return changed;
}

Result<bool> Agent::apply_flows(const std::map<std::string, std::vector<std::string>>& flows,
                                bool own_all) {
  bool changed = false;
  FlowMemo seen;  // the next apply's memo: the lines of this one
  for (const auto& [bridge, lines] : flows) {
    if (!local_->has_bridge(bridge)) continue;
    std::vector<FlowSpec> want;
    want.reserve(lines.size());
    for (const auto& line : lines) {
      auto spec = parse_flow_line(line, seen);
      if (!spec) return make_error("agent: flow '" + line + "': " + spec.error().message);
      want.push_back(std::move(*spec));
    }
    ControlReply d = node("ofctl", {"dump-flows", "--no-stats", "--no-names", bridge});
    if (d.status != 0) return make_error(reply_error("node: dump-flows", d), ErrorCode::kInternal);
    auto have = parse_dump(d.out, bridge, seen);
    if (!have) return have.error();
    // With the host state the agent owns every flow of its bridges (old cookies are stale);
    // before it, it only adds its defaults and deletes nothing.
    std::vector<FlowOp> ops =
        own_all ? diff_flows(*have, want) : diff_flows(*have, want, cookie_, ~uint64_t{0});
    if (ops.empty()) continue;
    std::string text;
    for (const auto& op : ops) {
      bool del = op.cmd == FlowModCommand::kDeleteStrict;
      text += del ? "delete_strict " : "add ";
      text += format_flow(op.spec, del ? FlowTextMode::kDelete : FlowTextMode::kAdd);
      text += '\n';
    }
    // One add-flows file is one transaction on this switch (ofctl_cmds.cc apply_ops: all or
    // none, packets see the table before or after it), so no --bundle: it would also force
    // OpenFlow 1.4's wire forms (set_tunnel -> load:...->NXM_NX_TUN_ID[]), and the seed's agent
    // spoke OpenFlow 1.0 through ovs-ofctl.
    ControlReply r = node("ofctl", {"add-flows", bridge, "-"}, text);
    if (r.status != 0) return make_error(reply_error("node: add-flows " + bridge, r));
    ++stats_.bundles;
    stats_.flow_mods += ops.size();
    changed = true;
  }
  flow_memo_ = std::move(seen);
  return changed;
}

// One flow line's parse: from `seen` or the last apply's memo when the text came before, else
// parsed now; recorded in `seen` either way. Looked up by view: a hit copies no text.
Result<FlowSpec> Agent::parse_flow_line(std::string_view line, FlowMemo& seen) {
  if (auto hit = seen.find(line); hit != seen.end()) return hit->second;
  if (auto old = flow_memo_.find(line); old != flow_memo_.end()) {
    auto node = flow_memo_.extract(old);
    return seen.insert(std::move(node)).position->second;
  }
  auto spec = parse_flow(line, FlowTextMode::kAdd);
  if (!spec) return spec.error();
  seen.emplace(std::string(line), *spec);
  return spec;
}

// The flows of a dump (--no-stats --no-names), learned flows (those with a timeout: the agent
// installs none) left out, so its diffs never touch them.
Result<std::vector<FlowSpec>> Agent::parse_dump(std::string_view text, const std::string& bridge,
                                                FlowMemo& seen) {
  std::vector<FlowSpec> out;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view l = trim(text.substr(0, nl));
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (l.empty() || !starts_with(l, "cookie=")) continue;
    auto spec = parse_flow_line(l, seen);
    if (!spec) return make_error(bridge + ": dump-flows: " + spec.error().message);
    if (spec->hard_timeout || spec->idle_timeout) continue;
    out.push_back(std::move(*spec));
  }
  return out;
}

// Plugged ports the server has not bound here: bound now if unbound, dead if unknown (404) or
// bound elsewhere.
Result<bool> Agent::bind_plugged(const Plan& plan) {
  bool changed = false;
  for (const auto& id : plan.unbound) {
    auto port = client_->get_port(id);
    if (!port && port.error().code == ErrorCode::kNotFound) {
      log(VlogLevel::kWarn, "port " + id + " plugged here is unknown to the server");
      bind_failed_.insert(id);
      dirty_ = true;
      continue;
    }
    if (!port) return port.error();
    if (port->host == config_.host) {  // bound since the state was read: read it again
      need_sync_ = true;
      changed = true;
      continue;
    }
    if (!port->host.empty()) {
      log(VlogLevel::kWarn, "port " + id + " plugged here is bound to " + port->host);
      bind_failed_.insert(id);
      continue;
    }
    auto b = client_->bind_port(id, config_.host);
    if (!b) {
      if (b.error().code != ErrorCode::kInvalidArgument && b.error().code != ErrorCode::kNotFound) {
        return b.error();
      }
      log(VlogLevel::kWarn, "port " + id + ": binding refused: " + b.error().message);
      bind_failed_.insert(id);
      continue;
    }
    changed = true;
    need_sync_ = true;  // its network and flows come with the host state
  }
  return changed;
}

Result<bool> Agent::report_devices(const Plan& plan) {
  std::set<std::string> plugged;
  std::vector<std::string> up, down;
  for (const auto& vp : plan.vm_ports) {
    // A dead port (admin down, failed binding) counts as not plugged: reported down.
    if (!vp.dead) plugged.insert(vp.iface_id);
    if (vp.dead || !vp.bound_here) continue;
    const rpc::PortInfo* p = state_->find_port(vp.iface_id);
    if (!p || p->status == "ACTIVE") continue;
    auto it = reported_up_.find(vp.iface_id);
    if (it != reported_up_.end() && state_->revision <= it->second) continue;
    up.push_back(vp.iface_id);
  }
  for (auto it = reported_up_.begin(); it != reported_up_.end();) {
    it = plugged.count(it->first) ? std::next(it) : reported_up_.erase(it);
  }
  for (const auto& p : state_->ports) {
    if (plugged.count(p.id) || p.status != "ACTIVE") {
      reported_down_.erase(p.id);
    } else if (!reported_down_.count(p.id)) {
      down.push_back(p.id);
    }
  }
  if (up.empty() && down.empty()) return false;
  auto r = client_->update_devices(config_.host, up, down);
  if (!r) return r.error();
  auto list = [](const std::vector<std::string>& ids) {
    std::string out;
    for (size_t i = 0; i < ids.size() && i < 5; ++i) out += (i ? ", " : "") + ids[i];
    return ids.size() > 5 ? out + ", ... (" + std::to_string(ids.size()) + ")" : out;
  };
  if (!up.empty()) log(VlogLevel::kInfo, "devices up: " + list(up));
  if (!down.empty()) log(VlogLevel::kInfo, "devices down: " + list(down));
  for (const auto& id : up) reported_up_[id] = state_->revision;
  for (const auto& id : down) reported_down_.insert(id);
  stats_.devices_up += up.size();
  stats_.devices_down += down.size();
  return true;
}

// Neutron's L3 agent reports the floating IPs of each router it processed: ACTIVE once the
// router runs with their rules, ERROR when the router failed, DOWN when it does not run (admin
// down, no gateway). Only differences from the statuses in the host state are sent.
Result<bool> Agent::report_floating_ips() {
  if (!l3_ || !state_) return false;
  bool changed = false;
  for (const auto& r : state_->routers) {
    auto run = l3_->routers().find(r.id);
    bool failed = l3_->errors().count(r.id) > 0;
    std::map<std::string, std::string> statuses;
    for (const auto& f : r.floating_ips) {
      bool on = run != l3_->routers().end() &&
                std::any_of(run->second.floating_ips.begin(), run->second.floating_ips.end(),
                            [&](const FloatingIpPlan& p) { return p.id == f.id; });
      std::string want = failed ? "ERROR" : on ? "ACTIVE" : "DOWN";
      if (f.status != want) statuses[f.id] = want;
    }
    if (statuses.empty()) continue;
    auto res = client_->update_floatingip_statuses(r.id, statuses);
    if (!res) return res.error();
    log(VlogLevel::kInfo, "l3: router " + r.id + ": " + std::to_string(statuses.size()) +
                              " floating IP status(es) reported");
    changed = true;
  }
  return changed;
}

void Agent::run(const std::atomic<bool>& stop) {
  std::mutex mu;
  std::condition_variable cv;
  std::atomic<uint64_t> since{revision_};
  rpc::ServerClient poller_client(server_url_);
  external_feed_ = true;
  feed_pending_ = true;
  // The long-poll: wakes the loop when the feed moved past the agent's revision.
  std::thread poller([&] {
    while (!stop) {
      uint64_t s = since.load();
      auto page = poller_client.changes(s, kFeedWaitSeconds);
      if (stop) break;
      bool moved = page && (page->resync || page->revision > s);
      if (moved || !page) {
        {
          std::lock_guard lock(mu);
          feed_pending_ = true;
        }
        cv.notify_one();
      }
      // Until the loop has read past it (or a second): no busy re-polling.
      for (int i = 0; i < 50 && !stop && (since.load() == s) && (moved || !page); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
  });
  bool failing = false;
  while (!stop) {
    for (int i = 0; i < 100 && !stop; ++i) {
      auto r = run_once();
      if (!r) {
        if (!failing) log(VlogLevel::kWarn, r.error().message);
        failing = true;
        break;
      }
      if (failing) log(VlogLevel::kInfo, "server and switch reachable again");
      failing = false;
      if (!*r) break;
    }
    since = revision_;
    std::unique_lock lock(mu);
    cv.wait_for(lock, poll_interval_, [&] { return feed_pending_.load() || stop.load(); });
  }
  poller_client.cancel();
  poller.join();
  external_feed_ = false;
}

}  // namespace nt::agent
