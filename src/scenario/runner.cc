#include "scenario/runner.h"

#include <array>
#include <cstdio>
#include <sstream>

#include "common/strings.h"
#include "packet/build.h"
#include "packet/parse.h"
#include "scenario/commands.h"
#include "scenario/runner_util.h"

namespace nt {
namespace {

using scenario_internal::rest_after;
using scenario_internal::split_kv;
using scenario_internal::usage;
using scenario_internal::words;

}  // namespace

ScenarioRunner::ScenarioRunner() {
  periodic_.set_callback([this] {
    for (auto& n : nodes_) n->sw->run();
    sched_.arm_in(periodic_, kUsPerSec);
  });
  sched_.arm_in(periodic_, kUsPerSec);
}

ScenarioRunner::~ScenarioRunner() {
  cloud_.reset();      // agents (they program the nodes) and the server first
  tcp_conns_.clear();  // connections before their hosts
  tcp_closing_.clear();
  instances_.clear();  // hosts first: their timers live on the scheduler
  for (auto& [key, c] : captures_) {
    c.pcap.close();
    std::remove(c.path.c_str());
  }
}

Switch& ScenarioRunner::sw() {
  if (!current_) current_ = &new_node("");
  return *current_->sw;
}

std::string ScenarioRunner::prompt() const {
  return current_ && !current_->name.empty() ? "[" + current_->name + "]$ " : "$ ";
}

std::string ScenarioRunner::display(const std::string& command) const {
  static const std::map<std::string, std::string> kTools = {
      {"add-br", "nvs-vsctl add-br"},
      {"add-port", "nvs-vsctl add-port"},
      {"vsctl", "nvs-vsctl"},
      {"ofctl", "nvs-ofctl"},
      {"add-flow", "nvs-ofctl add-flow"},
      {"add-flows", "nvs-ofctl add-flows"},
      {"mod-flows", "nvs-ofctl mod-flows"},
      {"del-flows", "nvs-ofctl del-flows"},
      {"del-flows-strict", "nvs-ofctl --strict del-flows"},
      {"dump-flows", "nvs-ofctl dump-flows"},
      {"trace", "nvs-appctl ofproto/trace"},
      {"fdb", "nvs-appctl fdb/show"},
      {"dpctl", "nvs-appctl dpctl/dump-flows"},
      {"conntrack", "nvs-appctl dpctl/dump-conntrack"},
      {"coverage", "nvs-appctl coverage/show"},
      {"receive", "nvs-appctl netdev-dummy/receive"},
  };
  auto w = words(command);
  if (w.empty()) return command;
  auto it = kTools.find(w[0]);
  if (it == kTools.end()) return command;
  return it->second + command.substr(w[0].size());
}

const ScenarioRunner::Bindings& ScenarioRunner::bindings() {
  using R = ScenarioRunner;
  using C = CommandCall;
  static const Bindings kBindings = {{
      {"segment", [](R& r, const C& c) { return r.cmd_segment(c.args); }},
      {"node", [](R& r, const C& c) { return r.cmd_node(c.args); }},
      {"nic", [](R& r, const C& c) { return r.cmd_nic(c.args); }},
      {"add-br", [](R& r, const C& c) { return r.cmd_add_br(c.args); }},
      {"add-port", [](R& r, const C& c) { return r.cmd_add_port(c.args); }},
      {"vsctl", [](R& r, const C& c) { return r.cmd_vsctl(c.args); }},
      {"ofctl", [](R& r, const C& c) { return r.cmd_ofctl(c.args); }},
      {"add-flow", [](R& r, const C& c) { return r.cmd_flows(c.args, c.body); }},
      {"add-flows", [](R& r, const C& c) { return r.cmd_flows(c.args, c.body); }},
      {"mod-flows", [](R& r, const C& c) { return r.cmd_flows(c.args, c.body); }},
      {"del-flows", [](R& r, const C& c) { return r.cmd_flows(c.args, c.body); }},
      {"del-flows-strict", [](R& r, const C& c) { return r.cmd_flows(c.args, c.body); }},
      {"dump-flows", [](R& r, const C& c) { return r.cmd_dump_flows(c.args); }},
      {"trace", [](R& r, const C& c) { return r.settled(r.cmd_trace(c.args)); }},  // -generate
      {"inject", [](R& r, const C& c) { return r.settled(r.cmd_inject(c.args)); }},
      {"receive", [](R& r, const C& c) { return r.cmd_inspect(c.args); }},
      {"sent", [](R& r, const C& c) { return r.cmd_sent(c.args, false); }},
      {"sent-count", [](R& r, const C& c) { return r.cmd_sent(c.args, true); }},
      {"clear-sent", [](R& r, const C& c) { return r.cmd_inspect(c.args); }},
      {"link", [](R& r, const C& c) { return r.cmd_link(c.args); }},
      {"capture-underlay", [](R& r, const C& c) { return r.cmd_capture(c.args); }},
      {"underlay", [](R& r, const C& c) { return r.cmd_underlay(c.args); }},
      {"tcpdump-underlay", [](R& r, const C& c) { return r.cmd_tcpdump(c.args); }},
      {"instance", [](R& r, const C& c) { return r.cmd_instance(c.args); }},
      {"dhcp-server", [](R& r, const C& c) { return r.cmd_dhcp_server(c.args); }},
      {"ping", [](R& r, const C& c) { return r.cmd_ping(c.args, false); }},
      {"traceroute", [](R& r, const C& c) { return r.cmd_ping(c.args, true); }},
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
      {"netns", [](R& r, const C& c) { return r.cmd_services(c.args); }},
      {"dnsmasq", [](R& r, const C& c) { return r.cmd_services(c.args); }},
      {"iptables", [](R& r, const C& c) { return r.cmd_services(c.args); }},
      {"arp", [](R& r, const C& c) { return r.cmd_instance_show(c.args); }},
      {"fdb", [](R& r, const C& c) { return r.cmd_inspect(c.args); }},
      {"dpctl", [](R& r, const C& c) { return r.cmd_inspect(c.args); }},
      {"conntrack", [](R& r, const C& c) { return r.cmd_inspect(c.args); }},
      {"coverage", [](R& r, const C& c) { return r.cmd_inspect(c.args); }},
      {"advance", [](R& r, const C& c) { return r.cmd_inspect(c.args); }},
      {"run", [](R& r, const C& c) { return r.cmd_inspect(c.args); }},
      {"graph", [](R& r, const C& c) { return r.cmd_graph(c.args); }},
      {"server", [](R& r, const C& c) { return r.cmd_server(c.args, c.body); }},
      {"agent", [](R& r, const C& c) { return r.cmd_agent(c.args, c.body); }},
      {"openstack", [](R& r, const C& c) { return r.cmd_openstack(c.args); }},
  }};
  return kBindings;
}

Result<std::string> ScenarioRunner::execute(const std::string& command,
                                            const std::vector<std::string>& body) {
  Result<std::string> r = dispatch_command(*this, bindings(), "emulated lab", command, body);
  // A lab with agents: they see what the command changed and converge before anyone looks.
  Status settled = settle_each_command_ ? settle_agents() : ok_status();
  if (!settled.ok()) {
    return make_error((r.ok() ? "" : r.error().message + "; then ") + settled.error().message);
  }
  // What their services sent meanwhile (a router's gratuitous ARP) is on the wire at once, as
  // on real nodes, not held until the next command moves the clock.
  if (settle_each_command_) settle();
  return r;
}

Result<std::string> ScenarioRunner::settled(Result<std::string> r) {
  settle();
  return r;
}

std::vector<std::string_view> ScenarioRunner::bound_commands() {
  std::vector<std::string_view> out;
  for (const auto& b : bindings()) out.push_back(b.name);
  return out;
}

}  // namespace nt
