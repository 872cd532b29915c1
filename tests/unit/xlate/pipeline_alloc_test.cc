// The fast path through the whole pipeline (the seed's br-int -> patch -> br-tun -> VXLAN, built
// by bench/pipeline_common.h on a Switch): with a counting operator new, a cached flow's packets
// are forwarded without a single allocation, from the exact-match cache and from the megaflow
// cache, while a miss (the control) does allocate. Moved from tests/unit/datapath, which may not
// use the Switch (xlate is above datapath).
#include <gtest/gtest.h>

#include <vector>

#include "../../../bench/pipeline_common.h"
#include "../alloc_counter.h"
#include "xlate/switch.h"

namespace nt {
namespace {

constexpr TimeMs kT0 = 1'000'000;

constexpr uint32_t ip4(int a, int b, int c, int d) {
  return uint32_t(a) << 24 | uint32_t(b) << 16 | uint32_t(c) << 8 | uint32_t(d);
}

// Runs `batches` full batches of one ICMP flow from vm1 through the seed's VXLAN pipeline.
void send_batches(Switch& sw, uint32_t vm1, const std::vector<uint8_t>& frame, int batches) {
  for (int n = 0; n < batches; ++n) {
    PacketBatch b;
    for (size_t i = 0; i < PacketBatch::kMax; ++i) {
      Packet* p = sw.datapath().pool().get();
      ASSERT_NE(p, nullptr);
      p->assign(frame.data(), frame.size());
      b.add(p);
    }
    sw.datapath().receive(vm1, b);
  }
}

void expect_cached_flow_never_allocates(bool emc) {
  ManualClock clock(kT0);
  Switch sw(clock, 1024);
  bench::CountingUnderlay underlay;
  ASSERT_TRUE(bench::build_vxlan_pipeline(sw, underlay));
  sw.datapath().set_emc_enabled(emc);
  const uint32_t vm1 = sw.bridge("br-int")->find_port("vm1")->odp_port;
  Packet pkt;
  bench::vm1_to_vm2(pkt, ip4(10, 0, 0, 5));
  std::vector<uint8_t> frame(pkt.data(), pkt.data() + pkt.size());

  // Warm up: the first packet is translated (learning vm1's MAC), the change revalidated.
  send_batches(sw, vm1, frame, 2);
  sw.maybe_revalidate();
  send_batches(sw, vm1, frame, 2);
  const DpStats before = sw.datapath().stats();
  const uint64_t frames_before = underlay.frames;

  constexpr int kBatches = 20;
  g_allocations = 0;
  g_counting = true;
  send_batches(sw, vm1, frame, kBatches);
  g_counting = false;
  EXPECT_EQ(g_allocations.load(), 0u);

  const DpStats& after = sw.datapath().stats();
  const uint64_t n = kBatches * PacketBatch::kMax;
  EXPECT_EQ(after.misses, before.misses);
  if (emc) {
    EXPECT_EQ(after.emc_hits - before.emc_hits, n);
  } else {
    EXPECT_EQ(after.megaflow_hits - before.megaflow_hits, n);
  }
  EXPECT_EQ(underlay.frames - frames_before, n);  // every packet really went out the tunnel

  // Control: the counter does see allocations (a miss translates).
  bench::vm1_to_vm2(pkt, ip4(10, 0, 0, 6), bench::kVm1);
  g_allocations = 0;
  g_counting = true;
  sw.datapath().inject(vm1, pkt.data(), pkt.size());
  g_counting = false;
  EXPECT_GT(g_allocations.load(), 0u);
}

TEST(DatapathAllocationTest, CachedFlowNeverAllocatesOnExactMatchCacheHits) {
  expect_cached_flow_never_allocates(true);
}

TEST(DatapathAllocationTest, CachedFlowNeverAllocatesOnMegaflowHits) {
  expect_cached_flow_never_allocates(false);
}

}  // namespace
}  // namespace nt
