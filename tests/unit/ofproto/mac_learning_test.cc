#include "ofproto/mac_learning.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <list>
#include <map>
#include <random>
#include <string>

namespace nt {
namespace {

constexpr TimeMs kT0 = 1'000'000;
constexpr TimeMs kSec = 1000;

MacAddr mac(uint64_t v) { return MacAddr::from_u64(v); }
const MacAddr kA = mac(0xfa163e000001);
const MacAddr kB = mac(0xfa163e000002);
const MacAddr kC = mac(0xfa163e000003);

// ---- learning and lookup --------------------------------------------------------------------

TEST(MacLearningTest, LearnsAndLooksUp) {
  MacLearningTable t;
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.lookup(0, kA, kT0), std::nullopt);
  const uint64_t v0 = t.version();
  EXPECT_TRUE(t.learn(0, kA, 1, kT0));
  EXPECT_GT(t.version(), v0);
  EXPECT_EQ(t.size(), 1u);
  EXPECT_EQ(t.lookup(0, kA, kT0), 1u);
  EXPECT_EQ(t.lookup(0, kB, kT0), std::nullopt);
  EXPECT_EQ(t.stats().learned, 1u);
}

TEST(MacLearningTest, VlansAreSeparateTables) {
  MacLearningTable t;
  EXPECT_TRUE(t.learn(10, kA, 1, kT0));
  EXPECT_TRUE(t.learn(20, kA, 2, kT0));
  EXPECT_EQ(t.size(), 2u);
  EXPECT_EQ(t.lookup(10, kA, kT0), 1u);
  EXPECT_EQ(t.lookup(20, kA, kT0), 2u);
  EXPECT_EQ(t.lookup(0, kA, kT0), std::nullopt);
  EXPECT_EQ(t.lookup(30, kA, kT0), std::nullopt);
  EXPECT_TRUE(t.learn(4095, kA, 3, kT0));
  EXPECT_EQ(t.lookup(4095, kA, kT0), 3u);
}

TEST(MacLearningTest, NeverLearnsOrFindsMulticastOrBroadcast) {
  MacLearningTable t;
  const uint64_t v0 = t.version();
  EXPECT_FALSE(t.learn(0, mac(0xffffffffffff), 1, kT0));
  EXPECT_FALSE(t.learn(0, mac(0x01005e000001), 1, kT0));  // IPv4 multicast
  EXPECT_FALSE(t.learn(0, mac(0x333300000001), 1, kT0));  // IPv6 multicast
  EXPECT_FALSE(t.learn(0, mac(0x0180c2000000), 1, kT0));  // STP
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.version(), v0);
  EXPECT_EQ(t.lookup(0, mac(0xffffffffffff), kT0), std::nullopt);
  // The all-zero address and locally administered unicast are ordinary sources.
  EXPECT_TRUE(t.learn(0, mac(0), 1, kT0));
  EXPECT_TRUE(t.learn(0, mac(0x020000000001), 1, kT0));
}

TEST(MacLearningTest, IgnoresVlansAbove4095) {
  MacLearningTable t;
  EXPECT_FALSE(t.learn(4096, kA, 1, kT0));
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.lookup(4096, kA, kT0), std::nullopt);
}

TEST(MacLearningTest, RefreshOnSamePortIsNotAChange) {
  MacLearningTable t;
  ASSERT_TRUE(t.learn(0, kA, 1, kT0));
  const uint64_t v = t.version();
  EXPECT_FALSE(t.learn(0, kA, 1, kT0 + 10 * kSec));
  EXPECT_EQ(t.version(), v);
  EXPECT_EQ(t.size(), 1u);
  EXPECT_EQ(t.stats().learned, 1u);
  EXPECT_EQ(t.stats().moved, 0u);
}

TEST(MacLearningTest, MoveToAnotherPortIsAChange) {
  MacLearningTable t;
  ASSERT_TRUE(t.learn(0, kA, 1, kT0));
  const uint64_t v = t.version();
  EXPECT_TRUE(t.learn(0, kA, 2, kT0 + kSec));
  EXPECT_GT(t.version(), v);
  EXPECT_EQ(t.lookup(0, kA, kT0 + kSec), 2u);
  EXPECT_EQ(t.size(), 1u);
  EXPECT_EQ(t.stats().moved, 1u);
  EXPECT_EQ(t.stats().learned, 1u);
}

// ---- aging ------------------------------------------------------------------------------------

