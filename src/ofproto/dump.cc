// dump-flows: rules printed exactly as ovs-ofctl prints them.
#include <algorithm>
#include <cstdio>

#include "ofproto/ofproto.h"
#include "openflow/action_wire.h"

namespace nt {

std::string format_duration(TimeMs ms) {
  if (ms < 0) ms = 0;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(ms / 1000));
  std::string s = buf;
  if (ms % 1000) {
    std::snprintf(buf, sizeof buf, ".%03lld", static_cast<long long>(ms % 1000));
    std::string frac = buf;
    while (frac.back() == '0') frac.pop_back();
    s += frac;
  }
  return s + "s";
}

namespace {

long long age_seconds(TimeMs now, TimeMs since) {
  long long a = (now - since) / 1000;
  if (a < 0) a = 0;
  return a > 65535 ? 65535 : a;
}

}  // namespace

std::string Ofproto::format_rule(const Rule& r, const DumpOptions& opts) const {
  const PortNamer* names = opts.names ? this : nullptr;
  std::string s = " ";
  char buf[96];
  TimeMs now = clock_.now_ms();
  if (!opts.no_stats || r.cookie) {
    std::snprintf(buf, sizeof buf, "cookie=0x%llx, ", static_cast<unsigned long long>(r.cookie));
    s += buf;
  }
  if (!opts.no_stats) s += "duration=" + format_duration(now - r.created) + ", ";
  if (!opts.no_stats || r.table_id) s += "table=" + std::to_string(r.table_id) + ", ";
  if (!opts.no_stats) {
    std::snprintf(buf, sizeof buf, "n_packets=%llu, n_bytes=%llu, ",
                  static_cast<unsigned long long>(r.n_packets),
                  static_cast<unsigned long long>(r.n_bytes));
    s += buf;
  }
  if (r.idle_timeout) s += "idle_timeout=" + std::to_string(r.idle_timeout) + ", ";
  if (r.hard_timeout) s += "hard_timeout=" + std::to_string(r.hard_timeout) + ", ";
  // Flow flags travel in flow stats from OpenFlow 1.3 on, importance from 1.4 on.
  if (opts.ofp_version >= 4 && r.send_flow_rem) s += "send_flow_rem ";
  if (opts.ofp_version >= 4 && r.reset_counts) s += "reset_counts ";
  if (opts.ofp_version >= 5 && r.importance) {
    s += "importance=" + std::to_string(r.importance) + ", ";
  }
  if (!opts.no_stats) {
    long long duration_sec = (now - r.created) / 1000;
    s += "idle_age=" + std::to_string(age_seconds(now, r.used)) + ", ";
    long long hard_age = age_seconds(now, r.modified);
    if (hard_age != duration_sec) s += "hard_age=" + std::to_string(hard_age) + ", ";
  }
  s += format_match(match_wire_form(r.match(), opts.ofp_version), r.priority(), names);
  if (s.back() != ' ') s += ' ';
  auto acts = wire_form(r.actions, r.match(), WireOptions{opts.ofp_version});
  s += "actions=" + format_actions(acts.ok() ? *acts : r.actions, names);
  return s;
}

std::string Ofproto::dump_flows(const FlowSpec* filter, const DumpOptions& opts) const {
  FlowSpec all;
  std::vector<RulePtr> rules = select(filter ? *filter : all, false);
  if (opts.sort) {
    std::stable_sort(rules.begin(), rules.end(), [&](const RulePtr& a, const RulePtr& b) {
      return opts.sort > 0 ? a->priority() < b->priority() : a->priority() > b->priority();
    });
  }
  std::string out;
  for (const RulePtr& r : rules) out += format_rule(*r, opts) + "\n";
  return out;
}

}  // namespace nt
