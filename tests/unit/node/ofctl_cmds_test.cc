// nvs-ofctl command handlers over a Switch with in-memory ports (no daemon, no sockets).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/clock.h"
#include "common/strings.h"
#include "datapath/dp_port.h"
#include "node/commands.h"
#include "ofproto/bundle.h"

namespace nt {
namespace {

class OfctlTest : public ::testing::Test {
 protected:
  OfctlTest() : sw_(clock_), host_(sw_) {
    EXPECT_TRUE(sw_.add_bridge("br0").ok());
    for (const char* name : {"p1", "p2"}) {
      PortSpec spec;
      spec.name = name;
      EXPECT_TRUE(sw_.add_port("br0", spec).ok());
    }
  }

  ControlReply ofctl(const std::vector<std::string>& argv, const std::string& input = "") {
    return ofctl_execute(host_, argv, input);
  }
  std::string dump(std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {"--no-stats", "dump-flows", "br0"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    ControlReply r = ofctl(argv);
    EXPECT_EQ(r.status, 0) << r.err;
    return r.out;
  }

  RecordingPort& rec(const std::string& port) {
    return *dynamic_cast<RecordingPort*>(
        sw_.datapath().port(sw_.bridge("br0")->find_port(port)->odp_port));
  }

  ManualClock clock_;
  Switch sw_;
  CommandHost host_;
};

TEST_F(OfctlTest, AddModDelFlows) {
  EXPECT_EQ(dump(), " priority=0 actions=NORMAL\n");
  EXPECT_EQ(ofctl({"add-flow", "br0", "priority=5,in_port=1 actions=output:2"}).status, 0);
  EXPECT_EQ(ofctl({"mod-flows", "br0", "in_port=1 actions=drop"}).status, 0);
  EXPECT_EQ(dump(),
            " priority=5,in_port=1 actions=drop\n"
            " priority=0 actions=NORMAL\n");
  // --strict needs the exact priority: nothing is deleted without it.
  EXPECT_EQ(ofctl({"--strict", "del-flows", "br0", "in_port=1"}).status, 0);
  EXPECT_NE(dump().find("in_port=1"), std::string::npos);
  EXPECT_EQ(ofctl({"del-flows", "br0", "--strict", "priority=5,in_port=1"}).status, 0);
  EXPECT_EQ(dump().find("in_port=1"), std::string::npos);
  EXPECT_EQ(ofctl({"del-flows", "br0"}).status, 0);
  EXPECT_EQ(dump(), "");  // --no-stats: no reply header, as ovs-ofctl
}

TEST_F(OfctlTest, AddFlowsIsAllOrNothing) {
  ControlReply r = ofctl({"add-flows", "br0", "f.txt"},
                         "table=1,priority=2 actions=drop\n"
                         "table=1,priority=3,tp_dst=80 actions=drop\n");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err.rfind("nvs-ofctl: f.txt:2: tp_dst", 0), 0u) << r.err;
  EXPECT_EQ(dump(), " priority=0 actions=NORMAL\n");
  // check_overlap fails at apply time: the first flow is taken back too.
  r = ofctl({"add-flows", "br0", "-"},
            "table=2,priority=7,ip actions=drop\n"
            "table=2,priority=7,ip,nw_src=1.2.3.4 check_overlap actions=drop\n");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(dump(), " priority=0 actions=NORMAL\n");
  // Comments, continuation lines and per-line commands.
  r = ofctl({"add-flows", "br0", "-"},
            "# comment\n table=3,priority=1 \\\n actions=drop  # trailing\n"
            "delete table=0\n");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(dump(), " table=3, priority=1 actions=drop\n");
}

TEST_F(OfctlTest, ReplaceFlowsKeepsUnchangedFlowsAndTheirCounters) {
  ASSERT_EQ(ofctl({"add-flow", "br0", "priority=5,in_port=1 actions=output:2"}).status, 0);
  RulePtr kept = sw_.bridge("br0")->select(FlowSpec{}, false).front();
  kept->n_packets = 42;
  ControlReply r = ofctl({"replace-flows", "br0", "f"},
                         "priority=5,in_port=1 actions=output:2\n"
                         "priority=6,in_port=2 actions=output:1\n");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(dump(),
            " priority=6,in_port=2 actions=output:1\n"
            " priority=5,in_port=1 actions=output:2\n");
  EXPECT_EQ(sw_.bridge("br0")->select(FlowSpec{}, false).back()->n_packets, 42u);
}

// ovs-ofctl 3.1 --bundle (recorded against Open vSwitch 3.1.0 with a dummy datapath): a bundle
// the switch refuses changes nothing and is reported as the failed flow_mod plus the refused
// commit, with OpenFlow 1.4 (or the higher version asked for) and ovs-ofctl's xids.
TEST_F(OfctlTest, BundleRefusedReportsLikeOvsAndChangesNothing) {
  const std::string before = dump();
  const std::string file =
      "table=4,actions=drop\n"
      "check_overlap,table=4,priority=32768,ip,actions=drop\n"
      "table=5,actions=drop\n";
  ControlReply r = ofctl({"--bundle", "add-flows", "br0", "f9"}, file);
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err,
            "Error OFPFMFC_OVERLAP for: OFPT_FLOW_MOD (OF1.4) (xid=0x7): ADD table:4 ip "
            "check_overlap actions=drop\n"
            "Error OFPBFC_MSG_FAILED for: OFPT_BUNDLE_CONTROL (OF1.4) (xid=0xb):\n"
            " bundle_id=0 type=COMMIT_REQUEST flags=atomic ordered\n"
            "nvs-ofctl: talking to unix:" +
                host_.rundir() + "/br0.mgmt (Protocol error)\n");
  EXPECT_EQ(dump(), before);
  ASSERT_EQ(ofctl({"add-flow", "br0", "table=3,priority=9 actions=drop"}).status, 0);
  r = ofctl({"-O", "OpenFlow15", "--bundle", "add-flow", "br0",
             "check_overlap,table=3,cookie=0x5,priority=9,in_port=1,idle_timeout=5,"
             "hard_timeout=7,importance=3,send_flow_rem,actions=output:2"});
  EXPECT_EQ(r.err.substr(0, r.err.find('\n') + 1),
            "Error OFPFMFC_OVERLAP for: OFPT_FLOW_MOD (OF1.5) (xid=0x6): ADD table:3 "
            "priority=9,in_port=1 cookie:0x5 idle:5 hard:7 importance:3 send_flow_rem "
            "check_overlap actions=output:2\n");
  EXPECT_NE(r.err.find("(OF1.5) (xid=0x9):\n"), std::string::npos) << r.err;
  // Errors ovs-ofctl finds before sending anything read as without --bundle.
  r = ofctl({"--bundle", "add-flow", "br0", "priority=5,in_port=1,actions=frob"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err.rfind("nvs-ofctl: ", 0), 0u) << r.err;
}

// --bundle speaks OpenFlow 1.4: dump-flows replies as OF1.4, and a modify neither adds a flow
// that is not there nor takes the cookie it names (both are OpenFlow 1.0 behaviours).
TEST_F(OfctlTest, BundleIsOpenFlow14) {
  EXPECT_EQ(ofctl({"--bundle", "--no-stats", "dump-flows", "br0"}).out,
            " priority=0 actions=NORMAL\n");
  ASSERT_EQ(ofctl({"--bundle", "mod-flows", "br0", "priority=3,in_port=1,actions=drop"}).status, 0);
  ASSERT_EQ(
      ofctl({"-O", "OpenFlow13", "mod-flows", "br0", "priority=4,in_port=1,actions=drop"}).status,
      0);
  EXPECT_EQ(dump(), " priority=0 actions=NORMAL\n");
  ASSERT_EQ(
      ofctl({"--bundle", "add-flow", "br0", "cookie=0x7,priority=3,in_port=1,actions=drop"}).status,
      0);
  ASSERT_EQ(ofctl({"--bundle", "mod-flows", "br0", "cookie=0x9,in_port=1,actions=output:2"}).status,
            0);
  EXPECT_EQ(dump(),
            " cookie=0x7, priority=3,in_port=1 actions=output:2\n"
            " priority=0 actions=NORMAL\n");
}

// add-flow, mod-flows and del-flows read a flow file from stdin for "-" (each line the
// command's own flow_mod, no keywords), with or without --bundle.
TEST_F(OfctlTest, OneFlowCommandsReadStdinForDash) {
  ASSERT_EQ(ofctl({"add-flow", "br0", "-"},
                  "priority=5,in_port=1 actions=output:2\n"
                  "priority=6,in_port=2 actions=output:1\n")
                .status,
            0);
  ASSERT_EQ(ofctl({"--bundle", "mod-flows", "br0", "-"}, "in_port=2 actions=drop\n").status, 0);
  EXPECT_EQ(dump(),
            " priority=6,in_port=2 actions=drop\n"
            " priority=5,in_port=1 actions=output:2\n priority=0 actions=NORMAL\n");
  ControlReply r = ofctl({"--bundle", "--strict", "del-flows", "br0", "-"},
                         "priority=6,in_port=2\npriority=0\n");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(dump(), " priority=5,in_port=1 actions=output:2\n");
  r = ofctl({"mod-flows", "br0", "-"}, "priority=5\n");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err.rfind("nvs-ofctl: -:1: ", 0), 0u) << r.err;
}

// Every flow command is seen by the very next packet: the executors change the bridge through
// the switch's change guard, which revalidates the cached megaflows.
TEST_F(OfctlTest, EveryFlowCommandIsSeenByTheNextPacket) {
  PortSpec p3;
  p3.name = "p3";
  ASSERT_TRUE(sw_.add_port("br0", p3).ok());
  auto send = [&] {
    std::vector<size_t> before;
    for (const char* name : {"p2", "p3"}) before.push_back(rec(name).sent.size());
    // An ARP request from p1 (no NORMAL learning matters: the flows decide).
    auto frame = *parse_hex_bytes(
        "fffffffffffffa163e53eab50806000108000604000"
        "1fa163e53eab50a0000020000000000000a000003");
    sw_.datapath().inject(sw_.bridge("br0")->find_port("p1")->odp_port, frame.data(), frame.size());
    std::string out;
    if (rec("p2").sent.size() > before[0]) out += "p2";
    if (rec("p3").sent.size() > before[1]) out += "p3";
    return out.empty() ? std::string("dropped") : out;
  };
  auto step = [&](std::vector<std::string> argv, const std::string& input, const char* want) {
    ControlReply r = ofctl(argv, input);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(send(), want) << argv[0] << " " << argv[1];
    EXPECT_EQ(send(), want) << argv[0] << " " << argv[1] << " (cached)";
  };
  step({"add-flow", "br0", "priority=5,in_port=1 actions=output:2"}, "", "p2");
  step({"mod-flows", "br0", "in_port=1 actions=output:3"}, "", "p3");
  step({"add-flows", "br0", "-"}, "priority=6,arp actions=output:2\n", "p2");
  step({"--strict", "del-flows", "br0", "priority=6,arp"}, "", "p3");
  step({"replace-flows", "br0", "-"}, "priority=7,in_port=1 actions=output:2,output:3\n", "p2p3");
  step({"--bundle", "replace-flows", "br0", "-"}, "priority=7,in_port=1 actions=output:2\n", "p2");
  step({"--bundle", "add-flow", "br0", "priority=8,arp actions=output:3"}, "", "p3");
  step({"del-flows", "br0"}, "", "dropped");
}

TEST_F(OfctlTest, DumpFlowsOpenFlow13HasNoAges) {
  ControlReply r = ofctl({"-O", "OpenFlow13", "dump-flows", "br0"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out,
            "OFPST_FLOW reply (OF1.3) (xid=0x2):\n"
            " cookie=0x0, duration=0s, table=0, n_packets=0, n_bytes=0, priority=0 "
            "actions=NORMAL\n");
  r = ofctl({"dump-flows", "br0", "table=0"});
  EXPECT_NE(r.out.find("idle_age=0, priority=0 actions=NORMAL"), std::string::npos) << r.out;
  r = ofctl({"--protocols=OpenFlow99", "dump-flows", "br0"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "nvs-ofctl: OpenFlow99: unknown OpenFlow version\n");
}

TEST_F(OfctlTest, UsageErrors) {
  ControlReply r = ofctl({"add-flow", "br0"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "nvs-ofctl: 'add-flow' command requires at least 2 arguments\n");
  r = ofctl({"frob", "br0"});
  EXPECT_EQ(r.err, "nvs-ofctl: unknown command 'frob'; use --help for help\n");
  r = ofctl({"--bogus", "show", "br0"});
  EXPECT_EQ(r.err, "nvs-ofctl: unrecognized option '--bogus'\n");
  r = ofctl({"show", "br9"});
  EXPECT_EQ(r.err, "nvs-ofctl: br9 is not a bridge or a socket\n");
}

TEST_F(OfctlTest, ShowAndDumpPorts) {
  ControlReply r = ofctl({"show", "br0"});
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string& s = r.out;
  EXPECT_EQ(s.rfind("OFPT_FEATURES_REPLY (xid=0x2): dpid:0000", 0), 0u) << s;
  EXPECT_NE(s.find("\nn_tables:254, n_buffers:0\n"), std::string::npos);
  EXPECT_NE(s.find("\n 1(p1): addr:"), std::string::npos);
  EXPECT_NE(s.find("\n 2(p2): addr:"), std::string::npos);
  EXPECT_LT(s.find(" 2(p2)"), s.find(" LOCAL(br0): addr:"));
  EXPECT_NE(s.find("     config:     0\n     state:      0\n     speed: 0 Mbps now, 0 Mbps max\n"),
            std::string::npos);
  EXPECT_NE(s.find("\nOFPT_GET_CONFIG_REPLY (xid=0x4): frags=normal miss_send_len=0\n"),
            std::string::npos);

  r = ofctl({"dump-ports", "br0", "2"});
  EXPECT_EQ(r.out,
            "OFPST_PORT reply (xid=0x2): 1 ports\n"
            "  port  2: rx pkts=0, bytes=0, drop=0, errs=0, frame=0, over=0, crc=0\n"
            "           tx pkts=0, bytes=0, drop=0, errs=0, coll=0\n");
  r = ofctl({"dump-tables", "br0"});
  EXPECT_EQ(r.out.rfind("OFPST_TABLE reply (xid=0x2):\n\n  table 0:\n    active=1,", 0), 0u)
      << r.out;
  EXPECT_NE(r.out.find("\n  tables 2...253: ditto\n"), std::string::npos) << r.out;
}

TEST(OfctlLocal, ParseFlowPrintsTheFlowMod) {
  ControlReply r =
      ofctl_execute_local({"parse-flow", "table=2,priority=5,tun_id=0x64 actions=drop"}, "");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out,
            "usable protocols: NXM,OXM\nchosen protocol: NXM-table_id\n"
            "NXT_FLOW_MOD (xid=0x1): ADD table:2 priority=5,tun_id=0x64 actions=drop\n");
  r = ofctl_execute_local({"parse-flow", "in_port=1,nw_dst=1.2.3.4"}, "");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err.rfind("nvs-ofctl: ", 0), 0u);
  EXPECT_TRUE(ofctl_is_local_command({"-O", "OpenFlow13", "parse-flows", "f"}));
  EXPECT_FALSE(ofctl_is_local_command({"dump-flows", "br0"}));
  EXPECT_EQ(ofctl_positional_args({"-O", "OpenFlow13", "add-flows", "--strict", "br0", "f"}),
            (std::vector<std::string>{"add-flows", "br0", "f"}));
}

TEST(FlowStore, LearnedFlowsAreNotPersisted) {
  ManualClock clock;
  Ofproto br("br0", clock);
  auto cfg =
      parse_flow("table=1,priority=3,ip,nw_src=10.0.0.0/8 actions=output:2", FlowTextMode::kAdd);
  ASSERT_TRUE(cfg.ok());
  ASSERT_TRUE(br.flow_mod(*cfg, FlowModCommand::kAdd).ok());
  auto learned = parse_flow("table=20,priority=1,dl_vlan=1 actions=drop", FlowTextMode::kAdd);
  br.learn(*learned);
  std::string text = format_configured_flows(br);
  EXPECT_EQ(text, "table=1,priority=3,ip,nw_src=10.0.0.0/8 actions=output:2\n");

  Ofproto copy("br0", clock);
  ASSERT_TRUE(restore_flows(copy, text).ok());
  EXPECT_EQ(copy.dump_flows(nullptr, {true, false}), br.dump_flows(&*cfg, {true, false}));
  EXPECT_FALSE(restore_flows(copy, "priority=1 actions=frob\n").ok());
  EXPECT_EQ(copy.n_rules(), 1u);  // a bad file leaves the table alone
}

}  // namespace
}  // namespace nt