TEST(MacLearningAgingTest, EntryLivesForTheAgingTimeSinceLastSeen) {
  MacLearningTable t;  // 300 s
  ASSERT_TRUE(t.learn(0, kA, 1, kT0));
  EXPECT_EQ(t.lookup(0, kA, kT0 + 300 * kSec - 1), 1u);
  EXPECT_EQ(t.lookup(0, kA, kT0 + 300 * kSec), std::nullopt);  // a miss before expire()
  EXPECT_EQ(t.size(), 1u);
  const uint64_t v = t.version();
  EXPECT_EQ(t.expire(kT0 + 300 * kSec - 1), 0u);
  EXPECT_EQ(t.version(), v);
  EXPECT_EQ(t.expire(kT0 + 300 * kSec), 1u);
  EXPECT_GT(t.version(), v);
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.stats().expired, 1u);
}

TEST(MacLearningAgingTest, RefreshRestartsTheClock) {
  MacLearningTable t;
  ASSERT_TRUE(t.learn(0, kA, 1, kT0));
  ASSERT_FALSE(t.learn(0, kA, 1, kT0 + 200 * kSec));
  EXPECT_EQ(t.lookup(0, kA, kT0 + 400 * kSec), 1u);
  EXPECT_EQ(t.expire(kT0 + 499 * kSec), 0u);
  EXPECT_EQ(t.lookup(0, kA, kT0 + 500 * kSec), std::nullopt);
}

TEST(MacLearningAgingTest, ExpireRemovesOnlyTheAgedPrefix) {
  MacLearningTable t;
  ASSERT_TRUE(t.learn(0, kA, 1, kT0));
  ASSERT_TRUE(t.learn(0, kB, 2, kT0 + 100 * kSec));
  ASSERT_TRUE(t.learn(0, kC, 3, kT0 + 200 * kSec));
  ASSERT_FALSE(t.learn(0, kA, 1, kT0 + 250 * kSec));  // A is now the most recent
  EXPECT_EQ(t.expire(kT0 + 540 * kSec), 2u);          // B and C
  EXPECT_EQ(t.size(), 1u);
  EXPECT_EQ(t.lookup(0, kA, kT0 + 540 * kSec), 1u);
  EXPECT_EQ(t.lookup(0, kC, kT0 + 540 * kSec), std::nullopt);
}

TEST(MacLearningAgingTest, AgedEntryIsRelearnedAsNew) {
  MacLearningTable t;
  ASSERT_TRUE(t.learn(0, kA, 1, kT0));
  const uint64_t v = t.version();
  // Same port, but the entry had aged out: lookups change (miss -> hit), so this is a change.
  EXPECT_TRUE(t.learn(0, kA, 1, kT0 + 301 * kSec));
  EXPECT_GT(t.version(), v);
  EXPECT_EQ(t.lookup(0, kA, kT0 + 301 * kSec), 1u);
  EXPECT_EQ(t.size(), 1u);
  EXPECT_EQ(t.stats().learned, 2u);
  EXPECT_EQ(t.stats().expired, 1u);
  EXPECT_EQ(t.stats().moved, 0u);
}

TEST(MacLearningAgingTest, AgingTimeIsClampedAndAppliesToExistingEntries) {
  MacLearningTable t(1);
  EXPECT_EQ(t.aging_sec(), MacLearningTable::kMinAgingSec);
  t.set_aging_sec(100000);
  EXPECT_EQ(t.aging_sec(), MacLearningTable::kMaxAgingSec);
  t.set_aging_sec(60);
  EXPECT_EQ(t.aging_sec(), 60u);
  ASSERT_TRUE(t.learn(0, kA, 1, kT0));
  EXPECT_EQ(t.lookup(0, kA, kT0 + 61 * kSec), std::nullopt);
  const uint64_t v = t.version();
  t.set_aging_sec(120);  // as OVS: existing entries now expire 120 s after last seen
  EXPECT_GT(t.version(), v);
  EXPECT_EQ(t.lookup(0, kA, kT0 + 61 * kSec), 1u);
  EXPECT_EQ(t.lookup(0, kA, kT0 + 120 * kSec), std::nullopt);
  const uint64_t v2 = t.version();
  t.set_aging_sec(120);
  EXPECT_EQ(t.version(), v2);
}

// ---- size limit -------------------------------------------------------------------------------

