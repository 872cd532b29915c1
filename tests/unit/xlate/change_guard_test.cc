// The change guard: every public way of changing a bridge is seen by the very next packet,
// with no explicit revalidation — a packet that follows a change never meets a megaflow
// translated before it.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "datapath/dp_port.h"
#include "ofproto/bundle.h"
#include "packet/build.h"
#include "xlate/switch.h"

namespace nt {
namespace {

FlowKey udp_key() {
  FlowKey k;
  k.dl_src = MacAddr::from_u64(0x505400000001);
  k.dl_dst = MacAddr::from_u64(0x505400000002);
  k.dl_type = kEthTypeIp;
  k.nw_src = 0x0a000001;
  k.nw_dst = 0x0a000002;
  k.nw_proto = kIpProtoUdp;
  k.nw_ttl = 64;
  k.tp_src = 5000;
  k.tp_dst = 53;
  return k;
}

// br0 (secure) with p1, p2, p3; each test first makes p1's traffic go to p2 and cached.
class ChangeGuardTest : public ::testing::Test {
 protected:
  ChangeGuardTest() : sw_(clock_) {
    EXPECT_TRUE(sw_.add_bridge("br0", true).ok());
    for (const char* name : {"p1", "p2", "p3"}) {
      PortSpec s;
      s.name = name;
      EXPECT_TRUE(sw_.add_port("br0", s).ok());
    }
    EXPECT_TRUE(
        sw_.flow_mod_text("br0", "priority=5,in_port=1 actions=output:2", FlowModCommand::kAdd)
            .ok());
    EXPECT_EQ(send(), "p2");
    EXPECT_EQ(send(), "p2");
    EXPECT_EQ(sw_.datapath().megaflows().size(), 1u);  // the next packet would hit the cache
  }

  size_t sent(const std::string& port) {
    const OfPort* p = sw_.bridge("br0")->find_port(port);
    if (!p) return 0;
    return dynamic_cast<RecordingPort*>(sw_.datapath().port(p->odp_port))->sent.size();
  }
  // Sends one packet in on p1 (without any revalidation of our own); returns where it went.
  std::string send(uint16_t vlan_tci = 0) {
    std::vector<size_t> before = {sent("p1"), sent("p2"), sent("p3")};
    FlowKey k = udp_key();
    k.vlan_tci = vlan_tci;
    Packet p;
    EXPECT_TRUE(compose_packet(k, p, 10));
    const OfPort* in = sw_.bridge("br0")->find_port("p1");
    std::vector<uint8_t> frame(p.data(), p.data() + p.size());
    sw_.datapath().inject(in->odp_port, frame.data(), frame.size());
    std::string out;
    const char* names[] = {"p1", "p2", "p3"};
    for (int i = 0; i < 3; ++i) {
      if (sent(names[i]) > before[i]) out += (out.empty() ? "" : ",") + std::string(names[i]);
    }
    return out.empty() ? "dropped" : out;
  }
  FlowSpec spec(std::string_view text, FlowModCommand cmd) {
    auto s = parse_flow(text, flow_text_mode(cmd), sw_.bridge("br0"));
    EXPECT_TRUE(s.ok()) << text;
    return s.ok() ? *s : FlowSpec{};
  }

