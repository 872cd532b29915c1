// Conjunctive matches in the classifier (ovs-fields(7), "Conjunctive Match Fields"): soft rules
// carrying conjunction clauses are never an answer themselves; a conjunction whose every
// clause matched at one priority makes the lookup return the conj_id=ID rule.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "classifier/classifier.h"
#include "classifier_test_util.h"

namespace nt {
namespace {

using cls_test::exact;
using cls_test::make_rule;

constexpr uint32_t ip(int a, int b, int c, int d) {
  return uint32_t(a) << 24 | uint32_t(b) << 16 | uint32_t(c) << 8 | uint32_t(d);
}

FlowKey tcp(uint32_t src, uint16_t dport) {
  FlowKey k;
  k.dl_type = kEthTypeIp;
  k.nw_proto = kIpProtoTcp;
  k.nw_src = src;
  k.tp_dst = dport;
  return k;
}

struct ConjTable {
  Classifier cls;
  std::vector<std::unique_ptr<ClsRule>> rules;

  ClsRule* add(const Match& m, uint16_t priority, std::vector<ClsConjunction> conjs = {}) {
    rules.push_back(make_rule(m, priority));
    rules.back()->conjs = std::move(conjs);
    cls.insert(rules.back().get());
    return rules.back().get();
  }
};

Match src_is(uint32_t a) {
  return exact(
      {{FieldId::kDlType, kEthTypeIp}, {FieldId::kNwProto, kIpProtoTcp}, {FieldId::kNwSrc, a}});
}
Match dport_is(uint16_t p) {
  return exact(
      {{FieldId::kDlType, kEthTypeIp}, {FieldId::kNwProto, kIpProtoTcp}, {FieldId::kTpDst, p}});
}
Match conj_is(uint32_t id) { return exact({{FieldId::kConjId, id}}); }

// The security-group shape: (source in {A, B}) x (port in {22, 80}) -> conj_id=7.
struct SecurityGroup : ConjTable {
  ClsRule* accept;
  ClsRule* fallback;
  SecurityGroup() {
    add(src_is(ip(10, 0, 0, 1)), 100, {{7, 1, 2}});
    add(src_is(ip(10, 0, 0, 2)), 100, {{7, 1, 2}});
    add(dport_is(22), 100, {{7, 2, 2}});
    add(dport_is(80), 100, {{7, 2, 2}});
    accept = add(conj_is(7), 100);
    fallback = add(Match{}, 0);
  }
};

TEST(ClassifierConjunction, EveryDimensionMatchedFindsTheConjIdRule) {
  SecurityGroup t;
  for (uint32_t src : {ip(10, 0, 0, 1), ip(10, 0, 0, 2)}) {
    for (uint16_t port : {22, 80}) {
      FlowKey wc;
      EXPECT_EQ(t.cls.lookup(tcp(src, port), &wc), t.accept) << src << " " << port;
      EXPECT_EQ(t.cls.lookup(tcp(src, port)), t.accept);
      // The answer depended on the source and the port, never on conj_id.
      EXPECT_EQ(wc.nw_src, 0xffffffffu);
      EXPECT_EQ(wc.tp_dst, 0xffff);
      EXPECT_EQ(wc.conj_id, 0u);
    }
  }
}

TEST(ClassifierConjunction, AMissingDimensionFallsBackToTheHardMatch) {
  SecurityGroup t;
  EXPECT_EQ(t.cls.lookup(tcp(ip(10, 0, 0, 1), 443)), t.fallback);  // port dimension missing
  EXPECT_EQ(t.cls.lookup(tcp(ip(10, 0, 0, 9), 22)), t.fallback);   // source dimension missing
  EXPECT_EQ(t.cls.lookup(tcp(ip(10, 0, 0, 9), 443)), t.fallback);
  // conj_id is not a packet field: a key claiming conj_id=7 matches nothing by itself.
  FlowKey k = tcp(ip(10, 0, 0, 9), 443);
  EXPECT_EQ(t.cls.lookup(k), t.fallback);
}

TEST(ClassifierConjunction, NoConjIdRuleMeansTheHardMatch) {
  ConjTable t;
  t.add(src_is(ip(10, 0, 0, 1)), 100, {{3, 1, 2}});
  t.add(dport_is(22), 100, {{3, 2, 2}});
  ClsRule* hard = t.add(Match{}, 1);
  EXPECT_EQ(t.cls.lookup(tcp(ip(10, 0, 0, 1), 22)), hard);
  ConjTable empty;
  empty.add(src_is(ip(10, 0, 0, 1)), 100, {{3, 1, 2}});
  EXPECT_EQ(empty.cls.lookup(tcp(ip(10, 0, 0, 1), 22)), nullptr);
}

TEST(ClassifierConjunction, AHigherHardRuleWinsAndClausesDoNotMixPriorities) {
  ConjTable t;
  t.add(src_is(ip(10, 0, 0, 1)), 100, {{5, 1, 2}});
  t.add(dport_is(22), 90, {{5, 2, 2}});  // same id, other priority: not the same conjunction
  t.add(conj_is(5), 100);
  ClsRule* hard = t.add(Match{}, 1);
  EXPECT_EQ(t.cls.lookup(tcp(ip(10, 0, 0, 1), 22)), hard);

  ConjTable u;
  u.add(src_is(ip(10, 0, 0, 1)), 100, {{5, 1, 2}});
  u.add(dport_is(22), 100, {{5, 2, 2}});
  u.add(conj_is(5), 100);
  ClsRule* high = u.add(dport_is(22), 200);
  EXPECT_EQ(u.cls.lookup(tcp(ip(10, 0, 0, 1), 22)), high);
}

TEST(ClassifierConjunction, ARuleMayServeSeveralConjunctionsAndThreeDimensions) {
  ConjTable t;
  t.add(src_is(ip(10, 0, 0, 1)), 50, {{1, 1, 3}, {2, 1, 2}});
  t.add(dport_is(22), 50, {{1, 2, 3}});
  t.add(exact({{FieldId::kInPort, 4}}), 50, {{1, 3, 3}});
  t.add(dport_is(80), 50, {{2, 2, 2}});
  ClsRule* one = t.add(conj_is(1), 50);
  ClsRule* two = t.add(conj_is(2), 50);
  FlowKey k = tcp(ip(10, 0, 0, 1), 22);
  EXPECT_EQ(t.cls.lookup(k), nullptr);  // clause 3 of conjunction 1 is missing
  k.in_port = 4;
  EXPECT_EQ(t.cls.lookup(k), one);
  EXPECT_EQ(t.cls.lookup(tcp(ip(10, 0, 0, 1), 80)), two);
}

}  // namespace
}  // namespace nt
