// RealLab: namespaces, veth pairs, daemons and captures — the building blocks the commands
// (real_lab_cmds.cc) are made of — and the dispatch of scenario commands.
#include "lab/real_lab.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/process.h"
#include "common/strings.h"
#include "scenario/lab_common.h"
#include "scenario/runner_util.h"

namespace nt::lab {
namespace {

namespace fs = std::filesystem;

using scenario_internal::rest_after;
using scenario_internal::words;

bool file_contains(const std::string& path, const std::string& text) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str().find(text) != std::string::npos;
}

}  // namespace

std::string real_lab_unavailable() {
  if (::geteuid() != 0) return "the real lab needs root (network namespaces)";
  for (const char* prog : {"ip", "tcpdump", "busybox"}) {
    auto r = run_process({"sh", "-c", std::string("command -v ") + prog});
    if (!r.ok() || r->exit_code != 0) return std::string("'") + prog + "' is not installed";
  }
  std::string probe = "nlprobe" + std::to_string(::getpid());
  auto r = run_process({"ip", "netns", "add", probe});
  if (!r.ok() || r->exit_code != 0) return "cannot create network namespaces here";
  (void)run_process({"ip", "netns", "del", probe});
  return "";
}

RealLab::RealLab(RealLabOptions opts) : opts_(std::move(opts)) {
  state_.prefix = "nl" + std::to_string(::getpid());
  state_.name = opts_.name.empty() ? state_.prefix : opts_.name;
  state_.tools_dir = opts_.tools_dir;
  underlay_ns_ = state_.prefix + "-underlay";
}

RealLab::~RealLab() {
  if (!opts_.keep) teardown();
}

void RealLab::teardown() {
  stop_cloud();
  for (auto& [key, c] : captures_) {
    if (c.pid > 0) stop_process(c.pid, SIGINT, 1000);
    std::erase(state_.pids, c.pid);  // stopped and reaped: not again
    c.pid = -1;
  }
  // What is left (udhcpd, nc listeners, TCP clients; connections closed were reaped and
  // removed) teardown_lab stops: a program in a deleted namespace outlives it.
  for (const std::string& why : teardown_lab(state_)) {
    std::fprintf(stderr, "neutrino lab: could not remove %s\n", why.c_str());
  }
  std::error_code ec;
  fs::remove(lab_state_path(state_.name), ec);
  state_.namespaces.clear();
  state_.rundirs.clear();
  state_.files.clear();
}

// --- Building blocks -------------------------------------------------------------------------

Result<std::string> RealLab::ip(const std::string& ns, Args args) {
  Args argv = {"ip"};
  if (!ns.empty()) argv.insert(argv.end(), {"-n", ns});
  argv.insert(argv.end(), args.begin(), args.end());
  return run_checked(argv);
}

// A fresh namespace with loopback up and IPv6 off, so the only traffic is what the lab sends
// (no router solicitations or duplicate-address probes in captures and MAC tables).
Status RealLab::new_namespace(const std::string& ns) {
  NT_TRY(run_checked({"ip", "netns", "add", ns}));
  state_.namespaces.push_back(ns);
  NT_TRY(save_lab_state(state_));
  NT_TRY(run_checked({"ip", "netns", "exec", ns, "sysctl", "-qw",
                      "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"}));
  NT_TRY(ip(ns, {"link", "set", "lo", "up"}));
  return ok_status();
}

// A veth pair created straight inside its two namespaces (never in the machine's own).
Status RealLab::veth(const std::string& ns1, const std::string& if1, const std::string& ns2,
                     const std::string& if2) {
  NT_TRY(run_checked(
      {"ip", "link", "add", if1, "netns", ns1, "type", "veth", "peer", "name", if2, "netns", ns2}));
  NT_TRY(ip(ns1, {"link", "set", if1, "up"}));
  NT_TRY(ip(ns2, {"link", "set", if2, "up"}));
  return ok_status();
}

