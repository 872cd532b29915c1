// nvs-appctl command handlers over a Switch with in-memory (recording) ports.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/clock.h"
#include "common/strings.h"
#include "node/commands.h"

namespace nt {
namespace {

class AppctlTest : public ::testing::Test {
 protected:
  AppctlTest() : sw_(clock_), host_(sw_) {
    EXPECT_TRUE(sw_.add_bridge("br0").ok());
    for (const char* name : {"p1", "p2"}) {
      PortSpec spec;
      spec.name = name;
      EXPECT_TRUE(sw_.add_port("br0", spec).ok());
    }
  }
  ControlReply appctl(const std::vector<std::string>& argv) { return appctl_execute(host_, argv); }
  RecordingPort* port(const char* name) {
    const OfPort* p = sw_.bridge("br0")->find_port(name);
    return dynamic_cast<RecordingPort*>(sw_.datapath().port(p->odp_port));
  }

  ManualClock clock_;
  Switch sw_;
  CommandHost host_;
};

constexpr const char* kFrame =  // fa:16:3e:00:00:01 -> broadcast, ARP
    "fffffffffffffa163e0000010806000108000604000"
    "1fa163e0000010a0000010000000000000a000002";

TEST_F(AppctlTest, UnknownCommandAndArgumentCounts) {
  ControlReply r = appctl({"foo"});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            "\"foo\" is not a valid command (use list-commands to see a list of valid commands)\n"
            "nvs-appctl: neutrino-vswitchd: server returned an error\n");
  r = appctl({"fdb/show"});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err.rfind("\"fdb/show\" command requires at least 1 arguments\n", 0), 0u);
  r = appctl({"fdb/show", "nosuch"});
  EXPECT_EQ(r.err.rfind("no such bridge\n", 0), 0u);
  r = appctl({"list-commands"});
  EXPECT_EQ(r.out.rfind("The available commands are:\n", 0), 0u);
  EXPECT_NE(r.out.find(
                "\n  ofproto/trace           [--format=text|json] [--ct-next flags] bridge br_flow "
                "[-generate]\n"),
            std::string::npos)
      << r.out;
}

