// RealLab: the cloud lines done with the real programs. `server` starts neutrino-server (the
// block's lines as its neutron.conf, a lab.conf binding it to a free 127.0.0.1 port, its SQLite
// store, pidfile and log in the lab's cloud directory); `agent` starts neutrino-agent for the
// current node (the node's daemon through its control socket, the server over loopback);
// `openstack` runs the real CLI as the emulated lab does (scenario/cloud.h); `instance NAME
// node= network=` does what Nova and os-vif do: the port through the API, a namespace whose
// eth0 is a veth into the node, the node's end named tap<port id[:11]> and plugged into br-int
// with os-vif's external_ids, eth0 given the port's MAC and address, the subnet's gateway and
// the network's MTU. After each of them settle_cloud() waits until the agents have applied it.
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "agent/config.h"
#include "agent/dnsmasq.h"
#include "common/process.h"
#include "common/strings.h"
#include "lab/real_lab.h"
#include "scenario/lab_metadata.h"
#include "scenario/runner_util.h"

namespace nt::lab {
namespace {

using scenario_internal::usage;

// Attempts at starting the server when the free port picked was taken meanwhile.
constexpr int kServerStartTries = 5;
// How long the agents may take to apply one command (sanitizer builds are slow), and how many
// identical samples of their nodes, kSampleMs apart, make "settled".
constexpr std::chrono::seconds kSettleTimeout{120};
constexpr int kStableSamples = 3;
constexpr int kSampleMs = 100;
// How long an instance's metadata request may take.
constexpr int kMetadataTimeoutS = 20;

std::string join_lines(const std::vector<std::string>& body) {
  std::string s;
  for (const std::string& l : body) s += l + "\n";
  return s;
}

Status write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.close();
  if (!out) return make_error("cannot write " + path);
  return ok_status();
}

// The last lines of a log, for an error that says why a program stopped.
std::string log_tail(const std::string& path, size_t lines = 5) {
  std::ifstream in(path);
  std::vector<std::string> all;
  for (std::string l; std::getline(in, l);) all.push_back(l);
  std::string out;
  for (size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i) {
    out += "\n  " + all[i];
  }
  return out;
}

// A TCP port that is free on 127.0.0.1 now (the kernel's choice), for the server to bind.
Result<int> free_loopback_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return make_error("socket: cannot make one");
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof sa;
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0 &&
            ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) == 0;
  ::close(fd);
  if (!ok) return make_error("cannot find a free port on 127.0.0.1");
  return static_cast<int>(ntohs(sa.sin_port));
}

}  // namespace

Result<RealLab::Cloud*> RealLab::cloud(const std::string& what) {
  if (!cloud_) return make_error(what + ": the lab has no server (a `server` block comes first)");
  return cloud_.get();
}

RealLab::Node* RealLab::node_named(const std::string& name) {
  for (auto& n : nodes_) {
    if (n->name == name) return n.get();
  }
  return nullptr;
}

// server (neutron.conf / ml2_conf.ini lines up to "end"): neutrino-server on 127.0.0.1.
Result<std::string> RealLab::cmd_server(const Args& a, const std::vector<std::string>& body) {
  if (a.size() != 1) return usage("server (neutron.conf / ml2_conf.ini lines, then \"end\")");
  if (cloud_) return make_error("server: the lab already has a server");
  std::string ini = join_lines(body);
  auto config = scenario_internal::check_server_ini(ini);  // the emulated lab's messages
  if (!config.ok()) return config.error();
  std::string dir = "/tmp/" + state_.prefix + "-cloud.XXXXXX";
  if (!::mkdtemp(dir.data())) return make_error("mkdtemp " + dir + " failed");
  state_.rundirs.push_back(dir);
  std::string conf = dir + "/neutron.conf", lab_conf = dir + "/lab.conf";
  std::string pidfile = dir + "/neutrino-server.pid", log = dir + "/neutrino-server.log";
  state_.pidfiles.push_back(pidfile);
  NT_TRY(save_lab_state(state_));
  NT_TRY(write_text(conf, ini));
  auto c = std::make_unique<Cloud>();
  c->dir = dir;
  // The lab's settings come last, so they win over the block's: loopback only, a free port.
  for (int attempt = 1;; ++attempt) {
    auto port = free_loopback_port();
    if (!port.ok()) return port.error();
    NT_TRY(write_text(
        lab_conf, "[DEFAULT]\nbind_host = 127.0.0.1\nbind_port = " + std::to_string(*port) + "\n"));
    auto r = run_checked({opts_.tools_dir + "/neutrino-server", "--config-file", conf,
                          "--config-file", lab_conf, "--state-dir", dir, "--log-file", log,
                          "--pidfile", pidfile, "--detach"});
    if (r.ok()) {
      c->api = scenario_internal::CloudApi(*port);
      break;
    }
    if (attempt >= kServerStartTries ||
        r.error().message.find("cannot listen") == std::string::npos)
      return r.error();
  }
  Result<nlohmann::json> answer = make_error("");
  for (int i = 0; i < 100 && !(answer = c->api.request("GET", "/v2.0/networks")).ok(); ++i) {
    sleep_ms(50);
  }
  if (!answer.ok()) {
    return make_error("neutrino-server on " + c->api.url() +
                      " does not answer: " + answer.error().message + log_tail(log));
  }
  c->nova = std::make_unique<scenario_internal::NovaMetadata>(scenario_internal::kLabMetadataSecret,
                                                              c->api);
  auto nova_server = scenario_internal::NovaMetadataServer::start(*c->nova);
  if (!nova_server.ok()) return nova_server.error();
  c->nova_server = std::move(*nova_server);
  last_display_ = "neutrino-server --config-file neutron.conf --config-file lab.conf --detach";
  cloud_ = std::move(c);
  return std::string();
}

