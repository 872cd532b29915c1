// An OpenFlow rule as a bridge holds it: match and priority (in the classifier), cookie,
// timeouts, actions and counters.
//
// Rules are shared (std::shared_ptr) because cached megaflows keep references to the rules
// they were translated through, to credit them with statistics later; a deleted rule is marked
// `removed` and freed when the last cache entry lets go of it.
#pragma once

#include <cstdint>
#include <memory>

#include "classifier/classifier.h"
#include "common/clock.h"
#include "openflow/actions.h"

namespace nt {

struct Rule {
  ClsRule cls;  // match + priority
  uint8_t table_id = 0;
  uint64_t cookie = 0;
  uint16_t idle_timeout = 0;
  uint16_t hard_timeout = 0;
  uint16_t importance = 0;
  bool send_flow_rem = false;
  bool reset_counts = false;
  ActionList actions;
  TimeMs created = 0;   // duration is measured from here
  TimeMs modified = 0;  // hard_timeout and hard_age count from here
  TimeMs used = 0;      // idle_timeout and idle_age count from here
  uint64_t n_packets = 0;
  uint64_t n_bytes = 0;
  bool removed = false;
  bool superseded = false;   // removed by an add of the same identity (table, priority, match)
  bool learned = false;      // added by a learn action (not configured; never persisted)
  uint64_t seq = 0;          // insertion order: dump-flows lists equal priorities in this order
  uint64_t bundle_mark = 0;  // the last bundle commit that listed it (Ofproto, internal)

  const Match& match() const { return cls.match; }
  uint16_t priority() const { return cls.priority; }
};

using RulePtr = std::shared_ptr<Rule>;

// dump-flows order: table, then priority (high first), then insertion. dump_order() is the first
// two as one key (sorts keep it beside the rule to compare without chasing it), then seq.
inline uint32_t dump_order(const Rule& r) {
  return uint32_t{r.table_id} << 16 | (0xffffu - r.priority());
}
inline bool dumped_before(const Rule& a, const Rule& b) {
  uint32_t x = dump_order(a), y = dump_order(b);
  return x != y ? x < y : a.seq < b.seq;
}

// Copies the rule's conjunction(...) actions into its classifier entry (ClsRule::conjs), which
// makes it a soft rule of a conjunctive match; call whenever the actions change.
void set_conjunctions(Rule& rule);

}  // namespace nt