TEST_F(AppctlTest, ReceiveLearnsAndFloods) {
  ControlReply r = appctl({"netdev-dummy/receive", "p1", kFrame});
  ASSERT_EQ(r.status, 0) << r.err;
  ASSERT_EQ(port("p2")->sent.size(), 1u);  // NORMAL floods to p2 (and LOCAL), not back to p1
  EXPECT_EQ(hex_bytes(port("p2")->sent[0].data(), port("p2")->sent[0].size()), kFrame);
  EXPECT_TRUE(port("p1")->sent.empty());
  r = appctl({"fdb/show", "br0"});
  EXPECT_EQ(r.out,
            " port  VLAN  MAC                Age\n"
            "    1     0  fa:16:3e:00:00:01    0\n");
  EXPECT_EQ(appctl({"fdb/flush", "br0"}).out, "table successfully flushed\n");
  EXPECT_EQ(appctl({"fdb/show", "br0"}).out, " port  VLAN  MAC                Age\n");
  EXPECT_NE(appctl({"dpctl/dump-flows"}).out.find("actions:"), std::string::npos);
  EXPECT_NE(appctl({"coverage/show"}).out.find("miss_upcall"), std::string::npos);
  // A flow instead of hex bytes: a frame is composed from it.
  r = appctl({"netdev-dummy/receive", "p2", "dl_src=00:00:00:00:00:02,dl_dst=ff:ff:ff:ff:ff:ff"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(port("p1")->sent.size(), 1u);
  EXPECT_EQ(appctl({"netdev-dummy/receive", "p9", kFrame}).status, 2);
}

// The connection tracker's commands, as ovs-appctl words them; a committed UDP flow shows in
// dump-conntrack and goes with flush-conntrack.
TEST_F(AppctlTest, ConntrackCommands) {
  EXPECT_EQ(appctl({"dpctl/ct-get-maxconns"}).out, "3000000\n");
  EXPECT_EQ(appctl({"dpctl/ct-set-maxconns", "10"}).out, "setting maxconns successful\n");
  EXPECT_EQ(appctl({"dpctl/ct-get-maxconns", "netdev@ovs-netdev"}).out, "10\n");
  EXPECT_EQ(appctl({"dpctl/ct-set-maxconns", "many"}).status, 2);
  EXPECT_EQ(appctl({"dpctl/ct-get-maxconns", "system@ovs-system"}).status, 2);
  EXPECT_EQ(appctl({"dpctl/ct-get-tcp-seq-chk"}).out, "TCP sequence checking: enabled\n");
  EXPECT_EQ(appctl({"dpctl/ct-disable-tcp-seq-chk"}).out,
            "disabling TCP sequence checking successful\n");
  EXPECT_EQ(appctl({"dpctl/ct-get-tcp-seq-chk"}).out, "TCP sequence checking: disabled\n");
  EXPECT_EQ(appctl({"dpctl/dump-conntrack", "zone=70000"}).status, 2);
  ASSERT_TRUE(sw_.flow_mod_text("br0", "priority=100,udp actions=ct(commit,zone=9),output:2",
                                FlowModCommand::kAdd)
                  .ok());
  ControlReply r = appctl({"netdev-dummy/receive", "p1",
                           "in_port=1,udp,nw_src=10.0.0.1,nw_dst=10.0.0.2,tp_src=1000,tp_dst=53"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(appctl({"dpctl/dump-conntrack", "zone=9"}).out,
            "udp,orig=(src=10.0.0.1,dst=10.0.0.2,sport=1000,dport=53),"
            "reply=(src=10.0.0.2,dst=10.0.0.1,sport=53,dport=1000),zone=9\n");
  EXPECT_EQ(appctl({"dpctl/dump-conntrack", "zone=8"}).out, "");
  EXPECT_EQ(appctl({"dpctl/flush-conntrack", "zone=9"}).status, 0);
  EXPECT_EQ(appctl({"dpctl/dump-conntrack"}).out, "");
}

TEST_F(AppctlTest, Trace) {
  ControlReply r = appctl({"ofproto/trace", "br0", "in_port=1,dl_dst=ff:ff:ff:ff:ff:ff"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("bridge(\"br0\")"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Datapath actions: "), std::string::npos);
  r = appctl({"ofproto/trace", "br0", "in_port=1", "-bogus"});
  EXPECT_EQ(r.status, 2);
  // --format: text is the default, json the trace tree; anything else is refused.
  EXPECT_EQ(appctl({"ofproto/trace", "--format=text", "br0", "in_port=1"}).out,
            appctl({"ofproto/trace", "br0", "in_port=1"}).out);
  r = appctl({"ofproto/trace", "--format=json", "br0", "in_port=1"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.rfind("{\"bridge\":\"br0\",\"flow\":\"in_port=1,", 0), 0u) << r.out;
  EXPECT_EQ(appctl({"ofproto/trace", "br0", "in_port=1", "--format=json"}).out, r.out);
  r = appctl({"ofproto/trace", "--format=xml", "br0", "in_port=1"});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err,
            "ofproto/trace: unknown format \"xml\" (use text or json)\n"
            "nvs-appctl: neutrino-vswitchd: server returned an error\n");
  r = appctl({"ofproto/trace", "--format=", "br0", "in_port=1"});
  EXPECT_EQ(r.status, 2);
  r = appctl({"ofproto/trace", "--format=json", "br0"});
  EXPECT_EQ(r.err.rfind("Must specify bridge name and flow\n", 0), 0u) << r.err;
}

TEST_F(AppctlTest, VlogAndExit) {
  EXPECT_EQ(appctl({"vlog/set", "ofproto:file:dbg"}).status, 0);
  std::string list = appctl({"vlog/list"}).out;
  EXPECT_EQ(list.rfind("                 console    syslog    file\n", 0), 0u);
  EXPECT_NE(list.find("\nofproto           INFO        ERR        DBG\n"), std::string::npos)
      << list;
  ControlReply r = appctl({"vlog/set", "nosuchmodule:dbg"});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err.rfind("no destination, level, or module \"nosuchmodule\"\n", 0), 0u);
  EXPECT_FALSE(host_.exit_requested());
  EXPECT_EQ(appctl({"exit"}).status, 0);
  EXPECT_TRUE(host_.exit_requested());
}

}  // namespace
}  // namespace nt

namespace nt {
namespace {

// Issue 14's smaller items: each bad input says what is wrong, as Open vSwitch would.
TEST_F(AppctlTest, OddLengthHexSaysSo) {
  ControlReply r = appctl({"netdev-dummy/receive", "p1", "fffffffffff"});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err.rfind("fffffffffff: odd number of hex digits (11)", 0), 0u) << r.err;
  EXPECT_TRUE(port("p2")->sent.empty());
}

TEST_F(AppctlTest, VlogSetAcceptsAnyInAnyCase) {
  EXPECT_EQ(appctl({"vlog/set", "ANY:file:DBG"}).status, 0);
  EXPECT_EQ(appctl({"vlog/set", "any:CONSOLE:warn"}).status, 0);
  std::string list = appctl({"vlog/list"}).out;
  EXPECT_NE(list.find("bridge            WARN        ERR        DBG"), std::string::npos) << list;
}

TEST_F(AppctlTest, DpctlDelFlowsChecksTheDatapathName) {
  ASSERT_EQ(appctl({"netdev-dummy/receive", "p1", kFrame}).status, 0);
  ASSERT_NE(appctl({"dpctl/dump-flows"}).out, "");
  ControlReply r = appctl({"dpctl/del-flows", "system@br0"});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err.rfind("opening datapath (No such device)\n", 0), 0u) << r.err;
  EXPECT_NE(appctl({"dpctl/dump-flows"}).out, "") << "a wrong name flushed the datapath";
  EXPECT_EQ(appctl({"dpctl/del-flows", "netdev@ovs-netdev"}).status, 0);
  EXPECT_EQ(appctl({"dpctl/dump-flows"}).out, "");
}

TEST_F(AppctlTest, BridgeArgumentsAreValidatedNames) {
  ControlReply r = appctl({"fdb/show", "../x"});
  EXPECT_EQ(r.err.rfind("invalid bridge name \"../x\": contains '/'\n", 0), 0u) << r.err;
  r = appctl({"ofproto/trace", std::string("br0\0x", 5), "in_port=1"});
  EXPECT_EQ(r.err.rfind("invalid bridge name \"br0\\x00x\": contains a NUL byte\n", 0), 0u)
      << r.err;
}

// A resubmit explosion (depth well under 64, 2^13 lookups) names the resubmit limit and
// drops the packet: no output is listed for it.
TEST_F(AppctlTest, ResubmitExplosionNamesTheLimitAndDrops) {
  Ofproto* br = sw_.bridge("br0");
  std::vector<FlowOp> ops;
  for (int t = 0; t < 13; ++t) {
    std::string next = std::to_string(t + 1);
    ops.push_back({FlowModCommand::kAdd,
                   *parse_flow("table=" + std::to_string(t) + ",priority=100 actions=resubmit(," +
                                   next + "),resubmit(," + next + ")",
                               FlowTextMode::kAdd)});
  }
  ops.push_back(
      {FlowModCommand::kAdd, *parse_flow("table=13 actions=output:2", FlowTextMode::kAdd)});
  ASSERT_TRUE(sw_.apply_bundle(br->name(), ops).ok());
  ControlReply r = appctl({"ofproto/trace", "br0", "in_port=1"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find(">>>> over 4096 resubmit actions <<<<"), std::string::npos);
  EXPECT_EQ(r.out.find("over max translation depth"), std::string::npos);
  EXPECT_EQ(r.out.substr(r.out.rfind("Datapath actions:")), "Datapath actions: drop\n");
}

}  // namespace
}  // namespace nt
