// Classifier implementation: tuple-space search with staged lookup (see classifier.h).
//
// A subtable turns its mask into a short list of "terms" — (word index, bits) pairs for the
// non-zero words of the mask, grouped by stage — so hashing and comparing a key touches only
// the words the mask covers. Hash tables are open-addressing with linear probing and
// backward-shift deletion, keyed by a 64-bit hash that is stored in the slot, so a probe for
// a missing key usually never leaves the slot array.
#include "classifier/classifier.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cassert>
#include <cstddef>
#include <iterator>
#include <map>
#include <utility>

namespace nt {
namespace {

// ---- Hashing ------------------------------------------------------------------------------

constexpr uint64_t kHashMul = 0x9e3779b97f4a7c15ULL;

// Adds masked word `w`, found at index `word` of the key, to hash state `h`. The multiplies of
// different words are independent (only the cheap add is chained), w -> w * kHashMul is a
// bijection and the rotation makes the position count, so keys differing in one word never
// collide before hash_finish.
inline uint64_t hash_add(uint64_t h, uint64_t w, unsigned word) {
  return h + std::rotl(w * kHashMul, static_cast<int>(word * 5));
}

inline uint64_t hash_finish(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

// ---- Stages -------------------------------------------------------------------------------

enum Stage : size_t { kStageMeta, kStageL2, kStageL3, kStageL4, kNumStages };

void set_bytes(FlowKey& k, size_t begin, size_t end) {
  auto* p = reinterpret_cast<uint8_t*>(&k);
  for (size_t i = begin; i < end; ++i) p[i] = 0xff;
}

// Which FlowKey bytes belong to each stage. The key is ordered like the wire, except that the
// ARP and IPv6 addresses (L3) come after the L4 ports and the conntrack block (metadata) after
// the ARP addresses.
std::array<FlowKey, kNumStages> make_stage_masks() {
  static_assert(offsetof(FlowKey, in_port) + 4 == offsetof(FlowKey, vlan_tci));
  static_assert(offsetof(FlowKey, nw_frag) + 1 == offsetof(FlowKey, tp_src));
  std::array<FlowKey, kNumStages> m{};
  set_bytes(m[kStageMeta], 0, offsetof(FlowKey, vlan_tci));
  set_bytes(m[kStageL2], offsetof(FlowKey, vlan_tci), offsetof(FlowKey, nw_src));
  set_bytes(m[kStageL3], offsetof(FlowKey, nw_src), offsetof(FlowKey, tp_src));
  set_bytes(m[kStageL3], offsetof(FlowKey, arp_sha), offsetof(FlowKey, recirc_id));
  // Connection-tracking state is pipeline metadata (Open vSwitch stages it so too); its IPv6
  // tuple at the key's end goes with the L3 addresses.
  set_bytes(m[kStageMeta], offsetof(FlowKey, recirc_id), offsetof(FlowKey, ipv6_src));
  set_bytes(m[kStageL3], offsetof(FlowKey, ipv6_src), sizeof(FlowKey));
  set_bytes(m[kStageL4], offsetof(FlowKey, tp_src), offsetof(FlowKey, arp_sha));
  return m;
}

const std::array<FlowKey, kNumStages>& stage_masks() {
  static const std::array<FlowKey, kNumStages> masks = make_stage_masks();
  return masks;
}

// True if every bit of `inner` is also set in `outer`.
bool mask_covers(const FlowKey& outer, const FlowKey& inner) {
  const KeyWord* o = outer.words();
  const KeyWord* i = inner.words();
  for (size_t w = 0; w < FlowKey::kWords; ++w) {
    if (i[w] & ~o[w]) return false;
  }
  return true;
}

// ---- Open-addressing hash table keyed by a precomputed 64-bit hash -------------------------

// V is a count (0 = empty slot) or an owning pointer (null = empty slot). Several slots may
// hold the same hash (find takes a predicate to tell them apart). Load factor stays <= 1/2,
// so probe sequences are short and always end at an empty slot.
template <typename V>
class HashSlots {
 public:
  struct Slot {
    uint64_t hash = 0;
    V val{};
  };

  template <typename Eq>
  const Slot* find(uint64_t h, const Eq& eq) const {
    if (n_ == 0) return nullptr;
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (!s.val) return nullptr;
      if (s.hash == h && eq(s.val)) return &s;
    }
  }
  const Slot* find(uint64_t h) const {
    return find(h, [](const V&) { return true; });
  }
  Slot* find_mut(const Slot* s) { return const_cast<Slot*>(s); }

  void insert(uint64_t h, V v) {
    if ((n_ + 1) * 2 > slots_.size()) rehash(std::max<size_t>(8, slots_.size() * 2));
    place(h, std::move(v));
    ++n_;
  }

  void erase(const Slot* victim);

  template <typename Fn>
  void for_each(const Fn& fn) const {
    for (const Slot& s : slots_) {
      if (s.val) fn(s.val);
    }
  }
  size_t size() const { return n_; }

 private:
  std::vector<Slot> slots_;
  size_t n_ = 0;
  size_t mask_ = 0;

  void place(uint64_t h, V v) {
    size_t i = h & mask_;
    while (slots_[i].val) i = (i + 1) & mask_;
    slots_[i].hash = h;
    slots_[i].val = std::move(v);
  }
  void rehash(size_t capacity);
};

template <typename V>
void HashSlots<V>::erase(const Slot* victim) {
  size_t hole = static_cast<size_t>(victim - slots_.data());
  // Backward-shift: pull later members of the probe run into the hole when the hole lies
  // between their home slot and where they sit now.
  for (size_t j = (hole + 1) & mask_; slots_[j].val; j = (j + 1) & mask_) {
    size_t home = slots_[j].hash & mask_;
    if (((j - home) & mask_) >= ((j - hole) & mask_)) {
      slots_[hole] = std::move(slots_[j]);
      hole = j;
    }
  }
  slots_[hole] = Slot{};
  --n_;
  if (slots_.size() > 8 && n_ * 8 < slots_.size()) rehash(slots_.size() / 2);
}

template <typename V>
void HashSlots<V>::rehash(size_t capacity) {
  std::vector<Slot> old = std::exchange(slots_, std::vector<Slot>(capacity));
  mask_ = capacity - 1;
  for (Slot& s : old) {
    if (s.val) place(s.hash, std::move(s.val));
  }
}

}  // namespace

// ---- Subtable -----------------------------------------------------------------------------

struct Classifier::Subtable {
  // The rules whose masked value is `value`, highest priority first (priorities distinct).
  struct Node {
    ClsRule* head;  // rules.front(), kept here to save lookup a dereference
    FlowKey value;
    std::vector<ClsRule*> rules;
  };
  // A word can straddle two stages (in_port | vlan_tci, nw_frag | tp_src).
  static constexpr size_t kMaxTerms = FlowKey::kWords + kNumStages;

