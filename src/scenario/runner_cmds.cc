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

Result<uint16_t> parse_vid(const std::string& key, const std::string& v) {
  auto n = parse_uint(v, 12);
  if (!n) return make_error(key + ": '" + v + "' is not a VLAN ID (0-4095)");
  return static_cast<uint16_t>(*n);
}

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
  auto r = sw().add_bridge(a[1], a.size() > 2 && a[2] == "secure");
  if (!r.ok()) return r.error();
  NT_TRY(configure(*current_, scenario_internal::vsctl_add_br_args(a)));
  return std::string();
}

Result<std::string> ScenarioRunner::cmd_add_port(const Args& a, bool device) {
  if (a.size() < 3) return usage("add-port BRIDGE PORT [type=T] [ofport=N] [tag=N] [K=V]...");
  PortSpec spec;
  spec.name = a[2];
  for (size_t i = 3; i < a.size(); ++i) {
    auto [k, v] = split_kv(a[i]);
    if (k == "type") {
      auto type = parse_port_type(spec.name, v);
      if (!type.ok()) return type.error();
      spec.type = *type;
    } else if (k == "ofport") {
      auto n = parse_uint(v, 16);
      if (!n) return make_error("ofport: '" + v + "' is not a port number");
      spec.ofport_request = static_cast<uint32_t>(*n);
    } else if (k == "tag") {
      auto vid = parse_vid(k, v);
      if (!vid.ok()) return vid.error();
      spec.vlan.tag = *vid;
    } else if (k == "trunks") {
      for (std::string_view t : split_top_level(v, ',')) {
        auto vid = parse_vid(k, std::string(t));
        if (!vid.ok()) return vid.error();
        spec.vlan.trunks.push_back(*vid);
      }
    } else if (k == "vlan_mode") {
      auto m = parse_vlan_mode(v);
      if (!m.ok()) return m.error();
      spec.vlan.mode = *m;
    } else if (k == "mac") {
      auto mac = scenario_internal::parse_lab_mac(v);
      if (!mac.ok()) return mac.error();
      spec.mac = *mac;
    } else {
      spec.options[k] = v;
    }
  }
  auto r = sw().add_port(a[1], spec);
  if (!r.ok()) return r.error();
  // No type and named like one of the node's NICs: the NIC itself, enslaved to the bridge.
  NodeNic* nic = find_nic(*current_, spec.name);
  auto vsctl = scenario_internal::vsctl_add_port_args(a, device || nic);
  NT_TRY(configure(*current_, vsctl.argv));
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
