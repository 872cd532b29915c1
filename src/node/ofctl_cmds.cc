// nvs-ofctl: option parsing, the command table and the flow-table commands (add-flow[s],
// mod-flows, del-flows, replace-flows, dump-flows). show / dump-ports / dump-tables are in
// ofctl_show.cc, parse-flow(s) in ofctl_parse.cc.
#include <algorithm>
#include <map>
#include <memory>
#include <optional>

#include "common/names.h"
#include "common/strings.h"
#include "node/ofctl_internal.h"
#include "ofproto/flow_dump.h"
#include "openflow/action_wire.h"

namespace nt {
namespace {

using Args = std::vector<std::string>;

// ---- options ------------------------------------------------------------------------------

Result<int> parse_protocols(std::string_view list) {
  int best = 0;
  for (std::string_view v : split_top_level(list, ',')) {
    static const std::map<std::string_view, int, std::less<>> kVersions = {
        {"OpenFlow10", 1}, {"OpenFlow11", 2}, {"OpenFlow12", 3},
        {"OpenFlow13", 4}, {"OpenFlow14", 5}, {"OpenFlow15", 6}};
    auto it = kVersions.find(v);
    if (it == kVersions.end()) return make_error(std::string(v) + ": unknown OpenFlow version");
    best = std::max(best, it->second);
  }
  if (best == 0) return make_error("no OpenFlow versions specified");
  return best;
}

// Options that take a value, and those that are accepted and have no effect here.
bool option_takes_value(std::string_view name) {
  return name == "-O" || name == "--protocols" || name == "-t" || name == "--timeout" ||
         name == "-F" || name == "--flow-format";
}
bool option_ignored(std::string_view name) {
  static const char* kIgnored[] = {"--read-only", "-m", "--more",    "--timestamp",
                                   "--color",     "-v", "--verbose", "--no-readd"};
  return std::any_of(std::begin(kIgnored), std::end(kIgnored),
                     [&](const char* o) { return name == o; });
}

Status apply_option(OfctlOptions& opt, std::string_view name, std::string_view value) {
  if (name == "-O" || name == "--protocols") {
    auto v = parse_protocols(value);
    if (!v.ok()) return v.error();
    opt.version = *v;
  } else if (name == "--strict") {
    opt.strict = true;
  } else if (name == "--bundle") {
    opt.bundle = true;
  } else if (name == "--readd") {
    opt.readd = true;
  } else if (name == "--no-stats") {
    opt.no_stats = true;
  } else if (name == "--names") {
    opt.names = true;
  } else if (name == "--no-names") {
    opt.names = false;
  } else if (name == "--sort" || name == "--rsort") {
    if (!value.empty() && value != "priority") {
      return make_error(std::string(name) + "=" + std::string(value) +
                        ": only sorting by priority is supported");
    }
    opt.sort = name == "--sort" ? 1 : -1;
  } else if (!option_takes_value(name) && !option_ignored(name)) {
    if (starts_with(name, "--"))
      return make_error("unrecognized option '" + std::string(name) + "'");
    return make_error("invalid option -- '" + std::string(name.substr(1)) + "'");
  }
  return ok_status();
}

// Splits argv into options (anywhere, as getopt permutes them) and positional arguments.
Status parse_args(const Args& argv, OfctlOptions& opt, Args& args) {
  for (size_t i = 0; i < argv.size(); ++i) {
    std::string_view a = argv[i];
    if (a.size() < 2 || a[0] != '-') {
      args.emplace_back(a);
      continue;
    }
    std::string_view name = a, value;
    if (size_t eq = a.find('='); starts_with(a, "--") && eq != std::string_view::npos) {
      name = a.substr(0, eq);
      value = a.substr(eq + 1);
    } else if (!starts_with(a, "--") && a.size() > 2) {
      name = a.substr(0, 2);  // -OOpenFlow13
      value = a.substr(2);
    } else if (option_takes_value(name)) {
      if (i + 1 >= argv.size())
        return make_error("option '" + std::string(name) + "' requires an argument");
      value = argv[++i];
    }
    NT_TRY(apply_option(opt, name, value));
  }
  // Bundles are OpenFlow 1.4: --bundle adds it to the versions offered (no -O needed).
  if (opt.bundle) opt.version = std::max(opt.version, 5);
  return ok_status();
}

// ---- commands -----------------------------------------------------------------------------

Ofproto* bridge_or_fail(OfctlCtx& ctx, const std::string& name) {
  if (Status st = validate_name("bridge", name); !st.ok()) {
    ctx.fail(st.error().message);
    return nullptr;
  }
  Ofproto* br = ctx.host->sw().bridge(name);
  if (!br) ctx.fail(name + " is not a bridge or a socket");
  return br;
}

// ovs-ofctl --bundle's report of a bundle the switch refused: the failed flow_mod (xids as
// ovs-ofctl numbers them: the flow_mods from 0x6, the commit after them), then the commit.
void fail_bundle(OfctlCtx& ctx, const std::string& bridge, const std::vector<FlowOp>& ops,
                 size_t failed, const Error& e) {
  if (e.code != ErrorCode::kConflict) return ctx.fail(e.message);
  char buf[96];
  std::string of = "(OF1." + std::to_string(ctx.opt.version - 1) + ")";
  std::snprintf(buf, sizeof buf, " (xid=0x%zx): ", failed + 6);
  ctx.reply.err += "Error OFPFMFC_OVERLAP for: OFPT_FLOW_MOD " + of + buf +
                   ofctl_format_flow_mod(ops[failed].spec, ops[failed].cmd) + "\n";
  std::snprintf(buf, sizeof buf, " (xid=0x%zx):\n", ops.size() + 8);
  ctx.reply.err += "Error OFPBFC_MSG_FAILED for: OFPT_BUNDLE_CONTROL " + of + buf +
                   " bundle_id=0 type=COMMIT_REQUEST flags=atomic ordered\n";
  ctx.fail("talking to unix:" + ctx.host->rundir() + "/" + bridge + ".mgmt (Protocol error)");
}

// The switch keeps a flow's actions in the form the request's protocol carried them
// (wire_form()): goto_table sent over OpenFlow 1.0 arrives as resubmit(,N), mod_vlan_vid over
// 1.3 as push_vlan + set_field. Flows no allowed protocol can carry are refused, as ovs-ofctl.
FlowFixup as_sent(const OfctlCtx& ctx) {
  int version = ctx.opt.version;
  return [version](FlowSpec& spec, FlowTextMode mode) -> Status {
    spec.match = match_wire_form(spec.match, version);
    if (!spec.actions_given) return ok_status();
    if (version < 4 && mode == FlowTextMode::kAdd) spec.reset_counts = true;
    WireOptions wo{version, true, !of10_can_match(spec.match)};
    auto acts = wire_form(spec.actions, spec.match, wo);
    if (!acts.ok()) return acts.error();
    spec.actions = std::move(*acts);
    return ok_status();
  };
}

// Applies `ops` to the bridge as one transaction (all or none; packets see the table before
// or after it), durable before it is in effect (CommandHost::commit_flows).
void apply_ops(OfctlCtx& ctx, Ofproto& br, std::vector<FlowOp> ops) {
  for (FlowOp& op : ops) op.of10 = ctx.opt.version == 1;
  size_t failed = 0;
  Status st = ctx.host->commit_flows(br.name(), ops, &failed);
  if (!st.ok() && ctx.opt.bundle && failed < ops.size()) {
    return fail_bundle(ctx, br.name(), ops, failed, st.error());
  }
  if (!st.ok()) return ctx.fail(st.error().message);
}

// add-flow, mod-flows, del-flows: one flow, none (del-flows: all), or "-": a file on stdin.
void run_flow_mod(OfctlCtx& ctx, FlowModCommand cmd) {
  Ofproto* br = bridge_or_fail(ctx, ctx.args[1]);
  if (!br) return;
  if (ctx.args.size() > 2 && ctx.args[2] == "-") {
    auto ops = parse_flow_file(*ctx.stdin_data, "-", br, cmd, false, as_sent(ctx));
    if (!ops.ok()) return ctx.fail(ops.error().message);
    return apply_ops(ctx, *br, std::move(*ops));
  }
  auto spec = parse_flow(ctx.args.size() > 2 ? ctx.args[2] : "", flow_text_mode(cmd), br);
  if (!spec.ok()) return ctx.fail(spec.error().message);
  if (Status st = as_sent(ctx)(*spec, flow_text_mode(cmd)); !st.ok()) {
    return ctx.fail(st.error().message);
  }
  apply_ops(ctx, *br, {FlowOp{cmd, std::move(*spec)}});
}

void cmd_add_flow(OfctlCtx& ctx) { run_flow_mod(ctx, FlowModCommand::kAdd); }

void cmd_mod_flows(OfctlCtx& ctx) {
  run_flow_mod(ctx, ctx.opt.strict ? FlowModCommand::kModifyStrict : FlowModCommand::kModify);
}

void cmd_del_flows(OfctlCtx& ctx) {
  run_flow_mod(ctx, ctx.opt.strict ? FlowModCommand::kDeleteStrict : FlowModCommand::kDelete);
}

void cmd_add_flows(OfctlCtx& ctx) {
  Ofproto* br = bridge_or_fail(ctx, ctx.args[1]);
  if (!br) return;
  auto ops =
      parse_flow_file(*ctx.stdin_data, ctx.args[2], br, FlowModCommand::kAdd, true, as_sent(ctx));
  if (!ops.ok()) return ctx.fail(ops.error().message);
  apply_ops(ctx, *br, std::move(*ops));
}

// replace-flows: the difference between the switch and the file, applied all-or-nothing.
void cmd_replace_flows(OfctlCtx& ctx) {
  Ofproto* br = bridge_or_fail(ctx, ctx.args[1]);
  if (!br) return;
  auto parsed =
      parse_flow_file(*ctx.stdin_data, ctx.args[2], br, FlowModCommand::kAdd, true, as_sent(ctx));
  if (!parsed.ok()) return ctx.fail(parsed.error().message);
  for (const FlowOp& op : *parsed) {
    if (op.cmd != FlowModCommand::kAdd) return ctx.fail("replace-flows: only add lines allowed");
  }
  ctx.host->sw().datapath().push_stats();  // counters of flows about to be re-added
  apply_ops(ctx, *br, diff_flows(*br, std::move(*parsed), 0, 0, ctx.opt.readd));
}

void cmd_dump_flows(OfctlCtx& ctx) {
  Ofproto* br = bridge_or_fail(ctx, ctx.args[1]);
  if (!br) return;
  std::optional<FlowSpec> filter;
  if (ctx.args.size() > 2) {
    auto f = parse_flow(ctx.args[2], FlowTextMode::kDelete, br);
    if (!f.ok()) return ctx.fail(f.error().message);
    filter = std::move(*f);
  }
  DumpOptions opts{ctx.opt.no_stats, ctx.opt.names, ctx.opt.version, ctx.opt.sort};
  ctx.host->sw().datapath().push_stats();  // the counters of packets not yet credited
  // With --no-stats ovs-ofctl prints the flows alone, without the reply header.
  if (!ctx.opt.no_stats) {
    ctx.reply.out = ofctl_reply_header(ctx.opt, "NXST_FLOW", "OFPST_FLOW", 4, 2) + "\n";
  }
  FlowDump dump(*br, filter ? &*filter : nullptr, opts, ctx.opt.version != 1);
  ctx.reply.stream = std::make_unique<ProducerStream<FlowDump>>(std::move(dump));
  if (!ctx.allow_stream) drain_reply(ctx.reply);
}

void cmd_show(OfctlCtx& ctx) {
  if (Ofproto* br = bridge_or_fail(ctx, ctx.args[1])) ofctl_show(ctx, *br);
}
void cmd_dump_ports(OfctlCtx& ctx) {
  if (Ofproto* br = bridge_or_fail(ctx, ctx.args[1])) ofctl_dump_ports(ctx, *br);
}
void cmd_dump_ports_desc(OfctlCtx& ctx) {
  if (Ofproto* br = bridge_or_fail(ctx, ctx.args[1])) ofctl_dump_ports_desc(ctx, *br);
}
void cmd_dump_tables(OfctlCtx& ctx) {
  ctx.host->sw().datapath().push_stats();  // the lookups of packets not yet credited
  if (Ofproto* br = bridge_or_fail(ctx, ctx.args[1])) ofctl_dump_tables(ctx, *br);
}

struct OfctlCommand {
  std::string_view name;
  int min_args;  // after the command name
  int max_args;
  bool local;  // runs without a switch
  void (*run)(OfctlCtx&);
};

constexpr OfctlCommand kOfctlCommands[] = {
    {"show", 1, 1, false, cmd_show},
    {"dump-flows", 1, 2, false, cmd_dump_flows},
    {"add-flow", 2, 2, false, cmd_add_flow},
    {"add-flows", 2, 2, false, cmd_add_flows},
    {"mod-flows", 2, 2, false, cmd_mod_flows},
    {"del-flows", 1, 2, false, cmd_del_flows},
    {"replace-flows", 2, 2, false, cmd_replace_flows},
    {"dump-ports", 1, 2, false, cmd_dump_ports},
    {"dump-ports-desc", 1, 2, false, cmd_dump_ports_desc},
    {"dump-tables", 1, 1, false, cmd_dump_tables},
    {"parse-flow", 1, 1, true, ofctl_parse_flow_cmd},
    {"parse-flows", 1, 1, true, ofctl_parse_flows_cmd},
};

const OfctlCommand* find_command(std::string_view name) {
  for (const OfctlCommand& c : kOfctlCommands) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

// Parses options, finds the command and checks its argument count; null on error.
const OfctlCommand* prepare(OfctlCtx& ctx, const Args& argv) {
  Status st = parse_args(argv, ctx.opt, ctx.args);
  if (!st.ok()) return ctx.fail(st.error().message), nullptr;
  if (ctx.args.empty()) return ctx.fail("missing command name; use --help for help"), nullptr;
  const OfctlCommand* cmd = find_command(ctx.args[0]);
  if (!cmd) return ctx.fail("unknown command '" + ctx.args[0] + "'; use --help for help"), nullptr;
  int n = static_cast<int>(ctx.args.size()) - 1;
  if (n < cmd->min_args) {
    ctx.fail("'" + ctx.args[0] + "' command requires at least " + std::to_string(cmd->min_args) +
             " arguments");
    return nullptr;
  }
  if (n > cmd->max_args) {
    ctx.fail("'" + ctx.args[0] + "' command takes at most " + std::to_string(cmd->max_args) +
             " arguments");
    return nullptr;
  }
  return cmd;
}

}  // namespace

std::string ofctl_reply_header(const OfctlOptions& opt, const std::string& name10,
                               const std::string& name, int xid10, int xid) {
  char buf[128];
  if (opt.version == 1) {
    std::snprintf(buf, sizeof buf, "%s reply (xid=0x%x):", name10.c_str(), xid10);
  } else {
    std::snprintf(buf, sizeof buf, "%s reply (OF1.%d) (xid=0x%x):", name.c_str(), opt.version - 1,
                  xid);
  }
  return buf;
}

ControlReply ofctl_execute(CommandHost& host, const Args& argv, const std::string& stdin_data,
                           bool allow_stream) {
  OfctlCtx ctx;
  ctx.host = &host;
  ctx.stdin_data = &stdin_data;
  ctx.allow_stream = allow_stream;
  if (const OfctlCommand* cmd = prepare(ctx, argv)) cmd->run(ctx);
  return std::move(ctx.reply);
}

Args ofctl_positional_args(const Args& argv) {
  OfctlOptions opt;
  Args args;
  if (!parse_args(argv, opt, args).ok()) return {};
  return args;
}

bool ofctl_is_local_command(const Args& argv) {
  OfctlCtx ctx;
  if (!parse_args(argv, ctx.opt, ctx.args).ok() || ctx.args.empty()) return false;
  const OfctlCommand* cmd = find_command(ctx.args[0]);
  return cmd && cmd->local;
}

ControlReply ofctl_execute_local(const Args& argv, const std::string& stdin_data) {
  OfctlCtx ctx;
  ctx.stdin_data = &stdin_data;
  const OfctlCommand* cmd = prepare(ctx, argv);
  if (cmd && !cmd->local) ctx.fail("'" + ctx.args[0] + "' needs the daemon");
  if (cmd && cmd->local) cmd->run(ctx);
  return std::move(ctx.reply);
}

}  // namespace nt
