// ofproto/trace: the text is pinned byte for byte (the formatter walks the trace tree that
// translation builds), and the same tree is available as JSON.
#include <gtest/gtest.h>

#include <string>

#include "xlate/switch.h"

namespace nt {
namespace {

// br0 (p1..p3, patch-a <-> br1's patch-b, patch-x without a peer) and br1 (patch-b, q1, q2),
// both secure (no NORMAL flow of their own).
class TraceTest : public ::testing::Test {
 protected:
  TraceTest() : sw_(clock_) {
    EXPECT_TRUE(sw_.add_bridge("br0", true).ok());
    EXPECT_TRUE(sw_.add_bridge("br1", true).ok());
    for (const char* p : {"p1", "p2", "p3"}) add_port("br0", p);
    add_port("br0", "patch-a", "patch-b");  // br0 port 4
    add_port("br0", "patch-x", "nowhere");  // br0 port 5
    add_port("br1", "patch-b", "patch-a");  // br1 port 1
    add_port("br1", "q1");                  // br1 port 2
    add_port("br1", "q2");                  // br1 port 3
  }
  void add_port(const std::string& br, const std::string& name, const std::string& peer = "") {
    PortSpec s;
    s.name = name;
    if (!peer.empty()) {
      s.type = PortType::kPatch;
      s.options = {{"peer", peer}};
    }
    ASSERT_TRUE(sw_.add_port(br, s).ok()) << name;
  }
  void flows(const std::string& br, std::initializer_list<const char*> fs) {
    for (const char* f : fs) {
      Status st = sw_.flow_mod_text(br, f, FlowModCommand::kAdd);
      ASSERT_TRUE(st.ok()) << f << ": " << st.error().message;
    }
  }
  std::string trace(const std::string& br, const std::string& flow) {
    auto t = sw_.trace(br, flow);
    EXPECT_TRUE(t.ok()) << flow << ": " << (t.ok() ? "" : t.error().message);
    return t.ok() ? *t : "";
  }