// agent [dhcp] [l3] [metadata] (openvswitch_agent.ini lines up to "end"): neutrino-agent for the
// current node; with `dhcp` also its DHCP agent (dnsmasq in qdhcp-<network id>, the node
// namespace's tap moved there), with `l3` its L3 agent (qrouter-<router id> namespaces, iptables,
// haproxy), with `metadata` its metadata agent (state_path/metadata_proxy, asking the lab's Nova
// stand-in); state_path in the cloud directory. [DEFAULT] host defaults to the node's name.
Result<std::string> RealLab::cmd_agent(const Args& a, const std::vector<std::string>& body) {
  auto roles = scenario_internal::parse_agent_roles(a);
  if (!roles.ok()) return roles.error();
  auto c = cloud("agent");
  if (!c.ok()) return c.error();
  auto n = node();
  if (!n.ok()) return n.error();
  for (const CloudAgent& ag : (*c)->agents) {
    if (ag.node == (*n)->name) return make_error("agent: node already has an agent");
  }
  std::string lab_ini = scenario_internal::agent_lab_ini((*n)->name, (*c)->nova_server->port());
  std::string state_path = (*c)->dir + "/state-" + (*n)->name;
  bool services = roles->dhcp || roles->l3 || roles->metadata;
  if (services) lab_ini += "state_path = " + state_path + "\n";
  std::string ini = join_lines(body);
  auto config = agent::parse_agent_config({{"lab", lab_ini}, {"openvswitch_agent.ini", ini}});
  if (!config.ok()) return config.error();
  CloudAgent ag;
  ag.node = (*n)->name;
  ag.host = config->host;
  ag.integration_bridge = config->integration_bridge;
  std::string base = (*c)->dir + "/" + (*n)->name;
  ag.pidfile = (*c)->dir + "/neutrino-agent-" + (*n)->name + ".pid";
  ag.log = (*c)->dir + "/neutrino-agent-" + (*n)->name + ".log";
  NT_TRY(write_text(base + "-lab.ini", lab_ini));
  NT_TRY(write_text(base + "-openvswitch_agent.ini", ini));
  state_.pidfiles.push_back(ag.pidfile);
  if (services) {
    // dnsmasq, as nobody, reads its files under state_path: the cloud directory lets it pass.
    std::error_code ec;
    std::filesystem::permissions((*c)->dir, std::filesystem::perms::others_exec,
                                 std::filesystem::perm_options::add, ec);
    std::filesystem::create_directories(config->dhcp.state_path, ec);
    std::filesystem::permissions(config->dhcp.state_path, std::filesystem::perms::others_exec,
                                 std::filesystem::perm_options::add, ec);
    state_.dhcp_state_dirs.push_back(config->dhcp.state_path);
    ag.state_path = config->dhcp.state_path;
    ag.dhcp = roles->dhcp;
    ag.l3 = roles->l3;
  }
  NT_TRY(save_lab_state(state_));
  std::vector<std::string> argv = {opts_.tools_dir + "/neutrino-agent",
                                   "--config-file",
                                   base + "-lab.ini",
                                   "--config-file",
                                   base + "-openvswitch_agent.ini",
                                   "--server-url",
                                   (*c)->api.url(),
                                   "--rundir",
                                   (*n)->rundir,
                                   "--log-file",
                                   ag.log,
                                   "--pidfile",
                                   ag.pidfile};
  if (roles->dhcp) argv.insert(argv.end(), {"--role", "dhcp"});
  if (roles->l3) argv.insert(argv.end(), {"--role", "l3"});
  if (roles->metadata) argv.insert(argv.end(), {"--role", "metadata"});
  if (services) argv.insert(argv.end(), {"--datapath-netns", (*n)->ns});
  auto pid = spawn_background(argv, ag.log + ".out");  // what it prints before its log is open
  if (!pid.ok()) return pid.error();
  ag.pid = *pid;
  (*c)->agents.push_back(ag);
  last_display_ = "neutrino-agent --config-file openvswitch_agent.ini --server-url " +
                  (*c)->api.url() + " --rundir " + (*n)->rundir;
  return std::string();
}

