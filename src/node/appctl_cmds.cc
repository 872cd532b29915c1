// nvs-appctl: the daemon's run-time commands, one table as Open vSwitch's unixctl registers
// them. A handler returns the reply body or an Error; an error reaches the user on stderr
// followed by "nvs-appctl: neutrino-vswitchd: server returned an error", with exit status 2.
#include <algorithm>
#include <cctype>
#include <climits>
#include <cstdio>
#include <memory>
#include <optional>

#include "common/names.h"
#include "common/strings.h"
#include "node/commands.h"
#include "packet/build.h"

namespace nt {
namespace {

using Args = std::vector<std::string>;  // the command's arguments, without its name

constexpr const char* kVersion = "neutrino-vswitchd (Neutrino) 0.1.0";

// The one datapath a node has, by the name dpctl/show prints.
constexpr std::string_view kDatapathName = "netdev@ovs-netdev";

// ofproto/trace [--format=text|json] BRIDGE FLOW [-generate]
Result<std::string> cmd_trace(CommandHost& host, const Args& args) {
  Args a;
  TraceFormat format = TraceFormat::kText;
  std::vector<uint8_t> ct_next;  // --ct-next FLAGS (one per recirculation)
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& w = args[i];
    if (w == "--ct-next" || starts_with(w, "--ct-next=")) {
      std::string v = w == "--ct-next" ? (i + 1 < args.size() ? args[++i] : "") : w.substr(10);
      std::replace(v.begin(), v.end(), ',', '|');
      auto st = parse_ct_state(v);
      if (v.empty() || !st.ok()) {
        return make_error("ofproto/trace: --ct-next: bad ct_state \"" + v + "\"" +
                          (st.ok() ? "" : ": " + st.error().message));
      }
      ct_next.push_back(static_cast<uint8_t>(st->first));
      continue;
    }
    if (!starts_with(w, "--format=")) {
      a.push_back(w);
      continue;
    }
    std::string name = w.substr(9);
    auto f = parse_trace_format(name);
    if (!f) return make_error("ofproto/trace: unknown format \"" + name + "\" (use text or json)");
    format = *f;
  }
  if (a.size() < 2) return make_error("Must specify bridge name and flow");
  bool generate = false;
  if (a.size() == 3) {
    if (a[2] != "-generate") return make_error("Trailing garbage in command");
    generate = true;
  }
  if (a.size() > 3) return make_error("Trailing garbage in command");
  NT_TRY(validate_name("bridge", a[0]));
  return host.sw().trace(a[0], a[1], generate, format, std::move(ct_next));
}

// A bridge named on the command line: a valid name (common/names.h), then an existing bridge.
Result<Ofproto*> bridge_arg(CommandHost& host, const std::string& name) {
  NT_TRY(validate_name("bridge", name));
  Ofproto* br = host.sw().bridge(name);
  if (!br) return make_error("no such bridge", ErrorCode::kNotFound);
  return br;
}

Result<std::string> cmd_fdb_show(CommandHost& host, const Args& a) {
  auto br = bridge_arg(host, a[0]);
  if (!br.ok()) return br.error();
  return (*br)->mac_table().format_fdb_show(host.sw().clock().now_ms());
}

Result<std::string> cmd_fdb_stats_show(CommandHost& host, const Args& a) {
  auto br = bridge_arg(host, a[0]);
  if (!br.ok()) return br.error();
  return (*br)->mac_table().format_fdb_stats_show((*br)->name());
}

Result<std::string> cmd_fdb_flush(CommandHost& host, const Args& a) {
  if (!a.empty()) {
    auto br = bridge_arg(host, a[0]);
    if (!br.ok()) return br.error();
  }
  NT_TRY(host.sw().flush_macs(a.empty() ? std::string() : a[0]));
  return std::string("table successfully flushed\n");
}

std::unique_ptr<ReplyStream> stream_dpctl_dump_flows(CommandHost& host, const Args& a) {
  host.sw().datapath().push_stats();
  return std::make_unique<ProducerStream<DpctlDump>>(host.sw().snapshot_megaflows());
}

Result<std::string> cmd_dpctl_dump_flows(CommandHost& host, const Args& a) {
  ControlReply r;
  r.stream = stream_dpctl_dump_flows(host, a);
  return std::move(drain_reply(r).out);
}

Result<std::string> cmd_dpctl_show(CommandHost& host, const Args& a) {
  return std::string(kDatapathName) + ":\n" + host.sw().datapath().format_show();
}

// dpctl/del-flows [DP]: as ovs-dpctl, a DP that is not this node's datapath is an error, never
// a flush of the real one.
Result<std::string> cmd_dpctl_del_flows(CommandHost& host, const Args& a) {
  if (!a.empty() && a[0] != kDatapathName && a[0] != "ovs-netdev") {
    return make_error("opening datapath (No such device)", ErrorCode::kNotFound);
  }
  host.sw().datapath().flush();
  return std::string();
}

// The connection tracker's commands (dpctl/*conntrack*, ct-*): an optional leading DP
// argument names this node's datapath, as in ovs-appctl.
Status check_dp_arg(Args& a) {
  if (!a.empty() && a[0].find('=') == std::string::npos && a[0][0] != '-' &&
      (a[0].find('@') != std::string::npos || a[0] == "ovs-netdev")) {
    if (a[0] != kDatapathName && a[0] != "ovs-netdev") {
      return make_error("opening datapath (No such device)", ErrorCode::kNotFound);
    }
    a.erase(a.begin());
  }
  return ok_status();
}

Result<std::optional<uint16_t>> zone_arg(const std::string& w) {
  auto z = parse_uint(w.substr(5), 16);
  if (!z)
    return make_error("failed to parse zone: \"" + w.substr(5) + "\" is not a number 0..65535");
  return std::optional<uint16_t>(static_cast<uint16_t>(*z));
}

// dpctl/dump-conntrack [-m] [-s] [dp] [zone=N]
Result<std::string> cmd_dump_conntrack(CommandHost& host, const Args& args) {
  Args a = args;
  bool more = false, stats = false;
  while (!a.empty() &&
         (a[0] == "-m" || a[0] == "-s" || a[0] == "--more" || a[0] == "--statistics")) {
    (a[0] == "-s" || a[0] == "--statistics" ? stats : more) = true;
    a.erase(a.begin());
  }
  NT_TRY(check_dp_arg(a));
  std::optional<uint16_t> zone;
  for (const std::string& w : a) {
    if (!starts_with(w, "zone=")) return make_error("invalid argument \"" + w + "\"");
    auto z = zone_arg(w);
    if (!z.ok()) return z.error();
    zone = *z;
  }
  return host.sw().datapath().conntrack().dump(zone, more, stats);
}

// dpctl/flush-conntrack [dp] [zone=N] [ct-tuple]
Result<std::string> cmd_flush_conntrack(CommandHost& host, const Args& args) {
  Args a = args;
  NT_TRY(check_dp_arg(a));
  std::optional<uint16_t> zone;
  if (!a.empty() && starts_with(a[0], "zone=")) {
    auto z = zone_arg(a[0]);
    if (!z.ok()) return z.error();
    zone = *z;
    a.erase(a.begin());
  }
  if (a.size() > 1) return make_error("invalid arguments: too many");
  auto n = host.sw().datapath().conntrack().flush(zone, a.empty() ? "" : a[0]);
  if (!n.ok()) return n.error();
  return std::string();
}

Result<std::string> cmd_ct_stats_show(CommandHost& host, const Args& args) {
  Args a = args;
  NT_TRY(check_dp_arg(a));
  return host.sw().datapath().conntrack().stats_show();
}

Result<std::string> cmd_ct_set_maxconns(CommandHost& host, const Args& args) {
  Args a = args;
  NT_TRY(check_dp_arg(a));
  auto n = a.size() == 1 ? parse_uint(a[0], 32) : std::nullopt;
  if (!n) return make_error("maxconns missing or malformed");
  host.sw().datapath().conntrack().set_max_conns(*n);
  return std::string("setting maxconns successful\n");
}

Result<std::string> cmd_ct_get_maxconns(CommandHost& host, const Args& args) {
  Args a = args;
  NT_TRY(check_dp_arg(a));
  return std::to_string(host.sw().datapath().conntrack().max_conns()) + "\n";
}

Result<std::string> set_tcp_seq_chk(CommandHost& host, const Args& args, bool on) {
  Args a = args;
  NT_TRY(check_dp_arg(a));
  host.sw().datapath().conntrack().set_tcp_seq_check(on);
  return std::string(on ? "enabling" : "disabling") + " TCP sequence checking successful\n";
}
Result<std::string> cmd_ct_enable_tcp_seq_chk(CommandHost& host, const Args& a) {
  return set_tcp_seq_chk(host, a, true);
}
Result<std::string> cmd_ct_disable_tcp_seq_chk(CommandHost& host, const Args& a) {
  return set_tcp_seq_chk(host, a, false);
}
Result<std::string> cmd_ct_get_tcp_seq_chk(CommandHost& host, const Args& args) {
  Args a = args;
  NT_TRY(check_dp_arg(a));
  bool on = host.sw().datapath().conntrack().tcp_seq_check();
  return std::string("TCP sequence checking: ") + (on ? "enabled" : "disabled") + "\n";
}

Result<std::string> cmd_coverage_show(CommandHost& host, const Args& a) {
  return host.sw().datapath().format_coverage() + host.format_netdev_coverage();
}

Result<std::string> cmd_vlog_set(CommandHost& host, const Args& a) {
  for (const std::string& spec : a) NT_TRY(host.vlog().apply_spec(spec));
  return std::string();
}

Result<std::string> cmd_vlog_list(CommandHost& host, const Args& a) {
  return host.vlog().format_list();
}

Result<std::string> cmd_vlog_reopen(CommandHost& host, const Args& a) {
  if (host.vlog().log_file().empty()) return make_error("Logging to file not configured");
  NT_TRY(host.vlog().reopen());
  return std::string();
}

// netdev-dummy/receive PORT PACKET...: each PACKET is hex bytes or a flow
// ("in_port=1,dl_src=...,ip,nw_dst=...") from which a frame is composed.
Result<std::string> cmd_dummy_receive(CommandHost& host, const Args& a) {
  for (size_t i = 1; i < a.size(); ++i) {
    std::vector<uint8_t> frame;
    bool all_hex = !a[i].empty() && std::all_of(a[i].begin(), a[i].end(), [](char c) {
      return std::isxdigit(static_cast<unsigned char>(c));
    });
    if (all_hex && a[i].size() % 2) {
      return make_error(a[i] + ": odd number of hex digits (" + std::to_string(a[i].size()) +
                        "): a packet is whole bytes, two hex digits each");
    }
    if (auto bytes = parse_hex_bytes(a[i])) {
      frame = std::move(*bytes);
    } else {
      auto m = parse_match(a[i]);
      if (!m.ok()) return make_error(a[i] + ": " + m.error().message);
      Packet pkt(Packet::kDefaultCapacity);
      if (!compose_packet(m->value, pkt)) return make_error(a[i] + ": cannot compose a packet");
      frame.assign(pkt.data(), pkt.data() + pkt.size());
    }
    NT_TRY(host.dummy_receive(a[0], frame));
  }
  return std::string();
}

Result<std::string> cmd_list_commands(CommandHost& host, const Args& a);

Result<std::string> cmd_version(CommandHost& host, const Args& a) {
  return std::string(kVersion) + "\n";
}

Result<std::string> cmd_exit(CommandHost& host, const Args& a) {
  if (!a.empty() && a[0] != "--cleanup") return make_error("unknown option " + a[0]);
  host.request_exit();
  return std::string();
}

// "INSTANCE SEQNO" (commands.h): an agent's cheap question "did the configuration move?".
Result<std::string> cmd_db_seqno(CommandHost& host, const Args&) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%016llx %llu\n",
                static_cast<unsigned long long>(host.instance_id()),
                static_cast<unsigned long long>(host.config_seqno()));
  return std::string(buf);
}

