// Loading a large flow file allocates O(1) per flow, not per token or per line: the lines are
// views into the text, each flow is parsed in place into storage reserved for the whole file,
// and only the flow's own action list is allocated. A regression here (a std::string per line
// or per field, a growing vector of FlowOps) multiplies the cost of a 200,000-flow bundle.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "../alloc_counter.h"
#include "common/clock.h"
#include "ofproto/bundle.h"

namespace nt {
namespace {

std::string flows(int n) {
  std::string out;
  char buf[96];
  for (int i = 0; i < n; ++i) {
    std::snprintf(buf, sizeof buf, "priority=%d,ip,nw_dst=10.0.%d.%d actions=output:1\n",
                  100 + i % 1000, i / 256 % 256, i % 256);
    out += buf;
  }
  return out;
}

TEST(BundleAllocation, FlowFileParsingAllocatesOncePerFlow) {
  constexpr int kFlows = 4000;
  std::string text = flows(kFlows);
  g_allocations = 0;
  g_counting = true;
  auto ops = parse_flow_file(text, "f", nullptr, FlowModCommand::kAdd, true);
  g_counting = false;
  ASSERT_TRUE(ops.ok()) << ops.error().message;
  ASSERT_EQ(ops->size(), static_cast<size_t>(kFlows));
  // One action list per flow, plus a few for the whole file (a std::string per line or per
  // field, or a growing vector of FlowOps, made it 3 per flow).
  EXPECT_LE(g_allocations.load(), kFlows * 11u / 10) << g_allocations.load();
}

TEST(BundleAllocation, ApplyingABundleAllocatesAFixedNumberPerFlow) {
  constexpr int kFlows = 4000;
  auto ops = parse_flow_file(flows(kFlows), "f", nullptr, FlowModCommand::kAdd, true);
  ASSERT_TRUE(ops.ok());
  ManualClock clock;
  Ofproto br("br0", clock);
  size_t touched = 0;
  g_allocations = 0;
  g_counting = true;
  Status st = br.apply_bundle(*ops, nullptr, [&](const std::vector<RulePtr>& t) {
    touched = t.size();
    return ok_status();
  });
  g_counting = false;
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(touched, static_cast<size_t>(kFlows));
  // The rule, its actions, its classifier node and that node's rule list, the table's map
  // entry; the classifier's tables growing by doubling add a little. A lookup table of the
  // touched rules made it 6 per flow.
  EXPECT_LE(g_allocations.load(), kFlows * 55u / 10) << g_allocations.load();
}

}  // namespace
}  // namespace nt
