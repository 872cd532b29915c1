// The megaflow cache and the exact-match cache in front of it.
//
// A megaflow is (match with mask, datapath actions): the result of one translation, valid for
// every packet that agrees with the packet that caused it on the masked bits. MegaflowTable
// groups megaflows by mask (one open-addressing hash table per distinct mask, probed only over
// the mask's non-zero words), like Open vSwitch's dpcls. Megaflows never overlap in meaning, so
// the first hit is the answer and there are no priorities to compare.
//
// ExactMatchCache is a direct-mapped array from a full FlowKey hash to a megaflow: one hash and
// one 176-byte compare per packet for the flows that dominate a link. Entries are pointers into
// the megaflow table; removing a megaflow clears the EMC (removals are rare and batched).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "common/clock.h"
#include "datapath/odp_actions.h"
#include "flow/match.h"

namespace nt {

// What the layer above attaches to a megaflow (the xlate cache: rules to credit, learns to
// refresh). Opaque to the datapath.
struct MegaflowContext {
  virtual ~MegaflowContext() = default;
};

struct Megaflow {
  Match match;
  OdpActions actions;
  FlowKey origin;  // the key that was translated (revalidation re-translates it)
  std::unique_ptr<MegaflowContext> context;
  uint64_t n_packets = 0;
  uint64_t n_bytes = 0;
  TimeMs used = 0;
  uint64_t pushed_packets = 0;  // stats already credited upward
  uint64_t pushed_bytes = 0;
  TimeMs created = 0;
  // Translation hit a limit (resubmit depth or count): the flow drops, counted as such.
  bool translation_error = false;
};

class MegaflowTable {
 public:
  MegaflowTable();
  ~MegaflowTable();

  Megaflow* lookup(const FlowKey& key);
  // Takes ownership; returns the stored megaflow.
  Megaflow* insert(std::unique_ptr<Megaflow> flow);
  void remove(Megaflow* flow);
  void clear();
  size_t size() const { return n_flows_; }
  size_t n_masks() const { return subtables_.size(); }
  template <typename F>
  void for_each(F&& fn) {
    for (auto& st : subtables_) {
      for (auto& slot : st->slots) {
        if (slot.flow) fn(slot.flow);
      }
    }
  }

 private:
  struct Slot {
    uint64_t hash = 0;
    Megaflow* flow = nullptr;
  };
  struct Subtable {
    FlowKey mask;
    uint8_t words[FlowKey::kWords];  // indices of non-zero mask words
    uint8_t n_words = 0;
    std::vector<Slot> slots;  // power of two, open addressing, linear probing
    size_t n_flows = 0;
    uint64_t hits = 0;
  };
  uint64_t hash_in(const Subtable& st, const FlowKey& key) const;
  Subtable* find_subtable(const FlowKey& mask);
  void rehash(Subtable& st, size_t new_size);
  void rank_subtables();
  std::vector<std::unique_ptr<Subtable>> subtables_;
  std::vector<std::unique_ptr<Megaflow>> owned_;
  size_t n_flows_ = 0;
};

class ExactMatchCache {
 public:
  static constexpr size_t kEntries = 8192;
  ExactMatchCache() : entries_(kEntries) {}

  Megaflow* lookup(const FlowKey& key, uint64_t hash) const {
    const Entry& e = entries_[hash & (kEntries - 1)];
    if (!e.flow || e.hash != hash) return nullptr;
    const KeyWord* a = e.key.words();
    const KeyWord* b = key.words();
    uint64_t diff = 0;
    for (size_t i = 0; i < FlowKey::kWords; ++i) diff |= a[i] ^ b[i];
    return diff ? nullptr : e.flow;
  }
  void insert(const FlowKey& key, uint64_t hash, Megaflow* flow) {
    Entry& e = entries_[hash & (kEntries - 1)];
    e.key = key;
    e.hash = hash;
    e.flow = flow;
  }
  void clear() {
    for (Entry& e : entries_) e.flow = nullptr;
  }

 private:
  struct Entry {
    FlowKey key;
    uint64_t hash = 0;
    Megaflow* flow = nullptr;
  };
  std::vector<Entry> entries_;
};

}  // namespace nt