TEST(MacLearningSizeTest, FullTableEvictsTheLeastRecentlySeen) {
  MacLearningTable t(300, 10);
  for (uint64_t i = 0; i < 10; ++i) ASSERT_TRUE(t.learn(0, mac(0x020000000000 + i), 1, kT0 + i));
  ASSERT_FALSE(t.learn(0, mac(0x020000000000), 1, kT0 + 100));  // refresh the oldest
  EXPECT_TRUE(t.learn(0, mac(0x02000000ffff), 2, kT0 + 200));
  EXPECT_EQ(t.size(), 10u);
  EXPECT_EQ(t.stats().evicted, 1u);
  EXPECT_EQ(t.lookup(0, mac(0x020000000000), kT0 + 200), 1u);            // refreshed, kept
  EXPECT_EQ(t.lookup(0, mac(0x020000000001), kT0 + 200), std::nullopt);  // evicted
  EXPECT_EQ(t.lookup(0, mac(0x02000000ffff), kT0 + 200), 2u);
  for (uint64_t i = 2; i < 10; ++i) EXPECT_EQ(t.lookup(0, mac(0x020000000000 + i), kT0), 1u);
}

TEST(MacLearningSizeTest, MaxEntriesIsClampedAndShrinkingEvictsOldest) {
  EXPECT_EQ(MacLearningTable().max_entries(), 8192u);
  EXPECT_EQ(MacLearningTable(300, 1).max_entries(), 10u);
  EXPECT_EQ(MacLearningTable(300, 5'000'000).max_entries(), 1'000'000u);
  MacLearningTable t(300, 100);
  for (uint64_t i = 0; i < 50; ++i) ASSERT_TRUE(t.learn(0, mac(0x020000000000 + i), 7, kT0 + i));
  const uint64_t v = t.version();
  t.set_max_entries(20);
  EXPECT_EQ(t.max_entries(), 20u);
  EXPECT_EQ(t.size(), 20u);
  EXPECT_GT(t.version(), v);
  EXPECT_EQ(t.lookup(0, mac(0x020000000000 + 29), kT0 + 50), std::nullopt);
  EXPECT_EQ(t.lookup(0, mac(0x020000000000 + 30), kT0 + 50), 7u);
  EXPECT_EQ(t.stats().expired, 30u);
}

TEST(MacLearningSizeTest, HoldsAFullDefaultTable) {
  MacLearningTable t;
  for (uint64_t i = 0; i < 8192; ++i) ASSERT_TRUE(t.learn(i % 7, mac(0x020000000000 + i), i, kT0));
  EXPECT_EQ(t.size(), 8192u);
  EXPECT_EQ(t.stats().evicted, 0u);
  for (uint64_t i = 0; i < 8192; ++i) ASSERT_EQ(t.lookup(i % 7, mac(0x020000000000 + i), kT0), i);
  EXPECT_TRUE(t.learn(0, kA, 1, kT0 + 1));
  EXPECT_EQ(t.stats().evicted, 1u);
  EXPECT_EQ(t.lookup(0, mac(0x020000000000), kT0 + 1), std::nullopt);
}

// ---- flush ------------------------------------------------------------------------------------

TEST(MacLearningFlushTest, FlushVariants) {
  MacLearningTable t;
  ASSERT_TRUE(t.learn(10, kA, 1, kT0));
  ASSERT_TRUE(t.learn(10, kB, 2, kT0));
  ASSERT_TRUE(t.learn(20, kA, 2, kT0));
  ASSERT_TRUE(t.learn(20, kC, 3, kT0));

  uint64_t v = t.version();
  EXPECT_EQ(t.flush_port(9), 0u);
  EXPECT_EQ(t.version(), v);
  EXPECT_EQ(t.flush_port(2), 2u);
  EXPECT_GT(t.version(), v);
  EXPECT_EQ(t.size(), 2u);
  EXPECT_EQ(t.lookup(10, kB, kT0), std::nullopt);
  EXPECT_EQ(t.lookup(20, kA, kT0), std::nullopt);
  EXPECT_EQ(t.lookup(10, kA, kT0), 1u);

  v = t.version();
  EXPECT_EQ(t.flush_vlan(30), 0u);
  EXPECT_EQ(t.version(), v);
  EXPECT_EQ(t.flush_vlan(20), 1u);
  EXPECT_GT(t.version(), v);
  EXPECT_EQ(t.lookup(20, kC, kT0), std::nullopt);
  EXPECT_EQ(t.lookup(10, kA, kT0), 1u);

  v = t.version();
  t.flush();
  EXPECT_GT(t.version(), v);
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.lookup(10, kA, kT0), std::nullopt);
  v = t.version();
  t.flush();  // nothing to flush: no change
  EXPECT_EQ(t.version(), v);
  // The table works normally afterwards.
  EXPECT_TRUE(t.learn(10, kA, 4, kT0));
  EXPECT_EQ(t.lookup(10, kA, kT0), 4u);
  EXPECT_EQ(t.format_fdb_show(kT0),
            " port  VLAN  MAC                Age\n    4    10  fa:16:3e:00:00:01    0\n");
}

