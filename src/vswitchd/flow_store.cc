#include "vswitchd/flow_store.h"

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <iterator>

#include "common/strings.h"
#include "vswitchd/control.h"

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
  s.reset_counts = r.reset_counts;
  s.match = r.match();
  s.actions = r.actions;
  s.actions_given = true;
  return s;
}

std::string format_configured_flows(const Ofproto& br) {
  std::string out;
  for (const RulePtr& r : br.select(FlowSpec{}, false)) {
    if (r->learned) continue;
    out += format_flow(rule_to_spec(*r), FlowTextMode::kAdd) + "\n";
  }
  return out;
}

Status restore_flows(Ofproto& br, std::string_view text) {
  std::vector<FlowSpec> specs;
  size_t line_no = 0;
  for (std::string_view rest = text; !rest.empty();) {
    size_t nl = rest.find('\n');
    std::string_view line = trim(rest.substr(0, nl));
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    ++line_no;
    if (line.empty() || line.front() == '#') continue;
    auto spec = parse_flow(line, FlowTextMode::kAdd);
    if (!spec.ok()) {
      return make_error("line " + std::to_string(line_no) + ": " + spec.error().message);
    }
    specs.push_back(std::move(*spec));
  }
  NT_TRY(br.flow_mod(FlowSpec{}, FlowModCommand::kDelete));
  for (const FlowSpec& s : specs) NT_TRY(br.flow_mod(s, FlowModCommand::kAdd));
  return ok_status();
}

Status FlowStore::save(const Ofproto& br) const {
  ::mkdir(dir_.c_str(), 0755);
  return write_file_atomic(path(br.name()), format_configured_flows(br));
}

std::optional<std::string> FlowStore::load(const std::string& bridge) const {
  std::ifstream in(path(bridge), std::ios::binary);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void FlowStore::remove(const std::string& bridge) const { ::unlink(path(bridge).c_str()); }

}  // namespace nt
