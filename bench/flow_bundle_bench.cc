// Installing a large flow bundle in-process, stage by stage (issue 14: a 200,000-flow bundle at
// >= 200,000 flows/s, persistence included). bench/persist_bench.sh measures the same thing
// end to end through nvs-ofctl and the daemon; these track each stage without a daemon.
//
// The flows are persist_bench.sh's: "priority=P,ip,nw_dst=10.A.B.C actions=output:1".
//   BM_RequestDecode      the control request carrying the file as nvs-ofctl sends it (a JSON
//                         line, the file raw after it), as the daemon assembles it
//                         (RequestReader: the body read in place, 64 KiB at a time)
//   BM_RequestDecodeInline  the same request with the file inside the JSON line (the inline
//                         form, which nvs-ofctl sent before: escaped, unescaped by the parser)
//   BM_ParseFlowFile      parse_flow_file(): text -> FlowOps (line splitting, flow text, checks)
//   BM_ApplyBundle        Ofproto::apply_bundle() of the parsed ops on an empty bridge
//   BM_JournalCommit      FlowStore::commit(): the journal record of the bundle, fdatasync'ed
//   BM_OfctlAddFlows      `nvs-ofctl --bundle add-flows br0 FILE` through NodeCore with the
//                         daemon's persistence (FlowStore in a temporary directory): parse,
//                         wire form, apply, journal, revalidation — everything but the socket
//   BM_OfctlReplaceFlows  `nvs-ofctl --bundle replace-flows br0 FILE2` on top of those flows,
//                         every flow's actions changed (parse, diff, apply, journal)
//   BM_CompactAtOnce      FlowStore::compact() of the bridge: the snapshot formatted, written and
//                         fsync'ed in one call (what the timer did before: the event loop, and
//                         forwarding, waited for all of it)
//   BM_CompactInBackground  the timer's compaction now: counters capture_ms (start_compaction,
//                         the one step that reads the whole table: rule pointers and sort
//                         keys; a worker sorts them), max_step_ms (the longest compaction_step:
//                         the longest the loop is kept from packets) and steps (slices); the
//                         time is start to durable snapshot
// Each reports flows/s (items_per_second) and heap allocations per flow (allocs_per_flow:
// this binary counts every operator new).
#include <benchmark/benchmark.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <new>
#include <span>
#include <string>
#include <vector>

#include "alloc_count.h"  // replaces operator new: g_allocs
#include "node/node.h"
#include "ofproto/bundle.h"
#include "vswitchd/control.h"
#include "vswitchd/control_server.h"
#include "vswitchd/flow_files.h"

