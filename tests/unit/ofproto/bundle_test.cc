// Flow-table transactions: Ofproto::apply_bundle (all or nothing, one version step, the very
// same rules back after a failure), diff_flows (replace-flows with cookie ownership), flow
// files and the rule <-> flow_mod conversion.
#include "ofproto/bundle.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/clock.h"
#include "openflow/flow_text.h"

namespace nt {
namespace {

class BundleTest : public ::testing::Test {
 protected:
  BundleTest() : br_("br0", clock_) {
    for (const char* name : {"p1", "p2", "p3"}) {
      OfPort p;
      p.name = name;
      p.type = PortType::kDummy;
      EXPECT_TRUE(br_.add_port(p).ok());
    }
  }

  FlowOp op(FlowModCommand cmd, std::string_view text) {
    auto s = parse_flow(text, flow_text_mode(cmd), &br_);
    EXPECT_TRUE(s.ok()) << text << ": " << (s.ok() ? "" : s.error().message);
    return {cmd, s.ok() ? *s : FlowSpec{}};
  }
  FlowSpec spec(std::string_view text) { return op(FlowModCommand::kAdd, text).spec; }
  void add(std::string_view text) {
    ASSERT_TRUE(br_.flow_mod(spec(text), FlowModCommand::kAdd).ok()) << text;
  }
  std::string dump() { return br_.dump_flows(nullptr, DumpOptions{}); }

  ManualClock clock_{1'000'000};
  Ofproto br_;
};

TEST_F(BundleTest, FailureMidBundleLeavesTheTableExactlyAsBefore) {
  add("priority=10,in_port=1 actions=output:2");
  add("table=1,cookie=0x5,priority=5,ip actions=output:3");
  add("priority=20,ip actions=drop");
  std::vector<RulePtr> before = br_.select(FlowSpec{}, false);
  for (size_t i = 0; i < before.size(); ++i) {
    before[i]->n_packets = 100 + i;
    before[i]->n_bytes = 6400 + i;
  }
  clock_.advance_ms(5000);
  std::string text = dump();
  uint64_t version = br_.version();
  std::vector<FlowOp> ops = {
      op(FlowModCommand::kModify, "table=1,ip actions=output:1"),
      op(FlowModCommand::kDeleteStrict, "priority=20,ip"),
      op(FlowModCommand::kAdd, "priority=10,in_port=1 actions=drop"),  // replaces a rule
      op(FlowModCommand::kAdd, "priority=30,udp actions=output:1"),
      op(FlowModCommand::kAdd, "check_overlap,priority=30,ip actions=drop"),  // overlaps udp
      op(FlowModCommand::kAdd, "priority=40 actions=drop"),
  };
  size_t failed = 99;
  Status st = br_.apply_bundle(ops, &failed);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kConflict);
  EXPECT_EQ(failed, 4u);
  EXPECT_EQ(dump(), text);  // actions, cookies, counters, durations and order
  EXPECT_EQ(br_.version(), version);
  std::vector<RulePtr> after = br_.select(FlowSpec{}, false);
  ASSERT_EQ(after.size(), before.size());
  for (size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i], before[i]) << i;  // the very same rule objects
    EXPECT_FALSE(after[i]->removed);
    EXPECT_EQ(after[i]->n_packets, 100 + i);
  }
  // The table still works as a table: lookups find the restored rules.
  FlowKey key{}, wc{};
  key.in_port = 1;
  Rule* r = br_.lookup(0, key, &wc);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->priority(), 10);
  EXPECT_EQ(format_actions(r->actions), "output:2");
  // A flow added after the failed bundle is listed after the restored ones.
  add("priority=10,in_port=2 actions=output:1");
  EXPECT_GT(br_.select(spec("priority=10,in_port=2 actions=drop"), true)[0]->seq,
            before.back()->seq);
}

