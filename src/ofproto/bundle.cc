#include "ofproto/bundle.h"

#include <algorithm>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/memory.h"
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

// Walks a flow file's logical lines without copying them: '#' starts a comment, a trailing
// '\\' continues the line. A line is a view into the text; only a continued line is assembled
// (in `joined_`), so a plain file costs no allocation per line.
class FlowFileLines {
 public:
  explicit FlowFileLines(std::string_view text) : rest_(text) {}
  // The next non-empty logical line and the number of its first physical line.
  bool next(std::string_view* line, int* first) {
    joined_.clear();
    bool joining = false;
    while (!rest_.empty()) {
      size_t nl = rest_.find('\n');
      std::string_view phys = rest_.substr(0, nl);
      rest_ = nl == std::string_view::npos ? std::string_view() : rest_.substr(nl + 1);
      ++line_no_;
      if (!joining) *first = line_no_;
      if (size_t hash = phys.find('#'); hash != std::string_view::npos) {
        phys = phys.substr(0, hash);
      }
      phys = trim(phys);
      bool cont = !phys.empty() && phys.back() == '\\';
      if (cont) phys.remove_suffix(1);
      if (!cont && !joining) {
        if (phys.empty()) continue;
        *line = phys;
        return true;
      }
      joined_ += phys;
      if (cont) {
        joined_ += ' ';
        joining = true;
        continue;
      }
      if (!emit_joined(line)) {
        joining = false;
        continue;
      }
      return true;
    }
    return joining && emit_joined(line);
  }

 private:
  bool emit_joined(std::string_view* line) {
    std::string_view t = trim(joined_);
    if (t.empty()) {
      joined_.clear();
      return false;
    }
    *line = t;
    return true;
  }

  std::string_view rest_;
  std::string joined_;
  int line_no_ = 0;
};

// A flow file line may start with the command it is (as ovs-ofctl's add-flows files may).
FlowModCommand line_command(std::string_view& line, FlowModCommand dflt) {
  static constexpr std::pair<std::string_view, FlowModCommand> kWords[] = {
      {"add", FlowModCommand::kAdd},
      {"modify", FlowModCommand::kModify},
      {"modify_strict", FlowModCommand::kModifyStrict},
      {"delete", FlowModCommand::kDelete},
      {"delete_strict", FlowModCommand::kDeleteStrict}};
  size_t sp = line.find_first_of(" \t");
  if (sp == std::string_view::npos) return dflt;
  for (const auto& [word, cmd] : kWords) {
    if (line.substr(0, sp) == word) {
      line = trim(line.substr(sp));
      return cmd;
    }
  }
  return dflt;
}

// The identity of a flow in a table (what add replaces, what delete_strict selects).
// A flow's identity (table, priority, match): what replace-flows matches the switch's flows and the
// file's by. The match is compared as its canonical text; a hash map keeps the comparison to one
// string hash and, on a hit, one string compare per flow.
struct FlowIdentity {
  uint8_t table;
  uint16_t priority;
  std::string match;
  bool operator==(const FlowIdentity&) const = default;
};
struct FlowIdentityHash {
  size_t operator()(const FlowIdentity& id) const {
    return std::hash<std::string>{}(id.match) ^
           ((size_t{id.table} << 16 | id.priority) * 0x9e3779b97f4a7c15ull);
  }
};
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
  // One op per line at most: reserving up front spares the copies (and the page faults) of a
  // growing vector of large FlowOps.
  ops.reserve(static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 1);
  advise_huge_pages_for(ops);
  FlowFileLines lines(text);
  std::string_view line;
  int line_no = 0;
  while (lines.next(&line, &line_no)) {
    FlowModCommand cmd = keywords ? line_command(line, dflt) : dflt;
    FlowOp& op = ops.emplace_back();
    op.cmd = cmd;
    Status st = parse_flow_into(line, flow_text_mode(cmd), names, &op.spec);
    if (st.ok() && fixup) st = fixup(op.spec, flow_text_mode(cmd));
    if (!st.ok()) {
      std::string where =
          file.empty() ? "line " + std::to_string(line_no) : file + ":" + std::to_string(line_no);
      return make_error(where + ": " + st.error().message, st.error().code);
    }
  }
  return ops;
}

std::vector<FlowOp> diff_flows(const std::vector<FlowSpec>& have, const std::vector<FlowSpec>& want,
                               uint64_t cookie, uint64_t cookie_mask, bool readd) {
  // Each identity is formatted once; a switch flow's is looked up once.
  std::unordered_map<FlowIdentity, size_t, FlowIdentityHash> wanted;  // the last version of each
  wanted.reserve(want.size());
  std::vector<bool> redefined(want.size());  // a later line redefines it
  for (size_t i = 0; i < want.size(); ++i) {
    auto [it, fresh] = wanted.try_emplace(flow_identity(want[i]), i);
    if (!fresh) {
      redefined[it->second] = true;
      it->second = i;
    }
  }
  std::vector<const FlowSpec*> held(want.size());  // the switch's flow of each wanted one
  std::vector<FlowOp> ops;
  for (const FlowSpec& h : have) {
    auto it = wanted.find(flow_identity(h));
    if (it != wanted.end()) held[it->second] = &h;
    if (it != wanted.end() || (h.cookie & cookie_mask) != (cookie & cookie_mask)) continue;
    FlowSpec del = h;
    del.table_given = del.priority_given = true;
    del.cookie_mask = ~uint64_t{0};
    del.actions.clear();
    del.actions_given = false;
    del.out_port = ofp_port::kNone;
    ops.push_back({FlowModCommand::kDeleteStrict, std::move(del)});
  }
  for (size_t i = 0; i < want.size(); ++i) {
    if (redefined[i]) continue;
    if (!readd && held[i] && same_version(*held[i], want[i])) continue;
    FlowSpec add = want[i];
    add.table_given = add.priority_given = true;
    add.cookie_mask = 0;
    add.check_overlap = false;  // replace-flows never asks (ovs-ofctl drops the flag too)
    ops.push_back({FlowModCommand::kAdd, std::move(add)});
  }
  return ops;
}

}  // namespace nt
