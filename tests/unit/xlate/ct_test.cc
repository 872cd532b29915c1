// ct() through nt::Switch: the datapath runs the connection tracker, recirculates, and the
// second pass sees ct_state — a stateful firewall (replies pass, new connections from the
// outside do not), SNAT un-NATed on the way back, ct_clear, and the recirculation limit.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "datapath/dp_port.h"
#include "packet/build.h"
#include "packet/parse.h"
#include "xlate/switch.h"

namespace nt {
namespace {

constexpr uint32_t ip4(int a, int b, int c, int d) {
  return uint32_t(a) << 24 | uint32_t(b) << 16 | uint32_t(c) << 8 | uint32_t(d);
}

FlowKey udp(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport) {
  FlowKey k;
  k.dl_src = MacAddr::from_u64(0x505400000001);
  k.dl_dst = MacAddr::from_u64(0x505400000002);
  k.dl_type = kEthTypeIp;
  k.nw_src = src;
  k.nw_dst = dst;
  k.nw_proto = kIpProtoUdp;
  k.nw_ttl = 64;
  k.tp_src = sport;
  k.tp_dst = dport;
  return k;
}

// br0 (secure) with dummy ports p1 (inside) and p2 (outside).
class CtTest : public ::testing::Test {
 protected:
  CtTest() : sw_(clock_) {
    EXPECT_TRUE(sw_.add_bridge("br0", true).ok());
    for (const char* p : {"p1", "p2"}) {
      PortSpec s;
      s.name = p;
      EXPECT_TRUE(sw_.add_port("br0", s).ok());
    }
  }
  void flows(std::initializer_list<const char*> fs) {
    for (const char* f : fs) {
      Status st = sw_.flow_mod_text("br0", f, FlowModCommand::kAdd);
      ASSERT_TRUE(st.ok()) << f << ": " << st.error().message;
    }
  }
  RecordingPort& rec(const std::string& port) {
    const OfPort* p = sw_.bridge("br0")->find_port(port);
    return *dynamic_cast<RecordingPort*>(sw_.datapath().port(p->odp_port));
  }
  void inject(const std::string& port, const FlowKey& k) {
    Packet p;
    ASSERT_TRUE(compose_packet(k, p, 10));
    ASSERT_TRUE(sw_.receive("br0", port, p.data(), p.size()).ok());
  }
  FlowKey last_sent(const std::string& port) {
    FlowKey k;
    EXPECT_FALSE(rec(port).sent.empty());
    if (rec(port).sent.empty()) return k;
    const auto& f = rec(port).sent.back();
    EXPECT_EQ(flow_extract(f.data(), f.size(), k), ParseError::kOk);
    return k;
  }
  uint64_t drops(DpDrop d) { return sw_.datapath().stats().drops[static_cast<size_t>(d)]; }