// openstack ARGS...: the real CLI against the lab's server, as in the emulated lab.
Result<std::string> RealLab::cmd_openstack(const Args& a) {
  auto c = cloud("openstack");
  if (!c.ok()) return c.error();
  return scenario_internal::run_openstack(a.back(), (*c)->api.url(), (*c)->dir);
}

// instance NAME node=NODE network=NET [fixed-ip=IP] [port=PORT]: Nova's port, os-vif's plug,
// a namespace for the instance.
Result<std::string> RealLab::cmd_cloud_instance(const Args& a) {
  auto args = scenario_internal::parse_cloud_instance_args(a);
  if (!args.ok()) return args.error();
  if (instances_.count(args->name)) return make_error("instance " + args->name + " already exists");
  auto c = cloud("instance");
  if (!c.ok()) return c.error();
  Node* n = node_named(args->node);
  if (!n) return make_error("instance: no node named " + args->node, ErrorCode::kNotFound);
  std::string host = n->name, br_int = "br-int";
  for (const CloudAgent& ag : (*c)->agents) {
    if (ag.node == n->name) host = ag.host, br_int = ag.integration_bridge;
  }
  auto p = scenario_internal::nova_port((*c)->api, *args, host);
  if (!p.ok()) return p.error();
  (*c)->nova->register_instance(p->vm_uuid, args->name);
  std::string mtu = std::to_string(p->mtu);
  Instance inst{args->name,        n->name, state_.prefix + "-i-" + args->name, br_int, p->tap,
                p->ip + p->prefix, p->mac};
  NT_TRY(new_namespace(inst.ns));
  state_.targets[inst.name] = LabTarget{"instance", inst.ns, "", "eth0"};
  NT_TRY(run_checked({"ip", "link", "add", "eth0", "netns", inst.ns, "type", "veth", "peer", "name",
                      p->tap, "netns", n->ns}));
  NT_TRY(ip(n->ns, {"link", "set", p->tap, "mtu", mtu, "up"}));
  // os-vif's ovs plug: the bridge if missing, then the tap with the external_ids agents follow.
  NT_TRY(run_checked(tool_argv(*n, "nvs-vsctl", {"--may-exist", "add-br", br_int})));
  NT_TRY(run_checked(
      tool_argv(*n, "nvs-vsctl",
                {"--", "--may-exist", "add-port", br_int, p->tap, "--", "set", "Interface", p->tap,
                 "external_ids:iface-id=" + p->port_id, "external_ids:attached-mac=" + p->mac,
                 "external_ids:iface-status=active", "external_ids:vm-uuid=" + p->vm_uuid})));
  n->port_bridge[p->tap] = br_int;
  NT_TRY(wait_port_up(*n, p->tap));
  // The instance's side, as cirros configures it from the metadata: brought up last with
  // arp_notify on, so Linux announces the address once the switch port is there.
  std::string out = scenario_internal::nova_instance_line(args->name, n->name, *p);
  (*c)->ports.push_back(p->port_id);
  if (args->dhcp) {  // cirros at boot: the image's MTU, then udhcpc once the port is wired
    NT_TRY(ip(inst.ns, {"link", "set", "eth0", "address", p->mac, "up"}));
    NT_TRY(settle_cloud());
    auto lease = dhcp_client(inst);
    if (!lease.ok()) return lease.error();
    out += *lease;
  } else {
    NT_TRY(ip(inst.ns, {"link", "set", "eth0", "address", p->mac, "mtu", mtu}));
    NT_TRY(ip(inst.ns, {"addr", "add", inst.cidr, "dev", "eth0"}));
    NT_TRY(run_checked(
        {"ip", "netns", "exec", inst.ns, "sysctl", "-qw", "net.ipv4.conf.eth0.arp_notify=1"}));
    NT_TRY(ip(inst.ns, {"link", "set", "eth0", "up"}));
    if (!p->gateway.empty()) NT_TRY(ip(inst.ns, {"route", "add", "default", "via", p->gateway}));
  }
  instances_[inst.name] = inst;
  NT_TRY(save_lab_state(state_));
  last_display_ = "nvs-vsctl -- --may-exist add-port " + br_int + " " + p->tap +
                  " -- set Interface " + p->tap + " external_ids:iface-id=" + p->port_id + " ...";
  return out;
}

