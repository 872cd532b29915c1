// nvs-ofctl parse-flow FLOW / parse-flows FILE: what ovs-ofctl prints for them — the usable
// protocols, the chosen one, then each flow as the flow_mod message it would send.
//
// Which protocols can carry a flow: OpenFlow 1.0 matches only its twelve fields (exact MACs,
// CIDR IPv4 addresses, no tunnel, register or metadata fields); anything else needs the
// Nicira extended match (NXM) or OpenFlow 1.2+ (OXM).
#include <cinttypes>
#include <cstdio>

#include "common/strings.h"
#include "node/ofctl_internal.h"
#include "openflow/action_wire.h"

namespace nt {
namespace {

// ovs-ofctl prints the flow_mod it encoded: the actions in OpenFlow 1.0 + NXM form, or with
// -O OpenFlow13 in OpenFlow 1.3's.
std::string flow_mod_line(FlowSpec s, bool nxm, int version) {
  bool of13 = version == 4;
  if (auto acts = wire_form(s.actions, s.match, WireOptions{of13 ? 4 : 1}); acts.ok()) {
    s.actions = *acts;
  }
  if (of13) s.match = match_wire_form(s.match, 4);
  const char* header = of13  ? "OFPT_FLOW_MOD (OF1.3) (xid=0x1): "
                       : nxm ? "NXT_FLOW_MOD (xid=0x1): "
                             : "OFPT_FLOW_MOD (xid=0x1): ";
  return header + ofctl_format_flow_mod(s, FlowModCommand::kAdd) + "\n";
}

// set_field narrows the usable protocols to those that can match its field (ovs-ofctl's
// set_field parser does so), also inside ct(exec(...)): set_field:1->ct_mark needs NXM or OXM.
bool set_field_needs_nxm(const SetFieldAction& sf) {
  if (!sf.field) return false;
  Match m;
  m.set_exact(*sf.field, 0);
  return !of10_can_match(m);
}

bool actions_need_nxm(const ActionList& acts) {
  for (const Action& a : acts) {
    if (auto* sf = std::get_if<SetFieldAction>(&a); sf && set_field_needs_nxm(*sf)) return true;
    if (auto* ct = std::get_if<CtAction>(&a)) {
      for (const CtExecAction& e : ct->exec) {
        if (auto* sf = std::get_if<SetFieldAction>(&e); sf && set_field_needs_nxm(*sf)) return true;
      }
    }
  }
  return false;
}

void print_flow_mods(OfctlCtx& ctx, const std::vector<FlowSpec>& specs) {
  bool nxm = false;
  for (const FlowSpec& s : specs)
    nxm = nxm || !of10_can_match(s.match) || actions_need_nxm(s.actions);
  int version = ctx.opt.version;
  ctx.reply.out += nxm ? "usable protocols: NXM,OXM\n" : "usable protocols: any\n";
  ctx.reply.out += version == 4 ? "chosen protocol: OXM-OpenFlow13\n"
                   : nxm        ? "chosen protocol: NXM-table_id\n"
                                : "chosen protocol: OpenFlow10-table_id\n";
  for (const FlowSpec& s : specs) ctx.reply.out += flow_mod_line(s, nxm, version);
}

const char* flow_mod_command_name(FlowModCommand cmd) {
  switch (cmd) {
    case FlowModCommand::kAdd:
      return "ADD";
    case FlowModCommand::kModify:
      return "MOD";
    case FlowModCommand::kModifyStrict:
      return "MOD_STRICT";
    case FlowModCommand::kDelete:
      return "DEL";
    case FlowModCommand::kDeleteStrict:
      break;
  }
  return "DEL_STRICT";
}

}  // namespace

std::string ofctl_format_flow_mod(const FlowSpec& s, FlowModCommand cmd) {
  std::string line = flow_mod_command_name(cmd);
  if (s.table) line += " table:" + std::to_string(s.table);
  line += " " + format_match(s.match, s.priority);
  if (line.back() != ' ') line += ' ';
  char buf[64];
  if (s.cookie) {
    std::snprintf(buf, sizeof buf, "cookie:0x%" PRIx64 " ", s.cookie);
    line += buf;
  }
  if (s.idle_timeout) line += "idle:" + std::to_string(s.idle_timeout) + " ";
  if (s.hard_timeout) line += "hard:" + std::to_string(s.hard_timeout) + " ";
  if (s.importance) line += "importance:" + std::to_string(s.importance) + " ";
  if (s.send_flow_rem) line += "send_flow_rem ";
  if (s.check_overlap) line += "check_overlap ";
  return line + "actions=" + format_actions(s.actions);
}

void ofctl_parse_flow_cmd(OfctlCtx& ctx) {
  auto spec = parse_flow(ctx.args[1], FlowTextMode::kAdd);
  if (!spec.ok()) return ctx.fail(spec.error().message);
  print_flow_mods(ctx, {*spec});
}

void ofctl_parse_flows_cmd(OfctlCtx& ctx) {
  std::vector<FlowSpec> specs;
  int line_no = 0;
  for (std::string_view rest = *ctx.stdin_data; !rest.empty();) {
    size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    ++line_no;
    if (size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    if (trim(line).empty()) continue;
    auto spec = parse_flow(trim(line), FlowTextMode::kAdd);
    if (!spec.ok()) {
      return ctx.fail(ctx.args[1] + ":" + std::to_string(line_no) + ": " + spec.error().message);
    }
    specs.push_back(std::move(*spec));
  }
  print_flow_mods(ctx, specs);
}

}  // namespace nt
