#include "scenario/runner.h"

#include <cstdio>
#include <sstream>

#include "common/strings.h"
#include "packet/build.h"
#include "packet/parse.h"
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
      {"coverage", "nvs-appctl coverage/show"},
      {"receive", "nvs-appctl netdev-dummy/receive"},
  };
  auto w = words(command);
  if (w.empty()) return command;
  auto it = kTools.find(w[0]);
  if (it == kTools.end()) return command;
  return it->second + command.substr(w[0].size());
}

Result<std::string> ScenarioRunner::execute(const std::string& command,
                                            const std::vector<std::string>& body) {
  Args a = words(command);
  if (a.empty()) return std::string();
  const std::string& c = a[0];
  if (c == "node") return cmd_node(a);
  if (c == "add-br") return cmd_add_br(a);
  if (c == "add-port") return cmd_add_port(a);
  if (c == "vsctl") return cmd_vsctl(a);
  if (c == "ofctl") return cmd_ofctl(a);
  if (c == "add-flow" || c == "add-flows" || c == "mod-flows" || c == "del-flows" ||
      c == "del-flows-strict") {
    Args full = a;
    full.push_back(rest_after(command, 2));
    return cmd_flows(full, body);
  }
  if (c == "dump-flows") return cmd_dump_flows(a);
  if (c == "trace") {
    Args full = a;
    full.push_back(rest_after(command, 2));
    auto r = cmd_trace(full);
    settle();  // -generate really sent the packet
    return r;
  }
  if (c == "inject") {
    Args full = a;
    full.push_back(rest_after(command, 3));
    auto r = cmd_inject(full);
    settle();
    return r;
  }
  if (c == "segment") return cmd_segment(a);
  if (c == "nic") return cmd_nic(a);
  if (c == "capture-underlay") return cmd_capture(a);
  if (c == "tcpdump-underlay") return cmd_tcpdump(a);
  if (c == "underlay") return cmd_underlay(a);
  if (c == "instance") return cmd_instance(a);
  if (c == "dhcp-server") return cmd_dhcp_server(a);
  if (c == "ping" || c == "traceroute") return cmd_ping(a, c == "traceroute");
  if (c == "ip" || c == "arp") return cmd_instance_show(a);
  if (c == "graph") return cmd_graph(a);
  if (c == "sent") return cmd_sent(a, false);
  if (c == "sent-count") return cmd_sent(a, true);
  return cmd_inspect(a);
}

}  // namespace nt
