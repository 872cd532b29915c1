// Randomized comparison of the classifier against a linear scan, including the megaflow
// property of the wildcards it reports.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "classifier/classifier.h"
#include "classifier_test_util.h"

namespace nt {
namespace {

using cls_test::LinearClassifier;
using cls_test::RandomFlows;

struct Tables {
  Classifier cls;
  LinearClassifier ref;
  std::vector<std::unique_ptr<ClsRule>> owned;
};

// Inserts up to n random rules (skipping exact duplicates, as ofproto would replace them),
// then checks that find_exact finds every rule.
void fill(Tables& t, RandomFlows& gen, size_t n, uint16_t n_priorities) {
  for (size_t i = 0; i < n; ++i) {
    Match m = gen.random_match();
    auto prio = static_cast<uint16_t>(gen.below(n_priorities));
    if (ClsRule* existing = t.cls.find_exact(m, prio)) {
      ASSERT_TRUE(existing->match == m && existing->priority == prio);
      continue;
    }
    t.owned.push_back(cls_test::make_rule(m, prio));
    t.cls.insert(t.owned.back().get());
    t.ref.rules.push_back(t.owned.back().get());
  }
  ASSERT_EQ(t.cls.size(), t.ref.rules.size());
  for (ClsRule* r : t.ref.rules) ASSERT_EQ(t.cls.find_exact(r->match, r->priority), r);
}

// key2 agrees with key on every bit of wc and is random elsewhere.
FlowKey perturb(const FlowKey& key, const FlowKey& wc, RandomFlows& gen) {
  FlowKey key2 = gen.chance(0.5) ? gen.random_key() : FlowKey{};
  for (size_t w = 0; w < FlowKey::kWords; ++w) {
    uint64_t m = wc.words()[w];
    key2.words()[w] = (key.words()[w] & m) | (key2.words()[w] & ~m);
  }
  return key2;
}

// Checks n_keys random keys: same priority as the reference, and the wildcard property.
void check_lookups(const Tables& t, RandomFlows& gen, size_t n_keys, size_t* hits) {
  for (size_t i = 0; i < n_keys; ++i) {
    FlowKey key = gen.random_key();
    const ClsRule* want = t.ref.lookup(key);
    FlowKey wc;
    const ClsRule* got = t.cls.lookup(key, &wc);
    ASSERT_EQ(t.cls.lookup(key), got) << "wildcard tracking changed the answer";
    ASSERT_EQ(got != nullptr, want != nullptr) << "key " << i;
    if (!got) continue;
    ++*hits;
    ASSERT_TRUE(got->match.matches(key));
    ASSERT_EQ(got->priority, want->priority) << "key " << i;
    ASSERT_TRUE(cls_test::covers(wc, got->match.mask)) << "wc must include the winner's mask";
    for (int j = 0; j < 4; ++j) {
      FlowKey key2 = perturb(key, wc, gen);
      ASSERT_EQ(t.cls.lookup(key2), got) << "key " << i << " perturbation " << j;
    }
  }
}

// The wildcard property also for misses: keys agreeing on wc must miss too.
void check_misses(const Tables& t, RandomFlows& gen, size_t n_keys) {
  for (size_t i = 0; i < n_keys; ++i) {
    FlowKey key = gen.random_key();
    FlowKey wc;
    if (t.cls.lookup(key, &wc)) continue;
    for (int j = 0; j < 4; ++j) ASSERT_EQ(t.cls.lookup(perturb(key, wc, gen)), nullptr);
  }
}

void check_loose(const Tables& t, RandomFlows& gen, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    Match c = gen.chance(0.2) ? Match{} : gen.random_match();
    std::vector<ClsRule*> want = t.ref.loose(c), got;
    t.cls.for_each_loose(c, [&](ClsRule* r) { got.push_back(r); });
    std::sort(want.begin(), want.end());
    std::sort(got.begin(), got.end());
    ASSERT_EQ(got, want) << "criteria " << i;
  }
}

void check_overlaps(const Tables& t, RandomFlows& gen, size_t n, uint16_t n_priorities) {
  for (size_t i = 0; i < n; ++i) {
    Match m = gen.random_match();
    auto prio = static_cast<uint16_t>(gen.below(n_priorities));
    ClsRule* r = t.cls.find_overlap(m, prio);
    ASSERT_EQ(r != nullptr, t.ref.has_overlap(m, prio));
    if (r) {
      EXPECT_EQ(r->priority, prio);
    }
  }
}

// Removes about `fraction` of the rules, in random order.
void remove_some(Tables& t, RandomFlows& gen, double fraction) {
  std::vector<ClsRule*> victims;
  for (ClsRule* r : t.ref.rules) {
    if (gen.chance(fraction)) victims.push_back(r);
  }
  for (ClsRule* r : victims) {
    t.cls.remove(r);
    t.ref.remove(r);
    ASSERT_EQ(t.cls.find_exact(r->match, r->priority), nullptr);
  }
  ASSERT_EQ(t.cls.size(), t.ref.rules.size());
}

class ClassifierProperty : public ::testing::TestWithParam<int> {};

TEST_P(ClassifierProperty, AgreesWithLinearScanAndWildcardsAreSound) {
  const uint32_t seed = static_cast<uint32_t>(GetParam());
  RandomFlows gen(seed);
  Tables t;
  // Seeds 1 and 4: 8 priorities (many ties); 2: 1000 (few ties); 3: one priority, as in the
  // OVS benchmark, where every miss searches every subtable.
  const uint16_t n_priorities = seed % 3 == 0 ? 1 : (seed % 3 == 1 ? 8 : 1000);
  fill(t, gen, 2000, n_priorities);
  size_t hits = 0;
  check_lookups(t, gen, 1500, &hits);
  check_misses(t, gen, 500);
  check_loose(t, gen, 200);
  check_overlaps(t, gen, 200, n_priorities);
  EXPECT_GT(hits, 100u) << "generator should produce a realistic hit mix";
  EXPECT_GT(t.cls.n_subtables(), 20u);

  remove_some(t, gen, 0.6);
  fill(t, gen, 800, n_priorities);
  check_lookups(t, gen, 1000, &hits);
  check_misses(t, gen, 300);
  check_loose(t, gen, 100);

  remove_some(t, gen, 1.0);
  EXPECT_TRUE(t.cls.empty());
  EXPECT_EQ(t.cls.n_subtables(), 0u);
  EXPECT_EQ(t.cls.lookup(gen.random_key()), nullptr);
}

INSTANTIATE_TEST_SUITE_P(Seeds, ClassifierProperty, ::testing::Range(1, 5));

}  // namespace
}  // namespace nt
