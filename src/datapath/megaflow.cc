#include "datapath/megaflow.h"

#include <algorithm>

namespace nt {

MegaflowTable::MegaflowTable() = default;
MegaflowTable::~MegaflowTable() = default;

uint64_t MegaflowTable::hash_in(const Subtable& st, const FlowKey& key) const {
  const KeyWord* k = key.words();
  const KeyWord* m = st.mask.words();
  uint64_t h = 0x9e3779b97f4a7c15ULL;
  for (uint8_t i = 0; i < st.n_words; ++i) {
    uint8_t w = st.words[i];
    h ^= (k[w] & m[w]) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    h *= 0xff51afd7ed558ccdULL;
  }
  return h ^ (h >> 33);
}

Megaflow* MegaflowTable::lookup(const FlowKey& key) {
  for (auto& stp : subtables_) {
    Subtable& st = *stp;
    uint64_t h = hash_in(st, key);
    size_t mask = st.slots.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      const Slot& s = st.slots[i];
      if (!s.flow) break;
      if (s.hash == h && key_matches(key, st.mask, s.flow->match.value)) {
        Megaflow* found = s.flow;
        // Keep busy subtables first (OVS's dpcls ranking), re-ranked every 1024 hits.
        if ((++st.hits & 1023) == 0) rank_subtables();
        return found;
      }
    }
  }
  return nullptr;
}

void MegaflowTable::rank_subtables() {
  // Insertion sort: few subtables, already nearly sorted, and no allocation (std::stable_sort
  // would allocate a buffer on the packet path).
  for (size_t i = 1; i < subtables_.size(); ++i) {
    for (size_t j = i; j > 0 && subtables_[j]->hits > subtables_[j - 1]->hits; --j) {
      std::swap(subtables_[j], subtables_[j - 1]);
    }
  }
}

MegaflowTable::Subtable* MegaflowTable::find_subtable(const FlowKey& mask) {
  for (auto& st : subtables_) {
    if (st->mask == mask) return st.get();
  }
  auto st = std::make_unique<Subtable>();
  st->mask = mask;
  for (size_t w = 0; w < FlowKey::kWords; ++w) {
    if (mask.words()[w]) st->words[st->n_words++] = static_cast<uint8_t>(w);
  }
  st->slots.resize(16);
  subtables_.push_back(std::move(st));
  return subtables_.back().get();
}

void MegaflowTable::rehash(Subtable& st, size_t new_size) {
  std::vector<Slot> old = std::move(st.slots);
  st.slots.assign(new_size, Slot{});
  for (const Slot& s : old) {
    if (!s.flow) continue;
    size_t i = s.hash & (new_size - 1);
    while (st.slots[i].flow) i = (i + 1) & (new_size - 1);
    st.slots[i] = s;
  }
}

Megaflow* MegaflowTable::insert(std::unique_ptr<Megaflow> flow) {
  Subtable& st = *find_subtable(flow->match.mask);
  if ((st.n_flows + 1) * 2 > st.slots.size()) rehash(st, st.slots.size() * 2);
  uint64_t h = hash_in(st, flow->match.value);
  size_t mask = st.slots.size() - 1;
  size_t i = h & mask;
  while (st.slots[i].flow) i = (i + 1) & mask;
  st.slots[i] = Slot{h, flow.get()};
  ++st.n_flows;
  ++n_flows_;
  owned_.push_back(std::move(flow));
  return owned_.back().get();
}

void MegaflowTable::remove(Megaflow* flow) {
  for (auto it = subtables_.begin(); it != subtables_.end(); ++it) {
    Subtable& st = **it;
    if (!(st.mask == flow->match.mask)) continue;
    // Rebuild the subtable without the flow (linear probing has no cheap delete).
    std::vector<Slot> keep;
    for (const Slot& s : st.slots) {
      if (s.flow && s.flow != flow) keep.push_back(s);
    }
    st.n_flows = keep.size();
    st.slots.assign(st.slots.size(), Slot{});
    size_t m = st.slots.size() - 1;
    for (const Slot& s : keep) {
      size_t i = s.hash & m;
      while (st.slots[i].flow) i = (i + 1) & m;
      st.slots[i] = s;
    }
    if (st.n_flows == 0) subtables_.erase(it);
    break;
  }
  auto o = std::find_if(owned_.begin(), owned_.end(), [&](auto& p) { return p.get() == flow; });
  if (o != owned_.end()) {
    std::swap(*o, owned_.back());
    owned_.pop_back();
    --n_flows_;
  }
}

void MegaflowTable::clear() {
  subtables_.clear();
  owned_.clear();
  n_flows_ = 0;
}

}  // namespace nt