namespace {

// The service namespaces of one kind under a state_path ("dhcp" -> qdhcp-<id>, "l3" ->
// qrouter-<id>) that exist now.
std::vector<std::string> service_namespaces(const std::string& state_path, const std::string& kind,
                                            const std::string& prefix) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(state_path + "/" + kind, ec)) {
    std::string ns = prefix + e.path().filename().string();
    if (std::filesystem::exists("/run/netns/" + ns, ec)) out.push_back(ns);
  }
  return out;
}

}  // namespace

// netns / dnsmasq [NETWORK [FILE]] / ip qdhcp-NETWORK|qrouter-ROUTER addr|route / iptables
// qrouter-ROUTER [-t TABLE] -S: the current node's DHCP services and routers, read from the
// namespaces, the running dnsmasq and its files, and iptables in the router's namespace.
Result<std::string> RealLab::cmd_services(const Args& a) {
  auto c = cloud(a[0]);
  if (!c.ok()) return c.error();
  auto n = node();
  if (!n.ok()) return n.error();
  const CloudAgent* ag = nullptr;
  for (const CloudAgent& x : (*c)->agents) {
    if (x.node == (*n)->name) ag = &x;
  }
  if (auto e =
          scenario_internal::service_role_missing(a, ag && ag->dhcp, ag && ag->l3, (*n)->name)) {
    return make_error(*e);
  }
  if (scenario_internal::router_service_line(a)) return router_view(a);
  const std::string& state_path = ag->state_path;
  std::error_code ec;
  if (a[0] == "netns") {
    std::vector<std::string> lines = service_namespaces(state_path, "dhcp", "qdhcp-");
    for (auto& ns : service_namespaces(state_path, "l3", "qrouter-")) lines.push_back(ns);
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
  }
  if (a[0] == "dnsmasq" && a.size() == 1) {
    std::vector<std::string> lines;
    for (const auto& e : std::filesystem::directory_iterator(state_path + "/dhcp", ec)) {
      int pid = agent::dnsmasq_pid(e.path().string());
      std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline");
      std::string cmdline((std::istreambuf_iterator<char>(in)), {});
      if (!cmdline.empty() && cmdline.back() == '\0') cmdline.pop_back();
      std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
      if (pid > 0) lines.push_back(cmdline);
    }
    std::sort(lines.begin(), lines.end());
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
  }
  std::string ns = a[0] == "ip" ? a[1] : "qdhcp-" + a[1];
  auto id = scenario_internal::dhcp_namespace_network((*c)->api, ns);
  if (!id || !id->ok()) return id ? id->error() : make_error(ns + ": not a service namespace");
  if (a[0] == "ip") {
    return run_checked(
        {"ip", "netns", "exec", "qdhcp-" + **id, "busybox", "ip", a.size() > 2 ? a[2] : "addr"});
  }
  auto file = scenario_internal::dnsmasq_file_arg(a);
  if (!file.ok()) return file.error();
  std::ifstream in(state_path + "/dhcp/" + **id + "/" + *file);
  if (!in) return make_error("dnsmasq: no " + *file + " file for network " + **id);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

// ip qrouter-ROUTER addr|route, iptables qrouter-ROUTER [-t TABLE] -S, in the namespace.
Result<std::string> RealLab::router_view(const Args& a) {
  auto id = scenario_internal::router_namespace_router(cloud_->api, a[1]);
  if (!id->ok()) return id->error();
  std::string ns = "qrouter-" + **id;
  if (access(("/run/netns/" + ns).c_str(), F_OK) != 0) {
    return make_error(ns + ": no such namespace here");
  }
  if (a[0] == "ip") {
    return run_checked({"ip", "netns", "exec", ns, "busybox", "ip", a.size() > 2 ? a[2] : "addr"});
  }
  auto table = scenario_internal::iptables_table_arg(a);
  if (!table.ok()) return table.error();
  return run_checked({"ip", "netns", "exec", ns, "iptables", "-t", *table, "-S"});
}

Result<std::string> RealLab::cloud_pending(std::string& fingerprint) {
  Cloud& c = *cloud_;
  for (CloudAgent& ag : c.agents) {
    int status = 0;
    if (ag.pid > 0 && ::waitpid(ag.pid, &status, WNOHANG) == ag.pid) {
      ag.pid = -1;
      return make_error("neutrino-agent on " + ag.node + " exited" + log_tail(ag.log + ".out") +
                        log_tail(ag.log));
    }
  }
  auto agents = c.api.request("GET", "/v2.0/agents");
  if (!agents.ok()) return "the server: " + agents.error().message;
  for (const CloudAgent& ag : c.agents) {
    bool alive = false;
    for (const auto& a : (*agents)["agents"]) {
      alive = alive || (a.value("host", "") == ag.host && a.value("alive", false));
    }
    if (!alive) return "the agent on " + ag.node + " has not reported to the server";
  }
  for (const std::string& id : c.ports) {
    auto p = c.api.request("GET", "/v2.0/ports/" + id);
    if (!p.ok() && p.error().code == ErrorCode::kNotFound) continue;  // deleted since
    if (!p.ok()) return "the server: " + p.error().message;
    std::string status = (*p)["port"].value("status", "");
    if (status != "ACTIVE") return "port " + id + " is " + status;
  }
  fingerprint.clear();
  for (const CloudAgent& ag : c.agents) {
    Node* n = node_named(ag.node);
    auto brs = run_checked(tool_argv(*n, "nvs-vsctl", {"list-br"}));
    if (!brs.ok()) return brs.error();
    if (("\n" + *brs).find("\n" + ag.integration_bridge + "\n") == std::string::npos) {
      return ag.integration_bridge + " is not on " + ag.node + " yet";
    }
    auto show = run_checked(tool_argv(*n, "nvs-vsctl", {"show"}));
    if (!show.ok()) return show.error();
    fingerprint += *show;
    std::istringstream lines(*brs);
    for (std::string br; std::getline(lines, br);) {
      if (trim(br).empty()) continue;
      auto flows = run_checked(tool_argv(*n, "nvs-ofctl", {"dump-flows", "--no-stats", br}));
      if (!flows.ok()) return flows.error();
      fingerprint += *flows;
    }
  }
  return std::string();
}

// The real lab's settling: the agents run on their own, so the lab waits until what they do
// shows — each reported alive, its integration bridge made, every instance's port ACTIVE —
// and their nodes' ports and flows stay the same over kStableSamples samples (the l2population
// changes a port brings to the other nodes land within those).
Status RealLab::settle_cloud() {
  if (!cloud_ || cloud_->agents.empty()) return ok_status();
  auto deadline = std::chrono::steady_clock::now() + kSettleTimeout;
  std::string last, why;
  int same = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    std::string fingerprint;
    auto pending = cloud_pending(fingerprint);
    if (!pending.ok()) return pending.error();
    why = *pending;
    if (!why.empty()) {
      same = 0;
    } else if (same > 0 && fingerprint == last) {
      if (++same >= kStableSamples) return ok_status();
    } else {
      same = 1;
      last = fingerprint;
      why = "the agents' ports and flows are still changing";
    }
    sleep_ms(kSampleMs);
  }
  return make_error("the agents did not settle within " + std::to_string(kSettleTimeout.count()) +
                    " s: " + why);
}