// A modify that a failed bundle undoes gives back the rule's conjunction clauses too: the
// classifier reads them from the rule, not from its actions.
TEST_F(BundleTest, FailureRestoresConjunctionClauses) {
  add("priority=10,ip,nw_src=10.0.0.1 actions=conjunction(7,1/2)");
  add("priority=40,udp actions=drop");
  std::vector<FlowOp> ops = {
      op(FlowModCommand::kModify, "ip,nw_src=10.0.0.1 actions=output:1"),
      op(FlowModCommand::kAdd, "check_overlap,priority=40,ip actions=drop"),  // overlaps udp
  };
  EXPECT_FALSE(br_.apply_bundle(ops).ok());
  RulePtr r = br_.select(spec("priority=10,ip,nw_src=10.0.0.1 actions=drop"), true).at(0);
  ASSERT_EQ(r->cls.conjs.size(), 1u);
  EXPECT_EQ(r->cls.conjs[0].id, 7u);
  EXPECT_EQ(r->cls.conjs[0].n_clauses, 2);
}

TEST_F(BundleTest, SuccessMatchesSequentialFlowModsWithOneVersionStep) {
  add("priority=10,in_port=1 actions=output:2");
  add("priority=20,ip actions=drop");
  std::vector<FlowOp> ops = {
      op(FlowModCommand::kDelete, ""),
      op(FlowModCommand::kAdd, "priority=5,in_port=2 actions=output:1"),
      op(FlowModCommand::kAdd, "table=2,priority=5,arp actions=NORMAL"),
      op(FlowModCommand::kModifyStrict, "priority=5,in_port=2 actions=output:3"),
  };
  Ofproto seq("br0", clock_);
  for (const OfPort* p : {br_.find_port("p1"), br_.find_port("p2"), br_.find_port("p3")}) {
    ASSERT_TRUE(seq.add_port(*p, p->ofport).ok());
  }
  for (const FlowOp& o : ops) ASSERT_TRUE(seq.flow_mod(o.spec, o.cmd).ok());
  uint64_t version = br_.version();
  ASSERT_TRUE(br_.apply_bundle(ops).ok());
  EXPECT_EQ(br_.version(), version + 1);
  EXPECT_EQ(dump(), seq.dump_flows(nullptr, DumpOptions{}));
  // A bundle that changes nothing leaves the version alone.
  version = br_.version();
  ASSERT_TRUE(br_.apply_bundle({op(FlowModCommand::kDeleteStrict, "priority=99")}).ok());
  ASSERT_TRUE(br_.apply_bundle({}).ok());
  EXPECT_EQ(br_.version(), version);
}

