// The datapath: megaflow and exact-match caches, upcall/revalidate/push_stats against a fake
// translator, execution of every datapath action on real frames, drop accounting, the text form
// of datapath actions. (That a cached flow's packets are forwarded without a single allocation
// is tested through the whole pipeline, Switch included, in tests/unit/xlate.)
#include "datapath/datapath.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <map>
#include <new>
#include <random>
#include <set>
#include <vector>

#include "datapath/megaflow.h"
#include "datapath/odp_actions.h"
#include "flow/match.h"
#include "packet/build.h"
#include "packet/bytes.h"
#include "packet/checksum.h"
#include "packet/offload.h"
#include "packet/parse.h"
#include "packet/tunnel.h"

namespace nt {
namespace {

constexpr TimeMs kT0 = 1'000'000;

MacAddr mac(uint64_t v) { return MacAddr::from_u64(v); }
const MacAddr kMacA = mac(0x505400000001);
const MacAddr kMacB = mac(0x505400000002);
const MacAddr kMacC = mac(0x505400000003);
const MacAddr kAllOnes = mac(0xffffffffffff);

constexpr uint32_t ip4(int a, int b, int c, int d) {
  return uint32_t(a) << 24 | uint32_t(b) << 16 | uint32_t(c) << 8 | uint32_t(d);
}

FlowKey eth_key(const MacAddr& src, const MacAddr& dst) {
  FlowKey k;
  k.dl_src = src;
  k.dl_dst = dst;
  k.dl_type = kEthTypeIp;
  k.nw_src = ip4(10, 0, 0, 1);
  k.nw_dst = ip4(10, 0, 0, 2);
  k.nw_proto = kIpProtoUdp;
  k.nw_ttl = 64;
  k.tp_src = 1234;
  k.tp_dst = 53;
  return k;
}

FlowKey tcp_key() {
  FlowKey k = eth_key(kMacA, kMacB);
  k.nw_proto = kIpProtoTcp;
  k.tp_src = 40000;
  k.tp_dst = 80;
  return k;
}

FlowKey arp_key() {
  FlowKey k;
  k.dl_src = kMacA;
  k.dl_dst = kAllOnes;
  k.dl_type = kEthTypeArp;
  k.nw_proto = 1;
  k.nw_src = ip4(10, 0, 0, 1);
  k.nw_dst = ip4(10, 0, 0, 2);
  k.arp_sha = kMacA;
  return k;
}

std::vector<uint8_t> frame_of(const FlowKey& k, size_t payload = 18) {
  Packet p;
  EXPECT_TRUE(compose_packet(k, p, payload));
  return std::vector<uint8_t>(p.data(), p.data() + p.size());
}

// The key of a frame as the datapath would see it, without metadata.
FlowKey key_of(const std::vector<uint8_t>& f) {
  FlowKey k;
  EXPECT_EQ(flow_extract(f.data(), f.size(), k), ParseError::kOk);
  return k;
}

bool checksums_ok(const std::vector<uint8_t>& f) {
  Packet p;
  p.assign(f.data(), f.size());
  return verify_checksums(p);
}

odp::SetTunnel tunnel_action(const TunnelMeta& t) {
  return odp::SetTunnel{t.tun_id, t.ip_src, t.ip_dst, t.ip_tos, t.ip_ttl, t.tp_dst};
}

std::unique_ptr<Megaflow> make_flow(const FlowKey& value, const FlowKey& mask, uint32_t out) {
  auto mf = std::make_unique<Megaflow>();
  mf->match.value = value;
  mf->match.mask = mask;
  key_and(mf->match.value, mf->match.mask);
  mf->actions = {odp::Output{out}};
  return mf;
}

// ---- MegaflowTable --------------------------------------------------------------------------

TEST(MegaflowTableTest, LooksUpAcrossSeveralMasks) {
  MegaflowTable t;
  FlowKey by_dst;
  by_dst.dl_dst = kAllOnes;
  FlowKey by_port;
  by_port.in_port = 0xffffffff;
  by_port.dl_type = 0xffff;
  FlowKey by_ip;
  by_ip.dl_type = 0xffff;
  by_ip.nw_dst = 0xffffff00;

  FlowKey k1 = eth_key(kMacA, kMacC);
  FlowKey k2 = eth_key(kMacA, kMacB);
  k2.in_port = 7;
  k2.dl_type = kEthTypeArp;
  FlowKey k3 = eth_key(kMacA, kMacB);
  k3.nw_dst = ip4(192, 168, 1, 77);
  Megaflow* f1 = t.insert(make_flow(k1, by_dst, 1));
  Megaflow* f2 = t.insert(make_flow(k2, by_port, 2));
  Megaflow* f3 = t.insert(make_flow(k3, by_ip, 3));
  EXPECT_EQ(t.size(), 3u);
  EXPECT_EQ(t.n_masks(), 3u);

  FlowKey q = eth_key(kMacB, kMacC);  // only dl_dst matters for f1
  q.nw_src = ip4(1, 2, 3, 4);
  EXPECT_EQ(t.lookup(q), f1);
  q = eth_key(kMacB, kMacB);
  q.in_port = 7;
  q.dl_type = kEthTypeArp;
  EXPECT_EQ(t.lookup(q), f2);
  q = eth_key(kMacB, kMacB);
  q.nw_dst = ip4(192, 168, 1, 200);  // same /24
  EXPECT_EQ(t.lookup(q), f3);
  q.nw_dst = ip4(192, 168, 2, 77);
  EXPECT_EQ(t.lookup(q), nullptr);

  int seen = 0;
  t.for_each([&](Megaflow* f) { seen += f == f1 || f == f2 || f == f3; });
  EXPECT_EQ(seen, 3);
}

TEST(MegaflowTableTest, GrowsPastManyEntriesAndRemovalLeavesTheOthersFindable) {
  MegaflowTable t;
  FlowKey m1;
  m1.nw_src = 0xffffffff;
  m1.dl_type = 0xffff;
  FlowKey m2;
  m2.tp_dst = 0xffff;
  m2.nw_proto = 0xff;
  m2.dl_type = 0xffff;
  constexpr int kN = 2000;
  std::vector<Megaflow*> flows;
  for (int i = 0; i < kN; ++i) {
    FlowKey k = eth_key(kMacA, kMacB);
    k.nw_src = ip4(10, 1, i >> 8, i & 0xff);
    k.tp_dst = static_cast<uint16_t>(i);  // ignored by m1
    flows.push_back(t.insert(make_flow(k, m1, static_cast<uint32_t>(i))));
  }
  for (int i = 0; i < 100; ++i) {
    FlowKey k = eth_key(kMacA, kMacB);
    k.nw_src = ip4(172, 16, 0, 1);
    k.tp_dst = static_cast<uint16_t>(10000 + i);
    flows.push_back(t.insert(make_flow(k, m2, static_cast<uint32_t>(kN + i))));
  }
  EXPECT_EQ(t.size(), size_t{kN + 100});
  EXPECT_EQ(t.n_masks(), 2u);
  auto find = [&](int i) -> Megaflow* {
    FlowKey k = eth_key(kMacC, kMacC);
    if (i < kN) {
      k.nw_src = ip4(10, 1, i >> 8, i & 0xff);
      k.tp_dst = 9;
    } else {
      k.nw_src = ip4(172, 16, 0, 1);
      k.tp_dst = static_cast<uint16_t>(10000 + i - kN);
    }
    return t.lookup(k);
  };
  for (int i = 0; i < kN + 100; ++i) ASSERT_EQ(find(i), flows[i]) << i;

  // Remove every third flow, in an order unrelated to insertion.
  std::vector<int> order(flows.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
  std::shuffle(order.begin(), order.end(), std::mt19937(7));
  std::set<int> removed;
  for (int i : order) {
    if (i % 3 == 0) {
      t.remove(flows[i]);
      removed.insert(i);
    }
  }
  EXPECT_EQ(t.size(), flows.size() - removed.size());
  for (int i = 0; i < kN + 100; ++i) {
    if (removed.count(i)) {
      EXPECT_EQ(find(i), nullptr) << i;
    } else {
      ASSERT_EQ(find(i), flows[i]) << i;
      EXPECT_EQ(std::get<odp::Output>(flows[i]->actions[0]).port, static_cast<uint32_t>(i));
    }
  }
  // Emptying a mask's last flow removes the mask.
  for (int i = kN; i < kN + 100; ++i) {
    if (!removed.count(i)) t.remove(flows[i]);
  }
  EXPECT_EQ(t.n_masks(), 1u);
  EXPECT_EQ(find(kN + 1), nullptr);
  EXPECT_EQ(find(1), flows[1]);
  t.clear();
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.n_masks(), 0u);
  EXPECT_EQ(find(1), nullptr);
}

// ---- ExactMatchCache ------------------------------------------------------------------------

TEST(ExactMatchCacheTest, HitsOnlyTheWholeKeyWithItsHash) {
  ExactMatchCache emc;
  Megaflow f1, f2;
  FlowKey k1 = eth_key(kMacA, kMacB);
  FlowKey k2 = k1;
  k2.tp_src = 1235;
  const uint64_t h = 0x1234;
  EXPECT_EQ(emc.lookup(k1, h), nullptr);
  emc.insert(k1, h, &f1);
  EXPECT_EQ(emc.lookup(k1, h), &f1);
  EXPECT_EQ(emc.lookup(k2, h), nullptr);                              // same hash, another key
  EXPECT_EQ(emc.lookup(k1, h + ExactMatchCache::kEntries), nullptr);  // same slot, other hash
  // A second key in the same slot replaces the first.
  emc.insert(k2, h + ExactMatchCache::kEntries, &f2);
  EXPECT_EQ(emc.lookup(k2, h + ExactMatchCache::kEntries), &f2);
  EXPECT_EQ(emc.lookup(k1, h), nullptr);
  // Other slots are independent.
  emc.insert(k1, h + 1, &f1);
  EXPECT_EQ(emc.lookup(k1, h + 1), &f1);
  EXPECT_EQ(emc.lookup(k2, h + ExactMatchCache::kEntries), &f2);
  emc.clear();
  EXPECT_EQ(emc.lookup(k1, h + 1), nullptr);
  EXPECT_EQ(emc.lookup(k2, h + ExactMatchCache::kEntries), nullptr);
}

// ---- Datapath with a fake translator --------------------------------------------------------

struct FakeContext : MegaflowContext {
  explicit FakeContext(int g) : generation(g) {}
  int generation;
};

// A "pipeline" that looks at in_port and dl_dst only: its answer for a destination MAC comes
// from `by_dst` (default: drop).
class FakeTranslator : public UpcallHandler {
 public:
  bool upcall(const FlowKey& key, const Packet& pkt, Megaflow& flow) override {
    ++upcalls;
    last_upcall_size = pkt.size();
    if (refuse) return false;
    fill(key, flow);
    return true;
  }
  bool revalidate(const Megaflow& flow, Megaflow& out) override {
    ++revalidations;
    if (gone.count(flow.origin.dl_dst.to_u64())) return false;
    fill(flow.origin, out);
    return true;
  }
  void push_stats(Megaflow& flow, uint64_t packets, uint64_t bytes) override {
    ++push_calls;
    per_dst[flow.origin.dl_dst.to_u64()].first += packets;
    per_dst[flow.origin.dl_dst.to_u64()].second += bytes;
  }