// ---- fdb/show and fdb/stats-show ---------------------------------------------------------------

TEST(MacLearningShowTest, EmptyTableIsJustTheHeader) {
  EXPECT_EQ(MacLearningTable().format_fdb_show(kT0), " port  VLAN  MAC                Age\n");
}

TEST(MacLearningShowTest, RowsInRefreshOrderWithOvsWidths) {
  MacLearningTable t(3600);
  const TimeMs show = kT0 + 2'000 * kSec;
  ASSERT_TRUE(t.learn(2, mac(0xfa163e80e145), 123456, show - 1'240 * kSec));
  ASSERT_TRUE(t.learn(1, mac(0xfa163e617d34), 8, show - 1'000 * kSec));
  ASSERT_TRUE(t.learn(3, mac(0xfa163e6e2402), 12, show - 8'500));
  ASSERT_TRUE(t.learn(4094, mac(0x00005e00530b), ofp_port::kLocal, show - 2'000));
  ASSERT_TRUE(t.learn(0, mac(0xfa163e4d9de8), 65000, show - 1'500));
  ASSERT_FALSE(t.learn(1, mac(0xfa163e617d34), 8, show - 200));  // refreshed: now the newest
  EXPECT_EQ(t.format_fdb_show(show),
            " port  VLAN  MAC                Age\n"
            "123456     2  fa:16:3e:80:e1:45  1240\n"
            "   12     3  fa:16:3e:6e:24:02    8\n"
            "LOCAL  4094  00:00:5e:00:53:0b    2\n"
            "65000     0  fa:16:3e:4d:9d:e8    1\n"
            "    8     1  fa:16:3e:61:7d:34    0\n");
}

TEST(MacLearningShowTest, AgedEntriesAreNotShown) {
  MacLearningTable t;
  ASSERT_TRUE(t.learn(0, kA, 1, kT0));
  ASSERT_TRUE(t.learn(0, kB, 2, kT0 + 100 * kSec));
  EXPECT_EQ(t.format_fdb_show(kT0 + 350 * kSec),
            " port  VLAN  MAC                Age\n"
            "    2     0  fa:16:3e:00:00:02  250\n");
}

TEST(MacLearningShowTest, PortNameCallback) {
  MacLearningTable t;
  ASSERT_TRUE(t.learn(5, kA, 1, kT0));
  ASSERT_TRUE(t.learn(5, kB, 2, kT0));
  auto name = [](uint32_t p) {
    return p == 1 ? std::string("eth0") : std::string("tap-long-name");
  };
  EXPECT_EQ(t.format_fdb_show(kT0 + 2 * kSec, name),
            " port  VLAN  MAC                Age\n"
            " eth0     5  fa:16:3e:00:00:01    2\n"
            "tap-long-name     5  fa:16:3e:00:00:02    2\n");
}

TEST(MacLearningShowTest, DefaultPortNames) {
  EXPECT_EQ(MacLearningTable::default_port_name(1), "1");
  EXPECT_EQ(MacLearningTable::default_port_name(65279), "65279");
  EXPECT_EQ(MacLearningTable::default_port_name(ofp_port::kLocal), "LOCAL");
  EXPECT_EQ(MacLearningTable::default_port_name(ofp_port::kController), "CONTROLLER");
  EXPECT_EQ(MacLearningTable::default_port_name(ofp_port::kInPort), "IN_PORT");
  EXPECT_EQ(MacLearningTable::default_port_name(ofp_port::kNone), "ANY");
}

TEST(MacLearningShowTest, StatsShow) {
  MacLearningTable t(300, 10);
  for (uint64_t i = 0; i < 11; ++i) ASSERT_TRUE(t.learn(0, mac(0x020000000000 + i), 1, kT0));
  ASSERT_TRUE(t.learn(0, mac(0x020000000005), 2, kT0));
  ASSERT_EQ(t.expire(kT0 + 300 * kSec), 10u);
  ASSERT_TRUE(t.learn(0, kA, 1, kT0 + 300 * kSec));
  EXPECT_EQ(t.format_fdb_stats_show("br-int"),
            "Statistics for bridge \"br-int\":\n"
            "  Current/maximum MAC entries in the table: 1/10\n"
            "  Total number of learned MAC entries     : 12\n"
            "  Total number of expired MAC entries     : 10\n"
            "  Total number of evicted MAC entries     : 1\n"
            "  Total number of port moved MAC entries  : 1\n");
  t.clear_stats();
  EXPECT_EQ(t.stats().learned, 0u);
  EXPECT_EQ(t.stats().moved, 0u);
}

// ---- randomized comparison with a simple model ------------------------------------------------

// The model: a map for the entries and a list for the refresh order, everything O(n).
struct Model {
  struct Item {
    uint32_t port;
    TimeMs seen;
  };
  std::map<std::pair<uint16_t, uint64_t>, Item> items;
  std::list<std::pair<uint16_t, uint64_t>> order;  // oldest first
  TimeMs aging = 300 * kSec;
  size_t max = 64;

  void touch(const std::pair<uint16_t, uint64_t>& k) {
    order.remove(k);
    order.push_back(k);
  }
  void erase(const std::pair<uint16_t, uint64_t>& k) {
    items.erase(k);
    order.remove(k);
  }
  bool learn(uint16_t vlan, uint64_t m, uint32_t port, TimeMs now) {
    const auto k = std::make_pair(vlan, m);
    auto it = items.find(k);
    if (it != items.end() && now - it->second.seen >= aging) {
      erase(k);
      it = items.end();
    }
    if (it == items.end()) {
      if (items.size() >= max) erase(order.front());
      items[k] = {port, now};
      touch(k);
      return true;
    }
    it->second.seen = now;
    touch(k);
    if (it->second.port == port) return false;
    it->second.port = port;
    return true;
  }
  std::optional<uint32_t> lookup(uint16_t vlan, uint64_t m, TimeMs now) const {
    auto it = items.find({vlan, m});
    if (it == items.end() || now - it->second.seen >= aging) return std::nullopt;
    return it->second.port;
  }
};

TEST(MacLearningRandomTest, AgreesWithAModelUnderChurn) {
  for (uint64_t seed : {0ull, 1ull, 0xdeadbeefull}) {
    MacLearningTable t(300, 64, seed);
    Model m;
    std::mt19937_64 rng(seed + 7);
    TimeMs now = kT0;
    for (int step = 0; step < 40'000; ++step) {
      now += static_cast<TimeMs>(rng() % 50);  // ~1 s per 40 steps: entries age out
      const uint16_t vlan = static_cast<uint16_t>(rng() % 4);
      const uint64_t addr = 0x020000000000 + rng() % 150;
      const uint32_t port = static_cast<uint32_t>(rng() % 5);
      const unsigned op = static_cast<unsigned>(rng() % 100);
      if (op < 60) {
        ASSERT_EQ(t.learn(vlan, mac(addr), port, now), m.learn(vlan, addr, port, now)) << step;
      } else if (op < 97) {
        ASSERT_EQ(t.lookup(vlan, mac(addr), now), m.lookup(vlan, addr, now)) << step;
      } else if (op < 98) {
        t.flush_port(port);
        std::erase_if(m.items, [&](const auto& kv) { return kv.second.port == port; });
        std::erase_if(m.order, [&](const auto& k) { return !m.items.count(k); });
      } else if (op < 99) {
        t.flush_vlan(vlan);
        std::erase_if(m.items, [&](const auto& kv) { return kv.first.first == vlan; });
        std::erase_if(m.order, [&](const auto& k) { return !m.items.count(k); });
      } else {
        t.expire(now);
        std::erase_if(m.items, [&](const auto& kv) { return now - kv.second.seen >= m.aging; });
        std::erase_if(m.order, [&](const auto& k) { return !m.items.count(k); });
      }
      ASSERT_EQ(t.size(), m.items.size()) << step;
    }
    // Every address, present or not, answers the same.
    for (uint16_t vlan = 0; vlan < 4; ++vlan) {
      for (uint64_t a = 0; a < 150; ++a) {
        ASSERT_EQ(t.lookup(vlan, mac(0x020000000000 + a), now),
                  m.lookup(vlan, 0x020000000000 + a, now));
      }
    }
  }
}

}  // namespace
}  // namespace nt