// A bundle of many adds makes its rules ahead, in shares, and only links them in order: the
// first failing op is still the one reported (an overlap before a bad action list, a bad
// action list before a later overlap), the table is left exactly as before, and a bundle that
// succeeds gives exactly the flows of its flow_mods one by one, deletes and modifies among them.
TEST_F(BundleTest, LargeBundlesMakeTheirRulesAheadWithTheSameSemantics) {
  add("priority=7,tcp,tp_dst=9 actions=drop");
  const std::string before = dump();
  std::vector<FlowOp> ops;
  for (int i = 0; i < 9000; ++i) {
    ops.push_back(op(FlowModCommand::kAdd, "priority=" + std::to_string(100 + i % 500) +
                                               ",ip,nw_dst=10.1." + std::to_string(i / 256) + "." +
                                               std::to_string(i % 256) + " actions=output:1"));
  }
  FlowOp overlap = op(FlowModCommand::kAdd, "priority=7,tcp actions=drop");
  overlap.spec.check_overlap = true;
  // Actions whose prerequisites the match lacks: parse_flow refuses them, a crafted op is
  // refused when applied.
  FlowOp bad = op(FlowModCommand::kAdd, "priority=3,ip actions=mod_nw_src:1.2.3.4");
  bad.spec.match = spec("priority=3,arp actions=drop").match;
  Status alone = Ofproto("brx", clock_).flow_mod(bad.spec, FlowModCommand::kAdd);
  ASSERT_FALSE(alone.ok());

  std::vector<FlowOp> first_overlap = ops;
  first_overlap[5000] = overlap;
  first_overlap[7000] = bad;
  size_t failed = 0;
  Status st = br_.apply_bundle(first_overlap, &failed);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(failed, 5000u);
  EXPECT_NE(st.error().message.find("check_overlap"), std::string::npos) << st.error().message;
  EXPECT_EQ(dump(), before);

  std::vector<FlowOp> first_bad = ops;
  first_bad[5000] = bad;
  first_bad[7000] = overlap;
  st = br_.apply_bundle(first_bad, &failed);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(failed, 5000u);
  EXPECT_EQ(st.error().message, alone.error().message);
  EXPECT_EQ(dump(), before);

  ops.push_back(op(FlowModCommand::kModifyStrict, "priority=100,ip,nw_dst=10.1.0.0 actions=drop"));
  ops.push_back(op(FlowModCommand::kDeleteStrict, "priority=101,ip,nw_dst=10.1.0.1"));
  ops.push_back(op(FlowModCommand::kAdd, "priority=102,ip,nw_dst=10.1.0.2 actions=output:3"));
  Ofproto seq("br0", clock_);
  for (const OfPort* p : {br_.find_port("p1"), br_.find_port("p2"), br_.find_port("p3")}) {
    ASSERT_TRUE(seq.add_port(*p, p->ofport).ok());
  }
  ASSERT_TRUE(
      seq.flow_mod(spec("priority=7,tcp,tp_dst=9 actions=drop"), FlowModCommand::kAdd).ok());
  for (const FlowOp& o : ops) ASSERT_TRUE(seq.flow_mod(o.spec, o.cmd).ok());
  ASSERT_TRUE(br_.apply_bundle(ops).ok());
  EXPECT_EQ(dump(), seq.dump_flows(nullptr, DumpOptions{}));
  EXPECT_EQ(br_.n_rules(), 9000u);  // the first flow, 9,000 adds (the last replaces one), a delete
}

TEST_F(BundleTest, OpenFlow11ModifyNeitherAddsNorSetsTheCookie) {
  add("cookie=0x7,priority=3,in_port=1 actions=drop");
  FlowOp mod = op(FlowModCommand::kModify, "cookie=0x9,in_port=1 actions=output:2");
  FlowOp absent = op(FlowModCommand::kModifyStrict, "priority=4,in_port=1 actions=drop");
  mod.of10 = absent.of10 = false;
  ASSERT_TRUE(br_.apply_bundle({mod, absent}).ok());
  std::vector<RulePtr> rules = br_.select(FlowSpec{}, false);
  ASSERT_EQ(rules.size(), 1u);
  EXPECT_EQ(rules[0]->cookie, 0x7u);
  EXPECT_EQ(format_actions(rules[0]->actions), "output:2");
  // OpenFlow 1.0 (the default) does both.
  mod.of10 = absent.of10 = true;
  ASSERT_TRUE(br_.apply_bundle({mod, absent}).ok());
  EXPECT_EQ(br_.n_rules(), 2u);
  EXPECT_EQ(br_.select(spec("priority=3,in_port=1 actions=drop"), true)[0]->cookie, 0x9u);
}

