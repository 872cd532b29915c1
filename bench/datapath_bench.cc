// Datapath benchmarks on one core: the seed's br-int -> patch -> br-tun VXLAN-encap pipeline.
//
//   BM_ExactMatchHit   every packet hits the exact-match cache (target >= 10 Mpps)
//   BM_MegaflowHit     EMC off; every packet hits one megaflow (target >= 5 Mpps)
//   BM_FlowSetup       every packet is a new flow: upcall + xlate + install (>= 300k/s)
//
// Each packet is copied into a pool buffer (as a NIC would), parsed, looked up, pushed
// through the actions (VLAN pop, VXLAN encapsulation into a counting underlay) and recycled.
// "allocs_per_pkt" counts calls to operator new during the timed loop: it must be 0 on hits.
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <new>

#include "alloc_count.h"  // replaces operator new: g_allocs
#include "pipeline_common.h"

namespace nt::bench {
namespace {

struct Rig {
  ManualClock clock;
  CountingUnderlay underlay;
  Switch sw{clock, 8192};
  uint32_t vm1_odp = 0;
  bool ok = false;

  Rig() {
    ok = build_vxlan_pipeline(sw, underlay);
    const OfPort* p = sw.bridge("br-int")->find_port("vm1");
    vm1_odp = p ? p->odp_port : 0;
  }
};

// Receives `frames` (cycled) in batches of 32 until the benchmark stops.
// `between` runs after each batch and returns seconds spent in paused work (not counted).
void run_batches(benchmark::State& state, Rig& rig, std::vector<std::vector<uint8_t>>& frames,
                 const std::function<double(size_t)>& between = {}) {
  Datapath& dp = rig.sw.datapath();
  size_t next = 0, packets = 0, batches = 0;
  double paused = 0;
  uint64_t allocs0 = g_allocs.load();
  auto t0 = std::chrono::steady_clock::now();
  for (auto _ : state) {
    PacketBatch b;
    for (size_t i = 0; i < PacketBatch::kMax; ++i) {
      Packet* p = dp.pool().get();
      const auto& f = frames[next++ % frames.size()];
      p->assign(f.data(), f.size());
      b.add(p);
    }
    dp.receive(rig.vm1_odp, b);
    packets += PacketBatch::kMax;
    if (between) paused += between(++batches);
  }
  double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() - paused;
  state.SetItemsProcessed(static_cast<int64_t>(packets));
  // Rates are per CPU second of the benchmark thread (other processes on the machine do not
  // count against us); wall-clock Mpps is reported beside it.
  state.counters["Mpps"] = benchmark::Counter(packets / 1e6, benchmark::Counter::kIsRate);
  state.counters["wall_Mpps"] = packets / secs / 1e6;
  state.counters["allocs_per_pkt"] =
      packets ? static_cast<double>(g_allocs.load() - allocs0) / packets : 0;
}

std::vector<std::vector<uint8_t>> icmp_frames(size_t n, bool vary_dst_mac) {
  std::vector<std::vector<uint8_t>> frames;
  for (size_t i = 0; i < n; ++i) {
    Packet p;
    MacAddr dst = vary_dst_mac ? MacAddr::from_u64(0x020000000000ULL + i) : kVm2;
    vm1_to_vm2(p, 0xac106403 + static_cast<uint32_t>(i), dst);
    frames.emplace_back(p.data(), p.data() + p.size());
  }
  return frames;
}

void BM_ExactMatchHit(benchmark::State& state) {
  Rig rig;
  if (!rig.ok) return state.SkipWithError("pipeline setup failed");
  auto frames = icmp_frames(static_cast<size_t>(state.range(0)), false);
  run_batches(state, rig, frames);
  state.counters["x_target_10Mpps"] =
      benchmark::Counter(state.items_processed() / 10e6, benchmark::Counter::kIsRate);
  state.counters["megaflows"] = rig.sw.datapath().megaflows().size();
}
BENCHMARK(BM_ExactMatchHit)->Arg(1)->Arg(1024);

void BM_MegaflowHit(benchmark::State& state) {
  Rig rig;
  if (!rig.ok) return state.SkipWithError("pipeline setup failed");
  rig.sw.datapath().set_emc_enabled(false);
  auto frames = icmp_frames(4096, false);  // distinct IPs, one megaflow (L2 decides)
  run_batches(state, rig, frames);
  state.counters["x_target_5Mpps"] =
      benchmark::Counter(state.items_processed() / 5e6, benchmark::Counter::kIsRate);
  state.counters["megaflows"] = rig.sw.datapath().megaflows().size();
}
BENCHMARK(BM_MegaflowHit);

void BM_FlowSetup(benchmark::State& state) {
  Rig rig;
  if (!rig.ok) return state.SkipWithError("pipeline setup failed");
  // 65,536 distinct unknown destinations: each packet floods and is a new megaflow.
  auto frames = icmp_frames(65536, true);
  const size_t per_round = frames.size() / PacketBatch::kMax;
  run_batches(state, rig, frames, [&](size_t batches) {
    if (batches % per_round != 0) return 0.0;
    state.PauseTiming();
    auto t = std::chrono::steady_clock::now();
    rig.sw.datapath().flush();
    double d = std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
    state.ResumeTiming();
    return d;
  });
  state.counters["x_target_300k"] =
      benchmark::Counter(state.items_processed() / 300e3, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_FlowSetup);

}  // namespace
}  // namespace nt::bench

BENCHMARK_MAIN();
