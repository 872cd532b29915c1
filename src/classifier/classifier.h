// Classifier: tuple-space search over OpenFlow rules (contract; see classifier.cc).
//
// Rules with the same mask share a subtable, a hash table keyed by the masked key. Subtables
// are kept sorted by the highest priority they hold, so lookup visits them in that order and
// stops as soon as no remaining subtable can beat the best match found. Every subtable
// visited contributes its mask to the caller's wildcard accumulator: those are exactly the
// bits the answer depended on, which is what makes a megaflow built from it correct.
//
// Staged lookup refines that: a subtable's mask is split into stages (metadata, L2, L3, L4,
// in FlowKey order) and the subtable keeps, per stage, the set of hashes of its rules' values
// over the stages so far. A key whose prefix hash is absent cannot match any rule there, so
// the lookup stops at that stage and contributes only the bits of the stages it examined —
// still every bit the answer depended on, and often far fewer (a miss on in_port leaves the
// IP and port fields wildcarded in the megaflow).
//
// Conjunctive matches (ovs-fields(7), "Conjunctive Match Fields") are the one exception to
// "highest priority wins". A rule that carries conjunction clauses (`conjs`, from its
// conjunction(ID,K/N) actions) is "soft": it never is a lookup's answer by itself. When the
// ordinary lookup's best rule is soft, a slower pass gathers every matching rule; at each
// priority above the best ordinary ("hard") rule, highest first, a conjunction ID whose
// clauses 1..N all matched makes the classifier look up the key again with conj_id=ID,
// ignoring soft rules; a hit is the answer. Otherwise the hard rule is. Tables without soft
// rules pay one test of the answer's `conjs` for this.
//
// Invariants: a rule's match and priority do not change while it is in the classifier; every
// subtable holds at least one rule; within a subtable, rules with the same masked value are
// ordered by priority, highest first. Lookup never allocates. The classifier is not
// thread-safe: callers serialise modifications against lookups.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

#include "flow/match.h"

namespace nt {

// One clause a rule contributes to a conjunctive match: conjunction(id, clause/n_clauses).
struct ClsConjunction {
  uint32_t id = 0;
  uint8_t clause = 1;  // 1..n_clauses
  uint8_t n_clauses = 2;
  bool operator==(const ClsConjunction&) const = default;
};

// Embedded in (or owned alongside) an OpenFlow rule. The classifier does not own rules.
struct ClsRule {
  Match match;
  uint16_t priority = 32768;
  std::vector<ClsConjunction> conjs;  // empty: an ordinary rule
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
  // Puts `fresh` in the place of `old` (present, with the same match and priority): what
  // remove(old) + insert(fresh) do, without freeing and remaking the match's node.
  void replace(ClsRule* old, ClsRule* fresh);
  // The rule with exactly this match and priority, or nullptr.
  ClsRule* find_exact(const Match& match, uint16_t priority) const;
  // Highest-priority rule matching `key` (ties: any one of them), or nullptr. If `wc` is not
  // null, ORs into it every mask bit the lookup consulted.
  ClsRule* lookup(const FlowKey& key, FlowKey* wc = nullptr) const;
  // Calls fn for every rule whose match is at least as specific as `criteria` and agrees with
  // it on the bits `criteria` fixes (OpenFlow non-strict modify/delete).
  // for_each_loose and for_each call fn on a snapshot taken first, so fn may remove (or
  // insert) rules; a rule fn removes must not be destroyed if it has yet to be visited.
  void for_each_loose(const Match& criteria, const std::function<void(ClsRule*)>& fn) const;
  void for_each(const std::function<void(ClsRule*)>& fn) const;
  // A rule with this `priority` that some packet could match together with `match` (the
  // OpenFlow CHECK_OVERLAP test; an identical match counts), or nullptr.
  ClsRule* find_overlap(const Match& match, uint16_t priority) const;
  size_t size() const { return n_rules_; }
  bool empty() const { return n_rules_ == 0; }
  size_t n_subtables() const;

 private:
  struct Subtable;
  std::vector<std::unique_ptr<Subtable>> subtables_;      // sorted by max_priority, descending
  std::unordered_multimap<uint64_t, Subtable*> by_mask_;  // hash of mask -> subtable
  size_t n_rules_ = 0;
  uint64_t next_seq_ = 0;  // creation order, breaks ties between equal max priorities
  void reposition(Subtable* st);
  Subtable* find_subtable(const FlowKey& mask) const;
  Subtable* create_subtable(const FlowKey& mask);
  void destroy_subtable(Subtable* st);
  template <bool kWc>
  ClsRule* lookup_impl(const FlowKey& key, FlowKey* wc) const;
  // The slow pass for soft rules (see above).
  ClsRule* lookup_conjunctive(const FlowKey& key, FlowKey* wc) const;
  void gather(const FlowKey& key, FlowKey* wc, ClsRule*& hard, std::vector<ClsRule*>* soft) const;
  static std::vector<uint32_t> complete_conjunctions(const std::vector<ClsRule*>& rules,
                                                     size_t begin, size_t end);
};

}  // namespace nt