  std::map<uint64_t, OdpActions> by_dst;
  std::set<uint64_t> gone;
  bool refuse = false;
  bool match_src = false;  // also un-wildcard dl_src
  int generation = 0;
  int upcalls = 0, revalidations = 0, push_calls = 0;
  size_t last_upcall_size = 0;
  std::map<uint64_t, std::pair<uint64_t, uint64_t>> per_dst;  // packets, bytes

 private:
  void fill(const FlowKey& key, Megaflow& flow) {
    flow.match.mask = FlowKey{};
    flow.match.mask.in_port = 0xffffffff;
    flow.match.mask.dl_dst = kAllOnes;
    if (match_src) flow.match.mask.dl_src = kAllOnes;
    flow.match.value = key;  // the datapath masks it
    auto it = by_dst.find(key.dl_dst.to_u64());
    flow.actions = it == by_dst.end() ? OdpActions{} : it->second;
    flow.context = std::make_unique<FakeContext>(generation);
  }
};

class DatapathTest : public ::testing::Test {
 protected:
  DatapathTest() : dp_(clock_, 256) {
    dp_.set_upcall_handler(&fake_);
    for (int i = 0; i < 4; ++i) {
      auto p = std::make_unique<RecordingPort>();
      p->name = "p" + std::to_string(i + 1);
      ports_.push_back(p.get());
      EXPECT_EQ(dp_.add_port(std::move(p)), static_cast<uint32_t>(i + 1));
    }
    dp_.set_packet_in_handler([this](const Packet& p, uint32_t reason) {
      packet_ins_.push_back({std::vector<uint8_t>(p.data(), p.data() + p.size()), reason});
      packet_in_tunnels_.push_back(p.tunnel);
    });
  }
  RecordingPort& port(uint32_t odp) { return *ports_.at(odp - 1); }
  void inject(uint32_t odp, const FlowKey& k) {
    auto f = frame_of(k);
    ASSERT_TRUE(dp_.inject(odp, f.data(), f.size()));
  }
  // Executes `acts` on the frame of `k` arriving on port 1; returns what port `out` sent.
  std::vector<uint8_t> run(const FlowKey& k, const OdpActions& acts, uint32_t out = 2) {
    auto f = frame_of(k);
    size_t before = port(out).sent.size();
    dp_.execute(1, f.data(), f.size(), acts);
    EXPECT_EQ(port(out).sent.size(), before + 1);
    return port(out).sent.empty() ? std::vector<uint8_t>{} : port(out).sent.back();
  }
  uint64_t drops(DpDrop d) const { return dp_.stats().drops[static_cast<size_t>(d)]; }

