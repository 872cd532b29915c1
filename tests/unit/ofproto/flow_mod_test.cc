// Ofproto flow_mod semantics (OpenFlow 1.0 as ovs-ofctl drives it), timeouts, learn's
// add-or-refresh, and dump-flows formatting.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/clock.h"
#include "ofproto/ofproto.h"
#include "openflow/flow_text.h"

namespace nt {
namespace {

constexpr TimeMs kT0 = 1'000'000;
constexpr TimeMs kSec = 1000;

class FlowModTest : public ::testing::Test {
 protected:
  FlowModTest() : br_("br0", clock_) {
    for (const char* name : {"p1", "p2", "p3"}) {
      OfPort p;
      p.name = name;
      p.type = PortType::kDummy;
      EXPECT_TRUE(br_.add_port(p).ok());
    }
  }

  FlowSpec spec(std::string_view text, FlowTextMode mode) {
    auto s = parse_flow(text, mode, &br_);
    EXPECT_TRUE(s.ok()) << text << ": " << (s.ok() ? "" : s.error().message);
    return s.ok() ? *s : FlowSpec{};
  }
  Status mod(std::string_view text, FlowModCommand cmd) {
    FlowTextMode mode = cmd == FlowModCommand::kAdd ? FlowTextMode::kAdd
                        : cmd == FlowModCommand::kModify || cmd == FlowModCommand::kModifyStrict
                            ? FlowTextMode::kModify
                            : FlowTextMode::kDelete;
    return br_.flow_mod(spec(text, mode), cmd);
  }
  void add(std::string_view text) {
    Status st = mod(text, FlowModCommand::kAdd);
    ASSERT_TRUE(st.ok()) << text << ": " << st.error().message;
  }
  // The rules a del-flows with this text would select (all if empty).
  std::vector<RulePtr> rules(std::string_view filter = "", bool strict = false) {
    return br_.select(spec(filter, FlowTextMode::kDelete), strict);
  }
  RulePtr only(std::string_view filter, bool strict = true) {
    auto v = rules(filter, strict);
    EXPECT_EQ(v.size(), 1u) << filter;
    return v.empty() ? nullptr : v[0];
  }
  // dump-flows --no-stats, one line per rule, without the leading space.
  std::vector<std::string> lines(const DumpOptions& opts = {true, false}) {
    std::string d = br_.dump_flows(nullptr, opts);
    std::vector<std::string> out;
    size_t pos = 0;
    while (pos < d.size()) {
      size_t nl = d.find('\n', pos);
      EXPECT_EQ(d[pos], ' ');
      out.push_back(d.substr(pos + 1, nl - pos - 1));
      pos = nl + 1;
    }
    return out;
  }