namespace nt {
namespace {

// Counts the allocations made while timing runs (paused stretches excluded by the caller
// reading the counter around them).
void report(benchmark::State& state, uint64_t allocs) {
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.counters["allocs_per_flow"] =
      static_cast<double>(allocs) / static_cast<double>(state.iterations() * state.range(0));
}

std::string bench_flows(int64_t n) {
  std::string out;
  out.reserve(static_cast<size_t>(n) * 64);
  char buf[96];
  for (int64_t i = 0; i < n; ++i) {
    std::snprintf(buf, sizeof buf, "priority=%d,ip,nw_dst=10.%d.%d.%d actions=output:1\n",
                  static_cast<int>(100 + i % 1000), static_cast<int>(i / 65536 % 256),
                  static_cast<int>(i / 256 % 256), static_cast<int>(i % 256));
    out += buf;
  }
  return out;
}

std::vector<FlowOp> bench_ops(int64_t n) {
  auto ops = parse_flow_file(bench_flows(n), "flows", nullptr, FlowModCommand::kAdd, true);
  if (!ops.ok()) std::abort();
  return std::move(*ops);
}

// A temporary directory removed with everything in it.
struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/nt-bundle-bench-XXXXXX";
    if (!::mkdtemp(tmpl)) std::abort();
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

// The allocations made by `fn` (added to *allocs).
template <typename Fn>
void counted(uint64_t* allocs, Fn&& fn) {
  uint64_t before = g_allocs.load(std::memory_order_relaxed);
  fn();
  *allocs += g_allocs.load(std::memory_order_relaxed) - before;
}

void BM_RequestDecode(benchmark::State& state) {
  ControlRequest sent{"ofctl", {"--bundle", "add-flows", "br0", "f"}, bench_flows(state.range(0))};
  std::string wire = encode_request_head(sent) + sent.stdin_data;
  uint64_t allocs = 0;
  for (auto _ : state) {
    counted(&allocs, [&] {
      RequestReader reader(size_t{64} << 20);
      std::string_view rest = wire;
      while (!rest.empty() && reader.state() == RequestReader::State::kIncomplete) {
        std::span<char> body = reader.body_space();  // the server read()s into this
        size_t n = std::min<size_t>(rest.size(), 65536);
        if (body.empty()) {
          reader.feed(rest.substr(0, n));
        } else {
          n = std::min(n, body.size());
          std::memcpy(body.data(), rest.data(), n);
          reader.body_filled(n);
        }
        rest.remove_prefix(n);
      }
      if (reader.state() != RequestReader::State::kWhole) state.SkipWithError("decode failed");
      ControlRequest req = reader.take();
      benchmark::DoNotOptimize(req);
    });
  }
  report(state, allocs);
}
BENCHMARK(BM_RequestDecode)->Arg(200000)->Unit(benchmark::kMillisecond);

void BM_RequestDecodeInline(benchmark::State& state) {
  std::string wire =
      encode_request({"ofctl", {"--bundle", "add-flows", "br0", "f"}, bench_flows(state.range(0))});
  uint64_t allocs = 0;
  for (auto _ : state) {
    counted(&allocs, [&] {
      auto req = decode_request(wire);
      if (!req.ok()) state.SkipWithError("decode failed");
      benchmark::DoNotOptimize(req);
    });
  }
  report(state, allocs);
}
BENCHMARK(BM_RequestDecodeInline)->Arg(200000)->Unit(benchmark::kMillisecond);

void BM_ParseFlowFile(benchmark::State& state) {
  std::string text = bench_flows(state.range(0));
  uint64_t allocs = 0;
  for (auto _ : state) {
    counted(&allocs, [&] {
      auto ops = parse_flow_file(text, "flows", nullptr, FlowModCommand::kAdd, true);
      if (!ops.ok()) state.SkipWithError("parse failed");
      benchmark::DoNotOptimize(ops);
    });
  }
  report(state, allocs);
}
BENCHMARK(BM_ParseFlowFile)->Arg(200000)->Unit(benchmark::kMillisecond);

void BM_ApplyBundle(benchmark::State& state) {
  std::vector<FlowOp> ops = bench_ops(state.range(0));
  ManualClock clock;
  uint64_t allocs = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto br = std::make_unique<Ofproto>("br0", clock);
    state.ResumeTiming();
    counted(&allocs, [&] {
      if (!br->apply_bundle(ops).ok()) state.SkipWithError("apply failed");
    });
    state.PauseTiming();
    br.reset();  // freeing 200,000 rules is not the bundle's cost
    state.ResumeTiming();
  }
  report(state, allocs);
}
BENCHMARK(BM_ApplyBundle)->Arg(200000)->Unit(benchmark::kMillisecond);

void BM_JournalCommit(benchmark::State& state) {
  ManualClock clock;
  Ofproto br("br0", clock);
  std::vector<RulePtr> touched;
  Status st =
      br.apply_bundle(bench_ops(state.range(0)), nullptr, [&](const std::vector<RulePtr>& t) {
        touched = t;
        return ok_status();
      });
  if (!st.ok()) std::abort();
  uint64_t allocs = 0;
  for (auto _ : state) {
    state.PauseTiming();
    TempDir dir;
    {
      FlowStore store(dir.path + "/flows");
      state.ResumeTiming();
      counted(&allocs, [&] {
        if (!store.commit(br, touched).ok()) state.SkipWithError("commit failed");
      });
      state.PauseTiming();
    }
    state.ResumeTiming();
  }
  report(state, allocs);
}
BENCHMARK(BM_JournalCommit)->Arg(200000)->Unit(benchmark::kMillisecond);

// The daemon's flow persistence over the node core, as vswitchd/daemon.cc does it.
class PersistingHost : public CommandHost {
 public:
  PersistingHost(Switch& sw, const std::string& dir) : CommandHost(sw), flows_(dir) {}
  Status commit_flows(const std::string& bridge, const std::vector<FlowOp>& ops,
                      size_t* failed) override {
    Ofproto* br = sw().bridge(bridge);
    return sw().apply_bundle(bridge, ops, failed, [&](const std::vector<RulePtr>& touched) {
      return flows_.commit(*br, touched);
    });
  }

