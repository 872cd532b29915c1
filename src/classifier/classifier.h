// Classifier: tuple-space search over OpenFlow rules (contract; see classifier.cc).
//
// Rules with the same mask share a subtable, a hash table keyed by the masked key. Subtables
// are kept sorted by the highest priority they hold, so lookup visits them in that order and
// stops as soon as no remaining subtable can beat the best match found. Every subtable
// visited contributes its mask to the caller's wildcard accumulator: those are exactly the
// bits the answer depended on, which is what makes a megaflow built from it correct.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "flow/match.h"

namespace nt {

// Embedded in (or owned alongside) an OpenFlow rule. The classifier does not own rules.
struct ClsRule {
  Match match;
  uint16_t priority = 32768;
};

class Classifier {
 public:
  Classifier();
  ~Classifier();
  Classifier(const Classifier&) = delete;
  Classifier& operator=(const Classifier&) = delete;

  // Inserts `rule`; a rule with an identical match and priority must not be present
  // (callers use find_exact first and replace).
  void insert(ClsRule* rule);
  // Removes `rule` (which must be present).
  void remove(ClsRule* rule);
  // The rule with exactly this match and priority, or nullptr.
  ClsRule* find_exact(const Match& match, uint16_t priority) const;
  // Highest-priority rule matching `key` (ties: any one of them), or nullptr. If `wc` is not
  // null, ORs into it every mask bit the lookup consulted.
  ClsRule* lookup(const FlowKey& key, FlowKey* wc = nullptr) const;
  // Calls fn for every rule whose match is at least as specific as `criteria` and agrees with
  // it on the bits `criteria` fixes (OpenFlow non-strict modify/delete).
  void for_each_loose(const Match& criteria, const std::function<void(ClsRule*)>& fn) const;
  void for_each(const std::function<void(ClsRule*)>& fn) const;
  size_t size() const { return n_rules_; }
  size_t n_subtables() const;

 private:
  struct Subtable;
  std::vector<std::unique_ptr<Subtable>> subtables_;  // sorted by max_priority, descending
  size_t n_rules_ = 0;
  void sort_subtables();
};

}  // namespace nt
