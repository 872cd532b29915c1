// dump-flows of a 20,000-flow bridge in-process, whole and streamed (issue 14: the control socket
// never stalls the switch). What each costs the daemon's event loop:
//   BM_DumpWhole        Ofproto::dump_flows(): the whole text at once
//   BM_ReplyWhole       nvs-ofctl dump-flows as a whole reply, JSON-encoded for the socket: what
//                       the daemon did per request before streaming (all of it in one go)
//   BM_Snapshot         the FlowDump snapshot a streamed request takes (the only work at request
//                       time; rule references, counters, port names)
//   BM_OneSlice         one 64 KiB slice formatted and JSON-escaped: the most the control server
//                       does for one connection in one loop iteration
//   BM_ReplyStreamed    the whole streamed reply, slice by slice as the control server sends it
// Each reports bytes of dump text per second (bytes_per_second) and heap allocations per flow.
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>

#include "node/commands.h"
#include "ofproto/flow_dump.h"
#include "vswitchd/control.h"

namespace {
std::atomic<uint64_t> g_allocs{0};
}  // namespace

// GCC pairs the replaced operator new's malloc with std::free wrongly (inlined into callers).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(size_t n) {
  g_allocs.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }

namespace nt {
namespace {

constexpr size_t kSlice = size_t{64} << 10;  // ControlLimits::stream_slice

// A switch whose br0 holds `n` flows (control_stall.sh's: "priority=P,ip,nw_dst=10.A.B.C").
struct World {
  ManualClock clock;
  Switch sw{clock, 64};
  CommandHost host{sw};
  explicit World(int64_t n) {
    if (!sw.add_bridge("br0").ok()) std::abort();
    std::string flows;
    char buf[96];
    for (int64_t i = 0; i < n; ++i) {
      std::snprintf(buf, sizeof buf, "priority=%d,ip,nw_dst=10.%d.%d.%d actions=output:1\n",
                    static_cast<int>(i % 60000 + 1), static_cast<int>(i / 65536),
                    static_cast<int>(i / 256 % 256), static_cast<int>(i % 256));
      flows += buf;
    }
    if (ofctl_execute(host, {"add-flows", "br0", "-"}, flows).status != 0) std::abort();
    clock.advance_ms(1500);
  }
  Ofproto& br() { return *sw.bridge("br0"); }
};

void report(benchmark::State& state, uint64_t allocs, size_t bytes) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.counters["allocs_per_flow"] =
      static_cast<double>(allocs) / static_cast<double>(state.iterations() * state.range(0));
}

uint64_t allocs_now() { return g_allocs.load(std::memory_order_relaxed); }

void BM_DumpWhole(benchmark::State& state) {
  World w(state.range(0));
  size_t bytes = 0;
  uint64_t allocs = 0;
  for (auto _ : state) {
    uint64_t before = allocs_now();
    std::string text = w.br().dump_flows(nullptr, DumpOptions{});
    allocs += allocs_now() - before;
    bytes = text.size();
    benchmark::DoNotOptimize(text);
  }
  report(state, allocs, bytes);
}
BENCHMARK(BM_DumpWhole)->Arg(20000)->Unit(benchmark::kMillisecond);

void BM_ReplyWhole(benchmark::State& state) {
  World w(state.range(0));
  size_t bytes = 0;
  uint64_t allocs = 0;
  for (auto _ : state) {
    uint64_t before = allocs_now();
    ControlReply r = ofctl_execute(w.host, {"dump-flows", "br0"}, "", false);
    std::string wire = encode_reply(r);
    allocs += allocs_now() - before;
    bytes = r.out.size();
    benchmark::DoNotOptimize(wire);
  }
  report(state, allocs, bytes);
}
BENCHMARK(BM_ReplyWhole)->Arg(20000)->Unit(benchmark::kMillisecond);

void BM_Snapshot(benchmark::State& state) {
  World w(state.range(0));
  uint64_t allocs = 0;
  for (auto _ : state) {
    uint64_t before = allocs_now();
    FlowDump dump(w.br(), nullptr, DumpOptions{});
    allocs += allocs_now() - before;
    benchmark::DoNotOptimize(dump);
  }
  report(state, allocs, 0);
}
BENCHMARK(BM_Snapshot)->Arg(20000)->Unit(benchmark::kMicrosecond);

void BM_OneSlice(benchmark::State& state) {
  World w(state.range(0));
  FlowDump dump(w.br(), nullptr, DumpOptions{});
  std::string slice;
  size_t bytes = 0;
  uint64_t allocs = 0;
  for (auto _ : state) {
    uint64_t before = allocs_now();
    slice.clear();
    if (!dump.next(slice, kSlice)) {
      state.PauseTiming();
      dump = FlowDump(w.br(), nullptr, DumpOptions{});
      state.ResumeTiming();
      continue;
    }
    std::string wire = json_string_body(slice);
    allocs += allocs_now() - before;
    bytes += slice.size();
    benchmark::DoNotOptimize(wire);
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters["allocs_per_slice"] =
      static_cast<double>(allocs) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_OneSlice)->Arg(20000)->Unit(benchmark::kMicrosecond);

void BM_ReplyStreamed(benchmark::State& state) {
  World w(state.range(0));
  size_t bytes = 0;
  uint64_t allocs = 0;
  std::string slice;
  for (auto _ : state) {
    uint64_t before = allocs_now();
    ControlReply r = ofctl_execute(w.host, {"dump-flows", "br0"}, "", true);
    std::string wire = encode_reply_head(r);
    size_t text = r.out.size();
    while (r.stream->next(slice, kSlice)) {
      wire = json_string_body(slice);  // sent, then replaced by the next slice
      text += slice.size();
      slice.clear();
    }
    wire = encode_reply_tail(r);
    allocs += allocs_now() - before;
    bytes = text;
    benchmark::DoNotOptimize(wire);
  }
  report(state, allocs, bytes);
}
BENCHMARK(BM_ReplyStreamed)->Arg(20000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace nt

BENCHMARK_MAIN();