  // Hot fields first: lookup reads these.
  uint16_t max_priority = 0;
  uint8_t n_stages = 0;
  uint8_t n_terms = 0;
  std::array<uint8_t, kNumStages> stage_end{};  // terms [stage_end[s-1], stage_end[s])
  // Term t: bits term_bits[t] (the mask's bits of one stage) of word term_word[t].
  std::array<uint8_t, kMaxTerms> term_word{};
  std::array<uint64_t, kMaxTerms> term_bits{};
  std::array<HashSlots<uint32_t>, kNumStages - 1> prefixes;  // prefix hash -> node count
  HashSlots<std::unique_ptr<Node>> nodes;                    // full hash -> node
  // Cold fields.
  FlowKey mask;
  uint64_t mask_hash;
  uint64_t seq;
  size_t n_rules = 0;
  std::map<uint16_t, uint32_t> priorities;  // priority -> number of rules

  Subtable(const FlowKey& m, uint64_t h, uint64_t s);

  bool matches(const KeyWord* kw, const FlowKey& value) const {
    const KeyWord* vw = value.words();
    for (size_t t = 0; t < n_terms; ++t) {
      if ((kw[term_word[t]] ^ vw[term_word[t]]) & term_bits[t]) return false;
    }
    return true;
  }
  uint64_t hash_terms(const KeyWord* kw, size_t begin, size_t end, uint64_t h) const {
    for (size_t t = begin; t < end; ++t) {
      h = hash_add(h, kw[term_word[t]] & term_bits[t], term_word[t]);
    }
    return h;
  }
  void unwildcard(KeyWord* wc, size_t end) const {
    for (size_t t = 0; t < end; ++t) wc[term_word[t]] |= term_bits[t];
  }
  using NodeSlot = HashSlots<std::unique_ptr<Node>>::Slot;
  ClsRule* head_of(const NodeSlot* s) const { return s ? s->val->head : nullptr; }