TEST_F(BundleTest, DiffTurnsHaveIntoWantAndLeavesUnchangedFlowsAlone) {
  add("priority=10,in_port=1 actions=output:2");
  add("priority=20,ip actions=drop");
  add("table=1,priority=5 actions=output:3");
  RulePtr kept = br_.select(spec("priority=10,in_port=1 actions=drop"), true)[0];
  kept->n_packets = 42;
  std::vector<FlowSpec> want = {spec("priority=10,in_port=1 actions=output:2"),
                                spec("priority=20,ip actions=output:1"),
                                spec("table=2,priority=1 actions=drop")};
  std::vector<FlowOp> ops = diff_flows(bridge_flows(br_, true), want);
  ASSERT_EQ(ops.size(), 3u);  // delete table 1's flow, re-add ip, add table 2's
  EXPECT_EQ(ops[0].cmd, FlowModCommand::kDeleteStrict);
  EXPECT_EQ(ops[1].cmd, FlowModCommand::kAdd);
  EXPECT_EQ(ops[2].cmd, FlowModCommand::kAdd);
  ASSERT_TRUE(br_.apply_bundle(ops).ok());
  EXPECT_EQ(format_configured_flows(br_),
            "table=0,priority=20,ip actions=output:1\n"
            "table=0,priority=10,in_port=1 actions=output:2\n"
            "table=2,priority=1 actions=drop\n");
  EXPECT_EQ(br_.select(spec("priority=10,in_port=1 actions=drop"), true)[0], kept);
  EXPECT_EQ(kept->n_packets, 42u);
  EXPECT_TRUE(diff_flows(bridge_flows(br_, true), want).empty());  // converged
  EXPECT_EQ(diff_flows(bridge_flows(br_, true), want, 0, 0, /*readd=*/true).size(), 3u);
}

// A flow the file gives twice: its last line is the one wanted (an earlier line that matches the
// switch's flow does not make the later one a no-op, and the later one alone is added).
TEST_F(BundleTest, DiffTakesTheLastLineOfAFlowGivenTwice) {
  add("priority=20,ip actions=drop");
  std::vector<FlowSpec> want = {
      spec("priority=20,ip actions=drop"), spec("priority=30,arp actions=output:1"),
      spec("priority=20,ip actions=output:2"), spec("priority=30,arp actions=output:3")};
  std::vector<FlowOp> ops = diff_flows(bridge_flows(br_, true), want);
  ASSERT_EQ(ops.size(), 2u);
  EXPECT_EQ(ops[0].cmd, FlowModCommand::kAdd);
  EXPECT_TRUE(ops[0].spec.priority == 20 && ops[0].spec.actions == want[2].actions);
  EXPECT_TRUE(ops[1].spec.priority == 30 && ops[1].spec.actions == want[3].actions);
  ASSERT_TRUE(br_.apply_bundle(ops).ok());
  EXPECT_TRUE(diff_flows(bridge_flows(br_, true), {want[2], want[3]}).empty());
  // The switch holds the last version already: the earlier line changes nothing either.
  EXPECT_TRUE(diff_flows(bridge_flows(br_, true), want).empty());
}

TEST_F(BundleTest, DiffWithCookieMaskLeavesForeignFlowsAlone) {
  add("cookie=0x100,table=0,priority=10,in_port=1 actions=output:2");  // foreign
  add("cookie=0x100,table=0,priority=11,in_port=2 actions=output:1");  // foreign
  add("cookie=0x201,priority=20,ip actions=drop");                     // ours, stale
  add("cookie=0x202,table=0,priority=21,arp actions=NORMAL");          // ours, wanted
  std::vector<FlowSpec> want = {spec("cookie=0x202,table=0,priority=21,arp actions=NORMAL"),
                                spec("cookie=0x203,table=0,priority=22,udp actions=output:3")};
  std::vector<FlowOp> ops = diff_flows(bridge_flows(br_, true), want, 0x200, 0xf00);
  ASSERT_EQ(ops.size(), 2u);
  EXPECT_EQ(ops[0].cmd, FlowModCommand::kDeleteStrict);
  EXPECT_EQ(ops[0].spec.cookie, 0x201u);
  EXPECT_EQ(ops[0].spec.cookie_mask, ~uint64_t{0});
  ASSERT_TRUE(br_.apply_bundle(ops).ok());
  EXPECT_EQ(format_configured_flows(br_),
            "cookie=0x203,table=0,priority=22,udp actions=output:3\n"
            "cookie=0x202,table=0,priority=21,arp actions=NORMAL\n"
            "cookie=0x100,table=0,priority=11,in_port=2 actions=output:1\n"
            "cookie=0x100,table=0,priority=10,in_port=1 actions=output:2\n");
  // A delete computed earlier cannot hit a flow that another owner has since replaced.
  add("cookie=0x100,priority=21,arp actions=drop");
  std::vector<FlowOp> stale =
      diff_flows({spec("cookie=0x202,table=0,priority=21,arp actions=NORMAL")}, {}, 0x200, 0xf00);
  ASSERT_TRUE(br_.apply_bundle(stale).ok());
  EXPECT_EQ(br_.select(spec("priority=21,arp actions=drop"), true).size(), 1u);
}