namespace nt {
namespace {

// ovs-ofctl refuses an action list whose Open vSwitch form exceeds 64 KiB: 4095 outputs are
// accepted, 4096 are not (checked against ovs-ofctl 3.1's parse-flow), 10,000 certainly not.
TEST_F(OfctlTest, ActionListSizeIsLimitedAsOvs) {
  auto outputs = [](int n) {
    std::string s = "in_port=1 actions=";
    for (int i = 0; i < n; ++i) s += (i ? ",output:" : "output:") + std::to_string(i % 100 + 1);
    return s;
  };
  EXPECT_EQ(ofctl({"add-flow", "br0", outputs(4095)}).status, 0);
  for (int n : {4096, 10000}) {
    ControlReply r = ofctl({"add-flow", "br0", outputs(n)});
    EXPECT_EQ(r.status, 1) << n;
    EXPECT_EQ(r.err, "nvs-ofctl: input too big\n") << n;
  }
}

TEST_F(OfctlTest, NulInsideFlowTextIsRefused) {
  ControlReply r = ofctl({"add-flow", "br0", std::string("in_port=1\0,actions=drop", 23)});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("flow text contains a NUL byte"), std::string::npos) << r.err;
  r = ofctl({"add-flows", "br0", "-"}, std::string("priority=9 actions=drop\0output:2\n", 33));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("NUL byte"), std::string::npos) << r.err;
  EXPECT_EQ(dump(), " priority=0 actions=NORMAL\n");
}

}  // namespace
}  // namespace nt