Result<RealLab::Segment*> RealLab::segment(const std::string& name, bool create) {
  auto it = segments_.find(name);
  if (it != segments_.end()) return &it->second;
  if (!create) return make_error("no segment named " + name, ErrorCode::kNotFound);
  if (segments_.empty()) NT_TRY(new_namespace(underlay_ns_));
  Segment s;
  s.name = name;
  s.bridge = name.size() <= 15 && name.find_first_of("/ :") == std::string::npos
                 ? name
                 : "seg" + std::to_string(segments_.size());
  NT_TRY(ip(underlay_ns_, {"link", "add", s.bridge, "type", "bridge", "stp_state", "0"}));
  NT_TRY(ip(underlay_ns_, {"link", "set", s.bridge, "up"}));
  state_.targets[name] = LabTarget{"segment", underlay_ns_, "", s.bridge};
  NT_TRY(save_lab_state(state_));
  segment_order_.push_back(name);
  return &segments_.emplace(name, s).first->second;
}

Result<RealLab::Node*> RealLab::node() {
  if (!current_) return make_error("no node yet: start with `node NAME`");
  return current_;
}

Result<RealLab::Instance*> RealLab::instance(const std::string& name) {
  auto it = instances_.find(name);
  if (it == instances_.end()) return make_error("no instance named " + name, ErrorCode::kNotFound);
  return &it->second;
}