  ManualClock clock_{kT0};
  Ofproto br_;
};

// ---- add ------------------------------------------------------------------------------------

TEST_F(FlowModTest, AddReplacesIdenticalMatchAndPriorityAndResetsCounters) {
  add("priority=5,ip,nw_src=10.0.0.1 actions=output:1");
  RulePtr first = only("priority=5,ip,nw_src=10.0.0.1");
  ASSERT_TRUE(first);
  first->n_packets = 7;
  first->n_bytes = 700;
  clock_.advance_ms(3 * kSec);

  add("priority=5,ip,nw_src=10.0.0.1 actions=output:2");
  EXPECT_EQ(br_.n_rules(), 1u);
  EXPECT_TRUE(first->removed);
  RulePtr second = only("priority=5,ip,nw_src=10.0.0.1");
  ASSERT_TRUE(second);
  EXPECT_NE(second, first);
  EXPECT_EQ(second->n_packets, 0u);
  EXPECT_EQ(second->n_bytes, 0u);
  EXPECT_EQ(second->created, kT0 + 3 * kSec);
  EXPECT_EQ(format_actions(second->actions), "output:2");

  // Same match at another priority, or another match at the same priority: a new rule.
  add("priority=6,ip,nw_src=10.0.0.1 actions=output:3");
  add("priority=5,ip,nw_src=10.0.0.2 actions=output:3");
  EXPECT_EQ(br_.n_rules(), 3u);
}

TEST_F(FlowModTest, AddRejectsActionsInconsistentWithTheMatch) {
  // mod_nw_dst needs ip: the flow is refused and nothing changes.
  FlowSpec s;
  s.match = parse_match("in_port=1").value();
  s.actions = parse_actions("mod_nw_dst:10.0.0.1,output:2").value();
  s.actions_given = true;
  const uint64_t v0 = br_.version();
  EXPECT_FALSE(br_.flow_mod(s, FlowModCommand::kAdd).ok());
  EXPECT_EQ(br_.n_rules(), 0u);
  EXPECT_EQ(br_.version(), v0);
}

TEST_F(FlowModTest, CheckOverlapRejectsOverlappingFlowsOfTheSamePriority) {
  add("priority=5,ip,nw_src=10.0.0.0/8 actions=drop");
  // nw_dst=1.2.3.4 and nw_src=10/8 can both match one packet.
  Status st = mod("check_overlap,priority=5,ip,nw_dst=1.2.3.4 actions=drop", FlowModCommand::kAdd);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kConflict);
  // An identical flow overlaps too (and is not silently replaced).
  EXPECT_FALSE(
      mod("check_overlap,priority=5,ip,nw_src=10.0.0.0/8 actions=output:1", FlowModCommand::kAdd)
          .ok());
  EXPECT_EQ(format_actions(only("priority=5,ip,nw_src=10.0.0.0/8")->actions), "drop");
  EXPECT_EQ(br_.n_rules(), 1u);
  // Disjoint matches, or another priority, do not overlap.
  add("check_overlap,priority=5,ip,nw_src=11.0.0.0/8 actions=drop");
  add("check_overlap,priority=5,arp actions=drop");
  add("check_overlap,priority=6,ip,nw_dst=1.2.3.4 actions=drop");
  EXPECT_EQ(br_.n_rules(), 4u);
  // Without check_overlap the overlapping flow is simply added.
  add("priority=5,ip,nw_dst=1.2.3.4 actions=drop");
  EXPECT_EQ(br_.n_rules(), 5u);
}

// ---- modify ---------------------------------------------------------------------------------

TEST_F(FlowModTest, ModifyChangesEveryRuleAtLeastAsSpecificWhateverItsPriority) {
  add("priority=1,ip,nw_src=10.0.0.1,idle_timeout=50,hard_timeout=60 actions=drop");
  add("priority=2,ip actions=drop");
  add("priority=3,arp actions=drop");
  add("priority=4 actions=drop");
  add("table=1,priority=5,ip actions=drop");
  RulePtr r1 = only("priority=1,ip,nw_src=10.0.0.1");
  r1->n_packets = 11;
  r1->n_bytes = 1100;
  r1->used = kT0 + kSec;
  clock_.advance_ms(5 * kSec);
  const uint64_t v0 = br_.version();

  ASSERT_TRUE(mod("ip actions=output:3", FlowModCommand::kModify).ok());
  EXPECT_GT(br_.version(), v0);
  EXPECT_EQ(br_.n_rules(), 5u);
  EXPECT_EQ(lines(), (std::vector<std::string>{
                         "priority=4 actions=drop",
                         "priority=3,arp actions=drop",
                         "priority=2,ip actions=output:3",
                         "idle_timeout=50, hard_timeout=60, priority=1,ip,nw_src=10.0.0.1 "
                         "actions=output:3",
                         "table=1, priority=5,ip actions=output:3",
                     }));
  // The modified rule is the same rule: counters, timeouts, creation time and last use kept;
  // its hard timeout counts from the modification.
  RulePtr after = only("priority=1,ip,nw_src=10.0.0.1");
  EXPECT_EQ(after, r1);
  EXPECT_EQ(after->n_packets, 11u);
  EXPECT_EQ(after->n_bytes, 1100u);
  EXPECT_EQ(after->idle_timeout, 50);
  EXPECT_EQ(after->hard_timeout, 60);
  EXPECT_EQ(after->created, kT0);
  EXPECT_EQ(after->used, kT0 + kSec);
  EXPECT_EQ(after->modified, kT0 + 5 * kSec);
}

TEST_F(FlowModTest, ModifyStrictChangesOnlyTheExactMatchAndPriority) {
  add("priority=2,ip actions=drop");
  add("priority=3,ip actions=drop");
  add("priority=2,ip,nw_src=10.0.0.1 actions=drop");
  ASSERT_TRUE(mod("priority=2,ip actions=output:1", FlowModCommand::kModifyStrict).ok());
  EXPECT_EQ(lines(), (std::vector<std::string>{
                         "priority=3,ip actions=drop",
                         "priority=2,ip actions=output:1",
                         "priority=2,ip,nw_src=10.0.0.1 actions=drop",
                     }));
}

TEST_F(FlowModTest, ModifyMatchingNothingAddsTheFlowUnlessACookieMaskWasGiven) {
  add("priority=2,ip actions=drop");
  // Strict: "ip" at the default priority does not exist, so it is added (OpenFlow 1.0).
  ASSERT_TRUE(mod("ip actions=output:1", FlowModCommand::kModifyStrict).ok());
  EXPECT_EQ(br_.n_rules(), 2u);
  EXPECT_EQ(format_actions(only("ip")->actions), "output:1");
  EXPECT_EQ(format_actions(only("priority=2,ip")->actions), "drop");
  // Non-strict, into a given table, with the flow's other attributes.
  ASSERT_TRUE(
      mod("table=3,priority=9,idle_timeout=7,arp actions=output:2", FlowModCommand::kModify).ok());
  RulePtr added = only("table=3,priority=9,arp");
  ASSERT_TRUE(added);
  EXPECT_EQ(added->table_id, 3);
  EXPECT_EQ(added->idle_timeout, 7);
  // With a cookie mask a modify only modifies.
  const uint64_t v0 = br_.version();
  ASSERT_TRUE(mod("cookie=0x5/-1,udp actions=output:2", FlowModCommand::kModify).ok());
  ASSERT_TRUE(
      mod("cookie=0x5/0xff,priority=4,udp actions=output:2", FlowModCommand::kModifyStrict).ok());
  EXPECT_EQ(br_.n_rules(), 3u);
  EXPECT_EQ(br_.version(), v0);
}

TEST_F(FlowModTest, ModifySelectsByCookieMask) {
  add("cookie=0x1,priority=1,ip actions=drop");
  add("cookie=0x11,priority=2,ip actions=drop");
  add("cookie=0x2,priority=3,ip actions=drop");
  ASSERT_TRUE(mod("cookie=0x1/0xf actions=output:1", FlowModCommand::kModify).ok());
  EXPECT_EQ(lines(), (std::vector<std::string>{
                         "cookie=0x2, priority=3,ip actions=drop",
                         "cookie=0x11, priority=2,ip actions=output:1",
                         "cookie=0x1, priority=1,ip actions=output:1",
                     }));
  ASSERT_TRUE(mod("cookie=0x2/-1,ip actions=output:2", FlowModCommand::kModify).ok());
  EXPECT_EQ(format_actions(only("priority=3,ip")->actions), "output:2");
  EXPECT_EQ(format_actions(only("priority=2,ip")->actions), "output:1");
}

TEST_F(FlowModTest, ModifyWithACookieAndNoMaskSetsTheCookie) {
  // ovs-ofctl mod-flows: "cookie=V" without a mask is the new cookie of the modified flows.
  add("cookie=0x1,priority=1,ip actions=drop");
  add("priority=2,arp actions=drop");
  ASSERT_TRUE(mod("cookie=0x77,ip actions=output:1", FlowModCommand::kModify).ok());
  EXPECT_EQ(only("priority=1,ip")->cookie, 0x77u);
  EXPECT_EQ(only("priority=2,arp")->cookie, 0u);
  // Without a cookie the flows keep theirs.
  ASSERT_TRUE(mod("ip actions=output:2", FlowModCommand::kModify).ok());
  EXPECT_EQ(only("priority=1,ip")->cookie, 0x77u);
}

TEST_F(FlowModTest, ModifyWithoutTableCoversAllTablesWithTableOnlyThatOne) {
  add("table=0,ip actions=drop");
  add("table=1,ip actions=drop");
  add("table=2,ip actions=drop");
  ASSERT_TRUE(mod("table=1,ip actions=output:1", FlowModCommand::kModify).ok());
  EXPECT_EQ(lines(), (std::vector<std::string>{
                         "ip actions=drop",
                         "table=1, ip actions=output:1",
                         "table=2, ip actions=drop",
                     }));
  ASSERT_TRUE(mod("ip actions=output:2", FlowModCommand::kModifyStrict).ok());
  EXPECT_EQ(lines(), (std::vector<std::string>{
                         "ip actions=output:2",
                         "table=1, ip actions=output:2",
                         "table=2, ip actions=output:2",
                     }));
}

// ---- delete ---------------------------------------------------------------------------------

TEST_F(FlowModTest, DeleteRemovesEveryRuleAtLeastAsSpecificStrictOnlyTheExactOne) {
  add("priority=1,ip,nw_src=10.0.0.1 actions=drop");
  add("priority=2,ip actions=drop");
  add("priority=3,arp actions=drop");
  add("priority=4 actions=drop");
  add("table=1,priority=2,ip actions=drop");

  // Strict: match and priority must both be identical; the table is any unless given.
  ASSERT_TRUE(mod("table=0,priority=2,ip", FlowModCommand::kDeleteStrict).ok());
  EXPECT_EQ(br_.n_rules(), 4u);
  EXPECT_EQ(br_.n_rules(1), 1u);
  ASSERT_TRUE(mod("priority=7,ip,nw_src=10.0.0.1", FlowModCommand::kDeleteStrict).ok());
  EXPECT_EQ(br_.n_rules(), 4u);

  // Non-strict "ip": both remaining ip rules whatever their table and priority.
  RulePtr held = only("priority=1,ip,nw_src=10.0.0.1");
  ASSERT_TRUE(mod("ip", FlowModCommand::kDelete).ok());
  EXPECT_TRUE(held->removed);
  EXPECT_EQ(lines(),
            (std::vector<std::string>{"priority=4 actions=drop", "priority=3,arp actions=drop"}));
  // An empty match deletes everything.
  ASSERT_TRUE(mod("", FlowModCommand::kDelete).ok());
  EXPECT_EQ(br_.n_rules(), 0u);
}

TEST_F(FlowModTest, DeleteWithTableDeletesOnlyThere) {
  add("table=0,ip actions=drop");
  add("table=1,ip actions=drop");
  add("table=1,arp actions=drop");
  ASSERT_TRUE(mod("table=1", FlowModCommand::kDelete).ok());
  EXPECT_EQ(br_.n_rules(0), 1u);
  EXPECT_EQ(br_.n_rules(1), 0u);
  ASSERT_TRUE(mod("table=255", FlowModCommand::kDelete).ok());  // 255: all tables
  EXPECT_EQ(br_.n_rules(), 0u);
}

TEST_F(FlowModTest, DeleteSelectsByCookieMask) {
  add("cookie=0x1,priority=1,ip actions=drop");
  add("cookie=0x11,priority=2,ip actions=drop");
  add("cookie=0x2,priority=3,ip actions=drop");
  add("priority=4,ip actions=drop");
  ASSERT_TRUE(mod("cookie=0x1/0xf", FlowModCommand::kDelete).ok());
  EXPECT_EQ(lines(), (std::vector<std::string>{"priority=4,ip actions=drop",
                                               "cookie=0x2, priority=3,ip actions=drop"}));
  ASSERT_TRUE(mod("cookie=0x0/-1,priority=4,ip", FlowModCommand::kDeleteStrict).ok());
  EXPECT_EQ(lines(), (std::vector<std::string>{"cookie=0x2, priority=3,ip actions=drop"}));
}

TEST_F(FlowModTest, DeleteWithOutPortDeletesOnlyRulesThatOutputThere) {
  add("priority=1,in_port=1 actions=output:2");
  add("priority=2,in_port=1 actions=output:3,output:2");
  add("priority=3,in_port=1 actions=output:3");
  add("priority=4,in_port=1 actions=CONTROLLER:128");
  add("priority=5,in_port=1 actions=controller(reason=no_match)");
  add("priority=6,in_port=1 actions=drop");
  ASSERT_TRUE(mod("out_port=2", FlowModCommand::kDelete).ok());
  EXPECT_EQ(br_.n_rules(), 4u);
  EXPECT_TRUE(rules("priority=1,in_port=1", true).empty());
  EXPECT_TRUE(rules("priority=2,in_port=1", true).empty());
  ASSERT_TRUE(mod("in_port=1,out_port=CONTROLLER", FlowModCommand::kDelete).ok());
  EXPECT_EQ(lines(), (std::vector<std::string>{"priority=6,in_port=1 actions=drop",
                                               "priority=3,in_port=1 actions=output:3"}));
  // Strict delete honours out_port too.
  ASSERT_TRUE(mod("priority=3,in_port=1,out_port=2", FlowModCommand::kDeleteStrict).ok());
  EXPECT_EQ(br_.n_rules(), 2u);
  ASSERT_TRUE(mod("priority=3,in_port=1,out_port=3", FlowModCommand::kDeleteStrict).ok());
  EXPECT_EQ(br_.n_rules(), 1u);
}

TEST_F(FlowModTest, DumpFilterSelectsLikeDelete) {
  add("priority=1,ip actions=output:1");
  add("table=2,priority=1,ip,nw_src=10.0.0.1 actions=output:2");
  add("priority=1,arp actions=output:2");
  FlowSpec f = spec("ip", FlowTextMode::kDelete);
  EXPECT_EQ(br_.dump_flows(&f, {true, false}),
            " priority=1,ip actions=output:1\n"
            " table=2, priority=1,ip,nw_src=10.0.0.1 actions=output:2\n");
  f = spec("out_port=2", FlowTextMode::kDelete);
  EXPECT_EQ(br_.dump_flows(&f, {true, false}),
            " priority=1,arp actions=output:2\n"
            " table=2, priority=1,ip,nw_src=10.0.0.1 actions=output:2\n");
}

// ---- version --------------------------------------------------------------------------------

TEST_F(FlowModTest, VersionMovesOnEveryChangeAndOnlyThen) {
  uint64_t v = br_.version();
  auto moved = [&] {
    uint64_t now = br_.version();
    bool m = now != v;
    v = now;
    return m;
  };
  add("priority=1,ip actions=drop");
  EXPECT_TRUE(moved());
  add("priority=1,ip actions=output:1");  // replace
  EXPECT_TRUE(moved());
  ASSERT_TRUE(mod("ip actions=output:2", FlowModCommand::kModify).ok());
  EXPECT_TRUE(moved());
  ASSERT_TRUE(mod("arp", FlowModCommand::kDelete).ok());  // deletes nothing
  EXPECT_FALSE(moved());
  ASSERT_TRUE(mod("ip", FlowModCommand::kDelete).ok());
  EXPECT_TRUE(moved());
  add("hard_timeout=1,priority=1,ip actions=drop");
  EXPECT_TRUE(moved());
  EXPECT_EQ(br_.expire(), 0u);
  EXPECT_FALSE(moved());
  clock_.advance_ms(2 * kSec);
  EXPECT_EQ(br_.expire(), 1u);
  EXPECT_TRUE(moved());
  OfPort p;
  p.name = "p9";
  ASSERT_TRUE(br_.add_port(p).ok());
  EXPECT_TRUE(moved());
  PortVlanConfig vc;
  vc.tag = 5;
  ASSERT_TRUE(br_.set_port_vlan("p9", vc).ok());
  EXPECT_TRUE(moved());
  ASSERT_TRUE(br_.del_port("p9").ok());
  EXPECT_TRUE(moved());
}

// ---- timeouts -------------------------------------------------------------------------------

TEST_F(FlowModTest, IdleTimeoutCountsFromLastUseHardTimeoutFromInstallation) {
  add("priority=1,idle_timeout=10,ip actions=drop");
  add("priority=2,hard_timeout=10,ip actions=drop");
  add("priority=3,idle_timeout=30,hard_timeout=20,ip actions=drop");
  add("priority=4,ip actions=drop");  // permanent
  RulePtr idle = only("priority=1,ip");
  RulePtr hard = only("priority=2,ip");

  // Both are used at 8s: the idle one lives on, the hard one does not care.
  clock_.advance_ms(8 * kSec);
  idle->used = hard->used = clock_.now_ms();
  clock_.advance_ms(4 * kSec);  // 12s
  EXPECT_EQ(br_.expire(), 1u);
  EXPECT_TRUE(hard->removed);
  EXPECT_FALSE(idle->removed);
  clock_.advance_ms(5 * kSec);  // 17s: 9s idle
  EXPECT_EQ(br_.expire(), 0u);
  clock_.advance_ms(2 * kSec);  // 19s: 11s idle
  EXPECT_EQ(br_.expire(), 1u);
  EXPECT_TRUE(idle->removed);
  // The third rule's hard timeout (20s) comes first although it is never idle long enough.
  RulePtr both = only("priority=3,ip");
  both->used = clock_.now_ms();
  clock_.advance_ms(2 * kSec);  // 21s
  EXPECT_EQ(br_.expire(), 1u);
  EXPECT_TRUE(both->removed);
  clock_.advance_ms(100'000 * kSec);
  EXPECT_EQ(br_.expire(), 0u);
  EXPECT_EQ(lines(), (std::vector<std::string>{"priority=4,ip actions=drop"}));
}

// As in Open vSwitch, a rule expires once its timeout has passed, not when it is reached.
TEST_F(FlowModTest, ATimeoutExpiresOnlyOnceItHasPassed) {
  add("priority=1,hard_timeout=10,ip actions=drop");
  add("priority=2,idle_timeout=10,ip actions=drop");
  clock_.advance_ms(10 * kSec);
  EXPECT_EQ(br_.expire(), 0u);
  clock_.advance_ms(1);
  EXPECT_EQ(br_.expire(), 2u);
}

TEST_F(FlowModTest, ModifyRestartsTheHardTimeout) {
  add("hard_timeout=10,ip actions=drop");
  clock_.advance_ms(8 * kSec);
  ASSERT_TRUE(mod("ip actions=output:1", FlowModCommand::kModify).ok());
  clock_.advance_ms(8 * kSec);  // 16s after the add, 8s after the modify
  EXPECT_EQ(br_.expire(), 0u);
  clock_.advance_ms(3 * kSec);
  EXPECT_EQ(br_.expire(), 1u);
}

// ---- learn ----------------------------------------------------------------------------------

TEST_F(FlowModTest, LearnAddsThenRefreshesAnIdenticalFlow) {
  FlowSpec learned = spec(
      "table=20,priority=1,hard_timeout=10,dl_vlan=1,dl_dst=fa:16:3e:00:00:01 "
      "actions=load:0->NXM_OF_VLAN_TCI[],output:2",
      FlowTextMode::kAdd);
  const uint64_t v0 = br_.version();
  br_.learn(learned);
  EXPECT_GT(br_.version(), v0);
  RulePtr r = only("table=20,priority=1,dl_vlan=1,dl_dst=fa:16:3e:00:00:01");
  ASSERT_TRUE(r);
  r->n_packets = 3;

  // Learned again by a packet seen at 8s (credited at 9s): the same rule, its hard timeout
  // restarted at 8s; nothing a translation sees changed.
  clock_.advance_ms(9 * kSec);
  const uint64_t v1 = br_.version();
  br_.learn(learned, kT0 + 8 * kSec);
  EXPECT_EQ(br_.version(), v1);
  EXPECT_EQ(only("table=20,priority=1,dl_vlan=1,dl_dst=fa:16:3e:00:00:01"), r);
  EXPECT_EQ(r->n_packets, 3u);
  EXPECT_EQ(r->created, kT0);
  EXPECT_EQ(r->modified, kT0 + 8 * kSec);
  // A late report of an older packet does not move the timer back.
  br_.learn(learned, kT0 + 2 * kSec);
  EXPECT_EQ(r->modified, kT0 + 8 * kSec);

  clock_.set_ms(kT0 + 17 * kSec);  // 9s after the refresh
  EXPECT_EQ(br_.expire(), 0u);
  clock_.set_ms(kT0 + 19 * kSec);
  EXPECT_EQ(br_.expire(), 1u);
  EXPECT_TRUE(r->removed);
}

TEST_F(FlowModTest, LearnWithoutATimeRefreshesAtNow) {
  FlowSpec learned = spec("table=20,hard_timeout=10,dl_dst=fa:16:3e:00:00:01 actions=output:2",
                          FlowTextMode::kAdd);
  br_.learn(learned);
  clock_.advance_ms(6 * kSec);
  br_.learn(learned);
  EXPECT_EQ(only("table=20,dl_dst=fa:16:3e:00:00:01")->modified, kT0 + 6 * kSec);
}

TEST_F(FlowModTest, LearnOfAChangedFlowReplacesIt) {
  FlowSpec a = spec("table=20,priority=1,hard_timeout=10,dl_dst=fa:16:3e:00:00:01 actions=output:2",
                    FlowTextMode::kAdd);
  br_.learn(a);
  RulePtr r = only("table=20,priority=1,dl_dst=fa:16:3e:00:00:01");
  r->n_packets = 4;
  clock_.advance_ms(5 * kSec);

  for (const char* changed :
       {"table=20,priority=1,hard_timeout=10,dl_dst=fa:16:3e:00:00:01 actions=output:3",
        "table=20,priority=1,hard_timeout=20,dl_dst=fa:16:3e:00:00:01 actions=output:3",
        "cookie=0x9,table=20,priority=1,hard_timeout=20,dl_dst=fa:16:3e:00:00:01 "
        "actions=output:3"}) {
    const uint64_t v = br_.version();
    br_.learn(spec(changed, FlowTextMode::kAdd));
    EXPECT_GT(br_.version(), v) << changed;
    RulePtr now = only("table=20,priority=1,dl_dst=fa:16:3e:00:00:01");
    EXPECT_NE(now, r) << changed;
    EXPECT_TRUE(r->removed);
    EXPECT_EQ(now->n_packets, 0u);
    EXPECT_EQ(now->created, kT0 + 5 * kSec);
    r = now;
  }
  EXPECT_EQ(r->cookie, 0x9u);
  EXPECT_EQ(r->hard_timeout, 20);
  EXPECT_EQ(br_.n_rules(), 1u);
}

// ---- dump-flows formatting ------------------------------------------------------------------

TEST(FormatDurationTest, TrimsTrailingZerosOfTheFraction) {
  EXPECT_EQ(format_duration(0), "0s");
  EXPECT_EQ(format_duration(5500), "5.5s");
  EXPECT_EQ(format_duration(2688940), "2688.94s");
  EXPECT_EQ(format_duration(1001), "1.001s");
  EXPECT_EQ(format_duration(10), "0.01s");
  EXPECT_EQ(format_duration(7000), "7s");
  EXPECT_EQ(format_duration(-5), "0s");
}

TEST_F(FlowModTest, FormatRuleWithStats) {
  add("table=0,priority=1,in_port=1 actions=resubmit(,2)");
  RulePtr r = only("priority=1,in_port=1");
  r->n_packets = 3;
  r->n_bytes = 294;
  clock_.advance_ms(2688940);
  r->used = clock_.now_ms() - 7 * kSec;
  EXPECT_EQ(br_.format_rule(*r, {}),
            " cookie=0x0, duration=2688.94s, table=0, n_packets=3, n_bytes=294, idle_age=7, "
            "priority=1,in_port=1 actions=resubmit(,2)");
}

TEST_F(FlowModTest, FormatRuleShowsTimeoutsOnlyWhenSet) {
  add("cookie=0xab,table=20,priority=1,idle_timeout=300,hard_timeout=600,dl_vlan=1 "
      "actions=output:1");
  add("table=20,priority=2,hard_timeout=600,dl_vlan=2 actions=output:1");
  add("table=20,priority=3,idle_timeout=300,dl_vlan=3 actions=output:1");
  add("table=20,priority=4,send_flow_rem,importance=7,dl_vlan=4 actions=output:1");
  clock_.advance_ms(5500);
  EXPECT_EQ(br_.dump_flows(nullptr, {}),
            // An OpenFlow 1.0 reply carries no flags and no importance (OVS 3.1 prints neither).
            " cookie=0x0, duration=5.5s, table=20, n_packets=0, n_bytes=0, "
            "idle_age=5, priority=4,dl_vlan=4 actions=output:1\n"
            " cookie=0x0, duration=5.5s, table=20, n_packets=0, n_bytes=0, idle_timeout=300, "
            "idle_age=5, priority=3,dl_vlan=3 actions=output:1\n"
            " cookie=0x0, duration=5.5s, table=20, n_packets=0, n_bytes=0, hard_timeout=600, "
            "idle_age=5, priority=2,dl_vlan=2 actions=output:1\n"
            " cookie=0xab, duration=5.5s, table=20, n_packets=0, n_bytes=0, idle_timeout=300, "
            "hard_timeout=600, idle_age=5, priority=1,dl_vlan=1 actions=output:1\n");
}

TEST_F(FlowModTest, FormatRuleShowsHardAgeOnlyWhenItDiffersFromTheDuration) {
  add("priority=1,ip actions=drop");
  RulePtr r = only("priority=1,ip");
  EXPECT_EQ(br_.format_rule(*r, {}),
            " cookie=0x0, duration=0s, table=0, n_packets=0, n_bytes=0, idle_age=0, "
            "priority=1,ip actions=drop");
  clock_.advance_ms(4 * kSec);
  ASSERT_TRUE(mod("ip actions=output:1", FlowModCommand::kModify).ok());
  clock_.advance_ms(3250);
  EXPECT_EQ(br_.format_rule(*r, {}),
            " cookie=0x0, duration=7.25s, table=0, n_packets=0, n_bytes=0, idle_age=7, "
            "hard_age=3, priority=1,ip actions=output:1");
  // A refresh inside the same second as creation leaves the ages equal: no hard_age.
  add("priority=2,ip actions=drop");
  clock_.advance_ms(900);
  EXPECT_EQ(br_.format_rule(*only("priority=2,ip"), {}),
            " cookie=0x0, duration=0.9s, table=0, n_packets=0, n_bytes=0, idle_age=0, "
            "priority=2,ip actions=drop");
}

TEST_F(FlowModTest, FormatRuleOmitsTheDefaultPriorityAndAnEmptyMatch) {
  add("actions=drop");
  add("ip actions=drop");
  add("priority=0 actions=NORMAL");
  EXPECT_EQ(lines(), (std::vector<std::string>{"actions=drop", "ip actions=drop",
                                               "priority=0 actions=NORMAL"}));
  EXPECT_EQ(br_.format_rule(*only("", true), {}),
            " cookie=0x0, duration=0s, table=0, n_packets=0, n_bytes=0, idle_age=0, "
            "actions=drop");
}

TEST_F(FlowModTest, NoStatsFormKeepsOnlyWhatDiffersFromDefaults) {
  add("cookie=0xab,table=20,priority=1,idle_timeout=300,hard_timeout=600,dl_vlan=1 "
      "actions=output:1");
  add("table=0,priority=5,in_port=2 actions=output:1");
  RulePtr r = only("table=20,priority=1,dl_vlan=1");
  r->n_packets = 9;
  clock_.advance_ms(12 * kSec);
  EXPECT_EQ(br_.dump_flows(nullptr, {.no_stats = true}),
            " priority=5,in_port=2 actions=output:1\n"
            " cookie=0xab, table=20, idle_timeout=300, hard_timeout=600, priority=1,dl_vlan=1 "
            "actions=output:1\n");
}

TEST_F(FlowModTest, NamesFormPrintsPortNames) {
  add("priority=5,in_port=1 actions=output:2,output:3");
  RulePtr r = only("priority=5,in_port=1");
  EXPECT_EQ(br_.format_rule(*r, {.no_stats = true, .names = true}),
            " priority=5,in_port=p1 actions=output:p2,output:p3");
  EXPECT_EQ(br_.format_rule(*r, {.no_stats = true, .names = false}),
            " priority=5,in_port=1 actions=output:2,output:3");
  // A flow written with names is the same flow.
  add("priority=5,in_port=p1 actions=output:p3");
  EXPECT_EQ(lines(), (std::vector<std::string>{"priority=5,in_port=1 actions=output:3"}));
}

TEST_F(FlowModTest, DumpOrdersByTableThenPriorityThenInsertion) {
  add("table=1,priority=9,udp actions=drop");
  add("priority=1,tcp actions=drop");
  add("priority=3,arp actions=drop");
  add("priority=3,icmp actions=drop");
  add("priority=3,udp actions=drop");
  EXPECT_EQ(lines(), (std::vector<std::string>{
                         "priority=3,arp actions=drop",
                         "priority=3,icmp actions=drop",
                         "priority=3,udp actions=drop",
                         "priority=1,tcp actions=drop",
                         "table=1, priority=9,udp actions=drop",
                     }));
}

}  // namespace
}  // namespace nt