struct AppctlCommand {
  std::string_view name;
  std::string_view usage;
  int min_args;
  int max_args;
  Result<std::string> (*run)(CommandHost&, const Args&);
  // For a command whose output may be big: the same output as a ReplyStream.
  std::unique_ptr<ReplyStream> (*stream)(CommandHost&, const Args&) = nullptr;
};

constexpr AppctlCommand kAppctlCommands[] = {
    {"coverage/show", "", 0, 0, cmd_coverage_show},
    {"dpctl/ct-disable-tcp-seq-chk", "[dp]", 0, 1, cmd_ct_disable_tcp_seq_chk},
    {"dpctl/ct-enable-tcp-seq-chk", "[dp]", 0, 1, cmd_ct_enable_tcp_seq_chk},
    {"dpctl/ct-get-maxconns", "[dp]", 0, 1, cmd_ct_get_maxconns},
    {"dpctl/ct-get-tcp-seq-chk", "[dp]", 0, 1, cmd_ct_get_tcp_seq_chk},
    {"dpctl/ct-set-maxconns", "[dp] maxconns", 1, 2, cmd_ct_set_maxconns},
    {"dpctl/ct-stats-show", "[dp]", 0, 1, cmd_ct_stats_show},
    {"dpctl/del-flows", "[dp]", 0, 1, cmd_dpctl_del_flows},
    {"dpctl/dump-conntrack", "[-m] [-s] [dp] [zone=N]", 0, 4, cmd_dump_conntrack},
    {"dpctl/dump-flows", "[-m] [--names | --no-names] [dp]", 0, 3, cmd_dpctl_dump_flows,
     stream_dpctl_dump_flows},
    {"dpctl/flush-conntrack", "[dp] [zone=N] [ct-tuple]", 0, 3, cmd_flush_conntrack},
    {"db/seqno", "", 0, 0, cmd_db_seqno},
    {"dpctl/show", "[-s] [dp]", 0, 2, cmd_dpctl_show},
    {"exit", "[--cleanup]", 0, 1, cmd_exit},
    {"fdb/flush", "[bridge]", 0, 1, cmd_fdb_flush},
    {"fdb/show", "bridge", 1, 1, cmd_fdb_show},
    {"fdb/stats-show", "bridge", 1, 1, cmd_fdb_stats_show},
    {"list-commands", "", 0, 0, cmd_list_commands},
    {"netdev-dummy/receive", "name packet|flow...", 2, INT_MAX, cmd_dummy_receive},
    {"ofproto/trace", "[--format=text|json] [--ct-next flags] bridge br_flow [-generate]", 1, 8,
     cmd_trace},
    {"version", "", 0, 0, cmd_version},
    {"vlog/list", "", 0, 0, cmd_vlog_list},
    {"vlog/reopen", "", 0, 0, cmd_vlog_reopen},
    {"vlog/set", "{spec | PATTERN:destination:pattern}", 0, INT_MAX, cmd_vlog_set},
};