void RealLab::stop_cloud() {
  if (!cloud_) return;
  for (CloudAgent& ag : cloud_->agents) {
    if (ag.pid > 0) stop_process(ag.pid, SIGTERM, 3000);
    ag.pid = -1;
  }
}

// metadata NAME PATH: `busybox wget -qO- http://169.254.169.254PATH` in the instance.
Result<std::string> RealLab::cmd_metadata(const Args& a) {
  auto line = scenario_internal::parse_metadata_line(a);
  if (!line.ok()) return line.error();
  auto it = instances_.find(line->instance);
  if (it == instances_.end()) {
    return make_error("metadata: no instance named " + line->instance, ErrorCode::kNotFound);
  }
  std::string url = std::string("http://") + scenario_internal::kMetadataAddress + line->path;
  last_display_ = "ip netns exec " + it->second.ns + " busybox wget -qO- " + url;
  // No -T: Debian 12's busybox wget crashes with it; the run's own timeout bounds it.
  auto r = run_process({"ip", "netns", "exec", it->second.ns, "busybox", "wget", "-qO-", url}, "",
                       kMetadataTimeoutS);
  if (!r.ok()) return r.error();
  if (r->exit_code != 0) return make_error(std::string(trim(r->output)));
  return scenario_internal::metadata_output(r->output);
}

}  // namespace nt::lab