// replace-flows diffs against the switch's rules in place (diff_flows(Ofproto&, ops)); it must
// give the very ops the diff against the bridge's flows as FlowSpecs gives: deletes of flows
// not wanted (in dump order, only owned ones), adds of flows missing or different, the last
// line of a flow given twice, nothing for flows already as wanted unless readd.
TEST_F(BundleTest, DiffAgainstTheSwitchGivesTheOpsOfTheDiffAgainstItsFlows) {
  add("cookie=0x100,priority=10,in_port=1 actions=output:2");
  add("cookie=0x201,priority=20,ip actions=drop");
  add("cookie=0x202,table=1,priority=21,arp actions=NORMAL");
  add("cookie=0x203,table=1,priority=21,udp actions=NORMAL");
  add("cookie=0x204,priority=30,tcp actions=output:1");
  std::vector<FlowSpec> want = {spec("cookie=0x202,table=1,priority=21,arp actions=NORMAL"),
                                spec("cookie=0x204,priority=30,tcp actions=output:4"),
                                spec("priority=40,udp actions=output:3"),
                                spec("cookie=0x204,priority=30,tcp actions=output:5"),
                                spec("priority=40,udp actions=output:6")};
  auto text = [](const std::vector<FlowOp>& ops) {
    std::string out;
    for (const FlowOp& op : ops) {
      bool del = op.cmd == FlowModCommand::kDeleteStrict;
      out += (del ? "delete_strict " : "add ") +
             format_flow(op.spec, del ? FlowTextMode::kDelete : FlowTextMode::kAdd) + "\n";
    }
    return out;
  };
  auto as_ops = [&] {
    std::vector<FlowOp> ops;
    for (const FlowSpec& w : want) ops.push_back({FlowModCommand::kAdd, w});
    return ops;
  };
  struct Case {
    uint64_t cookie, mask;
    bool readd;
  };
  for (Case c : {Case{0, 0, false}, Case{0x200, 0xf00, false}, Case{0, 0, true}}) {
    std::string expected =
        text(diff_flows(bridge_flows(br_, true), want, c.cookie, c.mask, c.readd));
    EXPECT_EQ(text(diff_flows(br_, as_ops(), c.cookie, c.mask, c.readd)), expected)
        << c.cookie << " " << c.readd;
  }
  EXPECT_EQ(text(diff_flows(br_, as_ops())),
            "delete_strict cookie=0x201/0xffffffffffffffff,table=0,priority=20,ip\n"
            "delete_strict cookie=0x100/0xffffffffffffffff,table=0,priority=10,in_port=1\n"
            "delete_strict cookie=0x203/0xffffffffffffffff,table=1,priority=21,udp\n"
            "add cookie=0x204,table=0,priority=30,tcp actions=output:5\n"
            "add table=0,priority=40,udp actions=output:6\n");
}