Result<std::string> cmd_list_commands(CommandHost& host, const Args& a) {
  std::string s = "The available commands are:\n";
  char buf[256];
  for (const AppctlCommand& c : kAppctlCommands) {
    std::snprintf(buf, sizeof buf, "  %-23.*s %.*s\n", static_cast<int>(c.name.size()),
                  c.name.data(), static_cast<int>(c.usage.size()), c.usage.data());
    s += buf;
  }
  return s;
}

// The command `name` names, if `args` suits it.
Result<const AppctlCommand*> find_command(const std::string& name, const Args& args) {
  auto it = std::find_if(std::begin(kAppctlCommands), std::end(kAppctlCommands),
                         [&](const AppctlCommand& c) { return c.name == name; });
  if (it == std::end(kAppctlCommands)) {
    return make_error("\"" + name +
                      "\" is not a valid command (use list-commands to see a list of valid "
                      "commands)");
  }
  int n = static_cast<int>(args.size());
  if (n < it->min_args) {
    return make_error("\"" + name + "\" command requires at least " + std::to_string(it->min_args) +
                      " arguments");
  }
  if (n > it->max_args) {
    return make_error("\"" + name + "\" command takes at most " + std::to_string(it->max_args) +
                      " arguments");
  }
  return &*it;
}

}  // namespace