  ManualClock clock_{1'000'000};
  Switch sw_;
};

size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

constexpr const char* kUdpFlow =
    "in_port=1,udp,dl_src=50:54:00:00:00:01,dl_dst=50:54:00:00:00:02,nw_src=10.0.0.1,"
    "nw_dst=10.0.0.2,nw_ttl=64,tp_src=5000,tp_dst=53";

// Nested and tail resubmits, goto_table, a table miss, learn, a skipped set_field, an output
// to the input port, a patch port into a bridge running NORMAL, a patch port without a peer.
constexpr const char* kFullPipelineText =
    "Flow: "
    "udp,in_port=1,vlan_tci=0x0000,dl_src=50:54:00:00:00:01,dl_dst=50:54:00:00:00:02,nw_src=10.0.0."
    "1,nw_dst=10.0.0.2,nw_tos=0,nw_ecn=0,nw_ttl=64,nw_frag=no,tp_src=5000,tp_dst=53\n"
    "\n"
    "bridge(\"br0\")\n"
    "-------------\n"
    " 0. in_port=1, priority 32768, cookie 0x1\n"
    "    resubmit(,1)\n"
    "     1. priority 32768\n"
    "        mod_dl_src:50:54:00:00:00:09\n"
    "        resubmit(,2)\n"
    "     2. udp, priority 32768\n"
    "        learn(table=10,NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],output:NXM_OF_IN_PORT[])\n"
    "         -> table=10 dl_dst=50:54:00:00:00:09 actions=output:1\n"
    "        output:1\n"
    "         -> skipping output to input port\n"
    "    output:4\n"
    "\n"
    "        bridge(\"br1\")\n"
    "        -------------\n"
    "         0. in_port=1, priority 32768\n"
    "            resubmit(,1)\n"
    "             1. priority 32768\n"
    "                note:de.ad\n"
    "            NORMAL\n"
    "             -> no learned MAC for destination, flooding\n"
    "    resubmit(,3)\n"
    "     3. No match.\n"
    "        drop\n"
    "    goto_table:5\n"
    " 5. priority 32768\n"
    "    output:5\n"
    "     -> patch port patch-x has no peer, dropping\n"
    "    output:2\n"
    "\n"
    "Final flow: "
    "udp,in_port=1,vlan_tci=0x0000,dl_src=50:54:00:00:00:09,dl_dst=50:54:00:00:00:02,nw_src=10.0.0."
    "1,nw_dst=10.0.0.2,nw_tos=0,nw_ecn=0,nw_ttl=64,nw_frag=no,tp_src=5000,tp_dst=53\n"
    "Megaflow: udp,in_port=1,vlan_tci=0x0000,dl_src=50:54:00:00:00:01,dl_dst=50:54:00:00:00:02\n"
    "Datapath actions: set(eth(src=50:54:00:00:00:09)),6,7,2,4\n";

TEST_F(TraceTest, TextOfAFullPipelineIsPinned) {
  flows("br0", {"table=0,cookie=0x1,in_port=1 actions=resubmit(,1),output:4,resubmit(,3),"
                "goto_table:5",
                "table=1 actions=mod_dl_src:50:54:00:00:00:09,resubmit(,2)",
                "table=2,udp actions=learn(table=10,NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],"
                "output:NXM_OF_IN_PORT[]),output:1",
                "table=5 actions=output:5,output:2"});
  flows("br1", {"in_port=1 actions=resubmit(,1),NORMAL", "table=1 actions=note:de.ad"});
  EXPECT_EQ(trace("br0", kUdpFlow), kFullPipelineText);
}

TEST_F(TraceTest, TextOfDepthLimitsAndDecTtlIsPinned) {
  flows("br0", {"in_port=1 actions=output:4", "in_port=4 actions=IN_PORT",
                "in_port=2,ip actions=dec_ttl,output:1", "in_port=3 actions=resubmit(,7),output:2",
                "table=7 actions=resubmit(,7)"});
  flows("br1", {"in_port=1 actions=IN_PORT"});
  EXPECT_EQ(trace("br0", "in_port=2,ip,nw_ttl=1"),
            "Flow: "
            "ip,in_port=2,vlan_tci=0x0000,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,nw_src="
            "0.0.0.0,nw_dst=0.0.0.0,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=1,nw_frag=no\n"
            "\n"
            "bridge(\"br0\")\n"
            "-------------\n"
            " 0. ip,in_port=2, priority 32768\n"
            "    dec_ttl\n"
            "    dec_ttl: TTL expired, sent to controller (invalid_ttl) and stopped\n"
            "\n"
            "Final flow: unchanged\n"
            "Megaflow: ip,in_port=2,nw_ttl=1\n"
            "Datapath actions: userspace(pid=0,controller(reason=2,max_len=0))\n");
  // A resubmit loop: 64 nested tables, the error note at the last resubmit's column.
  std::string loop = trace("br0", "in_port=3");
  EXPECT_EQ(
      loop.substr(0, loop.find(" 7.")),
      "Flow: "
      "in_port=3,vlan_tci=0x0000,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,dl_type=0x0000\n"
      "\n"
      "bridge(\"br0\")\n"
      "-------------\n"
      " 0. in_port=3, priority 32768\n"
      "    resubmit(,7)\n"
      "    ");
  EXPECT_EQ(loop.substr(loop.rfind(" 7.")),
            " 7. priority 32768\n"
            "        resubmit(,7)\n"
            "        >>>> over max translation depth 64 <<<<\n"
            "\n"
            "Final flow: unchanged\n"
            "Megaflow: in_port=3\n"
            "Datapath actions: drop\n");
  EXPECT_EQ(count(loop, "\n     7. priority 32768\n        resubmit(,7)\n"), 63);
  // A loop through patch ports: each bridge a level deeper, the error under the last one.
  std::string patch = trace("br0", "in_port=1");
  EXPECT_EQ(count(patch, "bridge(\""), 33);
  const std::string pad(256, ' ');
  EXPECT_NE(patch.find("\n\n" + pad + "bridge(\"br0\")\n" + pad + "-------------\n" + pad +
                       ">>>> over max translation depth 64 <<<<\n\nFinal flow: unchanged\n"),
            std::string::npos)
      << patch;
}

// The same walk as JSON: a resubmit nests a table under its action, a patch port nests the
// peer bridge, outputs are leaves; the summary strings are the text form's.
TEST_F(TraceTest, JsonOfAPatchPortResubmitOutputPipeline) {
  flows("br0", {"in_port=1 actions=resubmit(,1),output:4", "table=1 actions=output:2"});
  flows("br1", {"cookie=0xfeed,in_port=1 actions=output:2"});
  auto j = sw_.trace("br0", "in_port=1", false, TraceFormat::kJson);
  ASSERT_TRUE(j.ok()) << j.error().message;
  const std::string flow =
      "in_port=1,vlan_tci=0x0000,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,"
      "dl_type=0x0000";
  // Datapath ports: br0 1, br1 2, p1..p3 3..5, q1 6.
  EXPECT_EQ(*j,
            "{\"bridge\":\"br0\",\"flow\":\"" + flow +
                "\","
                "\"trace\":{\"type\":\"bridge\",\"name\":\"br0\",\"children\":["
                "{\"type\":\"table\",\"table\":0,\"tail\":false,"
                "\"rule\":{\"match\":\"in_port=1\",\"priority\":32768,\"cookie\":\"0x0\"},"
                "\"children\":["
                "{\"type\":\"action\",\"action\":\"resubmit(,1)\",\"children\":["
                "{\"type\":\"table\",\"table\":1,\"tail\":false,"
                "\"rule\":{\"match\":\"\",\"priority\":32768,\"cookie\":\"0x0\"},"
                "\"children\":[{\"type\":\"action\",\"action\":\"output:2\",\"children\":[]}]}]},"
                "{\"type\":\"action\",\"action\":\"output:4\",\"children\":["
                "{\"type\":\"bridge\",\"name\":\"br1\",\"children\":["
                "{\"type\":\"table\",\"table\":0,\"tail\":false,"
                "\"rule\":{\"match\":\"in_port=1\",\"priority\":32768,\"cookie\":\"0xfeed\"},"
                "\"children\":[{\"type\":\"action\",\"action\":\"output:2\",\"children\":[]}]}"
                "]}]}]}]},"
                "\"final_flow\":\"" +
                flow +
                "\",\"megaflow\":\"in_port=1\",\"datapath_actions\":\"4,6\",\"error\":false}\n");
}

// Notes, tail tables, misses and errors in JSON; strings are escaped.
TEST_F(TraceTest, JsonCarriesNotesTailsAndErrors) {
  flows("br0", {"in_port=1 actions=goto_table:3", "table=3 actions=output:5,resubmit(,9)",
                "in_port=2 actions=resubmit(,2)", "table=2 actions=resubmit(,2)"});
  auto j = sw_.trace("br0", "in_port=1", false, TraceFormat::kJson);
  ASSERT_TRUE(j.ok());
  EXPECT_NE(j->find("{\"type\":\"action\",\"action\":\"goto_table:3\",\"children\":["
                    "{\"type\":\"table\",\"table\":3,\"tail\":true,"),
            std::string::npos)
      << *j;
  EXPECT_NE(j->find("{\"type\":\"note\",\"kind\":\"result\","
                    "\"text\":\"patch port patch-x has no peer, dropping\"}"),
            std::string::npos)
      << *j;
  EXPECT_NE(j->find("{\"type\":\"table\",\"table\":9,\"tail\":true,\"rule\":null,"
                    "\"children\":[]}"),
            std::string::npos)
      << *j;
  EXPECT_NE(j->find("\"error\":false}"), std::string::npos);
  j = sw_.trace("br0", "in_port=2", false, TraceFormat::kJson);
  ASSERT_TRUE(j.ok());
  EXPECT_NE(j->find("{\"type\":\"note\",\"kind\":\"error\","
                    "\"text\":\"over max translation depth 64\"}"),
            std::string::npos)
      << *j;
  EXPECT_NE(j->find("\"datapath_actions\":\"drop\",\"error\":true}\n"), std::string::npos);
  EXPECT_EQ(json_string("a\"b\\c\n\x01"), "\"a\\\"b\\\\c\\n\\u0001\"");
}

// ct_clear makes the packet untracked: ct_state and the other ct_* fields are zero for the
// following lookups (the trace's flow shows them while set).
TEST_F(TraceTest, CtClearZeroesTheConntrackFields) {
  flows("br0", {"in_port=1,ct_state=+trk,ip actions=ct_clear,resubmit(,1)",
                "table=1,ct_state=-trk,ct_zone=0,ct_mark=0,ip actions=output:2",
                "table=1,priority=1 actions=output:3"});
  std::string t = trace("br0", "in_port=1,ip,ct_state=est|trk,ct_zone=5,ct_mark=0x7");
  EXPECT_NE(t.find("ct_state=est|trk,ct_zone=5,ct_mark=0x7"), std::string::npos) << t;
  EXPECT_NE(t.find("output:2"), std::string::npos) << t;
  EXPECT_EQ(t.find("output:3"), std::string::npos) << t;
}

// ct(table=N) forks a clone to recirculate and leaves this pass untracked; the trace then
// follows the recirculation with ct_state=trk|new, or what --ct-next says, as ovs-appctl does.
TEST_F(TraceTest, CtRecirculatesAndTheTraceFollows) {
  flows("br0", {"in_port=1,ip,ct_state=-trk actions=ct(commit,table=1,zone=3)",
                "table=1,ct_state=+trk+new,ip actions=output:2",
                "table=1,ct_state=+trk+est,ip actions=output:3"});
  std::string t = trace("br0", "in_port=1,ip");
  EXPECT_NE(t.find("    ct(commit,table=1,zone=3)\n"
                   "     -> A clone of the packet is forked to recirculate. The forked pipeline "
                   "will be resumed at table 1.\n"
                   "     -> Sets the packet to an untracked state, and clears all the conntrack "
                   "fields.\n"),
            std::string::npos)
      << t;
  EXPECT_NE(t.find("Datapath actions: ct(commit,zone=3),recirc(0x1)\n"), std::string::npos) << t;
  EXPECT_NE(t.find("recirc(0x1) - resume conntrack with default ct_state=trk|new (use --ct-next "
                   "to customize)"),
            std::string::npos)
      << t;
  EXPECT_NE(t.find("Flow: recirc_id=0x1,ct_state=new|trk,ct_zone=3,"), std::string::npos) << t;
  EXPECT_NE(t.find("    thaw\n        Resuming from table 1\n"), std::string::npos) << t;
  EXPECT_NE(t.find("Megaflow: recirc_id=0x1,ct_state=+new+trk,ip,in_port=1\n"), std::string::npos)
      << t;
  EXPECT_NE(t.find("\n 1. ct_state=+new+trk,ip, priority 32768\n    output:2\n"), std::string::npos)
      << t;
  auto est = sw_.trace("br0", "in_port=1,ip", false, TraceFormat::kText, {cs::kTrk | cs::kEst});
  ASSERT_TRUE(est.ok());
  EXPECT_NE(est->find("recirc(0x1) - resume conntrack with ct_state=est|trk\n"), std::string::npos)
      << *est;
  EXPECT_NE(est->find("\n 1. ct_state=+est+trk,ip, priority 32768\n    output:3\n"),
            std::string::npos)
      << *est;
}

// Only a trace builds a tree: translation for a packet leaves XlateOut::trace null.
TEST_F(TraceTest, TranslationWithoutTracingBuildsNoTree) {
  flows("br0", {"in_port=1 actions=resubmit(,1),output:4", "table=1 actions=output:2"});
  flows("br1", {"in_port=1 actions=output:2"});
  XlateIn in;
  in.bridge = sw_.bridge("br0");
  in.flow.in_port = 1;
  in.may_learn = false;
  XlateOut out = xlate(sw_, in);
  EXPECT_EQ(out.trace, nullptr);
  EXPECT_EQ(format_odp_actions(out.actions), "4,6");
  in.trace = true;
  out = xlate(sw_, in);
  ASSERT_NE(out.trace, nullptr);
  EXPECT_EQ(out.trace->kind, TraceNode::Kind::kBridge);
  EXPECT_EQ(out.trace->text, "br0");
}

}  // namespace
}  // namespace nt