  ManualClock clock_{kT0};
  FakeTranslator fake_;
  Datapath dp_;
  std::vector<RecordingPort*> ports_;
  std::vector<std::pair<std::vector<uint8_t>, uint32_t>> packet_ins_;
  std::vector<TunnelMeta> packet_in_tunnels_;
};

TEST_F(DatapathTest, FirstPacketUpcallsAndInstallsSecondHitsTheExactMatchCache) {
  fake_.by_dst[kMacB.to_u64()] = {odp::Output{2}};
  FlowKey k = eth_key(kMacA, kMacB);
  inject(1, k);
  EXPECT_EQ(fake_.upcalls, 1);
  EXPECT_EQ(dp_.stats().misses, 1u);
  EXPECT_EQ(dp_.megaflows().size(), 1u);
  ASSERT_EQ(port(2).sent.size(), 1u);
  EXPECT_EQ(port(2).sent[0], frame_of(k));
  EXPECT_EQ(fake_.last_upcall_size, frame_of(k).size());

  // The installed megaflow: the masked key of the first packet, in_port as the odp port.
  Megaflow* mf = nullptr;
  dp_.megaflows().for_each([&](Megaflow* f) { mf = f; });
  ASSERT_NE(mf, nullptr);
  EXPECT_EQ(mf->match.value.in_port, 1u);
  EXPECT_EQ(mf->match.value.dl_dst, kMacB);
  EXPECT_EQ(mf->match.value.dl_src, MacAddr{});  // wildcarded bits are zero in the value
  EXPECT_EQ(mf->origin.dl_src, kMacA);
  EXPECT_EQ(mf->origin.in_port, 1u);
  EXPECT_EQ(mf->created, kT0);

  clock_.advance_ms(500);
  inject(1, k);
  EXPECT_EQ(fake_.upcalls, 1);
  EXPECT_EQ(dp_.stats().emc_hits, 1u);
  EXPECT_EQ(dp_.stats().megaflow_hits, 0u);
  EXPECT_EQ(port(2).sent.size(), 2u);
  EXPECT_EQ(mf->n_packets, 2u);
  EXPECT_EQ(mf->n_bytes, 2 * frame_of(k).size());
  EXPECT_EQ(mf->used, kT0 + 500);

  // Another source: not in the EMC, but the same megaflow.
  inject(1, eth_key(kMacC, kMacB));
  EXPECT_EQ(fake_.upcalls, 1);
  EXPECT_EQ(dp_.stats().megaflow_hits, 1u);
  EXPECT_EQ(mf->n_packets, 3u);
  // Another in_port: a miss.
  inject(3, k);
  EXPECT_EQ(fake_.upcalls, 2);
  EXPECT_EQ(dp_.megaflows().size(), 2u);
  EXPECT_EQ(port(2).sent.size(), 4u);
  EXPECT_EQ(port(1).rx_packets, 3u);
  EXPECT_EQ(port(3).rx_packets, 1u);
}

TEST_F(DatapathTest, WithTheExactMatchCacheOffPacketsHitTheMegaflow) {
  fake_.by_dst[kMacB.to_u64()] = {odp::Output{2}};
  dp_.set_emc_enabled(false);
  FlowKey k = eth_key(kMacA, kMacB);
  for (int i = 0; i < 5; ++i) inject(1, k);
  EXPECT_EQ(fake_.upcalls, 1);
  EXPECT_EQ(dp_.stats().emc_hits, 0u);
  EXPECT_EQ(dp_.stats().megaflow_hits, 4u);
  EXPECT_EQ(port(2).sent.size(), 5u);
  dp_.set_emc_enabled(true);
  inject(1, k);
  inject(1, k);
  EXPECT_EQ(dp_.stats().megaflow_hits, 5u);
  EXPECT_EQ(dp_.stats().emc_hits, 1u);
}

TEST_F(DatapathTest, ABatchOfOneFlowUpcallsOnce) {
  fake_.by_dst[kMacB.to_u64()] = {odp::Output{2}};
  auto f = frame_of(eth_key(kMacA, kMacB));
  PacketBatch b;
  for (size_t i = 0; i < PacketBatch::kMax; ++i) {
    Packet* p = dp_.pool().get();
    ASSERT_NE(p, nullptr);
    p->assign(f.data(), f.size());
    b.add(p);
  }
  const size_t free_before = dp_.pool().available();
  dp_.receive(1, b);
  EXPECT_EQ(b.count, 0u);
  EXPECT_EQ(fake_.upcalls, 1);
  EXPECT_EQ(dp_.stats().emc_hits, PacketBatch::kMax - 1);
  EXPECT_EQ(port(2).sent.size(), PacketBatch::kMax);
  EXPECT_EQ(dp_.pool().available(), free_before + PacketBatch::kMax);  // all given back
}

TEST_F(DatapathTest, AFailedUpcallDropsAndInstallsNothing) {
  fake_.refuse = true;
  inject(1, eth_key(kMacA, kMacB));
  EXPECT_EQ(dp_.megaflows().size(), 0u);
  EXPECT_EQ(drops(DpDrop::kUpcallFailed), 1u);
  fake_.refuse = false;
  fake_.by_dst[kMacB.to_u64()] = {odp::Output{2}};
  inject(1, eth_key(kMacA, kMacB));
  EXPECT_EQ(fake_.upcalls, 2);
  EXPECT_EQ(port(2).sent.size(), 1u);
}

TEST_F(DatapathTest, WithoutAnUpcallHandlerEveryMissIsDropped) {
  dp_.set_upcall_handler(nullptr);
  inject(1, eth_key(kMacA, kMacB));
  EXPECT_EQ(drops(DpDrop::kUpcallFailed), 1u);
  EXPECT_EQ(dp_.stats().misses, 1u);
}

TEST_F(DatapathTest, RevalidateKeepsUnchangedMegaflowsAndDropsChangedOnes) {
  fake_.by_dst[kMacB.to_u64()] = {odp::Output{2}};
  fake_.by_dst[kMacC.to_u64()] = {odp::Output{3}};
  FlowKey to_b = eth_key(kMacA, kMacB);
  FlowKey to_c = eth_key(kMacA, kMacC);
  FlowKey to_a = eth_key(kMacB, kMacA);  // drop
  inject(1, to_b);
  inject(1, to_c);
  inject(1, to_a);
  ASSERT_EQ(dp_.megaflows().size(), 3u);
  std::map<uint64_t, Megaflow*> by_dst;
  dp_.megaflows().for_each([&](Megaflow* f) { by_dst[f->origin.dl_dst.to_u64()] = f; });
  Megaflow* kept = by_dst[kMacB.to_u64()];

  // Nothing changed: everything stays, with the fresh translation's context.
  fake_.generation = 1;
  dp_.revalidate();
  EXPECT_EQ(fake_.revalidations, 3);
  EXPECT_EQ(dp_.megaflows().size(), 3u);
  EXPECT_EQ(dynamic_cast<FakeContext*>(kept->context.get())->generation, 1);

  // C's actions change and A's translation fails: those two go, B stays (the same entry).
  fake_.by_dst[kMacC.to_u64()] = {odp::Output{4}};
  fake_.gone.insert(kMacA.to_u64());
  dp_.revalidate();
  EXPECT_EQ(dp_.megaflows().size(), 1u);
  Megaflow* left = nullptr;
  dp_.megaflows().for_each([&](Megaflow* f) { left = f; });
  EXPECT_EQ(left, kept);

  // The EMC no longer knows the dropped flows: C's next packet is translated afresh.
  const int upcalls = fake_.upcalls;
  inject(1, to_c);
  EXPECT_EQ(fake_.upcalls, upcalls + 1);
  EXPECT_EQ(port(4).sent.size(), 1u);
  inject(1, to_b);
  EXPECT_EQ(fake_.upcalls, upcalls + 1);

  // A change of mask is a change too.
  fake_.match_src = true;
  dp_.revalidate();
  EXPECT_EQ(dp_.megaflows().size(), 0u);
}

TEST_F(DatapathTest, PushStatsCreditsEachDeltaExactlyOnce) {
  fake_.by_dst[kMacB.to_u64()] = {odp::Output{2}};
  fake_.by_dst[kMacC.to_u64()] = {odp::Output{3}};
  FlowKey to_b = eth_key(kMacA, kMacB);
  FlowKey to_c = eth_key(kMacA, kMacC);
  const uint64_t len = frame_of(to_b).size();
  for (int i = 0; i < 3; ++i) inject(1, to_b);
  inject(1, to_c);
  dp_.push_stats();
  EXPECT_EQ(fake_.per_dst[kMacB.to_u64()], std::make_pair(uint64_t{3}, 3 * len));
  EXPECT_EQ(fake_.per_dst[kMacC.to_u64()], std::make_pair(uint64_t{1}, len));
  EXPECT_EQ(fake_.push_calls, 2);
  // Nothing new: nothing credited.
  dp_.push_stats();
  EXPECT_EQ(fake_.push_calls, 2);
  // Only the new packets; revalidation pushes first and does not push them twice.
  inject(1, to_b);
  inject(1, to_b);
  dp_.revalidate();
  dp_.push_stats();
  EXPECT_EQ(fake_.per_dst[kMacB.to_u64()], std::make_pair(uint64_t{5}, 5 * len));
  EXPECT_EQ(fake_.per_dst[kMacC.to_u64()], std::make_pair(uint64_t{1}, len));
  EXPECT_EQ(fake_.push_calls, 3);
  // flush() pushes what is left before it forgets the flows.
  inject(1, to_c);
  dp_.flush();
  EXPECT_EQ(dp_.megaflows().size(), 0u);
  EXPECT_EQ(fake_.per_dst[kMacC.to_u64()], std::make_pair(uint64_t{2}, 2 * len));
}

TEST_F(DatapathTest, MalformedFramesAreCountedUnderTheirParseReasonAndDropped) {
  fake_.by_dst[kMacB.to_u64()] = {odp::Output{2}};
  const size_t free_before = dp_.pool().available();
  uint8_t short_eth[10] = {};
  ASSERT_TRUE(dp_.inject(1, short_eth, sizeof short_eth));
  auto ip = frame_of(eth_key(kMacA, kMacB));
  ASSERT_TRUE(dp_.inject(1, ip.data(), 14 + 12));  // IPv4 header cut short
  auto vlan_key = eth_key(kMacA, kMacB);
  vlan_key.vlan_tci = kVlanCfi | 5;
  auto tagged = frame_of(vlan_key);
  ASSERT_TRUE(dp_.inject(1, tagged.data(), 14 + 2));  // half a VLAN tag
  EXPECT_EQ(drops(DpDrop::kParse), 3u);
  const auto& pe = dp_.stats().parse_errors;
  EXPECT_EQ(pe[static_cast<size_t>(ParseError::kTruncatedEth)], 1u);
  EXPECT_EQ(pe[static_cast<size_t>(ParseError::kTruncatedIpv4)], 1u);
  EXPECT_EQ(pe[static_cast<size_t>(ParseError::kTruncatedVlan)], 1u);
  EXPECT_EQ(fake_.upcalls, 0);
  EXPECT_EQ(port(2).sent.size(), 0u);
  EXPECT_EQ(dp_.pool().available(), free_before);
  std::string cov = dp_.format_coverage();
  EXPECT_NE(cov.find("drop_malformed_packet"), std::string::npos) << cov;
  EXPECT_NE(cov.find("drop_truncated_eth"), std::string::npos) << cov;
  EXPECT_NE(cov.find("drop_truncated_ipv4"), std::string::npos) << cov;
  EXPECT_EQ(cov.find("drop_truncated_arp"), std::string::npos) << cov;
}

// ---- executing datapath actions -------------------------------------------------------------

TEST_F(DatapathTest, PushVlanAndPopVlan) {
  FlowKey k = eth_key(kMacA, kMacB);
  auto out = run(k, {odp::PushVlan{kEthTypeVlan, 100 | 3 << 13}, odp::Output{2}});
  FlowKey want = k;
  want.vlan_tci = kVlanCfi | 100 | 3 << 13;
  EXPECT_EQ(key_of(out), want);
  EXPECT_EQ(out.size(), frame_of(k).size() + 4);
  EXPECT_EQ(out[12], 0x81);
  EXPECT_EQ(out[13], 0x00);

  // An 802.1ad tag pushed on a tagged frame makes a two-tag stack.
  FlowKey tagged = k;
  tagged.vlan_tci = kVlanCfi | 10;
  out = run(tagged, {odp::PushVlan{kEthTypeQinQ, 20}, odp::Output{2}});
  want = k;
  want.vlan_tci = kVlanCfi | 20;
  want.vlan_tci2 = kVlanCfi | 10;
  EXPECT_EQ(key_of(out), want);
  EXPECT_EQ((out[12] << 8 | out[13]), kEthTypeQinQ);
  EXPECT_EQ((out[16] << 8 | out[17]), kEthTypeVlan);

  // pop_vlan removes the outer tag; twice removes both.
  out = run(key_of(out), {odp::PopVlan{}, odp::Output{2}});
  want = k;
  want.vlan_tci = kVlanCfi | 10;
  EXPECT_EQ(key_of(out), want);
  out = run(tagged, {odp::PopVlan{}, odp::Output{2}});
  EXPECT_EQ(out, frame_of(k));
}

TEST_F(DatapathTest, SetEthernetAddresses) {
  FlowKey k = eth_key(kMacA, kMacB);
  auto out = run(k, {odp::SetEthSrc{kMacC}, odp::SetEthDst{kMacA}, odp::Output{2}});
  FlowKey want = k;
  want.dl_src = kMacC;
  want.dl_dst = kMacA;
  EXPECT_EQ(key_of(out), want);
}

TEST_F(DatapathTest, SetIpv4FieldsKeepsChecksumsValid) {
  for (uint8_t proto : {kIpProtoUdp, kIpProtoTcp, kIpProtoIcmp}) {
    FlowKey k = eth_key(kMacA, kMacB);
    k.nw_proto = proto;
    if (proto == kIpProtoIcmp) k.tp_src = 8, k.tp_dst = 0;
    auto out = run(k, {odp::SetIpv4Src{ip4(172, 16, 0, 9)}, odp::SetIpv4Dst{ip4(8, 8, 8, 8)},
                       odp::SetIpv4Tos{0xb8}, odp::SetIpv4Ttl{7}, odp::Output{2}});
    FlowKey want = k;
    want.nw_src = ip4(172, 16, 0, 9);
    want.nw_dst = ip4(8, 8, 8, 8);
    want.nw_tos = 0xb8;
    want.nw_ttl = 7;
    EXPECT_EQ(key_of(out), want) << int{proto};
    EXPECT_TRUE(checksums_ok(out)) << int{proto};
  }
}

// mod_nw_tos / mod_nw_ecn become masked sets: only the bits under the mask change, the IPv4
// checksum stays valid, and the IPv6 traffic class (split over two bytes) is rewritten alike.
TEST_F(DatapathTest, MaskedTosAndTrafficClassKeepOtherBits) {
  FlowKey k = tcp_key();
  k.nw_tos = 0x03;  // ECN CE
  auto out = run(k, {odp::SetIpv4Tos{0x20, 0xfc}, odp::Output{2}});
  EXPECT_EQ(key_of(out).nw_tos, 0x23);
  EXPECT_TRUE(checksums_ok(out));
  out = run(k, {odp::SetIpv4Tos{0x01, 0x03}, odp::Output{2}});
  EXPECT_EQ(key_of(out).nw_tos, 0x01);
  EXPECT_TRUE(checksums_ok(out));
  FlowKey v6 = k;
  v6.dl_type = kEthTypeIpv6;
  v6.ipv6_src[15] = 1;
  v6.ipv6_dst[15] = 2;
  v6.nw_tos = 0xb1;
  out = run(v6, {odp::SetIpv6Tclass{0x48, 0xfc}, odp::Output{2}});
  EXPECT_EQ(key_of(out).nw_tos, 0x49);
  EXPECT_EQ(format_odp_actions({odp::SetIpv6Tclass{0x48, 0xfc}}), "set(ipv6(tclass=0x48/0xfc))");
  EXPECT_EQ(format_odp_actions({odp::SetIpv4Tos{0x3, 0x3}}), "set(ipv4(tos=0x3/0x3))");
}

TEST_F(DatapathTest, SetTransportPortsOnTcpAndUdp) {
  for (FlowKey k : {tcp_key(), eth_key(kMacA, kMacB)}) {
    auto out = run(k, {odp::SetL4Src{1111}, odp::SetL4Dst{2222}, odp::Output{2}});
    FlowKey want = k;
    want.tp_src = 1111;
    want.tp_dst = 2222;
    EXPECT_EQ(key_of(out), want);
    EXPECT_TRUE(checksums_ok(out));
  }
}

TEST_F(DatapathTest, SetArpFields) {
  FlowKey k = arp_key();
  auto out = run(k, {odp::SetArpOp{2}, odp::SetArpSha{kMacC}, odp::SetArpSpa{ip4(10, 0, 0, 2)},
                     odp::SetArpTha{kMacA}, odp::SetArpTpa{ip4(10, 0, 0, 1)}, odp::Output{2}});
  FlowKey want = k;
  want.nw_proto = 2;
  want.arp_sha = kMacC;
  want.nw_src = ip4(10, 0, 0, 2);
  want.arp_tha = kMacA;
  want.nw_dst = ip4(10, 0, 0, 1);
  EXPECT_EQ(key_of(out), want);
}

TEST_F(DatapathTest, OutputToSeveralPortsClonesAndLaterEditsDoNotLeakBack) {
  FlowKey k = eth_key(kMacA, kMacB);
  auto f = frame_of(k);
  const size_t free_before = dp_.pool().available();
  dp_.execute(
      1, f.data(), f.size(),
      {odp::Output{2}, odp::Output{3}, odp::SetEthDst{kMacC}, odp::Output{4}, odp::Output{2}});
  ASSERT_EQ(port(2).sent.size(), 2u);
  ASSERT_EQ(port(3).sent.size(), 1u);
  ASSERT_EQ(port(4).sent.size(), 1u);
  EXPECT_EQ(port(2).sent[0], f);
  EXPECT_EQ(port(3).sent[0], f);
  FlowKey edited = k;
  edited.dl_dst = kMacC;
  EXPECT_EQ(key_of(port(4).sent[0]), edited);
  EXPECT_EQ(key_of(port(2).sent[1]), edited);
  EXPECT_EQ(dp_.pool().available(), free_before);  // every clone went back to the pool
}

// ---- offloaded packets ------------------------------------------------------------------------

// A port that sends offloads as they are (AF_PACKET and tap do): records frame and header.
class OffloadPort final : public DpPort {
 public:
  std::string_view type() const override { return "offload"; }
  bool accepts_offload() const override { return true; }
  void send(PacketBatch& batch, PacketPool& pool) override {
    for (Packet* p : batch) {
      sent.emplace_back(p->data(), p->data() + p->size());
      hdrs.push_back(p->offload);
      pool.put(p);
    }
    batch.clear();
  }
  std::vector<std::vector<uint8_t>> sent;
  std::vector<VnetHdr> hdrs;
};

// A TCP super-frame in a large pool packet, as a netdev passes it on: headers for the whole
// chunk, checksum partial, gso_size = mss.
Packet* super_frame(PacketPool& pool, const FlowKey& k, size_t payload, uint16_t mss) {
  Packet* p = pool.get_large();
  if (!p || !compose_packet(k, *p, payload)) return p;
  HeaderOffsets ofs;
  FlowKey parsed;
  flow_extract(*p, parsed, &ofs);
  size_t l4_len = p->size() - ofs.l4;
  uint32_t pseudo =
      ipv4_pseudo_header_sum(k.nw_src, k.nw_dst, kIpProtoTcp, static_cast<uint16_t>(l4_len));
  store_be16(p->data() + ofs.l4 + 16, static_cast<uint16_t>(~csum_finish(pseudo)));
  p->offload.flags = kVnetNeedsCsum;
  p->offload.gso_type = mss ? kVnetGsoTcpv4 : kVnetGsoNone;
  p->offload.gso_size = mss;
  p->offload.csum_start = ofs.l4;
  p->offload.csum_offset = 16;
  p->offload.hdr_len = static_cast<uint16_t>(ofs.l4 + 20);
  return p;
}

// The choice is per output port: the offload port gets the super-frame whole (tag pushed,
// csum_start moved with it), the dummy port gets MTU-sized segments with full checksums.
TEST(DatapathOffload, SuperFrameStaysOnePacketWhereThePortTakesOffloadsElseIsSegmented) {
  ManualClock clock{kT0};
  FakeTranslator fake;
  Datapath dp(clock, 256, 2048, 4);
  dp.set_upcall_handler(&fake);
  dp.add_port(std::make_unique<RecordingPort>());  // 1: where it arrives
  auto off = std::make_unique<OffloadPort>();
  OffloadPort& offload_port = *off;
  dp.add_port(std::move(off));  // 2
  auto rec = std::make_unique<RecordingPort>();
  RecordingPort& dummy = *rec;
  dp.add_port(std::move(rec));  // 3
  FlowKey k = tcp_key();
  fake.by_dst[k.dl_dst.to_u64()] = {odp::PushVlan{kEthTypeVlan, 42}, odp::Output{2},
                                    odp::Output{3}};
  constexpr size_t kPayload = 20000;
  constexpr uint16_t kMss = 1448;
  PacketBatch b;
  Packet* sf = super_frame(dp.pool(), k, kPayload, kMss);
  ASSERT_NE(sf, nullptr);
  const uint16_t l4 = sf->offload.csum_start;
  const size_t len = sf->size();
  b.add(sf);
  dp.receive(1, b);

  ASSERT_EQ(offload_port.sent.size(), 1u);
  EXPECT_EQ(offload_port.sent[0].size(), len + 4);
  const VnetHdr& h = offload_port.hdrs[0];
  EXPECT_EQ(h.gso_type, kVnetGsoTcpv4);
  EXPECT_EQ(h.gso_size, kMss);
  EXPECT_EQ(h.csum_start, l4 + 4);
  EXPECT_EQ(h.hdr_len, l4 + 24);
  Packet whole(Packet::kLargeCapacity);
  whole.assign(offload_port.sent[0].data(), offload_port.sent[0].size());
  ASSERT_EQ(vnet_complete_csum(whole.data(), whole.size(), h), VnetStatus::kOk);
  EXPECT_TRUE(verify_checksums(whole));

  size_t nseg = (kPayload + kMss - 1) / kMss;
  ASSERT_EQ(dummy.sent.size(), nseg);
  size_t carried = 0;
  for (const auto& f : dummy.sent) {
    EXPECT_LE(f.size(), 14u + 4 + 1500);
    EXPECT_TRUE(checksums_ok(f));
    EXPECT_EQ(key_of(f).vlan_tci, kVlanCfi | 42);
    carried += f.size() - (l4 + 4 + 20);
  }
  EXPECT_EQ(carried, kPayload);
  EXPECT_EQ(dp.stats().offload_segmented, 1u);
  EXPECT_EQ(dp.stats().offload_segments, nseg);
  EXPECT_EQ(dp.pool().available(), 256u);
  EXPECT_EQ(dp.pool().large_available(), 4u);
}

// A partial checksum alone (no GSO) is completed for a port without offloads, kept (and kept
// correct through set-field) for one with them.
TEST(DatapathOffload, PartialChecksumIsCompletedOnlyWhereThePortNeedsIt) {
  ManualClock clock{kT0};
  FakeTranslator fake;
  Datapath dp(clock, 64, 2048, 2);
  dp.set_upcall_handler(&fake);
  dp.add_port(std::make_unique<RecordingPort>());
  auto off = std::make_unique<OffloadPort>();
  OffloadPort& offload_port = *off;
  dp.add_port(std::move(off));
  auto rec = std::make_unique<RecordingPort>();
  RecordingPort& dummy = *rec;
  dp.add_port(std::move(rec));
  FlowKey k = tcp_key();
  fake.by_dst[k.dl_dst.to_u64()] = {odp::SetIpv4Src{ip4(10, 9, 9, 9)}, odp::SetL4Dst{8443},
                                    odp::Output{2}, odp::Output{3}};
  PacketBatch b;
  b.add(super_frame(dp.pool(), k, 300, 0));
  ASSERT_NE(b.pkts[0], nullptr);
  dp.receive(1, b);
  ASSERT_EQ(dummy.sent.size(), 1u);
  EXPECT_TRUE(checksums_ok(dummy.sent[0]));
  EXPECT_EQ(key_of(dummy.sent[0]).tp_dst, 8443);
  ASSERT_EQ(offload_port.sent.size(), 1u);
  EXPECT_EQ(offload_port.hdrs[0].flags, kVnetNeedsCsum);
  Packet p(4096);
  p.assign(offload_port.sent[0].data(), offload_port.sent[0].size());
  ASSERT_EQ(vnet_complete_csum(p.data(), p.size(), offload_port.hdrs[0]), VnetStatus::kOk);
  EXPECT_EQ(std::vector<uint8_t>(p.data(), p.data() + p.size()), dummy.sent[0]);
  EXPECT_EQ(dp.stats().offload_csum, 1u);
}

TEST_F(DatapathTest, UserspaceCallsThePacketInHandler) {
  FlowKey k = eth_key(kMacA, kMacB);
  auto f = frame_of(k);
  const size_t free_before = dp_.pool().available();
  // In the middle: the handler sees the packet as edited so far, and forwarding goes on.
  dp_.execute(1, f.data(), f.size(),
              {odp::SetEthSrc{kMacC}, odp::Userspace{1, 128}, odp::Output{2}});
  ASSERT_EQ(packet_ins_.size(), 1u);
  EXPECT_EQ(packet_ins_[0].second, 1u);
  FlowKey edited = k;
  edited.dl_src = kMacC;
  EXPECT_EQ(key_of(packet_ins_[0].first), edited);
  ASSERT_EQ(port(2).sent.size(), 1u);
  EXPECT_EQ(key_of(port(2).sent[0]), edited);
  // Last: the packet ends there, nothing is counted as a drop.
  dp_.execute(1, f.data(), f.size(), {odp::Userspace{2, 0}});
  ASSERT_EQ(packet_ins_.size(), 2u);
  EXPECT_EQ(packet_ins_[1].second, 2u);
  EXPECT_EQ(packet_ins_[1].first, f);
  EXPECT_EQ(drops(DpDrop::kPipeline), 0u);
  EXPECT_EQ(dp_.pool().available(), free_before);
}

TEST_F(DatapathTest, SetTunnelAttachesMetadataForLaterActions) {
  TunnelMeta t;
  t.tun_id = 0x64;
  t.ip_src = ip4(192, 168, 0, 1);
  t.ip_dst = ip4(192, 168, 0, 2);
  t.tp_dst = 4789;
  auto f = frame_of(eth_key(kMacA, kMacB));
  dp_.execute(1, f.data(), f.size(), {tunnel_action(t), odp::Userspace{1, 0}});
  ASSERT_EQ(packet_in_tunnels_.size(), 1u);
  EXPECT_TRUE(packet_in_tunnels_[0].valid);
  EXPECT_EQ(packet_in_tunnels_[0].tun_id, 0x64u);
  EXPECT_EQ(packet_in_tunnels_[0].ip_src, ip4(192, 168, 0, 1));
  EXPECT_EQ(packet_in_tunnels_[0].ip_dst, ip4(192, 168, 0, 2));
  EXPECT_EQ(packet_in_tunnels_[0].tp_dst, 4789);
  EXPECT_EQ(packet_ins_[0].first, f);  // the frame itself is not touched
}

class CapturingUnderlay final : public Underlay {
 public:
  void transmit(const uint8_t* frame, size_t len) override {
    frames.emplace_back(frame, frame + len);
  }
  std::vector<std::vector<uint8_t>> frames;
};

TEST_F(DatapathTest, TunnelPortEncapsulatesWithTheTunnelMetadataAndComesBackDecapsulated) {
  CapturingUnderlay underlay;
  TunnelConfig cfg;
  cfg.local_ip = ip4(192, 168, 0, 1);
  cfg.remote_ip = ip4(192, 168, 0, 2);
  auto tp = std::make_unique<TunnelPort>(cfg, &underlay);
  tp->name = "vxlan0";
  const uint32_t vx = dp_.add_port(std::move(tp));
  TunnelMeta t;
  t.tun_id = 0x1234;
  t.ip_dst = ip4(192, 168, 0, 2);
  FlowKey k = eth_key(kMacA, kMacB);
  auto f = frame_of(k);
  dp_.execute(1, f.data(), f.size(), {tunnel_action(t), odp::Output{vx}});
  ASSERT_EQ(underlay.frames.size(), 1u);
  TunnelInfo info = tunnel_classify(underlay.frames[0].data(), underlay.frames[0].size());
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info.kind, TunnelKind::kVxlan);
  EXPECT_EQ(info.key, 0x1234u);
  EXPECT_EQ(info.ip_src, ip4(192, 168, 0, 1));  // from the port: the action left it 0
  EXPECT_EQ(info.ip_dst, ip4(192, 168, 0, 2));