Status CommandHost::dummy_receive(const std::string& port, const std::vector<uint8_t>& frame) {
  for (Ofproto* br : sw_.bridges()) {
    if (br->find_port(port)) return sw_.receive(br->name(), port, frame.data(), frame.size());
  }
  return make_error("no such dummy netdev");
}

uint64_t CommandHost::datapath_id(const Ofproto& br) const {
  const OfPort* local = br.port(ofp_port::kLocal);
  return local ? local->mac.to_u64() : 0;
}

ControlReply appctl_execute(CommandHost& host, const std::vector<std::string>& argv,
                            bool allow_stream) {
  ControlReply reply;
  if (argv.empty()) {
    reply.status = 2;
    reply.err = "nvs-appctl: at least one non-option argument is required (use --help for help)\n";
    return reply;
  }
  Args args(argv.begin() + 1, argv.end());
  auto cmd = find_command(argv[0], args);
  if (cmd.ok() && allow_stream && (*cmd)->stream) {
    reply.stream = (*cmd)->stream(host, args);
    return reply;
  }
  auto r = cmd.ok() ? (*cmd)->run(host, args) : Result<std::string>(cmd.error());
  if (r.ok()) {
    reply.out = std::move(*r);
    return reply;
  }
  reply.status = 2;
  reply.err = r.error().message;
  if (reply.err.empty() || reply.err.back() != '\n') reply.err += '\n';
  reply.err += "nvs-appctl: neutrino-vswitchd: server returned an error\n";
  return reply;
}

}  // namespace nt
