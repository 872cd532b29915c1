// RealLab: one method per scenario command, each done with the real programs.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "common/process.h"
#include "common/strings.h"
#include "lab/real_lab.h"
#include "packet/pcap.h"
#include "scenario/lab_common.h"
#include "scenario/runner_util.h"
#include "xlate/switch.h"

namespace nt::lab {
namespace {

using scenario_internal::split_kv;
using scenario_internal::usage;

// The frames of a capture file from index `from` on (a record still being written ends it).
std::vector<std::vector<uint8_t>> read_frames(const std::string& pcap, size_t from) {
  std::vector<std::vector<uint8_t>> out;
  for (PcapRecord& rec : read_pcap_records(pcap, from)) out.push_back(std::move(rec.data));
  return out;
}

}  // namespace

// segment NAME [CIDR]
Result<std::string> RealLab::cmd_segment(const Args& a) {
  if (a.size() < 2) return usage("segment NAME [CIDR]");
  if (segments_.count(a[1])) return make_error("segment " + a[1] + " already exists");
  auto s = segment(a[1], true);
  if (!s.ok()) return s.error();
  if (a.size() > 2) (*s)->cidr = a[2];
  last_display_ = "ip -n " + underlay_ns_ + " link add " + (*s)->bridge + " type bridge";
  return std::string();
}

// node NAME [vtep=IP]: a namespace with its own neutrino-vswitchd.
Result<std::string> RealLab::cmd_node(const Args& a) {
  if (a.size() < 2) return usage("node NAME [vtep=IP]");
  for (auto& n : nodes_) {
    if (n->name == a[1]) {
      current_ = n.get();
      return std::string();
    }
  }
  auto n = std::make_unique<Node>();
  n->name = a[1];
  n->ns = state_.prefix + "-n-" + a[1];
  NT_TRY(new_namespace(n->ns));
  std::string tmpl = "/tmp/" + state_.prefix + "-" + a[1] + ".XXXXXX";
  if (!::mkdtemp(tmpl.data())) return make_error("mkdtemp " + tmpl + " failed");
  n->rundir = tmpl;
  state_.rundirs.push_back(n->rundir);
  state_.targets[n->name] = LabTarget{"node", n->ns, n->rundir, ""};
  NT_TRY(save_lab_state(state_));
  NT_TRY(run_checked({"ip", "netns", "exec", n->ns, "env", "NVS_RUNDIR=" + n->rundir,
                      opts_.tools_dir + "/neutrino-vswitchd", "--detach", "--pidfile", "--log-file",
                      "--enable-dummy"}));
  nodes_.push_back(std::move(n));
  current_ = nodes_.back().get();
  for (size_t i = 2; i < a.size(); ++i) {
    auto [k, v] = split_kv(a[i]);
    if (k != "vtep") return make_error("node: unknown option '" + k + "'");
    if (!ipv4_parse(v)) return make_error("node: vtep '" + v + "' is not an IPv4 address");
    if (!segments_.count(scenario_internal::kVtepSegment))
      NT_TRY(segment(scenario_internal::kVtepSegment, true));
    auto r = cmd_nic({"nic", "eth1", std::string("segment=") + scenario_internal::kVtepSegment,
                      "ip=" + v + "/24"});
    if (!r.ok()) return r.error();
  }
  last_display_ =
      "ip netns exec " + current_->ns + " neutrino-vswitchd --detach --pidfile --enable-dummy";
  return std::string();
}

// nic NAME segment=SEG [ip=CIDR] [mac=MAC]: a veth from the node into the segment's bridge.
Result<std::string> RealLab::cmd_nic(const Args& a) {
  if (a.size() < 3) return usage("nic NAME segment=SEG [ip=A.B.C.D/LEN] [mac=MAC]");
  auto n = node();
  if (!n.ok()) return n.error();
  Nic nic;
  nic.name = a[1];
  for (size_t i = 2; i < a.size(); ++i) {
    auto [k, v] = split_kv(a[i]);
    if (k == "segment")
      nic.segment = v;
    else if (k == "ip")
      nic.cidr = v;
    else if (k == "mac")
      nic.mac = v;
    else
      return make_error("nic: unknown option '" + k + "'");
  }
  for (const Nic& other : (*n)->nics) {
    if (other.name == nic.name) return make_error("nic " + nic.name + " already exists");
  }
  auto seg = segment(nic.segment, false);
  if (!seg.ok()) {
    return make_error("nic: no segment named '" + nic.segment + "' (declare it with `segment`)");
  }
  if (nic.mac.empty())
    nic.mac = scenario_internal::derived_nic_mac((*n)->name, nic.name).to_string();
  nic.peer_ns = underlay_ns_;
  nic.peer_if = "v" + std::to_string(veth_seq_++) + "-" + nic.name;
  if (nic.peer_if.size() > 15) nic.peer_if.resize(15);
  NT_TRY(free_port_name(**n, nic.name));
  NT_TRY(veth((*n)->ns, nic.name, underlay_ns_, nic.peer_if));
  NT_TRY(ip(underlay_ns_, {"link", "set", nic.peer_if, "master", (*seg)->bridge}));
  NT_TRY(ip((*n)->ns, {"link", "set", nic.name, "address", nic.mac}));
  if (!nic.cidr.empty()) NT_TRY(ip((*n)->ns, {"addr", "add", nic.cidr, "dev", nic.name}));
  (*n)->nics.push_back(nic);
  if ((*n)->port_bridge.count(nic.name)) {  // enslaved before it existed: now it is there
    NT_TRY(wait_port_up(**n, nic.name));
    NT_TRY(start_capture("sent/" + (*n)->name + "/" + nic.name, nic.peer_ns, nic.peer_if, "in"));
  }
  last_display_ = "ip link add " + nic.name + " netns " + (*n)->ns + " type veth peer name " +
                  nic.peer_if + " netns " + underlay_ns_;
  return std::string();
}

Result<std::string> RealLab::cmd_add_br(const Args& a) {
  if (a.size() < 2) return usage("add-br BRIDGE [secure]");
  return cmd_tool("nvs-vsctl", scenario_internal::vsctl_add_br_args(a));
}

// add-port BR PORT [type=T] [ofport=N] [tag=N] [trunks=..] [vlan_mode=M] [mac=M] [K=V]...
// A port without a type is the node's device of that name when there is one (a NIC, an
// instance's veth, a cable end); otherwise an internal port (as Neutron's DHCP tap is).
Result<std::string> RealLab::cmd_add_port(const Args& a) {
  if (a.size() < 3) return usage("add-port BRIDGE PORT [type=T] [ofport=N] [tag=N] [K=V]...");
  auto n = node();
  if (!n.ok()) return n.error();
  const std::string& port = a[2];
  bool device = ip((*n)->ns, {"link", "show", port}).ok();
  auto [args, type] = scenario_internal::vsctl_add_port_args(a, device);
  auto r = cmd_tool("nvs-vsctl", args);
  if (!r.ok()) return r;
  (*n)->port_bridge[port] = a[1];
  if (type.empty() || type == "internal") NT_TRY(wait_port_up(**n, port));
  for (const Nic& nic : (*n)->nics) {
    if (nic.name != port) continue;
    // What the port sends is what enters the segment's bridge from this NIC.
    auto c = start_capture("sent/" + (*n)->name + "/" + port, nic.peer_ns, nic.peer_if, "in");
    if (!c.ok()) return c.error();
  }
  return r;
}

Result<std::string> RealLab::cmd_flows(const Args& a, const std::string& flow,
                                       const std::vector<std::string>& body) {
  if (a.size() < 2) return usage(a[0] + " BRIDGE [FLOW]");
  auto n = node();
  if (!n.ok()) return n.error();
  if (a[0] == "add-flows") {
    std::string input;
    for (const auto& l : body) input += l + "\n";
    Args args = {"add-flows", a[1], "-"};
    auto r = run_process(tool_argv(**n, "nvs-ofctl", args), input);
    last_display_ = "nvs-ofctl add-flows " + a[1] + " - <<EOF";
    if (!r.ok()) return r.error();
    if (r->exit_code != 0) return make_error(std::string(trim(r->output)));
    return r->output;
  }
  Args args;
  if (a[0] == "del-flows-strict") args.push_back("--strict");
  args.push_back(a[0] == "del-flows-strict" ? "del-flows" : a[0]);
  args.push_back(a[1]);
  if (!flow.empty()) args.push_back(flow);
  return cmd_tool("nvs-ofctl", args);
}

// Runs an nvs-* tool against the current node's daemon; its output is the command's output.
Result<std::string> RealLab::cmd_tool(const std::string& tool, Args args, bool checked) {
  auto n = node();
  if (!n.ok()) return n.error();
  if (tool == "nvs-ofctl" && !args.empty() && args[0] == "dump-flows" && args.size() > 3) {
    // dump-flows BR [--no-stats] [--names] MATCH...: the match words are one argument.
    Args opts, match;
    for (size_t i = 2; i < args.size(); ++i) {
      (starts_with(args[i], "--") ? opts : match).push_back(args[i]);
    }
    Args joined = {args[0]};
    joined.insert(joined.end(), opts.begin(), opts.end());
    joined.push_back(args[1]);
    std::string m;
    for (const auto& w : match) m += (m.empty() ? "" : ",") + w;
    if (!m.empty()) joined.push_back(m);
    args = joined;
  }
  last_display_ = tool + " " + command_line(args);
  auto r = run_process(tool_argv(**n, tool, args));
  if (!r.ok()) return r.error();
  if (checked && r->exit_code != 0) {
    std::string out(trim(r->output));
    return make_error(out.empty() ? tool + " exited " + std::to_string(r->exit_code) : out);
  }
  return r->output;
}

// A port added before its device (a NIC, a cable end) was declared became an internal port;
// make it a system port again, so the device about to be made under its name is the port.
Status RealLab::free_port_name(Node& n, const std::string& port) {
  if (!n.port_bridge.count(port) || !ip(n.ns, {"link", "show", port}).ok()) return ok_status();
  NT_TRY(run_checked(tool_argv(n, "nvs-vsctl", {"set", "Interface", port, "type=system"})));
  for (int i = 0; i < 100 && ip(n.ns, {"link", "show", port}).ok(); ++i) ::usleep(50000);
  return ok_status();
}

// link N1 BR1 P1 N2 BR2 P2: a cable (veth pair) between ports P1 and P2 of two nodes.
Result<std::string> RealLab::cmd_link(const Args& a) {
  if (a.size() < 7) return usage("link NODE1 BRIDGE1 PORT1 NODE2 BRIDGE2 PORT2");
  Node *n1 = nullptr, *n2 = nullptr;
  for (auto& n : nodes_) {
    if (n->name == a[1]) n1 = n.get();
    if (n->name == a[4]) n2 = n.get();
  }
  if (!n1 || !n2) return make_error("link: no node named " + (n1 ? a[4] : a[1]));
  NT_TRY(free_port_name(*n1, a[3]));
  NT_TRY(free_port_name(*n2, a[6]));
  NT_TRY(veth(n1->ns, a[3], n2->ns, a[6]));
  for (auto [n, br, port] : {std::tuple{n1, a[2], a[3]}, std::tuple{n2, a[5], a[6]}}) {
    if (!n->port_bridge.count(port)) {
      NT_TRY(run_checked(tool_argv(*n, "nvs-vsctl", {"add-port", br, port})));
      n->port_bridge[port] = br;
    }
    NT_TRY(wait_port_up(*n, port));
  }
  // What P1 sends arrives at P2 and the other way round.
  NT_TRY(start_capture("sent/" + n1->name + "/" + a[3], n2->ns, a[6], "in"));
  NT_TRY(start_capture("sent/" + n2->name + "/" + a[6], n1->ns, a[3], "in"));
  links_.push_back({a[1], a[2], a[3], a[4], a[5], a[6]});
  last_display_ = "ip link add " + a[3] + " netns " + n1->ns + " type veth peer name " + a[6] +
                  " netns " + n2->ns;
  return std::string();
}

// instance NAME bridge=BR port=PORT mac=MAC ip=CIDR [gw=IP] [mtu=N] [tag=N] [trunks=..]
// (instance NAME node= network= is Nova's: cmd_cloud_instance)
Result<std::string> RealLab::cmd_instance(const Args& a) {
  for (size_t i = 2; i < a.size(); ++i) {
    if (a[i].rfind("network=", 0) == 0) return cmd_cloud_instance(a);  // real_lab_cloud.cc
  }
  auto parsed = scenario_internal::parse_instance_args(a);
  if (!parsed.ok()) return parsed.error();
  if (instances_.count(a[1])) return make_error("instance " + a[1] + " already exists");
  auto& [kv, port_args] = *parsed;
  auto n = node();
  if (!n.ok()) return n.error();
  Instance inst{a[1],     (*n)->name, state_.prefix + "-i-" + a[1], kv["bridge"], kv["port"],
                kv["ip"], kv["mac"]};
  NT_TRY(new_namespace(inst.ns));
  state_.targets[inst.name] = LabTarget{"instance", inst.ns, "", "eth0"};
  NT_TRY(run_checked({"ip", "link", "add", "eth0", "netns", inst.ns, "type", "veth", "peer", "name",
                      inst.port, "netns", (*n)->ns}));
  NT_TRY(ip((*n)->ns, {"link", "set", inst.port, "up"}));
  if (!(*n)->port_bridge.count(inst.port)) {
    auto r = cmd_add_port(port_args);
    if (!r.ok()) return r.error();
  }
  // The instance's side: MAC, MTU, address, route; brought up last with arp_notify on, so
  // Linux announces the address with a gratuitous ARP once the switch port is there.
  NT_TRY(ip(inst.ns, {"link", "set", "eth0", "address", inst.mac}));
  if (!kv["mtu"].empty()) NT_TRY(ip(inst.ns, {"link", "set", "eth0", "mtu", kv["mtu"]}));
  bool dhcp = inst.cidr == "dhcp";
  if (!dhcp) NT_TRY(ip(inst.ns, {"addr", "add", inst.cidr, "dev", "eth0"}));
  NT_TRY(run_checked(
      {"ip", "netns", "exec", inst.ns, "sysctl", "-qw", "net.ipv4.conf.eth0.arp_notify=1"}));
  NT_TRY(ip(inst.ns, {"link", "set", "eth0", "up"}));
  if (!kv["gw"].empty()) NT_TRY(ip(inst.ns, {"route", "add", "default", "via", kv["gw"]}));
  std::string out;
  if (dhcp) {
    auto r = dhcp_client(inst);
    if (!r.ok()) return r.error();
    out = *r;
    auto addr = ip(inst.ns, {"-4", "-o", "addr", "show", "dev", "eth0"});
    size_t at = addr.ok() ? addr->find("inet ") : std::string::npos;
    if (at != std::string::npos) inst.cidr = addr->substr(at + 5, addr->find(' ', at + 5) - at - 5);
  }
  instances_[inst.name] = inst;
  NT_TRY(save_lab_state(state_));
  last_display_.clear();
  return out;
}

// ping NAME DST [opts] / traceroute NAME DST [opts]: busybox's, inside the instance.
Result<std::string> RealLab::cmd_ping(const Args& a) {
  if (a.size() < 3) return usage(a[0] + " INSTANCE DESTINATION [options]");
  auto inst = instance(a[1]);
  if (!inst.ok()) return inst.error();
  Args argv = {"ip", "netns", "exec", (*inst)->ns, "busybox", a[0]};
  argv.insert(argv.end(), a.begin() + 2, a.end());
  auto r = run_process(argv, "", 300);
  if (!r.ok()) return r.error();
  if (r->exit_code > 1) return make_error(std::string(trim(r->output)));
  return r->output;
}

// ip NAME addr|route / arp NAME: busybox's views inside the instance.
Result<std::string> RealLab::cmd_instance_show(const Args& a) {
  if (a.size() < 2) return usage("ip INSTANCE addr|route  /  arp INSTANCE");
  auto inst = instance(a[1]);
  if (!inst.ok()) return inst.error();
  Args argv = {"ip", "netns", "exec", (*inst)->ns, "busybox"};
  if (a[0] == "arp") {
    argv.insert(argv.end(), {"arp", "-n"});
  } else {
    argv.insert(argv.end(), {"ip", a.size() > 2 ? a[2] : "addr"});
  }
  return run_checked(argv);
}

// sent BR PORT / sent-count BR PORT N / clear-sent: what a NIC or cable port put on the wire.
Result<std::string> RealLab::cmd_sent(const Args& a, bool count_only, bool clear) {
  auto n = node();
  if (!n.ok()) return n.error();
  if (clear) {
    for (auto& [key, c] : captures_) {
      flush_capture(c);
      c.mark += read_frames(c.pcap, c.mark).size();
    }
    return std::string();
  }
  if (a.size() < (count_only ? 4u : 3u)) {
    return usage(count_only ? "sent-count BRIDGE PORT N" : "sent BRIDGE PORT");
  }
  auto it = captures_.find("sent/" + (*n)->name + "/" + a[2]);
  if (it == captures_.end()) {
    return make_error("sent: " + a[2] + " is not a NIC or cable port of " + (*n)->name +
                      " (the real lab records what those send)");
  }
  flush_capture(it->second);
  auto frames = read_frames(it->second.pcap, it->second.mark);
  if (count_only) {
    auto want = parse_uint(a[3]);
    if (!want) return make_error("sent-count: '" + a[3] + "' is not a number");
    if (frames.size() != *want) {
      return make_error(a[2] + " sent " + std::to_string(frames.size()) + " frames, expected " +
                        a[3]);
    }
    return std::to_string(frames.size()) + " frames\n";
  }
  std::string out;
  for (const auto& f : frames) out += scenario_internal::frame_line(f.data(), f.size()) + "\n";
  return out;
}

}  // namespace nt::lab
