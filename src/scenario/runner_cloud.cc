// ScenarioRunner: the cloud lines of the emulated lab — `server` (neutrino-server's API on a
// loopback port for the run), `agent` (an Open vSwitch agent over a node's core), `openstack`
// (the real CLI against that server) and `instance NAME node= network=` (what Nova does: the
// port through the API, the tap plugged into br-int as os-vif plugs it, a cirros-like host on
// it). After every command of a lab with agents, the agents run until none changes anything
// (settle_agents), so expectations see the converged state.
#include <algorithm>
#include <string>
#include <vector>

#include "agent/agent.h"
#include "agent/dhcp.h"
#include "agent/l3.h"
#include "common/strings.h"
#include "netstack/netfilter.h"
#include "node/host_port.h"
#include "scenario/cloud.h"
#include "scenario/lab_common.h"
#include "scenario/lab_dhcp.h"
#include "scenario/lab_l3.h"
#include "scenario/lab_metadata.h"
#include "scenario/nova_metadata.h"
#include "scenario/runner.h"
#include "scenario/runner_util.h"

namespace nt {
namespace {

using scenario_internal::CloudServer;
using scenario_internal::usage;

// How long an instance's metadata request may take (busybox wget's default timeout).
constexpr int kMetadataWaitS = 10;

// How many times every agent may run in one settling before the lab gives up: each round is
// one run_once per agent; a converging cloud needs a handful (start-up, ports, tunnels, peers'
// changes seen through the feed).
constexpr int kMaxSettleRounds = 50;

std::string join_lines(const std::vector<std::string>& body) {
  std::string s;
  for (const std::string& l : body) s += l + "\n";
  return s;
}

// The emulated node as an agent sees it: nvs-vsctl / nvs-ofctl / nvs-appctl on its core, as
// neutrino-agent reaches neutrino-vswitchd through its control socket.
class NodeCoreChannel final : public agent::NodeChannel {
 public:
  explicit NodeCoreChannel(NodeCore& core) : core_(core) {}
  ControlReply execute(const std::string& tool, const std::vector<std::string>& argv,
                       const std::string& stdin_data) override {
    ControlReply r = core_.execute(tool, argv, stdin_data);
    return std::move(drain_reply(r));
  }