  // The far side: the same frame from the remote VTEP lands on the tunnel port, decapsulated,
  // with tun_id in the key the translator sees.
  fake_.by_dst[kMacB.to_u64()] = {odp::Output{2}};
  FlowKey outer_key = key_of(underlay.frames[0]);
  std::vector<uint8_t> back = underlay.frames[0];
  // Swap the outer IPv4 addresses so it comes from the remote end (checksum is unchanged).
  for (int i = 0; i < 4; ++i) std::swap(back[26 + i], back[30 + i]);
  ASSERT_EQ(outer_key.nw_src, ip4(192, 168, 0, 1));
  ASSERT_TRUE(dp_.receive_underlay(back.data(), back.size()));
  ASSERT_EQ(port(2).sent.size(), 1u);
  EXPECT_EQ(port(2).sent[0], f);
  Megaflow* mf = nullptr;
  dp_.megaflows().for_each([&](Megaflow* m) { mf = m; });
  ASSERT_NE(mf, nullptr);
  EXPECT_EQ(mf->origin.in_port, vx);
  EXPECT_EQ(mf->origin.tun_id, 0x1234u);
  EXPECT_EQ(mf->origin.tun_src, ip4(192, 168, 0, 2));
  // From an address no tunnel port knows: dropped with its reason.
  ASSERT_FALSE(dp_.receive_underlay(underlay.frames[0].data(), underlay.frames[0].size()));
  EXPECT_EQ(drops(DpDrop::kTunnelNoPort), 1u);
}

TEST_F(DatapathTest, FailuresAreDropsWithTheirReason) {
  auto f = frame_of(arp_key());
  const size_t free_before = dp_.pool().available();
  dp_.execute(1, f.data(), f.size(), {});  // no actions: dropped by the pipeline
  EXPECT_EQ(drops(DpDrop::kPipeline), 1u);
  // An IPv4 rewrite of an ARP frame cannot be done.
  dp_.execute(1, f.data(), f.size(), {odp::SetIpv4Src{1}, odp::Output{2}, odp::Output{3}});
  EXPECT_EQ(drops(DpDrop::kModifyFailed), 1u);
  EXPECT_TRUE(port(2).sent.empty());
  // pop_vlan of an untagged frame neither.
  dp_.execute(1, f.data(), f.size(), {odp::PopVlan{}, odp::Output{2}});
  EXPECT_EQ(drops(DpDrop::kModifyFailed), 2u);
  // A port that does not exist.
  dp_.execute(1, f.data(), f.size(), {odp::Output{3}, odp::Output{77}});
  EXPECT_EQ(drops(DpDrop::kNoSuchPort), 1u);
  EXPECT_EQ(port(3).sent.size(), 1u);
  // A frame larger than any packet of the pool is refused whole, not cut to fit.
  std::vector<uint8_t> huge(dp_.pool().capacity() + 1, 0xab);
  dp_.execute(1, huge.data(), huge.size(), {odp::Output{2}});
  EXPECT_EQ(drops(DpDrop::kParse), 1u);
  EXPECT_TRUE(port(2).sent.empty());
  EXPECT_EQ(dp_.pool().available(), free_before);
  std::string cov = dp_.format_coverage();
  EXPECT_NE(cov.find("drop_by_pipeline"), std::string::npos);
  EXPECT_NE(cov.find("drop_header_edit_failed"), std::string::npos);
  EXPECT_NE(cov.find("drop_no_such_port"), std::string::npos);
}

TEST_F(DatapathTest, PoolExhaustionIsCountedNotFatal) {
  Datapath small(clock_, 2);
  auto p = std::make_unique<RecordingPort>();
  RecordingPort* rec = p.get();
  small.add_port(std::move(p));
  small.add_port(std::make_unique<RecordingPort>());
  auto f = frame_of(eth_key(kMacA, kMacB));
  // One packet, two clones needed, one left in the pool: one clone is lost.
  small.execute(1, f.data(), f.size(), {odp::Output{1}, odp::Output{2}, odp::Output{1}});
  EXPECT_EQ(small.stats().drops[static_cast<size_t>(DpDrop::kPoolExhausted)], 1u);
  EXPECT_EQ(rec->sent.size(), 2u);
  EXPECT_EQ(small.pool().available(), 2u);
}

// ---- OdpAction ------------------------------------------------------------------------------

TEST(OdpActionTest, EqualityIgnoresPaddingBytes) {
  OdpAction a = odp::SetTunnel{5, 0, 7};
  OdpAction b = a;
  ASSERT_TRUE(a == b);
  // Scribble over the tunnel payload's padding (the bytes after its last member): the actions
  // are the same, so revalidation must not think a megaflow's actions changed.
  constexpr size_t kEnd = offsetof(odp::SetTunnel, tp_dst) + sizeof(uint16_t);
  static_assert(kEnd < sizeof(odp::SetTunnel), "SetTunnel has tail padding");
  auto pad = [](OdpAction& x) {
    return reinterpret_cast<unsigned char*>(std::get_if<odp::SetTunnel>(&x)) + kEnd;
  };
  std::memset(pad(a), 0xa5, sizeof(odp::SetTunnel) - kEnd);
  std::memset(pad(b), 0x5a, sizeof(odp::SetTunnel) - kEnd);
  EXPECT_TRUE(a == b);
  // Real differences still count.
  std::get<odp::SetTunnel>(b).tun_id = 6;
  EXPECT_FALSE(a == b);
  b = a;
  std::get<odp::SetTunnel>(b).tp_dst = 1;
  EXPECT_FALSE(a == b);
  EXPECT_FALSE(OdpAction{odp::Output{1}} == OdpAction{odp::Output{2}});
  const OdpAction tag1 = odp::PushVlan{kEthTypeVlan, 1};
  const OdpAction qinq1 = odp::PushVlan{kEthTypeQinQ, 1};
  EXPECT_FALSE(tag1 == qinq1);
  // Same payload bits, different action: not equal.
  EXPECT_FALSE(OdpAction{odp::SetL4Src{1}} == OdpAction{odp::SetL4Dst{1}});
  EXPECT_FALSE(OdpAction{odp::SetIpv4Src{1}} == OdpAction{odp::SetArpSpa{1}});
}

// The list, the enum and the variant agree, and actions stay small plain data (a megaflow's
// action list is copied on every install and compared on every revalidation).
TEST(OdpActionTest, TypesComeFromTheOneList) {
  EXPECT_EQ(odp_type(odp::Output{1}), OdpType::kOutput);
  EXPECT_EQ(odp_type(odp::SetTunnel{}), OdpType::kSetTunnel);
  EXPECT_EQ(odp_type(odp::Userspace{}), OdpType::kUserspace);
  EXPECT_TRUE(odp_sends(odp::Output{1}));
  EXPECT_TRUE(odp_sends(odp::Userspace{}));
  EXPECT_FALSE(odp_sends(odp::PopVlan{}));
  static_assert(sizeof(OdpAction) <= 32);
}

TEST(OdpActionTest, FormatsAsOpenVswitchDoes) {
  EXPECT_EQ(format_odp_actions({}), "drop");
  EXPECT_EQ(format_odp_actions({odp::PushVlan{kEthTypeVlan, 100}, odp::Output{3}}),
            "push_vlan(vid=100,pcp=0),3");
  EXPECT_EQ(format_odp_actions({odp::PushVlan{kEthTypeQinQ, 5 << 13 | 20}, odp::Output{1}}),
            "push_vlan(tpid=0x88a8,vid=20,pcp=5),1");
  EXPECT_EQ(format_odp_actions({odp::PopVlan{}, odp::Output{2}, odp::Output{4}}), "pop_vlan,2,4");
  EXPECT_EQ(format_odp_actions({odp::SetEthSrc{kMacA}, odp::SetEthDst{kMacB}, odp::Output{2}}),
            "set(eth(src=50:54:00:00:00:01,dst=50:54:00:00:00:02)),2");
  // Sets of different headers, or separated by an output, are separate actions.
  EXPECT_EQ(format_odp_actions({odp::SetEthDst{kMacB}, odp::SetIpv4Dst{ip4(10, 0, 0, 99)},
                                odp::SetIpv4Tos{0x10}, odp::SetIpv4Ttl{63}, odp::Output{2},
                                odp::SetEthSrc{kMacC}, odp::Output{3}}),
            "set(eth(dst=50:54:00:00:00:02)),set(ipv4(dst=10.0.0.99,tos=0x10,ttl=63)),2,"
            "set(eth(src=50:54:00:00:00:03)),3");
  EXPECT_EQ(format_odp_actions({odp::SetL4Src{1}, odp::SetL4Dst{2}, odp::Output{1}}),
            "set(l4(src=1,dst=2)),1");
  EXPECT_EQ(format_odp_actions({odp::SetArpOp{2}, odp::SetArpSpa{ip4(10, 0, 0, 1)},
                                odp::SetArpTpa{ip4(10, 0, 0, 2)}, odp::Output{1}}),
            "set(arp(op=2,sip=10.0.0.1,tip=10.0.0.2)),1");
  TunnelMeta t;
  t.tun_id = 0x64;
  t.ip_src = ip4(166, 66, 16, 10);
  t.ip_dst = ip4(166, 66, 16, 11);
  t.tp_dst = 4789;
  EXPECT_EQ(format_odp_actions({tunnel_action(t), odp::Output{5}}),
            "set(tunnel(tun_id=0x64,src=166.66.16.10,dst=166.66.16.11,ttl=64,tp_dst=4789,"
            "flags(df|key))),5");
  t.ip_src = 0;
  t.tp_dst = 0;
  t.ip_tos = 4;
  EXPECT_EQ(format_odp_actions({tunnel_action(t), odp::Output{5}}),
            "set(tunnel(tun_id=0x64,dst=166.66.16.11,tos=4,ttl=64,flags(df|key))),5");
  EXPECT_EQ(format_odp_actions({odp::Userspace{1, 65535}}),
            "userspace(pid=0,controller(reason=1,max_len=65535))");
}

}  // namespace
}  // namespace nt
