// ScenarioRunner commands.
#include <sstream>

#include "common/strings.h"
#include "packet/build.h"
#include "packet/parse.h"
#include "scenario/lab_common.h"
#include "scenario/runner.h"
#include "scenario/runner_util.h"

namespace nt {
namespace {

using scenario_internal::split_kv;
using scenario_internal::usage;

}  // namespace

// node NAME [vtep=IP]: vtep=IP is `nic eth1 segment=underlay ip=IP/24` on the implicit
// default segment.
Result<std::string> ScenarioRunner::cmd_node(const Args& a) {
  if (a.size() < 2) return usage("node NAME [vtep=IP]");
  for (auto& n : nodes_) {
    if (n->name == a[1]) {
      current_ = n.get();  // options only apply when the node is created
      return std::string();
    }
  }
  std::optional<uint32_t> vtep;
  for (size_t i = 2; i < a.size(); ++i) {
    auto [k, v] = split_kv(a[i]);
    if (k != "vtep") return make_error("node: unknown option '" + k + "'");
    vtep = ipv4_parse(v);
    if (!vtep) return make_error("node: vtep '" + v + "' is not an IPv4 address");
  }
  current_ = &new_node(a[1]);
  if (!vtep) return std::string();
  return add_nic(*current_, "eth1", default_segment(), std::nullopt, ipv4_to_string(*vtep) + "/24",
                 1500);
}

Result<std::string> ScenarioRunner::cmd_add_br(const Args& a) {
  if (a.size() < 2) return usage("add-br BRIDGE [secure]");
  sw();  // the default node, if the file has named none yet
  NT_TRY(configure(*current_, scenario_internal::vsctl_add_br_args(a)));
  return std::string();
}

// add-port BRIDGE PORT [K=V]...: the nvs-vsctl add-port the real lab runs (lab_common.cc), on
// the node core. No type and named like one of the node's NICs: the NIC itself, enslaved.
Result<std::string> ScenarioRunner::cmd_add_port(const Args& a, bool device) {
  if (a.size() < 3) return usage("add-port BRIDGE PORT [type=T] [ofport=N] [tag=N] [K=V]...");
  sw();
  NodeNic* nic = find_nic(*current_, a[2]);
  auto vsctl = scenario_internal::vsctl_add_port_args(a, device || nic);
  NT_TRY(configure(*current_, vsctl.argv, a[2]));
  if (nic && vsctl.type.empty()) NT_TRY(enslave(*current_, *nic, a[1]));
  return std::string();
}

Result<std::string> ScenarioRunner::cmd_flows(const Args& a, const std::vector<std::string>& body) {
  if (a.size() < 3) return usage(a[0] + " BRIDGE [FLOW]");
  const std::string& c = a[0];
  FlowModCommand cmd = c == "add-flow" || c == "add-flows" ? FlowModCommand::kAdd
                       : c == "mod-flows"                  ? FlowModCommand::kModify
                       : c == "del-flows"                  ? FlowModCommand::kDelete
                                                           : FlowModCommand::kDeleteStrict;
  std::vector<std::string> flows = body;
  if (c != "add-flows") flows = {a.back()};
  for (const std::string& f : flows) {
    Status st = sw().flow_mod_text(a[1], f, cmd);
    if (!st.ok()) return make_error(f + ": " + st.error().message, st.error().code);
  }
  return std::string();
}

Result<std::string> ScenarioRunner::cmd_dump_flows(const Args& a) {
  if (a.size() < 2) return usage("dump-flows BRIDGE [--no-stats] [--names] [MATCH]");
  DumpOptions opts;
  std::string match;
  for (size_t i = 2; i < a.size(); ++i) {
    if (a[i] == "--no-stats") {
      opts.no_stats = true;
    } else if (a[i] == "--names") {
      opts.names = true;
    } else {
      match += (match.empty() ? "" : ",") + a[i];
    }
  }
  Ofproto* br = sw().bridge(a[1]);
  if (!br) return make_error("no bridge named " + a[1], ErrorCode::kNotFound);
  if (match.empty()) return sw().dump_flows(a[1], nullptr, opts);
  auto filter = parse_flow(match, FlowTextMode::kDelete, br);
  if (!filter.ok()) return filter.error();
  return sw().dump_flows(a[1], &*filter, opts);
}

Result<std::string> ScenarioRunner::cmd_trace(const Args& a) {
  if (a.size() < 3) return usage("trace BRIDGE FLOW [-generate]");
  std::string flow = a.back();
  bool generate = false;
  if (size_t g = flow.find(" -generate"); g != std::string::npos) {
    generate = true;
    flow.erase(g);
  }
  return sw().trace(a[1], flow, generate);
}

}  // namespace nt
