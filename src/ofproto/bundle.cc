#include "ofproto/bundle.h"

#include <map>
#include <tuple>

#include "common/strings.h"

namespace nt {

FlowSpec rule_to_spec(const Rule& r) {
  FlowSpec s;
  s.table = r.table_id;
  s.table_given = true;
  s.priority = r.priority();
  s.priority_given = true;
  s.cookie = r.cookie;
  s.idle_timeout = r.idle_timeout;
  s.hard_timeout = r.hard_timeout;
  s.importance = r.importance;
  s.send_flow_rem = r.send_flow_rem;
  s.match = r.match();
  s.actions = r.actions;
  s.actions_given = true;
  return s;
}

std::vector<FlowSpec> bridge_flows(const Ofproto& br, bool with_learned) {
  std::vector<FlowSpec> out;
  for (const RulePtr& r : br.select(FlowSpec{}, false)) {
    if (with_learned || !r->learned) out.push_back(rule_to_spec(*r));
  }
  return out;
}

std::string format_configured_flows(const Ofproto& br) {
  std::string out;
  for (const FlowSpec& s : bridge_flows(br, false))
    out += format_flow(s, FlowTextMode::kAdd) + "\n";
  return out;
}

Status restore_flows(Ofproto& br, std::string_view text) {
  auto parsed = parse_flow_file(text, "", nullptr, FlowModCommand::kAdd, false);
  if (!parsed.ok()) return parsed.error();
  std::vector<FlowOp> ops{{FlowModCommand::kDelete, FlowSpec{}}};
  for (FlowOp& op : *parsed) ops.push_back(std::move(op));
  return br.apply_bundle(ops);
}

FlowTextMode flow_text_mode(FlowModCommand cmd) {
  switch (cmd) {
    case FlowModCommand::kAdd:
      return FlowTextMode::kAdd;
    case FlowModCommand::kModify:
    case FlowModCommand::kModifyStrict:
      return FlowTextMode::kModify;
    case FlowModCommand::kDelete:
    case FlowModCommand::kDeleteStrict:
      break;
  }
  return FlowTextMode::kDelete;
}

namespace {

// Splits a flow file into logical lines: '#' starts a comment, a trailing '\' continues the
// line. Each entry is {first physical line number, text}.
std::vector<std::pair<int, std::string>> flow_file_lines(std::string_view text) {
  std::vector<std::pair<int, std::string>> out;
  std::string cur;
  int line_no = 0, first = 0;
  for (std::string_view rest = text; !rest.empty();) {
    size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    ++line_no;
    if (cur.empty()) first = line_no;
    if (size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    line = trim(line);
    bool cont = !line.empty() && line.back() == '\\';
    if (cont) line.remove_suffix(1);
    cur += std::string(line) + (cont ? " " : "");
    if (cont) continue;
    if (!trim(cur).empty()) out.emplace_back(first, std::string(trim(cur)));
    cur.clear();
  }
  if (!trim(cur).empty()) out.emplace_back(first, std::string(trim(cur)));
  return out;
}

// A flow file line may start with the command it is (as ovs-ofctl's add-flows files may).
FlowModCommand line_command(std::string& line, FlowModCommand dflt) {
  static const std::pair<const char*, FlowModCommand> kWords[] = {
      {"add", FlowModCommand::kAdd},
      {"modify", FlowModCommand::kModify},
      {"modify_strict", FlowModCommand::kModifyStrict},
      {"delete", FlowModCommand::kDelete},
      {"delete_strict", FlowModCommand::kDeleteStrict}};
  size_t sp = line.find_first_of(" \t");
  if (sp == std::string::npos) return dflt;
  for (const auto& [word, cmd] : kWords) {
    if (line.compare(0, sp, word) == 0) {
      line = std::string(trim(std::string_view(line).substr(sp)));
      return cmd;
    }
  }
  return dflt;
}

// The identity of a flow in a table (what add replaces, what delete_strict selects).
using FlowIdentity = std::tuple<uint8_t, uint16_t, std::string>;
FlowIdentity flow_identity(const FlowSpec& s) {
  return {s.table, s.priority, format_match(s.match, s.priority)};
}

bool same_version(const FlowSpec& a, const FlowSpec& b) {
  return a.cookie == b.cookie && a.idle_timeout == b.idle_timeout &&
         a.hard_timeout == b.hard_timeout && a.importance == b.importance &&
         a.send_flow_rem == b.send_flow_rem && a.actions == b.actions;
}

}  // namespace

Result<std::vector<FlowOp>> parse_flow_file(std::string_view text, const std::string& file,
                                            const PortNamer* names, FlowModCommand dflt,
                                            bool keywords, const FlowFixup& fixup) {
  std::vector<FlowOp> ops;
  for (auto& [line_no, line] : flow_file_lines(text)) {
    FlowModCommand cmd = keywords ? line_command(line, dflt) : dflt;
    auto spec = parse_flow(line, flow_text_mode(cmd), names);
    if (spec.ok() && fixup) {
      if (Status st = fixup(*spec, flow_text_mode(cmd)); !st.ok()) spec = st.error();
    }
    if (!spec.ok()) {
      std::string where =
          file.empty() ? "line " + std::to_string(line_no) : file + ":" + std::to_string(line_no);
      return make_error(where + ": " + spec.error().message, spec.error().code);
    }
    ops.push_back({cmd, std::move(*spec)});
  }
  return ops;
}

std::vector<FlowOp> diff_flows(const std::vector<FlowSpec>& have, const std::vector<FlowSpec>& want,
                               uint64_t cookie, uint64_t cookie_mask, bool readd) {
  std::map<FlowIdentity, size_t> wanted;  // the last version of each wanted flow
  for (size_t i = 0; i < want.size(); ++i) wanted[flow_identity(want[i])] = i;
  std::map<FlowIdentity, const FlowSpec*> held;
  std::vector<FlowOp> ops;
  for (const FlowSpec& h : have) {
    FlowIdentity id = flow_identity(h);
    held[id] = &h;
    if (wanted.count(id) || (h.cookie & cookie_mask) != (cookie & cookie_mask)) continue;
    FlowSpec del = h;
    del.table_given = del.priority_given = true;
    del.cookie_mask = ~uint64_t{0};
    del.actions.clear();
    del.actions_given = false;
    del.out_port = ofp_port::kNone;
    ops.push_back({FlowModCommand::kDeleteStrict, std::move(del)});
  }
  for (size_t i = 0; i < want.size(); ++i) {
    FlowIdentity id = flow_identity(want[i]);
    if (wanted.at(id) != i) continue;  // a later line redefines it
    auto h = held.find(id);
    if (!readd && h != held.end() && same_version(*h->second, want[i])) continue;
    FlowSpec add = want[i];
    add.table_given = add.priority_given = true;
    add.cookie_mask = 0;
    add.check_overlap = false;  // replace-flows never asks (ovs-ofctl drops the flag too)
    ops.push_back({FlowModCommand::kAdd, std::move(add)});
  }
  return ops;
}

}  // namespace nt