TEST_F(BundleTest, ConfiguredFlowsRoundTripThroughText) {
  add("table=3,cookie=0x9,priority=7,idle_timeout=30,tcp,tp_dst=80 actions=output:1");
  add("priority=0 actions=NORMAL");
  br_.learn(spec("table=5,priority=1,dl_dst=fa:16:3e:00:00:01 actions=output:2"));
  std::string text = format_configured_flows(br_);
  EXPECT_EQ(text.find("table=5"), std::string::npos);  // learned flows are not configuration
  Ofproto copy("br1", clock_);
  ASSERT_TRUE(copy.flow_mod(spec("priority=99 actions=drop"), FlowModCommand::kAdd).ok());
  ASSERT_TRUE(restore_flows(copy, text).ok());
  EXPECT_EQ(format_configured_flows(copy), text);
  Status bad = restore_flows(copy, "priority=1 actions=drop\npriority=1 actions=frob\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message.rfind("line 2: ", 0), 0u) << bad.error().message;
  EXPECT_EQ(format_configured_flows(copy), text);  // nothing applied
}

TEST_F(BundleTest, FlowFilesTakeCommandKeywordsContinuationsAndComments) {
  auto ops = parse_flow_file(
      "# comment\n"
      "delete_strict priority=5,ip\n"
      "modify in_port=p1 \\\n"
      "  actions=output:p2  # trailing\n"
      "priority=3 actions=drop\n",
      "f", &br_, FlowModCommand::kAdd, true);
  ASSERT_TRUE(ops.ok()) << ops.error().message;
  ASSERT_EQ(ops->size(), 3u);
  EXPECT_EQ((*ops)[0].cmd, FlowModCommand::kDeleteStrict);
  EXPECT_EQ((*ops)[1].cmd, FlowModCommand::kModify);
  EXPECT_EQ(format_actions((*ops)[1].spec.actions), "output:2");
  EXPECT_EQ((*ops)[2].cmd, FlowModCommand::kAdd);
  auto bad = parse_flow_file("priority=1 actions=drop\n\nadd actions=frob\n", "f", &br_,
                             FlowModCommand::kAdd, true);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message.rfind("f:3: ", 0), 0u) << bad.error().message;
  // Without keywords every line is the default command ("delete" is then no keyword).
  auto dels = parse_flow_file("priority=5,ip\n", "-", &br_, FlowModCommand::kDeleteStrict, false);
  ASSERT_TRUE(dels.ok());
  EXPECT_EQ((*dels)[0].cmd, FlowModCommand::kDeleteStrict);
}

// Lines are read as views into the text; continued lines are joined and errors still name the
// first physical line of the flow, with or without a final newline.
TEST_F(BundleTest, FlowFileLinesKeepTheirNumbersAcrossContinuations) {
  auto ops = parse_flow_file("priority=1 \\\n\\\n   actions=drop\n  \n#x\npriority=2 actions=drop",
                             "f", &br_, FlowModCommand::kAdd, true);
  ASSERT_TRUE(ops.ok()) << ops.error().message;
  ASSERT_EQ(ops->size(), 2u);
  EXPECT_EQ((*ops)[0].spec.priority, 1);
  EXPECT_EQ((*ops)[1].spec.priority, 2);
  auto bad = parse_flow_file(
      "priority=1 actions=drop\n# c\npriority=2,\\\n  nw_dst=1.2.3.4 actions=drop\n", "f", &br_,
      FlowModCommand::kAdd, true);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message.rfind("f:3: ", 0), 0u) << bad.error().message;
  auto tail = parse_flow_file("priority=1 actions=drop\npriority=7 actions=frob \\", "", &br_,
                              FlowModCommand::kAdd, true);
  ASSERT_FALSE(tail.ok());
  EXPECT_EQ(tail.error().message.rfind("line 2: ", 0), 0u) << tail.error().message;
  auto blank = parse_flow_file(" \\\n \\\n\n\n", "f", &br_, FlowModCommand::kAdd, true);
  ASSERT_TRUE(blank.ok());
  EXPECT_TRUE(blank->empty());
}

