// dump-flows: rules printed exactly as ovs-ofctl prints them (the lines: flow_dump.cc).
#include <cstdio>

#include "ofproto/flow_dump.h"
#include "ofproto/ofproto.h"

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

std::string Ofproto::format_rule(const Rule& r, const DumpOptions& opts) const {
  return format_rule_line(r, RuleCounters::of(r), opts, clock_.now_ms(),
                          opts.names ? this : nullptr);
}

std::string Ofproto::dump_flows(const FlowSpec* filter, const DumpOptions& opts) const {
  FlowDump dump(*this, filter, opts);
  std::string out;
  while (dump.next(out, size_t{1} << 20)) {
  }
  return out;
}

}  // namespace nt
