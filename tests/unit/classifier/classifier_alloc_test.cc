// lookup() must not allocate (DESIGN.md §3: no allocation per packet on the fast path). This
// file replaces the global operator new for the unit_classifier binary to count allocations
// made while a test has counting switched on.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "../alloc_counter.h"
#include "classifier/classifier.h"
#include "classifier_test_util.h"

namespace nt {
namespace {

TEST(ClassifierAllocation, LookupNeverAllocates) {
  cls_test::RandomFlows gen(42);
  Classifier cls;
  std::vector<std::unique_ptr<ClsRule>> rules;
  for (int i = 0; i < 1000; ++i) {
    Match m = gen.random_match();
    auto prio = static_cast<uint16_t>(gen.below(50));
    if (cls.find_exact(m, prio)) continue;
    rules.push_back(cls_test::make_rule(m, prio));
    cls.insert(rules.back().get());
  }
  std::vector<FlowKey> keys;
  for (int i = 0; i < 1000; ++i) keys.push_back(gen.random_key());

  size_t hits = 0;
  g_allocations = 0;
  g_counting = true;
  for (const FlowKey& k : keys) {
    FlowKey wc;
    hits += cls.lookup(k) != nullptr;
    hits += cls.lookup(k, &wc) != nullptr;
  }
  g_counting = false;
  EXPECT_EQ(g_allocations.load(), 0u);
  EXPECT_GT(hits, 0u);

  g_allocations = 0;
  g_counting = true;
  cls.for_each([](ClsRule*) {});  // control: the counter does see allocations
  g_counting = false;
  EXPECT_GT(g_allocations.load(), 0u);
}

}  // namespace
}  // namespace nt