// A file of over a mebibyte is parsed in shares side by side (one per core). Every flow here
// spans two physical lines, so wherever the file is cut a flow straddles the cut, and comment
// lines leave gaps in the shares' output: the flows still come out whole, in file order, and
// an error names its own line, the first error in the file winning.
TEST_F(BundleTest, LargeFlowFilesParseInSharesExactlyAsOneFile) {
  constexpr int kFlows = 20000;
  std::string text;
  for (int i = 0; i < kFlows; ++i) {
    if (i % 10 == 0) text += "# flows " + std::to_string(i) + "..\n\n";
    text += "priority=" + std::to_string(i % 60000) + ",ip,\\\n  nw_dst=10.0." +
            std::to_string(i / 256) + "." + std::to_string(i % 256) + " actions=output:1\n";
  }
  ASSERT_GT(text.size(), size_t{1} << 20);
  auto ops = parse_flow_file(text, "f", &br_, FlowModCommand::kAdd, true);
  ASSERT_TRUE(ops.ok()) << ops.error().message;
  ASSERT_EQ(ops->size(), size_t{kFlows});
  for (int i = 0; i < kFlows; ++i) {
    const FlowSpec& s = (*ops)[static_cast<size_t>(i)].spec;
    ASSERT_EQ(s.priority, i % 60000) << i;
    ASSERT_EQ(format_match(s.match, s.priority), "priority=" + std::to_string(i % 60000) +
                                                     ",ip,nw_dst=10.0." + std::to_string(i / 256) +
                                                     "." + std::to_string(i % 256))
        << i;
  }
  // Line numbers: each block of ten flows is 2 + 10 * 2 = 22 physical lines.
  auto line_of = [](int flow) { return (flow / 10) * 22 + 3 + (flow % 10) * 2; };
  auto broken = [&](std::string t, int flow) {
    std::string needle = "nw_dst=10.0." + std::to_string(flow / 256) + "." +
                         std::to_string(flow % 256) + " actions=output:1\n";
    size_t at = t.find(needle);
    t.replace(at, needle.size(), "nw_dst=10.0.0.0 actions=frob\n");
    return t;
  };
  int late = kFlows - 5;
  auto bad = parse_flow_file(broken(text, late), "f", &br_, FlowModCommand::kAdd, true);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message.rfind("f:" + std::to_string(line_of(late)) + ": ", 0), 0u)
      << bad.error().message;
  auto both = parse_flow_file(broken(broken(text, late), 7), "f", &br_, FlowModCommand::kAdd, true);
  ASSERT_FALSE(both.ok());
  EXPECT_EQ(both.error().message.rfind("f:" + std::to_string(line_of(7)) + ": ", 0), 0u)
      << both.error().message;
}

// added_rule_spec() reads from an add exactly what the rule it makes holds: formatted, it is the
// rule's own line whatever else the add carried (flags of the request, a cookie mask).
TEST_F(BundleTest, AnAddsRuleSpecIsTheSpecOfTheRuleItMakes) {
  for (const char* text :
       {"priority=5,ip actions=drop",
        "table=3,cookie=0x9,idle_timeout=7,hard_timeout=9,"
        "importance=4,send_flow_rem,priority=9,tcp,tp_dst=80 "
        "actions=output:2,resubmit(,4)",
        "check_overlap,reset_counts,in_port=1,dl_vlan=5 actions=strip_vlan,NORMAL",
        "cookie=0x5,priority=0 actions=conjunction(3,1/2)"}) {
    FlowSpec add = spec(text);
    add.cookie_mask = 0xff;  // as a request's bundle may carry it
    ASSERT_TRUE(br_.apply_bundle({FlowOp{FlowModCommand::kAdd, add}}).ok()) << text;
    RulePtr rule;
    br_.for_each_rule([&](const RulePtr& r) {
      if (r->table_id == add.table && r->priority() == add.priority && r->match() == add.match)
        rule = r;
    });
    ASSERT_TRUE(rule) << text;
    FlowSpec from_add;
    added_rule_spec(add, &from_add);
    EXPECT_EQ(format_flow(from_add, FlowTextMode::kAdd),
              format_flow(rule_to_spec(*rule), FlowTextMode::kAdd))
        << text;
  }
}