  ManualClock clock_;
  Switch sw_;
};

TEST_F(ChangeGuardTest, FlowMod) {
  ASSERT_TRUE(sw_.flow_mod("br0", spec("in_port=1 actions=output:3", FlowModCommand::kModify),
                           FlowModCommand::kModify)
                  .ok());
  EXPECT_EQ(send(), "p3");
}

TEST_F(ChangeGuardTest, FlowModText) {
  ASSERT_TRUE(sw_.flow_mod_text("br0", "in_port=1", FlowModCommand::kDelete).ok());
  EXPECT_EQ(send(), "dropped");
}

TEST_F(ChangeGuardTest, ApplyBundle) {
  std::vector<FlowOp> ops = {
      {FlowModCommand::kDelete, spec("", FlowModCommand::kDelete)},
      {FlowModCommand::kAdd, spec("priority=9,udp actions=output:3", FlowModCommand::kAdd)}};
  ASSERT_TRUE(sw_.apply_bundle("br0", ops).ok());
  EXPECT_EQ(send(), "p3");
}

TEST_F(ChangeGuardTest, FailedBundleChangesNothingAndStillServesTheOldTable) {
  std::vector<FlowOp> ops = {
      {FlowModCommand::kDelete, spec("", FlowModCommand::kDelete)},
      {FlowModCommand::kAdd, spec("priority=9,udp actions=output:3", FlowModCommand::kAdd)},
      {FlowModCommand::kAdd,
       spec("check_overlap,priority=9,ip actions=drop", FlowModCommand::kAdd)}};
  ASSERT_FALSE(sw_.apply_bundle("br0", ops).ok());
  EXPECT_EQ(send(), "p2");
}

TEST_F(ChangeGuardTest, PortVlan) {
  // NORMAL from an access port of VLAN 5 to p2 (access, VLAN 5) but not to p3 (VLAN 6).
  ASSERT_TRUE(
      sw_.flow_mod_text("br0", "priority=5,in_port=1 actions=NORMAL", FlowModCommand::kAdd).ok());
  PortVlanConfig v5, v6;
  v5.tag = 5;
  v6.tag = 6;
  ASSERT_TRUE(sw_.set_port_vlan("br0", "p1", v5).ok());
  ASSERT_TRUE(sw_.set_port_vlan("br0", "p2", v5).ok());
  ASSERT_TRUE(sw_.set_port_vlan("br0", "p3", v6).ok());
  EXPECT_EQ(send(), "p2");
  ASSERT_TRUE(sw_.set_port_vlan("br0", "p3", v5).ok());
  EXPECT_EQ(send(), "p2,p3");
}

TEST_F(ChangeGuardTest, FlushMacs) {
  ASSERT_TRUE(
      sw_.flow_mod_text("br0", "priority=5,in_port=1 actions=NORMAL", FlowModCommand::kAdd).ok());
  sw_.bridge("br0")->mac_table().learn(0, udp_key().dl_dst, 3, clock_.now_ms());
  sw_.maybe_revalidate();  // (setting up: a learned destination)
  EXPECT_EQ(send(), "p3");
  ASSERT_TRUE(sw_.flush_macs("br0").ok());
  EXPECT_EQ(send(), "p2,p3");  // unknown again: flooded
  EXPECT_FALSE(sw_.flush_macs("nope").ok());
}

TEST_F(ChangeGuardTest, AddAndDeletePort) {
  ASSERT_TRUE(
      sw_.flow_mod_text("br0", "priority=5,in_port=1 actions=ALL", FlowModCommand::kAdd).ok());
  EXPECT_EQ(send(), "p2,p3");
  ASSERT_TRUE(sw_.del_port("br0", "p3").ok());
  EXPECT_EQ(send(), "p2");
  PortSpec s;
  s.name = "p3";
  ASSERT_TRUE(sw_.add_port("br0", s).ok());
  EXPECT_EQ(send(), "p2,p3");
}

TEST_F(ChangeGuardTest, GuardAroundDirectEdits) {
  {
    auto change = sw_.change();
    Ofproto* br = sw_.bridge("br0");
    ASSERT_TRUE(
        br->flow_mod(spec("in_port=1", FlowModCommand::kDelete), FlowModCommand::kDelete).ok());
    {
      auto inner = sw_.change();  // nested: only the outermost revalidates
      ASSERT_TRUE(br->flow_mod(spec("priority=7,in_port=1 actions=output:3", FlowModCommand::kAdd),
                               FlowModCommand::kAdd)
                      .ok());
    }
  }
  EXPECT_EQ(send(), "p3");
}

}  // namespace
}  // namespace nt