RealLab::Args RealLab::tool_argv(const Node& n, const std::string& tool, const Args& args) const {
  Args argv = {
      "ip", "netns", "exec", n.ns, "env", "NVS_RUNDIR=" + n.rundir, opts_.tools_dir + "/" + tool};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

// Waits until the node's daemon has the port up (its device found, ofport assigned).
Status RealLab::wait_port_up(Node& n, const std::string& port) {
  std::string last;
  for (int i = 0; i < 100; ++i) {
    auto r = run_process(tool_argv(n, "nvs-vsctl", {"get", "Interface", port, "link_state"}));
    if (r.ok() && r->exit_code == 0 && trim(r->output) == "up") return ok_status();
    last = r.ok() ? std::string(trim(r->output)) : r.error().message;
    sleep_ms(50);
  }
  auto err = run_process(tool_argv(n, "nvs-vsctl", {"get", "Interface", port, "error"}));
  return make_error("port " + port + " on " + n.name + " did not come up (link_state " + last +
                    (err.ok() ? ", error " + std::string(trim(err->output)) : "") + ")");
}

// tcpdump on `ifname` in `ns`, writing every frame at once (-U, immediate mode) to a pcap.
Result<RealLab::Capture*> RealLab::start_capture(const std::string& key, const std::string& ns,
                                                 const std::string& ifname,
                                                 const std::string& direction) {
  auto it = captures_.find(key);
  if (it != captures_.end() && it->second.pid > 0) return &it->second;
  Capture c;
  std::string base = "/tmp/" + state_.prefix + "-cap" + std::to_string(capture_seq_++);
  c.pcap = base + ".pcap";
  c.log = base + ".log";
  state_.files.insert(state_.files.end(), {c.pcap, c.log});
  Args argv = {"ip", "netns", "exec", ns, "tcpdump", "-i", ifname, "-n", "--immediate-mode",
               "-U", "-w",    c.pcap};
  if (!direction.empty()) argv.insert(argv.end(), {"-Q", direction});
  auto pid = spawn_background(argv, c.log);
  if (!pid.ok()) return pid.error();
  c.pid = *pid;
  state_.pids.push_back(c.pid);
  NT_TRY(save_lab_state(state_));
  for (int i = 0; i < 100 && !file_contains(c.log, "listening on"); ++i) sleep_ms(50);
  if (!file_contains(c.log, "listening on")) {
    return make_error("tcpdump on " + ifname + " did not start: " + c.log);
  }
  captures_[key] = c;
  return &captures_[key];
}

// Frames reach a -U capture file within a moment of crossing the wire; give them that moment.
void RealLab::flush_capture(const Capture&) const { sleep_ms(300); }

// --- The scenario language -------------------------------------------------------------------

std::string RealLab::prompt() const { return current_ ? "[" + current_->name + "]$ " : "$ "; }

std::string RealLab::display(const std::string& command) const {
  return last_display_.empty() ? command : last_display_;
}

// `trace BR FLOW [-generate]` as nvs-appctl ofproto/trace's arguments.
static std::vector<std::string> trace_args(const CommandCall& c) {
  std::string flow = c.args.back();
  std::vector<std::string> args = {"ofproto/trace", c.args.size() > 2 ? c.args[1] : ""};
  if (size_t g = flow.find(" -generate"); g != std::string::npos) {
    flow.erase(g);
    args.push_back(flow);
    args.push_back("-generate");
  } else {
    args.push_back(flow);
  }
  return args;
}

static Error not_here(const std::string& what, const std::string& why) {
  return make_error(what + " is not available in the real lab (" + why + ")",
                    ErrorCode::kUnsupported);
}

const RealLab::Bindings& RealLab::bindings() {
  using R = RealLab;
  using C = CommandCall;
  auto flows = [](R& r, const C& c) {
    return r.cmd_flows(Args(c.args.begin(), c.args.end() - 1), c.args.back(), c.body);
  };
  static const Bindings kBindings = {{
      {"segment", [](R& r, const C& c) { return r.cmd_segment(c.args); }},
      {"node", [](R& r, const C& c) { return r.cmd_node(c.args); }},
      {"nic", [](R& r, const C& c) { return r.cmd_nic(c.args); }},
      {"add-br", [](R& r, const C& c) { return r.cmd_add_br(c.args); }},
      {"add-port", [](R& r, const C& c) { return r.cmd_add_port(c.args); }},
      {"vsctl",
       [](R& r, const C& c) {
         return r.cmd_tool("nvs-vsctl", Args(c.args.begin() + 1, c.args.end()));
       }},
      {"ofctl",
       [](R& r, const C& c) -> Result<std::string> {
         Args args(c.args.begin() + 1, c.args.end());
         NT_TRY(scenario_internal::ofctl_check_read_only(args));
         return r.cmd_tool("nvs-ofctl", args);
       }},
      {"add-flow", flows},
      {"add-flows", flows},
      {"mod-flows", flows},
      {"del-flows", flows},
      {"del-flows-strict", flows},
      {"dump-flows", [](R& r, const C& c) { return r.cmd_tool("nvs-ofctl", c.args); }},
      {"trace", [](R& r, const C& c) { return r.cmd_tool("nvs-appctl", trace_args(c)); }},
      {"inject",
       [](R&, const C&) -> Result<std::string> {
         return not_here("inject", "use an instance or `receive`");
       }},
      {"receive",
       [](R& r, const C& c) -> Result<std::string> {
         if (c.args.size() < 4) return make_error("usage: receive BRIDGE PORT HEX");
         return r.cmd_tool("nvs-appctl", {"netdev-dummy/receive", c.args[2], c.args[3]});
       }},
      {"sent", [](R& r, const C& c) { return r.cmd_sent(c.args, false, false); }},
      {"sent-count", [](R& r, const C& c) { return r.cmd_sent(c.args, true, false); }},
      {"clear-sent", [](R& r, const C& c) { return r.cmd_sent(c.args, false, true); }},
      {"link", [](R& r, const C& c) { return r.cmd_link(c.args); }},
      {"capture-underlay", [](R& r, const C& c) { return r.cmd_capture(c.args); }},
      {"underlay", [](R& r, const C& c) { return r.cmd_underlay(c.args, false); }},
      {"tcpdump-underlay", [](R& r, const C& c) { return r.cmd_underlay(c.args, true); }},
      {"instance", [](R& r, const C& c) { return r.cmd_instance(c.args); }},
      {"dhcp-server", [](R& r, const C& c) { return r.cmd_dhcp_server(c.args); }},
      {"ping", [](R& r, const C& c) { return r.cmd_ping(c.args); }},
      {"traceroute", [](R& r, const C& c) { return r.cmd_ping(c.args); }},
      {"listen", [](R& r, const C& c) { return r.cmd_tcp(c.args); }},
      {"connect", [](R& r, const C& c) { return r.cmd_tcp(c.args); }},
      {"send", [](R& r, const C& c) { return r.cmd_tcp(c.args); }},
      {"close", [](R& r, const C& c) { return r.cmd_tcp(c.args); }},
      {"metadata", [](R& r, const C& c) { return r.cmd_metadata(c.args); }},
      {"ip",
       [](R& r, const C& c) {
         if (c.args.size() > 1 &&
             (c.args[1].rfind("qdhcp-", 0) == 0 || c.args[1].rfind("qrouter-", 0) == 0)) {
           return r.cmd_services(c.args);
         }
         return r.cmd_instance_show(c.args);
       }},
      {"arp", [](R& r, const C& c) { return r.cmd_instance_show(c.args); }},
      {"fdb",
       [](R& r, const C& c) {
         return r.cmd_tool("nvs-appctl", {"fdb/show", c.args.size() > 1 ? c.args[1] : ""});
       }},
      {"dpctl", [](R& r, const C&) { return r.cmd_tool("nvs-appctl", {"dpctl/dump-flows"}); }},
      {"conntrack",
       [](R& r, const C& c) {
         Args args{"dpctl/dump-conntrack"};
         args.insert(args.end(), c.args.begin() + 1, c.args.end());
         return r.cmd_tool("nvs-appctl", args);
       }},
      {"coverage", [](R& r, const C&) { return r.cmd_tool("nvs-appctl", {"coverage/show"}); }},
      {"advance",
       [](R&, const C&) -> Result<std::string> {
         return not_here("advance", "it runs on the wall clock");
       }},
      {"run", [](R&, const C&) -> Result<std::string> { return std::string(); }},  // daemons run
      // The control plane: neutrino-server, neutrino-agent, the openstack CLI (real_lab_cloud.cc).
      {"server", [](R& r, const C& c) { return r.cmd_server(c.args, c.body); }},
      {"agent", [](R& r, const C& c) { return r.cmd_agent(c.args, c.body); }},
      {"openstack", [](R& r, const C& c) { return r.cmd_openstack(c.args); }},
      {"netns", [](R& r, const C& c) { return r.cmd_services(c.args); }},
      {"dnsmasq", [](R& r, const C& c) { return r.cmd_services(c.args); }},
      {"iptables", [](R& r, const C& c) { return r.cmd_services(c.args); }},
      {"graph", [](R& r, const C& c) { return r.cmd_graph(c.args); }},
  }};
  return kBindings;
}

std::vector<std::string_view> RealLab::bound_commands() {
  std::vector<std::string_view> out;
  for (const auto& b : bindings()) out.push_back(b.name);
  return out;
}

Result<std::string> RealLab::execute(const std::string& command,
                                     const std::vector<std::string>& body) {
  last_display_.clear();
  auto r = dispatch_command(*this, bindings(), "real lab", command, body);
  // After a line that may change what the agents act on (the cloud lines, the node's ports and
  // flows), they apply it before the next line looks, as the emulated lab runs them until they
  // settle. Lines that only look or send traffic need no wait.
  static const std::set<std::string, std::less<>> kChanging = {
      "server",   "agent",    "openstack", "instance",  "vsctl",     "add-br",
      "add-port", "add-flow", "add-flows", "mod-flows", "del-flows", "del-flows-strict",
      "nic",      "link"};
  std::string verb = command.substr(0, command.find(' '));
  if (r.ok() && kChanging.count(verb)) NT_TRY(settle_cloud());
  return r;
}

}  // namespace nt::lab
