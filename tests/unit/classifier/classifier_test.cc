// Classifier behaviour on small, hand-written tables.
#include "classifier/classifier.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <set>
#include <vector>

#include "classifier_test_util.h"

namespace nt {
namespace {

using cls_test::exact;
using cls_test::make_match;
using cls_test::make_rule;

constexpr uint32_t kIp10 = 0x0a000000;  // 10.0.0.0

FlowKey key_in_port(uint32_t port) {
  FlowKey k;
  k.in_port = port;
  return k;
}

FlowKey ip_key(uint32_t port, uint32_t nw_dst, uint16_t tp_dst = 0) {
  FlowKey k;
  k.in_port = port;
  k.dl_type = kEthTypeIp;
  k.nw_dst = nw_dst;
  k.nw_proto = kIpProtoTcp;
  k.tp_dst = tp_dst;
  return k;
}

Match nw_dst_prefix(uint32_t addr, int len) {
  Match m = exact({{FieldId::kDlType, kEthTypeIp}});
  m.set_masked(field_info(FieldId::kNwDst), addr, ones(32) & ~ones(32 - len));
  return m;
}

std::multiset<const ClsRule*> collect_loose(const Classifier& cls, const Match& criteria) {
  std::multiset<const ClsRule*> out;
  cls.for_each_loose(criteria, [&](ClsRule* r) { out.insert(r); });
  return out;
}

TEST(Classifier, EmptyTableMissesAndLeavesWildcardsAlone) {
  Classifier cls;
  FlowKey wc;
  EXPECT_EQ(cls.lookup(key_in_port(1)), nullptr);
  EXPECT_EQ(cls.lookup(key_in_port(1), &wc), nullptr);
  EXPECT_EQ(wc, FlowKey{});
  EXPECT_EQ(cls.size(), 0u);
  EXPECT_TRUE(cls.empty());
  EXPECT_EQ(cls.n_subtables(), 0u);
}

TEST(Classifier, HighestPriorityMatchWins) {
  Classifier cls;
  auto catchall = make_rule(Match{}, 0);
  auto port1 = make_rule(exact({{FieldId::kInPort, 1}}), 100);
  auto net10 = make_rule(nw_dst_prefix(kIp10, 8), 150);
  auto port1_ip = make_rule(exact({{FieldId::kInPort, 1}, {FieldId::kDlType, kEthTypeIp}}), 200);
  for (auto* r : {catchall.get(), port1.get(), net10.get(), port1_ip.get()}) cls.insert(r);
  EXPECT_EQ(cls.size(), 4u);
  EXPECT_EQ(cls.n_subtables(), 4u);

  EXPECT_EQ(cls.lookup(ip_key(1, 0x0a000001)), port1_ip.get());
  EXPECT_EQ(cls.lookup(ip_key(2, 0x0a000001)), net10.get());
  EXPECT_EQ(cls.lookup(ip_key(2, 0x0b000001)), catchall.get());
  EXPECT_EQ(cls.lookup(key_in_port(1)), port1.get());  // not IP
  EXPECT_EQ(cls.lookup(key_in_port(7)), catchall.get());
}

TEST(Classifier, InsertionOrderDoesNotMatter) {
  auto lo = make_rule(exact({{FieldId::kInPort, 1}}), 10);
  auto hi = make_rule(exact({{FieldId::kDlType, kEthTypeIp}}), 20);
  for (bool hi_first : {false, true}) {
    Classifier cls;
    cls.insert(hi_first ? hi.get() : lo.get());
    cls.insert(hi_first ? lo.get() : hi.get());
    EXPECT_EQ(cls.lookup(ip_key(1, 0)), hi.get());
    EXPECT_EQ(cls.lookup(key_in_port(1)), lo.get());
  }
}

TEST(Classifier, IdenticalMatchDifferentPriorities) {
  Classifier cls;
  Match m = exact({{FieldId::kInPort, 3}});
  auto p10 = make_rule(m, 10), p30 = make_rule(m, 30), p20 = make_rule(m, 20);
  cls.insert(p10.get());
  cls.insert(p30.get());
  cls.insert(p20.get());
  EXPECT_EQ(cls.size(), 3u);
  EXPECT_EQ(cls.n_subtables(), 1u);
  EXPECT_EQ(cls.lookup(key_in_port(3)), p30.get());
  EXPECT_EQ(cls.find_exact(m, 10), p10.get());
  EXPECT_EQ(cls.find_exact(m, 20), p20.get());
  EXPECT_EQ(cls.find_exact(m, 30), p30.get());

  cls.remove(p30.get());
  EXPECT_EQ(cls.lookup(key_in_port(3)), p20.get());
  cls.remove(p10.get());
  EXPECT_EQ(cls.lookup(key_in_port(3)), p20.get());
  cls.remove(p20.get());
  EXPECT_EQ(cls.lookup(key_in_port(3)), nullptr);
  EXPECT_EQ(cls.n_subtables(), 0u);
}

TEST(Classifier, RemovalRestoresLowerPriorityAndDropsEmptySubtables) {
  Classifier cls;
  auto catchall = make_rule(Match{}, 1);
  auto web = make_rule(exact({{FieldId::kDlType, kEthTypeIp}, {FieldId::kTpDst, 80}}), 50);
  auto port = make_rule(exact({{FieldId::kInPort, 2}}), 60);
  for (auto* r : {catchall.get(), web.get(), port.get()}) cls.insert(r);
  FlowKey k = ip_key(2, 1, 80);
  EXPECT_EQ(cls.lookup(k), port.get());
  cls.remove(port.get());
  EXPECT_EQ(cls.n_subtables(), 2u);
  EXPECT_EQ(cls.lookup(k), web.get());
  cls.remove(web.get());
  EXPECT_EQ(cls.lookup(k), catchall.get());
  cls.remove(catchall.get());
  EXPECT_EQ(cls.lookup(k), nullptr);
  EXPECT_TRUE(cls.empty());
  EXPECT_EQ(cls.n_subtables(), 0u);
  cls.insert(web.get());  // reusable after emptying
  EXPECT_EQ(cls.lookup(k), web.get());
  cls.remove(web.get());
}

TEST(Classifier, FindExactNeedsSameMaskValueAndPriority) {
  Classifier cls;
  Match m = nw_dst_prefix(kIp10, 8);
  auto r = make_rule(m, 7);
  cls.insert(r.get());
  EXPECT_EQ(cls.find_exact(m, 7), r.get());
  EXPECT_EQ(cls.find_exact(m, 8), nullptr);
  EXPECT_EQ(cls.find_exact(nw_dst_prefix(kIp10, 16), 7), nullptr);      // other mask
  EXPECT_EQ(cls.find_exact(nw_dst_prefix(0x0b000000, 8), 7), nullptr);  // other value
  EXPECT_EQ(cls.find_exact(Match{}, 7), nullptr);
  cls.remove(r.get());
  EXPECT_EQ(cls.find_exact(m, 7), nullptr);
}

TEST(Classifier, ForEachLooseIsNonStrictOpenFlowSemantics) {
  Classifier cls;
  auto port1 = make_rule(exact({{FieldId::kInPort, 1}}), 10);
  auto port1_vlan = make_rule(
      make_match({{FieldId::kInPort, 1, 0xffff}, {FieldId::kVlanTci, kVlanCfi | 5, 0x1fff}}), 10);
  auto port2 = make_rule(exact({{FieldId::kInPort, 2}}), 10);
  auto catchall = make_rule(Match{}, 0);
  auto net = make_rule(nw_dst_prefix(kIp10, 8), 10);
  for (auto* r : {port1.get(), port1_vlan.get(), port2.get(), catchall.get(), net.get()}) {
    cls.insert(r);
  }
  using Set = std::multiset<const ClsRule*>;
  EXPECT_EQ(collect_loose(cls, exact({{FieldId::kInPort, 1}})),
            (Set{port1.get(), port1_vlan.get()}));
  EXPECT_EQ(collect_loose(cls, Match{}),
            (Set{port1.get(), port1_vlan.get(), port2.get(), catchall.get(), net.get()}));
  // The criteria fix dl_vlan; port1 leaves it wildcarded, so it is less specific.
  EXPECT_EQ(collect_loose(cls, make_match({{FieldId::kVlanTci, kVlanCfi | 5, 0x1fff}})),
            (Set{port1_vlan.get()}));
  EXPECT_EQ(collect_loose(cls, exact({{FieldId::kInPort, 3}})), Set{});
}

TEST(Classifier, ForEachLooseWithPrefixes) {
  Classifier cls;
  auto n8 = make_rule(nw_dst_prefix(kIp10, 8), 1);
  auto n16 = make_rule(nw_dst_prefix(0x0a010000, 16), 1);
  auto other16 = make_rule(nw_dst_prefix(0x0b010000, 16), 1);
  auto host = make_rule(nw_dst_prefix(0x0a010203, 32), 1);
  for (auto* r : {n8.get(), n16.get(), other16.get(), host.get()}) cls.insert(r);
  using Set = std::multiset<const ClsRule*>;
  EXPECT_EQ(collect_loose(cls, nw_dst_prefix(kIp10, 8)), (Set{n8.get(), n16.get(), host.get()}));
  EXPECT_EQ(collect_loose(cls, nw_dst_prefix(0x0a010000, 16)), (Set{n16.get(), host.get()}));
  // A /32 criterion is more specific than the /16 rule: only the host rule qualifies.
  EXPECT_EQ(collect_loose(cls, nw_dst_prefix(0x0a010203, 32)), (Set{host.get()}));
}

TEST(Classifier, CallbacksMayRemoveTheRuleTheyAreGiven) {
  Classifier cls;
  std::vector<std::unique_ptr<ClsRule>> rules;
  for (uint32_t port = 1; port <= 50; ++port) {
    rules.push_back(make_rule(exact({{FieldId::kInPort, port}}), 5));
    rules.push_back(make_rule(exact({{FieldId::kInPort, port}, {FieldId::kReg0, 1}}), 6));
    cls.insert(rules[rules.size() - 2].get());
    cls.insert(rules.back().get());
  }
  int deleted = 0;
  cls.for_each_loose(exact({{FieldId::kReg0, 1}}), [&](ClsRule* r) {
    cls.remove(r);
    ++deleted;
  });
  EXPECT_EQ(deleted, 50);
  EXPECT_EQ(cls.size(), 50u);
  FlowKey k = key_in_port(17);
  k.regs[0] = 1;
  EXPECT_EQ(cls.lookup(k)->priority, 5);
  size_t visited = 0;
  cls.for_each([&](ClsRule* r) {
    ++visited;
    cls.remove(r);
  });
  EXPECT_EQ(visited, 50u);
  EXPECT_TRUE(cls.empty());
}

TEST(Classifier, ForEachVisitsEveryRuleOnce) {
  Classifier cls;
  std::vector<std::unique_ptr<ClsRule>> rules;
  for (uint32_t i = 0; i < 300; ++i) {
    Match m = i % 3 == 0   ? exact({{FieldId::kInPort, i}})
              : i % 3 == 1 ? nw_dst_prefix(i << 8, 24)
                           : exact({{FieldId::kInPort, i}, {FieldId::kTunId, i}});
    rules.push_back(make_rule(m, static_cast<uint16_t>(i % 7)));
    cls.insert(rules.back().get());
  }
  std::multiset<const ClsRule*> seen;
  cls.for_each([&](ClsRule* r) { seen.insert(r); });
  ASSERT_EQ(seen.size(), rules.size());
  for (const auto& r : rules) EXPECT_EQ(seen.count(r.get()), 1u);
}

TEST(Classifier, ManyRulesInOneSubtableSurviveGrowthAndShrink) {
  Classifier cls;
  std::vector<std::unique_ptr<ClsRule>> rules;
  for (uint32_t port = 0; port < 5000; ++port) {
    rules.push_back(make_rule(exact({{FieldId::kInPort, port}}), 1));
    cls.insert(rules.back().get());
  }
  EXPECT_EQ(cls.n_subtables(), 1u);
  for (uint32_t port = 0; port < 5000; ++port)
    ASSERT_EQ(cls.lookup(key_in_port(port)), rules[port].get());
  EXPECT_EQ(cls.lookup(key_in_port(6000)), nullptr);
  for (uint32_t port = 0; port < 5000; port += 2) cls.remove(rules[port].get());
  for (uint32_t port = 0; port < 5000; ++port) {
    ASSERT_EQ(cls.lookup(key_in_port(port)), port % 2 ? rules[port].get() : nullptr) << port;
  }
  for (uint32_t port = 1; port < 4990; port += 2) cls.remove(rules[port].get());
  EXPECT_EQ(cls.size(), 5u);
  for (uint32_t port = 4990; port < 5000; ++port) {
    ASSERT_EQ(cls.lookup(key_in_port(port)), port % 2 ? rules[port].get() : nullptr) << port;
  }
}

TEST(ClassifierWildcards, MissUnwildcardsTheConsultedMask) {
  Classifier cls;
  auto r = make_rule(exact({{FieldId::kInPort, 1}}), 10);
  cls.insert(r.get());
  FlowKey wc;
  EXPECT_EQ(cls.lookup(key_in_port(2), &wc), nullptr);
  FlowKey expected;
  expected.in_port = 0xffff;
  EXPECT_EQ(wc, expected);
}

TEST(ClassifierWildcards, AccumulatesIntoExistingBits) {
  Classifier cls;
  auto r = make_rule(exact({{FieldId::kInPort, 1}}), 10);
  cls.insert(r.get());
  FlowKey wc;
  wc.nw_ttl = 0xff;  // set by an earlier table
  EXPECT_EQ(cls.lookup(key_in_port(1), &wc), r.get());
  EXPECT_EQ(wc.nw_ttl, 0xff);
  EXPECT_EQ(wc.in_port, 0xffffu);
}

TEST(ClassifierWildcards, HigherPriorityHitSkipsLowerSubtables) {
  Classifier cls;
  auto hi = make_rule(exact({{FieldId::kInPort, 1}}), 100);
  auto lo = make_rule(exact({{FieldId::kTunId, 9}}), 50);
  cls.insert(hi.get());
  cls.insert(lo.get());
  FlowKey wc;
  EXPECT_EQ(cls.lookup(key_in_port(1), &wc), hi.get());
  EXPECT_EQ(wc.in_port, 0xffffu);
  EXPECT_EQ(wc.tun_id, 0u) << "the lower-priority subtable could not change the answer";
  wc = FlowKey{};
  EXPECT_EQ(cls.lookup(key_in_port(2), &wc), nullptr);
  EXPECT_EQ(wc.in_port, 0xffffu);
  EXPECT_EQ(wc.tun_id, ~uint64_t{0});
}

TEST(ClassifierWildcards, StagedLookupLeavesLaterStagesWildcardedOnEarlyMiss) {
  Classifier cls;
  auto r = make_rule(exact({{FieldId::kInPort, 1},
                            {FieldId::kDlType, kEthTypeIp},
                            {FieldId::kNwDst, 0x0a000001},
                            {FieldId::kTpDst, 80}}),
                     10);
  cls.insert(r.get());
  FlowKey wc;
  EXPECT_EQ(cls.lookup(ip_key(2, 0x0a000001, 80), &wc), nullptr);
  EXPECT_EQ(wc.in_port, 0xffffu);  // metadata stage examined and missed
  EXPECT_EQ(wc.dl_type, 0u);
  EXPECT_EQ(wc.nw_dst, 0u);
  EXPECT_EQ(wc.tp_dst, 0u);

  wc = FlowKey{};
  EXPECT_EQ(cls.lookup(ip_key(1, 0x0b000001, 80), &wc), nullptr);  // misses at L3
  EXPECT_EQ(wc.dl_type, 0xffff);
  EXPECT_EQ(wc.nw_dst, 0xffffffffu);
  EXPECT_EQ(wc.tp_dst, 0u);

  wc = FlowKey{};
  EXPECT_EQ(cls.lookup(ip_key(1, 0x0a000001, 80), &wc), r.get());
  EXPECT_EQ(wc, r->match.mask);
}

TEST(Classifier, EqualPriorityTiesAreDeterministic) {
  Classifier cls;
  auto a = make_rule(exact({{FieldId::kInPort, 1}}), 10);
  auto b = make_rule(exact({{FieldId::kTunId, 1}}), 10);
  cls.insert(a.get());
  cls.insert(b.get());
  FlowKey k = key_in_port(1);
  k.tun_id = 1;
  const ClsRule* first = cls.lookup(k);
  ASSERT_TRUE(first == a.get() || first == b.get());
  for (int i = 0; i < 10; ++i) {
    FlowKey wc;
    EXPECT_EQ(cls.lookup(k), first);
    EXPECT_EQ(cls.lookup(k, &wc), first);
  }
}

TEST(Classifier, FindOverlap) {
  Classifier cls;
  auto port1 = make_rule(exact({{FieldId::kInPort, 1}}), 10);
  auto net = make_rule(nw_dst_prefix(kIp10, 8), 20);
  cls.insert(port1.get());
  cls.insert(net.get());
  // Same priority, disjoint on in_port: no overlap.
  EXPECT_EQ(cls.find_overlap(exact({{FieldId::kInPort, 2}}), 10), nullptr);
  // Same priority, a packet with in_port=1 and tun_id=4 matches both.
  EXPECT_EQ(cls.find_overlap(exact({{FieldId::kTunId, 4}}), 10), port1.get());
  // Overlapping matches, other priority.
  EXPECT_EQ(cls.find_overlap(exact({{FieldId::kTunId, 4}}), 11), nullptr);
  EXPECT_EQ(cls.find_overlap(nw_dst_prefix(0x0a010000, 16), 20), net.get());
  EXPECT_EQ(cls.find_overlap(nw_dst_prefix(0x0b010000, 16), 20), nullptr);
  EXPECT_EQ(cls.find_overlap(Match{}, 20), net.get());
}

}  // namespace
}  // namespace nt