  ClsRule* lookup_full(const KeyWord* kw) const;
  ClsRule* lookup_staged(const KeyWord* kw, KeyWord* wc) const;
  const Node* node_of(const KeyWord* kw, KeyWord* wc) const;
  const NodeSlot* find_node(const FlowKey& value) const;
  Node* add_node(const FlowKey& value);
  void remove_node(const NodeSlot* slot);
  void prefix_hashes(const FlowKey& value, std::array<uint64_t, kNumStages>& out) const;
  void add(ClsRule* rule);
  bool remove(ClsRule* rule);
  void collect_loose(const Match& criteria, std::vector<ClsRule*>& out) const;
  ClsRule* find_overlap(const Match& match, uint16_t priority) const;
};

Classifier::Subtable::Subtable(const FlowKey& m, uint64_t h, uint64_t s)
    : mask(m), mask_hash(h), seq(s) {
  const auto& sm = stage_masks();
  for (size_t st = 0; st < kNumStages; ++st) {
    size_t before = n_terms;
    for (uint32_t w = 0; w < FlowKey::kWords; ++w) {
      uint64_t bits = m.words()[w] & sm[st].words()[w];
      if (!bits) continue;
      term_word[n_terms] = static_cast<uint8_t>(w);
      term_bits[n_terms++] = bits;
    }
    if (n_terms != before) stage_end[n_stages++] = n_terms;
  }
}

// Without wildcard tracking: one hash over the whole mask, one probe.
ClsRule* Classifier::Subtable::lookup_full(const KeyWord* kw) const {
  uint64_t h = hash_finish(hash_terms(kw, 0, n_terms, 0));
  return head_of(nodes.find(h, [&](const auto& n) { return matches(kw, n->value); }));
}

// The node (all priorities of one masked value) that `kw` matches, or null. With `wc`, the
// walk is staged: it stops at the first stage whose prefix no rule has and un-wildcards only
// the stages it examined.
const Classifier::Subtable::Node* Classifier::Subtable::node_of(const KeyWord* kw,
                                                                KeyWord* wc) const {
  uint64_t h = 0;
  size_t t = 0;
  for (size_t s = 0; wc && s + 1 < n_stages; ++s) {
    h = hash_terms(kw, t, stage_end[s], h);
    t = stage_end[s];
    if (!prefixes[s].find(hash_finish(h))) {
      unwildcard(wc, t);
      return nullptr;
    }
  }
  h = hash_finish(hash_terms(kw, t, n_terms, h));
  if (wc) unwildcard(wc, n_terms);
  const NodeSlot* slot = nodes.find(h, [&](const auto& n) { return matches(kw, n->value); });
  return slot ? slot->val.get() : nullptr;
}

// With wildcard tracking: stop at the first stage whose prefix no rule has, un-wildcarding
// only the stages examined so far (node_of's staged walk).
ClsRule* Classifier::Subtable::lookup_staged(const KeyWord* kw, KeyWord* wc) const {
  const Node* n = node_of(kw, wc);
  return n ? n->head : nullptr;
}

const Classifier::Subtable::NodeSlot* Classifier::Subtable::find_node(const FlowKey& value) const {
  const KeyWord* vw = value.words();
  uint64_t h = hash_finish(hash_terms(vw, 0, n_terms, 0));
  return nodes.find(h, [&](const auto& n) { return n->value == value; });
}

// out[s] = finished hash of `value` over stages 0..s (the last one is the node's hash).
void Classifier::Subtable::prefix_hashes(const FlowKey& value,
                                         std::array<uint64_t, kNumStages>& out) const {
  const KeyWord* vw = value.words();
  uint64_t h = 0;
  size_t t = 0;
  out.fill(hash_finish(0));
  for (size_t s = 0; s < n_stages; ++s) {
    h = hash_terms(vw, t, stage_end[s], h);
    t = stage_end[s];
    out[s] = hash_finish(h);
  }
}

// Creates the node for `value` and counts its prefixes.
Classifier::Subtable::Node* Classifier::Subtable::add_node(const FlowKey& value) {
  std::array<uint64_t, kNumStages> hashes;
  prefix_hashes(value, hashes);
  for (size_t s = 0; s + 1 < n_stages; ++s) {
    if (const auto* p = prefixes[s].find(hashes[s])) {
      ++prefixes[s].find_mut(p)->val;
    } else {
      prefixes[s].insert(hashes[s], 1);
    }
  }
  auto node = std::make_unique<Node>(Node{nullptr, value, {}});
  Node* n = node.get();
  nodes.insert(n_stages ? hashes[n_stages - 1] : hashes[0], std::move(node));
  return n;
}

void Classifier::Subtable::remove_node(const NodeSlot* slot) {
  std::array<uint64_t, kNumStages> hashes;
  prefix_hashes(slot->val->value, hashes);
  for (size_t s = 0; s + 1 < n_stages; ++s) {
    auto* p = prefixes[s].find_mut(prefixes[s].find(hashes[s]));
    if (--p->val == 0) prefixes[s].erase(p);
  }
  nodes.erase(slot);
}

void Classifier::Subtable::add(ClsRule* rule) {
  const auto* slot = find_node(rule->match.value);
  Node* n = slot ? slot->val.get() : add_node(rule->match.value);
  auto pos = std::find_if(n->rules.begin(), n->rules.end(),
                          [&](const ClsRule* r) { return r->priority <= rule->priority; });
  assert(pos == n->rules.end() || (*pos)->priority != rule->priority);
  n->rules.insert(pos, rule);
  n->head = n->rules.front();
  ++priorities[rule->priority];
  max_priority = priorities.rbegin()->first;
  ++n_rules;
}

bool Classifier::Subtable::remove(ClsRule* rule) {
  const auto* slot = find_node(rule->match.value);
  if (!slot) return false;
  std::vector<ClsRule*>& rules = slot->val->rules;
  auto it = std::find(rules.begin(), rules.end(), rule);
  if (it == rules.end()) return false;
  rules.erase(it);
  if (rules.empty()) {
    remove_node(slot);
  } else {
    slot->val->head = rules.front();
  }
  auto pit = priorities.find(rule->priority);
  if (--pit->second == 0) priorities.erase(pit);
  max_priority = priorities.empty() ? 0 : priorities.rbegin()->first;
  --n_rules;
  return true;
}

// Rules of this subtable (whose mask covers criteria.mask) that agree with the criteria.
void Classifier::Subtable::collect_loose(const Match& criteria, std::vector<ClsRule*>& out) const {
  if (mask == criteria.mask) {
    if (const auto* slot = find_node(criteria.value)) {
      out.insert(out.end(), slot->val->rules.begin(), slot->val->rules.end());
    }
    return;
  }
  nodes.for_each([&](const std::unique_ptr<Node>& n) {
    if (key_matches(n->value, criteria.mask, criteria.value)) {
      out.insert(out.end(), n->rules.begin(), n->rules.end());
    }
  });
}

ClsRule* Classifier::Subtable::find_overlap(const Match& match, uint16_t priority) const {
  if (!priorities.count(priority)) return nullptr;
  FlowKey common = mask;
  key_and(common, match.mask);
  FlowKey theirs = match.value;
  key_and(theirs, common);
  ClsRule* found = nullptr;
  nodes.for_each([&](const std::unique_ptr<Node>& n) {
    if (found || !key_matches(n->value, common, theirs)) return;
    for (ClsRule* r : n->rules) {
      if (r->priority == priority) found = r;
    }
  });
  return found;
}

// ---- Classifier ---------------------------------------------------------------------------

Classifier::Classifier() = default;
Classifier::~Classifier() = default;

size_t Classifier::n_subtables() const { return subtables_.size(); }

// Moves `st`, whose max_priority changed, to its place; the other subtables stay sorted by
// max_priority (descending), then creation order. O(number of subtables), no full sort.
void Classifier::reposition(Subtable* st) {
  auto before = [](const Subtable* a, const Subtable* b) {
    if (a->max_priority != b->max_priority) return a->max_priority > b->max_priority;
    return a->seq < b->seq;
  };
  auto it = std::find_if(subtables_.begin(), subtables_.end(),
                         [st](const auto& p) { return p.get() == st; });
  while (it != subtables_.begin() && before(st, std::prev(it)->get())) {
    std::iter_swap(it, std::prev(it));
    --it;
  }
  while (std::next(it) != subtables_.end() && before(std::next(it)->get(), st)) {
    std::iter_swap(it, std::next(it));
    ++it;
  }
}

Classifier::Subtable* Classifier::find_subtable(const FlowKey& mask) const {
  auto [lo, hi] = by_mask_.equal_range(hash_words(mask.words(), FlowKey::kWords));
  for (auto it = lo; it != hi; ++it) {
    if (it->second->mask == mask) return it->second;
  }
  return nullptr;
}

Classifier::Subtable* Classifier::create_subtable(const FlowKey& mask) {
  uint64_t h = hash_words(mask.words(), FlowKey::kWords);
  subtables_.push_back(std::make_unique<Subtable>(mask, h, next_seq_++));
  Subtable* st = subtables_.back().get();
  by_mask_.emplace(h, st);
  return st;
}

void Classifier::destroy_subtable(Subtable* st) {
  auto [lo, hi] = by_mask_.equal_range(st->mask_hash);
  for (auto it = lo; it != hi; ++it) {
    if (it->second == st) {
      by_mask_.erase(it);
      break;
    }
  }
  // Erasing keeps the others in order.
  std::erase_if(subtables_, [st](const auto& p) { return p.get() == st; });
}

void Classifier::insert(ClsRule* rule) {
  const Match& m = rule->match;
  assert(key_matches(m.value, m.mask, m.value) && "match value has bits outside its mask");
  Subtable* st = find_subtable(m.mask);
  if (!st) st = create_subtable(m.mask);
  uint16_t old_max = st->max_priority;
  bool fresh = st->n_rules == 0;
  st->add(rule);
  ++n_rules_;
  if (fresh || st->max_priority != old_max) reposition(st);
}

void Classifier::remove(ClsRule* rule) {
  Subtable* st = find_subtable(rule->match.mask);
  uint16_t old_max = st ? st->max_priority : 0;
  bool removed = st && st->remove(rule);
  assert(removed && "removing a rule that is not in the classifier");
  if (!removed) return;
  --n_rules_;
  if (st->n_rules == 0) {
    destroy_subtable(st);
  } else if (st->max_priority != old_max) {
    reposition(st);
  }
}

void Classifier::replace(ClsRule* old, ClsRule* fresh) {
  assert(old->match == fresh->match && old->priority == fresh->priority);
  Subtable* st = find_subtable(old->match.mask);
  const auto* slot = st ? st->find_node(old->match.value) : nullptr;
  assert(slot && "replacing a rule that is not in the classifier");
  if (!slot) return;
  std::vector<ClsRule*>& rules = slot->val->rules;
  auto it = std::find(rules.begin(), rules.end(), old);
  assert(it != rules.end());
  if (it == rules.end()) return;
  *it = fresh;
  slot->val->head = rules.front();
}

ClsRule* Classifier::find_exact(const Match& match, uint16_t priority) const {
  const Subtable* st = find_subtable(match.mask);
  if (!st) return nullptr;
  const auto* slot = st->find_node(match.value);
  if (!slot) return nullptr;
  for (ClsRule* r : slot->val->rules) {
    if (r->priority == priority) return r;
  }
  return nullptr;
}

template <bool kWc>
ClsRule* Classifier::lookup_impl(const FlowKey& key, FlowKey* wc) const {
  const KeyWord* kw = key.words();
  ClsRule* best = nullptr;
  for (const auto& st : subtables_) {
    if (best && st->max_priority <= best->priority) break;
    ClsRule* r;
    if constexpr (kWc) {
      r = st->lookup_staged(kw, wc->words());
    } else {
      r = st->lookup_full(kw);
    }
    if (r && (!best || r->priority > best->priority)) best = r;
  }
  return best;
}

ClsRule* Classifier::lookup(const FlowKey& key, FlowKey* wc) const {
  ClsRule* best = wc ? lookup_impl<true>(key, wc) : lookup_impl<false>(key, nullptr);
  if (!best || best->conjs.empty()) [[likely]]
    return best;
  return lookup_conjunctive(key, wc);
}

// Walks the subtables like lookup_impl, but over every rule of each matching node: the best
// hard rule, and (when `soft` is given) every soft rule above it, highest priority first.
void Classifier::gather(const FlowKey& key, FlowKey* wc, ClsRule*& hard,
                        std::vector<ClsRule*>* soft) const {
  hard = nullptr;
  for (const auto& st : subtables_) {
    if (hard && st->max_priority <= hard->priority) break;
    const Subtable::Node* n = st->node_of(key.words(), wc ? wc->words() : nullptr);
    if (!n) continue;
    for (ClsRule* r : n->rules) {
      if (hard && r->priority <= hard->priority) break;
      if (r->conjs.empty()) {
        hard = r;
        break;
      }
      if (soft) soft->push_back(r);
    }
  }
  if (!soft) return;
  std::erase_if(*soft, [&](const ClsRule* r) { return hard && r->priority <= hard->priority; });
  std::stable_sort(soft->begin(), soft->end(),
                   [](const ClsRule* a, const ClsRule* b) { return a->priority > b->priority; });
}

// Conjunction ids whose every clause is matched by one of rules [begin, end) (one priority),
// in increasing id order.
std::vector<uint32_t> Classifier::complete_conjunctions(const std::vector<ClsRule*>& rules,
                                                        size_t begin, size_t end) {
  struct Seen {
    uint32_t id;
    uint8_t n;
    uint64_t clauses;
  };
  std::vector<Seen> seen;
  for (size_t i = begin; i < end; ++i) {
    for (const ClsConjunction& c : rules[i]->conjs) {
      auto it = std::find_if(seen.begin(), seen.end(), [&](const Seen& s) { return s.id == c.id; });
      if (it == seen.end()) it = seen.insert(seen.end(), Seen{c.id, c.n_clauses, 0});
      if (it->n == c.n_clauses) it->clauses |= uint64_t{1} << (c.clause - 1);
    }
  }
  std::vector<uint32_t> ids;
  for (const Seen& s : seen) {
    uint64_t all = s.n >= 64 ? ~uint64_t{0} : (uint64_t{1} << s.n) - 1;
    if (s.clauses == all) ids.push_back(s.id);
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

ClsRule* Classifier::lookup_conjunctive(const FlowKey& key, FlowKey* wc) const {
  ClsRule* hard;
  std::vector<ClsRule*> soft;
  gather(key, wc, hard, &soft);
  ClsRule* found = nullptr;
  for (size_t i = 0; i < soft.size() && !found;) {
    size_t j = i;
    while (j < soft.size() && soft[j]->priority == soft[i]->priority) ++j;
    for (uint32_t id : complete_conjunctions(soft, i, j)) {
      FlowKey k = key;
      k.conj_id = id;
      gather(k, wc, found, nullptr);
      if (found) break;
    }
    i = j;
  }
  // conj_id is never part of a packet: the megaflow must not depend on it.
  if (wc) wc->conj_id = 0;
  return found ? found : hard;
}

void Classifier::for_each_loose(const Match& criteria,
                                const std::function<void(ClsRule*)>& fn) const {
  std::vector<ClsRule*> hits;
  for (const auto& st : subtables_) {
    if (mask_covers(st->mask, criteria.mask)) st->collect_loose(criteria, hits);
  }
  for (ClsRule* r : hits) fn(r);
}

void Classifier::for_each(const std::function<void(ClsRule*)>& fn) const {
  std::vector<ClsRule*> all;
  all.reserve(n_rules_);
  for (const auto& st : subtables_) {
    st->nodes.for_each([&](const std::unique_ptr<Subtable::Node>& n) {
      all.insert(all.end(), n->rules.begin(), n->rules.end());
    });
  }
  for (ClsRule* r : all) fn(r);
}

ClsRule* Classifier::find_overlap(const Match& match, uint16_t priority) const {
  for (const auto& st : subtables_) {
    if (st->max_priority < priority) break;
    if (ClsRule* r = st->find_overlap(match, priority)) return r;
  }
  return nullptr;
}

}  // namespace nt