 private:
  FlowStore flows_;
};

// A daemon's node core with persistence and br0, holding the flows of `preload` (add-flows text)
// when it is not empty.
struct NodeWithBridge {
  NodeWithBridge(benchmark::State& state, const std::string& dir, const std::string& preload)
      : sw(clock, 64), host(sw, dir), node(host) {
    (void)host.vlog().apply_spec("any:any:off");
    ControlReply r =
        node.vsctl({"add-br", "br0", "--", "set", "bridge", "br0", "datapath_type=dummy"});
    if (r.status == 0 && !preload.empty()) {
      r = node.ofctl({"--bundle", "add-flows", "br0", "flows"}, preload);
    }
    if (r.status != 0) state.SkipWithError(r.err.c_str());
  }
  ManualClock clock;
  Switch sw;
  PersistingHost host;
  NodeCore node;
};

// Times `nvs-ofctl ARGV` with `text` as its file, each run on a fresh node holding `preload`.
void time_ofctl(benchmark::State& state, const std::string& preload,
                const std::vector<std::string>& argv, const std::string& text) {
  uint64_t allocs = 0;
  for (auto _ : state) {
    state.PauseTiming();
    TempDir dir;
    {
      NodeWithBridge n(state, dir.path + "/flows", preload);
      state.ResumeTiming();
      ControlReply r;
      counted(&allocs, [&] { r = n.node.ofctl(argv, text); });
      if (r.status != 0) state.SkipWithError(r.err.c_str());
      state.PauseTiming();
    }
    state.ResumeTiming();
  }
  report(state, allocs);
}

void BM_OfctlAddFlows(benchmark::State& state) {
  time_ofctl(state, "", {"--bundle", "add-flows", "br0", "flows"}, bench_flows(state.range(0)));
}
BENCHMARK(BM_OfctlAddFlows)->Arg(200000)->Unit(benchmark::kMillisecond);

void BM_OfctlReplaceFlows(benchmark::State& state) {
  std::string text = bench_flows(state.range(0));
  std::string changed;
  changed.reserve(text.size());
  for (size_t at = 0, nl; at < text.size(); at = nl + 1) {  // output:1 -> output:2 on every line
    nl = text.find('\n', at);
    changed.append(text, at, nl - at - 1);
    changed += "2\n";
  }
  time_ofctl(state, text, {"--bundle", "replace-flows", "br0", "flows2"}, changed);
}
BENCHMARK(BM_OfctlReplaceFlows)->Arg(200000)->Unit(benchmark::kMillisecond);

// A bridge holding the bench's flows and a flow store in a temporary directory.
struct StoredBridge {
  explicit StoredBridge(int64_t n) : br("br0", clock), store(dir.path) {
    if (!br.apply_bundle(bench_ops(n)).ok()) std::abort();
  }
  TempDir dir;
  ManualClock clock;
  Ofproto br;
  FlowStore store;
};

void BM_CompactAtOnce(benchmark::State& state) {
  StoredBridge b(state.range(0));
  for (auto _ : state) {
    if (!b.store.compact(b.br).ok()) state.SkipWithError("compact failed");
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_CompactAtOnce)->Arg(200000)->Unit(benchmark::kMillisecond);

double ms_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

void BM_CompactInBackground(benchmark::State& state) {
  StoredBridge b(state.range(0));
  FlowStore& store = b.store;
  double capture = 0, max_step = 0, steps = 0;
  auto log = [&](bool, const std::string& msg) { state.SkipWithError(msg.c_str()); };
  for (auto _ : state) {
    auto t = std::chrono::steady_clock::now();
    if (!store.start_compaction(b.br).ok()) state.SkipWithError("start_compaction failed");
    capture = std::max(capture, ms_since(t));
    while (store.compacting()) {
      t = std::chrono::steady_clock::now();
      bool more = store.compaction_step();
      max_step = std::max(max_step, ms_since(t));
      steps += more;
      if (more) continue;
      ::usleep(200);  // the worker sorts, or fsyncs and renames; the loop would sleep
      store.finish_compactions(log);
    }
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.counters["capture_ms"] = capture;
  state.counters["max_step_ms"] = max_step;
  state.counters["steps"] = steps / static_cast<double>(state.iterations());
}
BENCHMARK(BM_CompactInBackground)->Arg(200000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace nt

BENCHMARK_MAIN();
