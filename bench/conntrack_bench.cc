// Connection tracker benchmarks on one core (issue 12's in-process targets).
//
//   BM_Established/N      N established TCP connections; every packet is an in-window ACK of
//                         one of them through ct(zone=1): copy into the buffer (as a NIC
//                         would), checksum verification, lookup, TCP window update, timer
//                         refresh. Target >= 5 Mpps. "allocs_per_pkt" must be 0.
//   BM_EstablishedSnat/N  the same with nat: each packet is also SNATed (bytes + checksums).
//   BM_Commit1M           commits 1,000,000 UDP connections; reports the tracker's bytes
//                         (records + hash table) and the process's RSS growth. Target
//                         <= 512 MiB, and how many commits per second.
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <vector>

#include "alloc_count.h"  // replaces operator new: g_allocs
#include "common/clock.h"
#include "conntrack/conntrack.h"
#include "packet/build.h"
#include "packet/bytes.h"
#include "packet/checksum.h"
#include "packet/packet.h"
#include "packet/parse.h"

namespace nt::bench {
namespace {

size_t rss_bytes() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return 0;
  unsigned long pages = 0, resident = 0;
  int n = std::fscanf(f, "%lu %lu", &pages, &resident);
  std::fclose(f);
  return n == 2 ? resident * 4096ul : 0;
}

// A TCP segment src:sp -> dst:dp with the given flags/seq/ack and valid checksums.
std::vector<uint8_t> tcp_frame(uint32_t src, uint32_t dst, uint16_t sp, uint16_t dp, uint16_t flags,
                               uint32_t seq, uint32_t ack) {
  FlowKey k{};
  k.dl_type = kEthTypeIp;
  k.nw_proto = kIpProtoTcp;
  k.nw_ttl = 64;
  k.nw_src = src;
  k.nw_dst = dst;
  k.tp_src = sp;
  k.tp_dst = dp;
  k.tcp_flags = flags;
  Packet p;
  compose_packet(k, p, 10);  // 64-byte frame
  store_be32(p.data() + 34 + 4, seq);
  store_be32(p.data() + 34 + 8, ack);
  recompute_checksums(p);
  return {p.data(), p.data() + p.size()};
}

struct Frame {
  std::vector<uint8_t> bytes;
};

// One packet through ct() from its template bytes.
CtDrop run(Conntrack& ct, Packet& pkt, const std::vector<uint8_t>& b, const CtArgs& a) {
  pkt.assign(b.data(), b.size());
  FlowKey key{};
  HeaderOffsets ofs;
  flow_extract(pkt, key, &ofs);
  CtMeta meta;
  return ct.execute(pkt, key, ofs, a, meta);
}

void established(benchmark::State& state, bool nat) {
  ManualClock clock;
  Conntrack ct(clock);
  size_t n = static_cast<size_t>(state.range(0));
  CtArgs commit;
  commit.zone = 1;
  commit.commit = true;
  CtArgs args = commit;
  args.commit = false;
  if (nat) {
    commit.nat.kind = CtNat::Kind::kSrc;
    commit.nat.addr_min.b = {172, 24, 4, 10};
    commit.nat.addr_max = commit.nat.addr_min;
    args.nat.kind = CtNat::Kind::kReverseOnly;
  }
  std::vector<std::vector<uint8_t>> frames;
  Packet pkt;
  for (size_t i = 0; i < n; ++i) {
    uint32_t a = 0x0a000000 + static_cast<uint32_t>(i / 50000) + 1, b = 0x0a640001;
    uint16_t sp = static_cast<uint16_t>(10000 + i % 50000);
    run(ct, pkt, tcp_frame(a, b, sp, 80, 0x02, 1000, 0), commit);
    // The reply is addressed to the translated source when NATed.
    uint32_t to = nat ? load_be32(commit.nat.addr_min.b.data()) : a;
    run(ct, pkt, tcp_frame(b, to, 80, sp, 0x12, 5000, 1001), args);
    frames.push_back(tcp_frame(a, b, sp, 80, 0x10, 1001, 5001));
    run(ct, pkt, frames.back(), args);
  }
  size_t i = 0;
  uint64_t allocs = g_allocs.load();
  uint64_t bad = 0;
  for (auto _ : state) {
    if (run(ct, pkt, frames[i], args) != CtDrop::kNone) ++bad;
    if (++i == n) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["allocs_per_pkt"] =
      static_cast<double>(g_allocs.load() - allocs) / static_cast<double>(state.iterations());
  state.counters["conns"] = static_cast<double>(ct.count());
  state.counters["drops"] = static_cast<double>(bad);
}

void BM_Established(benchmark::State& state) { established(state, false); }
void BM_EstablishedSnat(benchmark::State& state) { established(state, true); }
BENCHMARK(BM_Established)->Arg(1000)->Arg(100000)->Arg(1000000);
BENCHMARK(BM_EstablishedSnat)->Arg(1000)->Arg(40000);

void BM_Commit1M(benchmark::State& state) {
  for (auto _ : state) {
    size_t rss0 = rss_bytes();
    ManualClock clock;
    Conntrack ct(clock);
    CtArgs commit;
    commit.commit = true;
    Packet pkt;
    build_udp(pkt, MacAddr{}, MacAddr{}, 0x0a000001, 0x08080808, 1, 53, nullptr, 0);
    std::vector<uint8_t> b(pkt.data(), pkt.data() + pkt.size());
    auto t0 = std::chrono::steady_clock::now();
    for (uint32_t i = 0; i < 1'000'000; ++i) {
      store_be32(&b[26], 0x0a000000 + (i >> 14));                      // source address
      store_be16(&b[34], static_cast<uint16_t>(1024 + (i & 0x3fff)));  // source port
      store_be16(&b[40], 0);                                           // no UDP checksum
      store_be16(&b[24], 0);
      store_be16(&b[24], ipv4_header_checksum(&b[14], 20));
      run(ct, pkt, b, commit);
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    size_t rss1 = rss_bytes();
    state.counters["conns"] = static_cast<double>(ct.count());
    state.counters["tracker_MiB"] = static_cast<double>(ct.memory_bytes()) / (1 << 20);
    state.counters["rss_growth_MiB"] = static_cast<double>(rss1 - rss0) / (1 << 20);
    state.counters["bytes_per_conn"] = static_cast<double>(ct.memory_bytes()) / 1e6;
    state.counters["commits_per_s"] = 1e6 / secs;
    std::printf("conntrack: 1,000,000 connections: tracker %.1f MiB, RSS growth %.1f MiB\n",
                static_cast<double>(ct.memory_bytes()) / (1 << 20),
                static_cast<double>(rss1 - rss0) / (1 << 20));
  }
}
BENCHMARK(BM_Commit1M)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace nt::bench

BENCHMARK_MAIN();
