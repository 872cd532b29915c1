// FlowDump and the dump-flows line of one rule.
#include "ofproto/flow_dump.h"

#include <algorithm>
#include <cstdio>

#include "openflow/action_wire.h"

namespace nt {
namespace {

long long age_seconds(TimeMs now, TimeMs since) {
  long long a = (now - since) / 1000;
  if (a < 0) a = 0;
  return a > 65535 ? 65535 : a;
}

// "cookie=0x0, duration=1.5s, table=0, n_packets=0, n_bytes=0, " and the ages: the part of a
// line that --no-stats leaves out (except a non-zero cookie or table).
void append_stats(std::string& s, const Rule& r, const RuleCounters& snap, const DumpOptions& opts,
                  TimeMs now) {
  char buf[96];
  if (!opts.no_stats || snap.cookie) {
    std::snprintf(buf, sizeof buf, "cookie=0x%llx, ", static_cast<unsigned long long>(snap.cookie));
    s += buf;
  }
  if (!opts.no_stats) s += "duration=" + format_duration(now - snap.created) + ", ";
  if (!opts.no_stats || r.table_id) s += "table=" + std::to_string(r.table_id) + ", ";
  if (!opts.no_stats) {
    std::snprintf(buf, sizeof buf, "n_packets=%llu, n_bytes=%llu, ",
                  static_cast<unsigned long long>(snap.n_packets),
                  static_cast<unsigned long long>(snap.n_bytes));
    s += buf;
  }
}

void append_flags_and_ages(std::string& s, const Rule& r, const RuleCounters& snap,
                           const DumpOptions& opts, TimeMs now) {
  if (r.idle_timeout) s += "idle_timeout=" + std::to_string(r.idle_timeout) + ", ";
  if (r.hard_timeout) s += "hard_timeout=" + std::to_string(r.hard_timeout) + ", ";
  // Flow flags travel in flow stats from OpenFlow 1.3 on, importance from 1.4 on.
  if (opts.ofp_version >= 4 && r.send_flow_rem) s += "send_flow_rem ";
  if (opts.ofp_version >= 4 && r.reset_counts) s += "reset_counts ";
  if (opts.ofp_version >= 5 && r.importance) {
    s += "importance=" + std::to_string(r.importance) + ", ";
  }
  if (!opts.no_stats) {
    long long duration_sec = (now - snap.created) / 1000;
    s += "idle_age=" + std::to_string(age_seconds(now, snap.used)) + ", ";
    long long hard_age = age_seconds(now, snap.modified);
    if (hard_age != duration_sec) s += "hard_age=" + std::to_string(hard_age) + ", ";
  }
}

}  // namespace

PortNameSnapshot::PortNameSnapshot(const Ofproto& br) {
  ports_.reserve(br.ports().size());
  for (const auto& [no, port] : br.ports()) ports_.emplace_back(no, port.name);
}

std::optional<uint32_t> PortNameSnapshot::port_by_name(std::string_view name) const {
  for (const auto& [no, n] : ports_) {
    if (n == name) return no;
  }
  return std::nullopt;
}

std::optional<std::string> PortNameSnapshot::name_by_port(uint32_t port) const {
  auto it = std::lower_bound(ports_.begin(), ports_.end(), port,
                             [](const auto& p, uint32_t no) { return p.first < no; });
  if (it == ports_.end() || it->first != port) return std::nullopt;
  return it->second;
}

std::string format_rule_line(const Rule& r, const RuleCounters& c, const DumpOptions& opts,
                             TimeMs now, const PortNamer* names) {
  std::string s = " ";
  append_stats(s, r, c, opts, now);
  append_flags_and_ages(s, r, c, opts, now);
  s += format_match(match_wire_form(r.match(), opts.ofp_version), r.priority(), names);
  if (s.back() != ' ') s += ' ';
  auto acts = wire_form(r.actions, r.match(), WireOptions{opts.ofp_version});
  s += "actions=" + format_actions(acts.ok() ? *acts : r.actions, names);
  return s;
}

void strip_nx_ages(std::string& text, size_t from) {
  for (std::string_view key : {", idle_age=", ", hard_age="}) {
    size_t p = text.find(key, from);
    if (p == std::string::npos) continue;
    size_t end = text.find(", ", p + 2);
    if (end != std::string::npos) text.erase(p, end - p);
  }
}

FlowDump::FlowDump(const Ofproto& br, const FlowSpec* filter, const DumpOptions& opts,
                   bool strip_ages)
    : opts_(opts), strip_ages_(strip_ages), now_(br.clock().now_ms()) {
  FlowSpec all;
  std::vector<RulePtr> selected = br.select(filter ? *filter : all, false);
  if (opts.sort) {
    std::stable_sort(selected.begin(), selected.end(), [&](const RulePtr& a, const RulePtr& b) {
      return opts.sort > 0 ? a->priority() < b->priority() : a->priority() > b->priority();
    });
  }
  rules_.reserve(selected.size());
  for (RulePtr& r : selected) {
    RuleCounters c = RuleCounters::of(*r);
    rules_.push_back(Entry{std::move(r), c});
  }
  if (opts.names) names_.emplace(br);
}

bool FlowDump::next(std::string& out, size_t budget) {
  if (pos_ == rules_.size()) return false;
  const PortNamer* names = names_ ? &*names_ : nullptr;
  size_t start = out.size();
  while (pos_ < rules_.size() && out.size() - start < budget) {
    size_t line = out.size();
    const Entry& e = rules_[pos_++];
    out += format_rule_line(*e.rule, e.counters, opts_, now_, names);
    out += '\n';
    if (strip_ages_) strip_nx_ages(out, line);
  }
  return true;
}

}  // namespace nt
