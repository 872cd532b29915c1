// Match: a FlowKey value plus a FlowKey mask — the "what" of an OpenFlow rule or a megaflow.
//
// Invariant: value == value & mask, so two matches are equal iff their bytes are equal, and a
// packet key k matches iff (k & mask) == value, computed a word at a time.
#pragma once

#include "flow/fields.h"
#include "packet/flow_key.h"

namespace nt {

inline void key_and(FlowKey& dst, const FlowKey& mask) {
  KeyWord* d = dst.words();
  const KeyWord* m = mask.words();
  for (size_t i = 0; i < FlowKey::kWords; ++i) d[i] &= m[i];
}

inline void key_or(FlowKey& dst, const FlowKey& src) {
  KeyWord* d = dst.words();
  const KeyWord* s = src.words();
  for (size_t i = 0; i < FlowKey::kWords; ++i) d[i] |= s[i];
}

// (k & mask) == value
inline bool key_matches(const FlowKey& k, const FlowKey& mask, const FlowKey& value) {
  const KeyWord* kw = k.words();
  const KeyWord* mw = mask.words();
  const KeyWord* vw = value.words();
  uint64_t diff = 0;
  for (size_t i = 0; i < FlowKey::kWords; ++i) diff |= (kw[i] & mw[i]) ^ vw[i];
  return diff == 0;
}

// Hash of k & mask (only words where the mask is non-zero contribute).
inline uint64_t key_hash_masked(const FlowKey& k, const FlowKey& mask, uint64_t basis = 0) {
  FlowKey t = k;
  key_and(t, mask);
  return hash_words(t.words(), FlowKey::kWords, basis);
}

struct Match {
  FlowKey value;
  FlowKey mask;

  bool matches(const FlowKey& k) const { return key_matches(k, mask, value); }
  bool operator==(const Match& o) const { return value == o.value && mask == o.mask; }
  bool is_catchall() const { return mask == FlowKey{}; }

  void set_masked(const FieldInfo& f, u128 v, u128 m) {
    field_set_masked(mask, f, ~u128{0}, ones(f.width));  // clear then set below
    field_set_masked(mask, f, m, ones(f.width));
    field_set(value, f, v & m);
  }
  void set_exact(const FieldInfo& f, u128 v) { set_masked(f, v, ones(f.width)); }
  void set_exact(FieldId id, u128 v) { set_exact(field_info(id), v); }
  u128 get_mask(const FieldInfo& f) const { return field_get(mask, f); }
  u128 get_value(const FieldInfo& f) const { return field_get(value, f); }
};

}  // namespace nt