  ManualClock clock_{1'000'000};
  Switch sw_;
};

// The firewall of the benchmark: untracked IP goes through ct(table=1); new from the
// inside is committed and forwarded; established passes both ways; new from outside is dropped.
TEST_F(CtTest, StatefulFirewallLetsRepliesInAndNothingElse) {
  flows({"table=0,priority=100,ip,ct_state=-trk,actions=ct(table=1,zone=5)",
         "table=1,priority=100,ip,in_port=p1,ct_state=+trk+new,actions=ct(commit,zone=5),output:p2",
         "table=1,priority=100,ip,ct_state=+trk+est,in_port=p1,actions=output:p2",
         "table=1,priority=100,ip,ct_state=+trk+est,in_port=p2,actions=output:p1",
         "table=1,priority=1,actions=drop"});
  FlowKey out = udp(ip4(10, 0, 0, 1), 5000, ip4(10, 0, 0, 2), 53);
  FlowKey back = udp(ip4(10, 0, 0, 2), 53, ip4(10, 0, 0, 1), 5000);
  FlowKey stranger = udp(ip4(10, 0, 0, 2), 999, ip4(10, 0, 0, 1), 7);

  inject("p2", stranger);  // nobody asked for it
  EXPECT_EQ(rec("p1").sent.size(), 0u);
  inject("p1", out);
  ASSERT_EQ(rec("p2").sent.size(), 1u);
  inject("p2", back);
  EXPECT_EQ(rec("p1").sent.size(), 1u);
  inject("p2", stranger);
  EXPECT_EQ(rec("p1").sent.size(), 1u);
  for (int i = 0; i < 3; ++i) inject("p1", out);  // cached passes, est now
  EXPECT_EQ(rec("p2").sent.size(), 4u);

  EXPECT_EQ(sw_.datapath().conntrack().dump(5),
            "udp,orig=(src=10.0.0.1,dst=10.0.0.2,sport=5000,dport=53),"
            "reply=(src=10.0.0.2,dst=10.0.0.1,sport=53,dport=5000),zone=5\n");
  // Only the inside's packet was committed: the stranger left no connection.
  EXPECT_EQ(sw_.datapath().conntrack().count(), 1u);
  // First passes carry recirc_id 0 and end in ct(zone=5),recirc(ID); second passes match
  // their recirc id and the ct_state they saw.
  std::string dump = sw_.format_dpctl_dump_flows();
  EXPECT_NE(dump.find("),ct_state=-trk,ip,"), std::string::npos) << dump;
  EXPECT_NE(dump.find("recirc_id=0x1,ct_state="), std::string::npos) << dump;
  EXPECT_NE(dump.find("actions:ct(zone=5),recirc(0x"), std::string::npos) << dump;
  EXPECT_NE(dump.find("ct_state=-new+est+trk,ip,"), std::string::npos) << dump;
  EXPECT_NE(dump.find("ct(commit,zone=5),"), std::string::npos) << dump;
}

// SNAT on commit; the reply's ct(nat) un-NATs it before table 1 sees it.
TEST_F(CtTest, SnatRewritesTheSourceAndTheReplyIsUnNated) {
  flows({"table=0,priority=100,ip,ct_state=-trk,actions=ct(table=1,zone=7,nat)",
         "table=1,priority=100,ip,in_port=p1,ct_state=+trk+new,"
         "actions=ct(commit,zone=7,nat(src=192.0.2.10)),output:p2",
         "table=1,priority=100,ip,ct_state=+trk+est,in_port=p1,actions=output:p2",
         "table=1,priority=100,ip,ct_state=+trk+est,in_port=p2,actions=output:p1"});
  inject("p1", udp(ip4(10, 0, 0, 1), 5000, ip4(198, 51, 100, 7), 53));
  FlowKey sent = last_sent("p2");
  EXPECT_EQ(sent.nw_src, ip4(192, 0, 2, 10));
  EXPECT_EQ(sent.nw_dst, ip4(198, 51, 100, 7));
  inject("p2", udp(ip4(198, 51, 100, 7), 53, sent.nw_src, sent.tp_src));
  FlowKey got = last_sent("p1");
  EXPECT_EQ(got.nw_src, ip4(198, 51, 100, 7));
  EXPECT_EQ(got.nw_dst, ip4(10, 0, 0, 1));
  EXPECT_EQ(got.tp_dst, 5000);
  EXPECT_NE(sw_.datapath().conntrack().dump(7).find("reply=(src=198.51.100.7,dst=192.0.2.10"),
            std::string::npos)
      << sw_.datapath().conntrack().dump(7);
}

// ct_state matches see what the tracker said; a flow that recirculates forever is cut off at
// OVS's depth limit and counted.
TEST_F(CtTest, EndlessRecirculationIsDroppedAndCounted) {
  flows({"table=0,priority=100,ip,actions=ct_clear,ct(table=0)"});
  inject("p1", udp(ip4(10, 0, 0, 1), 1, ip4(10, 0, 0, 2), 2));
  EXPECT_EQ(rec("p2").sent.size(), 0u);
  EXPECT_EQ(drops(DpDrop::kRecircDepth), 1u);
}

// A ct() with more actions after it: the clone recirculates, the packet goes on (untracked).
TEST_F(CtTest, CtWithTableForksAClone) {
  flows({"table=0,priority=100,ip,ct_state=-trk,actions=ct(table=1),output:p2",
         "table=1,priority=100,ip,ct_state=+trk+new,actions=output:p2"});
  inject("p1", udp(ip4(10, 0, 0, 1), 1, ip4(10, 0, 0, 2), 2));
  EXPECT_EQ(rec("p2").sent.size(), 2u);
}

// Committing beyond ct-set-maxconns fails closed: the packet is dropped and counted.
TEST_F(CtTest, ConnectionLimitFailsClosed) {
  sw_.datapath().conntrack().set_max_conns(1);
  flows({"table=0,priority=100,ip,actions=ct(commit),output:p2"});
  inject("p1", udp(ip4(10, 0, 0, 1), 1, ip4(10, 0, 0, 2), 2));
  inject("p1", udp(ip4(10, 0, 0, 1), 3, ip4(10, 0, 0, 2), 4));
  EXPECT_EQ(rec("p2").sent.size(), 1u);
  EXPECT_EQ(drops(DpDrop::kConntrackFull), 1u);
  EXPECT_NE(sw_.datapath().format_coverage().find("drop_conntrack_full"), std::string::npos);
}

}  // namespace
}  // namespace nt