// The commit hook lists each rule a bundle touched once, and the next bundle lists it again.
TEST_F(BundleTest, CommitHookListsEachTouchedRuleOncePerBundle) {
  std::vector<FlowOp> ops;
  for (const char* f : {"priority=1,ip actions=drop", "priority=2,ip actions=drop"}) {
    ops.push_back({FlowModCommand::kAdd, spec(f)});
  }
  ops.push_back({FlowModCommand::kModify, spec("ip actions=output:1")});
  ops.push_back({FlowModCommand::kModify, spec("ip actions=output:2")});
  for (int round = 0; round < 2; ++round) {
    std::vector<RulePtr> seen;
    Status st = br_.apply_bundle(ops, nullptr, [&](const std::vector<RulePtr>& touched) {
      seen = touched;
      return ok_status();
    });
    ASSERT_TRUE(st.ok()) << st.error().message;
    // Round 0 adds two rules; round 1 replaces them (two removed, two added).
    ASSERT_EQ(seen.size(), round == 0 ? 2u : 4u);
    for (size_t i = 0; i < seen.size(); ++i) {
      for (size_t j = i + 1; j < seen.size(); ++j) EXPECT_NE(seen[i], seen[j]);
    }
  }
}

}  // namespace
}  // namespace nt

namespace nt {
namespace {

// A commit hook that fails (persistence refused) undoes the whole bundle: same rules, counters,
// conjunction clauses and version; the hook saw every touched rule once.
TEST_F(BundleTest, FailedCommitHookLeavesTheTableExactlyAsBefore) {
  add("priority=10,in_port=1 actions=output:2");
  add("priority=20,ip actions=conjunction(7,1/2)");
  add("priority=5,ip,idle_timeout=10 actions=drop");
  for (const RulePtr& r : br_.select(FlowSpec{}, false)) r->n_packets = 42;
  std::string text = dump();
  uint64_t version = br_.version();
  std::vector<FlowOp> ops = {
      op(FlowModCommand::kModifyStrict, "priority=20,ip actions=output:3"),
      op(FlowModCommand::kDeleteStrict, "priority=10,in_port=1"),
      op(FlowModCommand::kAdd, "priority=30,udp actions=output:1"),
  };
  size_t seen = 0, removed = 0;
  size_t failed = 99;
  Status st = br_.apply_bundle(ops, &failed, [&](const std::vector<RulePtr>& touched) -> Status {
    seen = touched.size();
    for (const RulePtr& r : touched) removed += r->removed;
    return make_error("disk full", ErrorCode::kInternal);
  });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message, "disk full");
  EXPECT_EQ(failed, ops.size());
  EXPECT_EQ(seen, 3u);
  EXPECT_EQ(removed, 1u);
  EXPECT_EQ(dump(), text);
  EXPECT_EQ(br_.version(), version);
  FlowSpec f = op(FlowModCommand::kDeleteStrict, "priority=20,ip").spec;
  auto rules = br_.select(f, true);
  ASSERT_EQ(rules.size(), 1u);
  EXPECT_EQ(rules[0]->cls.conjs.size(), 1u);  // clauses restored with the actions
  // Timeouts still expire after the undo (the rule went back into the timed set).
  clock_.advance_ms(11'000);
  EXPECT_EQ(br_.expire(), 1u);
  // A hook that succeeds publishes the change.
  ASSERT_TRUE(
      br_.apply_bundle(ops, nullptr, [](const std::vector<RulePtr>&) { return ok_status(); }).ok());
  EXPECT_EQ(br_.n_rules(), 2u);
  EXPECT_GT(br_.version(), version);
}

}  // namespace
}  // namespace nt