 private:
  NodeCore& core_;
};

// ip qrouter-ROUTER addr|route, iptables qrouter-ROUTER [-t TABLE] -S.
Result<std::string> router_view(const scenario_internal::CloudApi& api,
                                scenario_internal::LabL3Driver& l3,
                                const std::vector<std::string>& a) {
  auto id = scenario_internal::router_namespace_router(api, a[1]);
  if (!id->ok()) return id->error();
  Host* h = l3.host(**id);
  if (!h) return make_error("qrouter-" + **id + ": no such namespace here");
  if (a[0] == "ip") return a.size() > 2 && a[2] == "route" ? h->ip_route_text() : h->ip_addr_text();
  auto table = scenario_internal::iptables_table_arg(a);
  if (!table.ok()) return table.error();
  return h->netfilter().show(*table);
}

}  // namespace

// The lab's server and its agents (agents go first: they talk to the server).
struct ScenarioRunner::Cloud {
  struct NodeAgent {
    Node* node = nullptr;
    std::unique_ptr<agent::NodeChannel> channel;                    // a NodeCoreChannel
    std::unique_ptr<scenario_internal::LabMetadataAgent> metadata;  // outlives the routers
    std::unique_ptr<scenario_internal::LabDhcpDriver> dhcp;         // the DHCP role's services
    std::unique_ptr<scenario_internal::LabL3Driver> l3;             // the L3 role's routers
    std::unique_ptr<agent::Agent> agent;
  };
  std::unique_ptr<CloudServer> server;
  // Nova's metadata API stand-in (the agents' nova_metadata_port), on the server's data.
  std::unique_ptr<scenario_internal::NovaMetadata> nova;
  std::unique_ptr<scenario_internal::NovaMetadataServer> nova_server;
  std::vector<NodeAgent> agents;
  ~Cloud() { agents.clear(); }
  const NodeAgent* agent_of(const Node* n) const {
    for (const NodeAgent& a : agents) {
      if (a.node == n) return &a;
    }
    return nullptr;
  }
};

void ScenarioRunner::CloudDeleter::operator()(Cloud* c) const { delete c; }

Result<ScenarioRunner::Cloud*> ScenarioRunner::cloud(const std::string& what) {
  if (!cloud_ || !cloud_->server) {
    return make_error(what + ": the lab has no server (a `server` block comes first)");
  }
  return cloud_.get();
}

// server (INI lines up to "end"): neutrino-server's API for the rest of the run.
Result<std::string> ScenarioRunner::cmd_server(const Args& a,
                                               const std::vector<std::string>& body) {
  if (a.size() != 1) return usage("server (neutron.conf / ml2_conf.ini lines, then \"end\")");
  if (cloud_ && cloud_->server) return make_error("server: the lab already has a server");
  sw();
  auto server = CloudServer::start(join_lines(body));
  if (!server.ok()) return server.error();
  auto nova = std::make_unique<scenario_internal::NovaMetadata>(
      scenario_internal::kLabMetadataSecret, **server);
  auto nova_server = scenario_internal::NovaMetadataServer::start(*nova);
  if (!nova_server.ok()) return nova_server.error();
  if (!cloud_) cloud_.reset(new Cloud());
  cloud_->server = std::move(*server);
  cloud_->nova = std::move(nova);
  cloud_->nova_server = std::move(*nova_server);
  return std::string();
}

// agent [dhcp] [l3] [metadata] (openvswitch_agent.ini / dhcp_agent.ini / l3_agent.ini lines up to
// "end"): an Open vSwitch agent programming the current node, reporting to the lab's server, with
// `dhcp` also its DHCP agent (services: Neutrino's DhcpServer), with `l3` its L3 agent (routers:
// netstack hosts interpreting the iptables rules), with `metadata` its metadata agent (called
// in-process by the routers' and isolated networks' proxies, asking the lab's Nova stand-in).
// [DEFAULT] host defaults to the node's name.
Result<std::string> ScenarioRunner::cmd_agent(const Args& a, const std::vector<std::string>& body) {
  auto roles = scenario_internal::parse_agent_roles(a);
  if (!roles.ok()) return roles.error();
  auto c = cloud("agent");
  if (!c.ok()) return c.error();
  sw();
  if ((*c)->agent_of(current_)) return make_error("agent: node already has an agent");
  std::string node = current_->name.empty() ? "node" : current_->name;
  int nova_port = (*c)->nova_server->port();
  auto config =
      agent::parse_agent_config({{"lab", scenario_internal::agent_lab_ini(node, nova_port)},
                                 {"openvswitch_agent.ini", join_lines(body)}});
  if (!config.ok()) return config.error();
  Cloud::NodeAgent na;
  na.node = current_;
  na.channel = std::make_unique<NodeCoreChannel>(*current_->core);
  na.agent = std::make_unique<agent::Agent>(std::move(*config), *na.channel, (*c)->server->url());
  if (roles->dhcp) {
    HostCable cable;
    cable.latency_us = kWireLatencyUs;
    cable.in_flight = &instance_wire_in_flight_;
    const agent::AgentConfig& ac = na.agent->config();
    na.dhcp = std::make_unique<scenario_internal::LabDhcpDriver>(
        *current_->sw, sched_, ac.integration_bridge, ac.dhcp.lease_duration, cable);
    na.agent->enable_dhcp(*na.dhcp);
  }
  if (roles->l3) {
    HostCable cable;
    cable.latency_us = kWireLatencyUs;
    cable.in_flight = &instance_wire_in_flight_;
    na.l3 = std::make_unique<scenario_internal::LabL3Driver>(
        *current_->sw, sched_, na.agent->config().integration_bridge, cable);
    na.agent->enable_l3(*na.l3);
  }
  if (roles->metadata) {
    na.metadata = std::make_unique<scenario_internal::LabMetadataAgent>(na.agent->config().metadata,
                                                                        (*c)->server->url());
    na.agent->enable_metadata();
    if (na.l3) na.l3->set_metadata_handler(&na.metadata->handler);
    if (na.dhcp) na.dhcp->set_metadata_handler(&na.metadata->handler);
  }
  (*c)->agents.push_back(std::move(na));
  return std::string();
}

// openstack ARGS...: the real CLI (python3-openstackclient) against the lab's server.
Result<std::string> ScenarioRunner::cmd_openstack(const Args& a) {
  auto c = cloud("openstack");
  if (!c.ok()) return c.error();
  return scenario_internal::run_openstack(a.back(), (*c)->server->url(), (*c)->server->dir());
}

std::string ScenarioRunner::cloud_url() const {
  return cloud_ && cloud_->server ? cloud_->server->url() : std::string();
}

Status ScenarioRunner::settle_agents(const Node* boot_node) {
  if (!cloud_ || cloud_->agents.empty()) return ok_status();
  for (int round = 0; round < kMaxSettleRounds; ++round) {
    bool changed = false;
    for (Cloud::NodeAgent& na : cloud_->agents) {
      if (boot_node && na.node != boot_node && !na.dhcp) continue;
      auto r = na.agent->run_once();
      if (!r.ok()) return make_error("agent on " + na.node->name + ": " + r.error().message);
      changed = changed || *r;
    }
    if (!changed) return ok_status();
  }
  return make_error("the agents did not settle within " + std::to_string(kMaxSettleRounds) +
                    " rounds");
}

// netns / dnsmasq [NETWORK [FILE]] / ip qdhcp-NETWORK|qrouter-ROUTER addr|route / iptables
// qrouter-ROUTER [-t TABLE] -S: the current node's DHCP services and routers as `ip netns`,
// `ps`, the files under state_path and `ip netns exec ... iptables -S` show them on a real node
// (emulated: the command line the real driver runs; the files' text the role wrote there; the
// rules the router's Netfilter holds).
Result<std::string> ScenarioRunner::cmd_services(const Args& a) {
  auto c = cloud(a[0]);
  if (!c.ok()) return c.error();
  const Cloud::NodeAgent* na = (*c)->agent_of(current_);
  if (auto e = scenario_internal::service_role_missing(a, na && na->dhcp, na && na->l3,
                                                       current_->name)) {
    return make_error(*e);
  }
  if (scenario_internal::router_service_line(a)) return router_view(*(*c)->server, *na->l3, a);
  std::string out;
  if (a[0] == "netns") {
    if (na->dhcp) {
      for (const auto& [id, plan] : na->agent->dhcp()->networks())
        out += plan.namespace_name + "\n";
    }
    if (na->l3) {
      for (const auto& [id, plan] : na->agent->l3()->routers()) out += plan.namespace_name + "\n";
    }
    return out;
  }
  const auto& nets = na->agent->dhcp()->networks();
  if (a[0] == "dnsmasq" && a.size() == 1) {
    for (const auto& [id, plan] : nets) out += join_words(plan.dnsmasq_argv) + "\n";
    return out;
  }
  std::string ns = a[0] == "ip" ? a[1] : "qdhcp-" + a[1];
  auto id = scenario_internal::dhcp_namespace_network(*(*c)->server, ns);
  if (!id || !id->ok()) return id ? id->error() : make_error(ns + ": not a service namespace");
  auto plan = nets.find(**id);
  if (plan == nets.end()) return make_error("qdhcp-" + **id + ": no such namespace here");
  if (a[0] == "ip") {
    const Host* h = na->dhcp->host(**id);
    if (!h) return make_error(ns + ": the DHCP service is not running");
    return a.size() > 2 && a[2] == "route" ? h->ip_route_text() : h->ip_addr_text();
  }
  auto file = scenario_internal::dnsmasq_file_arg(a);
  if (!file.ok()) return file.error();
  return *file == "host"   ? plan->second.host_file
         : *file == "opts" ? plan->second.opts_file
                           : plan->second.addn_hosts_file;
}

// instance NAME node=NODE network=NET [fixed-ip=IP] [port=PORT]: what Nova does for a server
// with one NIC on NET, then the emulated cirros on it.
Result<std::string> ScenarioRunner::cmd_cloud_instance(const Args& a) {
  auto args = scenario_internal::parse_cloud_instance_args(a);
  if (!args.ok()) return args.error();
  const std::string& name = args->name;
  if (instances_.count(name)) return make_error("instance " + name + " already exists");
  auto c = cloud("instance");
  if (!c.ok()) return c.error();
  Node* node = nullptr;
  for (auto& n : nodes_) {
    if (n->name == args->node) node = n.get();
  }
  if (!node) return make_error("instance: no node named " + args->node, ErrorCode::kNotFound);
  const Cloud::NodeAgent* na = (*c)->agent_of(node);
  std::string host = na ? na->agent->config().host : node->name;
  std::string br_int = na ? na->agent->config().integration_bridge : "br-int";
  auto p = scenario_internal::nova_port(*(*c)->server, *args, host);
  if (!p.ok()) return p.error();
  const std::string &port_id = p->port_id, &mac = p->mac, &tap = p->tap;
  (*c)->nova->register_instance(p->vm_uuid, name);

  // os-vif's ovs plug: the bridge if missing, then the tap with the external_ids agents follow.
  NT_TRY(configure(*node, {"--may-exist", "add-br", br_int}));
  NT_TRY(configure(*node,
                   {"--", "--may-exist", "add-port", br_int, tap, "--", "set", "Interface", tap,
                    "external_ids:iface-id=" + port_id, "external_ids:attached-mac=" + mac,
                    "external_ids:iface-status=active", "external_ids:vm-uuid=" + p->vm_uuid},
                   tap));
  auto macaddr = scenario_internal::parse_lab_mac(mac);
  if (!macaddr.ok()) return macaddr.error();
  auto inst = std::make_unique<Instance>();
  inst->name = name;
  inst->node = node;
  inst->bridge = br_int;
  inst->port = tap;
  std::string line = scenario_internal::nova_instance_line(name, node->name, *p);
  if (args->dhcp) {  // cirros: the image's MTU, then what DHCP says
    NT_TRY(cable_instance(*inst, *macaddr, 1500));
    // Nova waits for network-vif-plugged before it boots the guest: the node's agent and the
    // DHCP agents (the rest of the cloud settles after the line, as usual).
    NT_TRY(settle_agents(node));
    auto lease = dhcp_lease(*inst);
    if (!lease.ok()) {
      detach_host_port(*node->sw, br_int, tap);
      return lease.error();
    }
    instances_[name] = std::move(inst);
    return line + *lease;
  }
  NT_TRY(cable_instance(*inst, *macaddr, static_cast<uint16_t>(p->mtu)));
  NT_TRY(inst->host->add_address(inst->nic, p->ip + p->prefix));
  if (!p->gateway.empty()) {
    auto gwaddr = ipv4_parse(p->gateway);
    if (gwaddr) NT_TRY(inst->host->set_default_gateway(*gwaddr));
  }
  instances_[name] = std::move(inst);
  sched_.run_until_us(sched_.now_us() + 10 * kWireLatencyUs);  // let the gratuitous ARP land
  return line;
}

// metadata NAME PATH: what `wget -qO- http://169.254.169.254PATH` prints in the instance.
Result<std::string> ScenarioRunner::cmd_metadata(const Args& a) {
  auto line = scenario_internal::parse_metadata_line(a);
  if (!line.ok()) return line.error();
  auto inst = instance(line->instance);
  if (!inst.ok()) return inst.error();
  scenario_internal::MetadataFetch fetch;
  NT_TRY(fetch.start(*(*inst)->host, line->path));
  run_until_done([&] { return fetch.done(); }, kMetadataWaitS * kUsPerSec);
  auto body = fetch.result();
  if (!body.ok()) return body.error();
  return scenario_internal::metadata_output(*body);
}

}  // namespace nt
