// Helpers shared by the classifier tests: building matches field by field, a linear-scan
// reference classifier, and a random rule/key generator over a handful of fields.
#pragma once

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <random>
#include <vector>

#include "classifier/classifier.h"
#include "flow/fields.h"
#include "flow/match.h"

namespace nt::cls_test {

struct FieldSpec {
  FieldId id;
  u128 value;
  u128 mask;
};

inline Match make_match(std::initializer_list<FieldSpec> specs) {
  Match m;
  for (const FieldSpec& f : specs) m.set_masked(field_info(f.id), f.value, f.mask);
  return m;
}

inline u128 all_ones(FieldId id) { return ones(field_info(id).width); }

// Exact match on each field.
inline Match exact(std::initializer_list<std::pair<FieldId, u128>> fields) {
  Match m;
  for (const auto& [id, v] : fields) m.set_exact(id, v);
  return m;
}

inline std::unique_ptr<ClsRule> make_rule(const Match& m, uint16_t priority) {
  auto r = std::make_unique<ClsRule>();
  r->match = m;
  r->priority = priority;
  return r;
}

// True if every bit of `inner` is set in `outer`.
inline bool covers(const FlowKey& outer, const FlowKey& inner) {
  for (size_t w = 0; w < FlowKey::kWords; ++w) {
    if (inner.words()[w] & ~outer.words()[w]) return false;
  }
  return true;
}

// The obviously-correct classifier: scan everything.
struct LinearClassifier {
  std::vector<ClsRule*> rules;

  const ClsRule* lookup(const FlowKey& key) const {
    const ClsRule* best = nullptr;
    for (const ClsRule* r : rules) {
      if (r->match.matches(key) && (!best || r->priority > best->priority)) best = r;
    }
    return best;
  }
  std::vector<ClsRule*> loose(const Match& c) const {
    std::vector<ClsRule*> out;
    for (ClsRule* r : rules) {
      if (covers(r->match.mask, c.mask) && key_matches(r->match.value, c.mask, c.value)) {
        out.push_back(r);
      }
    }
    return out;
  }
  bool has_overlap(const Match& m, uint16_t priority) const {
    for (const ClsRule* r : rules) {
      if (r->priority != priority) continue;
      FlowKey common = r->match.mask;
      key_and(common, m.mask);
      FlowKey a = r->match.value, b = m.value;
      key_and(a, common);
      key_and(b, common);
      if (a == b) return true;
    }
    return false;
  }
  void remove(const ClsRule* r) { rules.erase(std::find(rules.begin(), rules.end(), r)); }
};

// Random rules and keys over in_port, vlan_tci, dl_dst, nw_dst, tp_dst, tun_id and reg0,
// with small value sets so that rules overlap and keys hit them.
class RandomFlows {
 public:
  explicit RandomFlows(uint32_t seed) : rng_(seed) {}

  uint32_t below(uint32_t n) { return std::uniform_int_distribution<uint32_t>(0, n - 1)(rng_); }
  bool chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  uint64_t bits() { return rng_(); }

  Match random_match() {
    Match m;
    if (chance(0.5)) m.set_exact(FieldId::kInPort, 1 + below(4));
    if (chance(0.35)) add_vlan(m);
    if (chance(0.35)) add_dl_dst(m);
    if (chance(0.45)) add_nw_dst(m);
    if (chance(0.35)) add_tp_dst(m);
    if (chance(0.25)) m.set_exact(FieldId::kTunId, kTunIds[below(3)]);
    if (chance(0.25)) add_reg0(m);
    return m;
  }

  FlowKey random_key() {
    FlowKey k;
    for (size_t w = 0; w < FlowKey::kWords; ++w) k.words()[w] = bits();  // noise everywhere
    k.in_port = 1 + below(5);
    k.vlan_tci = chance(0.3) ? 0 : static_cast<uint16_t>(kVlanCfi | below(4) | below(8) << 13);
    k.dl_dst = MacAddr::from_u64(kMacs[below(5)]);
    k.nw_dst = kNwDsts[below(6)] ^ (chance(0.5) ? below(4) : 0);
    k.tp_dst = kPorts[below(4)];
    k.tun_id = kTunIds[below(3)];
    k.regs[0] = below(5);
    return k;
  }

 private:
  static constexpr uint64_t kMacs[] = {0xfa163e000001, 0xfa163e000002, 0x01005e000001,
                                       0xffffffffffff, 0x0a0000000001};
  static constexpr uint32_t kNwDsts[] = {0x0a000001, 0x0a000002, 0x0a010203,
                                         0x0a800001, 0xc0a80101, 0x0b000001};
  static constexpr uint16_t kPorts[] = {22, 80, 443, 8080};
  static constexpr uint64_t kTunIds[] = {0, 5, 100};

  std::mt19937_64 rng_;

  void add_vlan(Match& m) {
    switch (below(3)) {
      case 0:
        m.set_masked(field_info(FieldId::kVlanTci), kVlanCfi | below(4), 0x1fff);
        break;
      case 1:
        m.set_masked(field_info(FieldId::kVlanTci), 0, 0xffff);
        break;  // untagged
      default:
        m.set_masked(field_info(FieldId::kVlanTci), kVlanCfi, kVlanCfi);
        break;
    }
  }
  void add_dl_dst(Match& m) {
    const FieldInfo& f = field_info(FieldId::kDlDst);
    switch (below(3)) {
      case 0:
        m.set_exact(f, kMacs[below(5)]);
        break;
      case 1:
        m.set_masked(f, 0x010000000000, 0x010000000000);
        break;  // multicast
      default:
        m.set_masked(f, 0, 0x010000000000);
        break;  // unicast
    }
  }
  void add_nw_dst(Match& m) {
    static constexpr int kPrefixes[] = {8, 16, 24, 30, 32};
    int len = kPrefixes[below(5)];
    u128 mask = ones(32) & ~ones(32 - len);
    m.set_masked(field_info(FieldId::kNwDst), kNwDsts[below(6)], mask);
  }
  void add_tp_dst(Match& m) {
    const FieldInfo& f = field_info(FieldId::kTpDst);
    if (chance(0.8)) {
      m.set_exact(f, kPorts[below(4)]);
    } else {
      m.set_masked(f, kPorts[below(4)], 0xff00);
    }
  }
  void add_reg0(Match& m) {
    const FieldInfo& f = field_info(FieldId::kReg0);
    m.set_masked(f, below(4), chance(0.5) ? 0xffffffff : 0x2);
  }
};

}  // namespace nt::cls_test
