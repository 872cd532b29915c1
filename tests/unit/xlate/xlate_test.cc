// Translation through nt::Switch with dummy ports: what ofproto/trace says, what the datapath
// caches (megaflow match and actions), and what really leaves the ports.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "datapath/dp_port.h"
#include "packet/build.h"
#include "packet/parse.h"
#include "xlate/switch.h"

namespace nt {
namespace {

MacAddr mac(uint64_t v) { return MacAddr::from_u64(v); }
const MacAddr kMacA = mac(0x505400000001);
const MacAddr kMacB = mac(0x505400000002);
const MacAddr kAllOnes = mac(0xffffffffffff);

constexpr uint32_t ip4(int a, int b, int c, int d) {
  return uint32_t(a) << 24 | uint32_t(b) << 16 | uint32_t(c) << 8 | uint32_t(d);
}

FlowKey udp_key(uint16_t vlan_tci = 0, uint16_t vlan_tci2 = 0) {
  FlowKey k;
  k.dl_src = kMacA;
  k.dl_dst = kMacB;
  k.vlan_tci = vlan_tci;
  k.vlan_tci2 = vlan_tci2;
  k.dl_type = kEthTypeIp;
  k.nw_src = ip4(10, 0, 0, 1);
  k.nw_dst = ip4(10, 0, 0, 2);
  k.nw_proto = kIpProtoUdp;
  k.nw_ttl = 64;
  k.tp_src = 5000;
  k.tp_dst = 53;
  return k;
}

FlowKey key_of(const std::vector<uint8_t>& f) {
  FlowKey k;
  EXPECT_EQ(flow_extract(f.data(), f.size(), k), ParseError::kOk);
  return k;
}

// One node: bridge br0 (secure: no NORMAL flow) with dummy ports p1, p2, p3 (OpenFlow ports
// 1, 2, 3) and its LOCAL port.
class XlateTest : public ::testing::Test {
 protected:
  XlateTest() : sw_(clock_) {
    EXPECT_TRUE(sw_.add_bridge("br0", true).ok());
    for (const char* p : {"p1", "p2", "p3"}) add_port("br0", p);
    sw_.datapath().set_packet_in_handler([this](const Packet& p, uint32_t reason) {
      packet_ins_.push_back({std::vector<uint8_t>(p.data(), p.data() + p.size()), reason});
    });
  }

  void add_port(const std::string& br, const std::string& name, const std::string& peer = "") {
    PortSpec s;
    s.name = name;
    if (!peer.empty()) {
      s.type = PortType::kPatch;
      s.options = {{"peer", peer}};
    }
    auto r = sw_.add_port(br, s);
    ASSERT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  }
  void flows(const std::string& br, std::initializer_list<const char*> fs) {
    for (const char* f : fs) {
      Status st = sw_.flow_mod_text(br, f, FlowModCommand::kAdd);
      ASSERT_TRUE(st.ok()) << f << ": " << st.error().message;
    }
  }
  uint32_t odp(const std::string& br, const std::string& port) {
    const OfPort* p = sw_.bridge(br)->find_port(port);
    EXPECT_NE(p, nullptr) << port;
    return p ? p->odp_port : 0;
  }
  std::string odp_str(const std::string& br, const std::string& port) {
    return std::to_string(odp(br, port));
  }
  RecordingPort& rec(const std::string& br, const std::string& port) {
    return *dynamic_cast<RecordingPort*>(sw_.datapath().port(odp(br, port)));
  }
  std::string trace(const std::string& br, const std::string& flow) {
    auto t = sw_.trace(br, flow);
    EXPECT_TRUE(t.ok()) << flow << ": " << (t.ok() ? "" : t.error().message);
    return t.ok() ? *t : "";
  }
  // The text after "<label>: " on the trace's line starting with it.
  static std::string line(const std::string& trace, const std::string& label) {
    size_t at = trace.find("\n" + label + ": ");
    if (at == std::string::npos) return "<no " + label + " line>";
    at += label.size() + 3;
    return trace.substr(at, trace.find('\n', at) - at);
  }
  std::string actions(const std::string& br, const std::string& flow) {
    return line(trace(br, flow), "Datapath actions");
  }
  void inject(const std::string& br, const std::string& port, const FlowKey& k) {
    Packet p;
    ASSERT_TRUE(compose_packet(k, p, 10));
    ASSERT_TRUE(sw_.receive(br, port, p.data(), p.size()).ok());
  }
  std::vector<Megaflow*> megaflows() {
    std::vector<Megaflow*> v;
    sw_.datapath().megaflows().for_each([&](Megaflow* m) { v.push_back(m); });
    return v;
  }
  Megaflow* only_megaflow() {
    auto v = megaflows();
    EXPECT_EQ(v.size(), 1u);
    return v.empty() ? nullptr : v[0];
  }

  ManualClock clock_{1'000'000};
  Switch sw_;
  std::vector<std::pair<std::vector<uint8_t>, uint32_t>> packet_ins_;
};

// ---- revalidation after MAC learning --------------------------------------------------------

// Learning, moving or forgetting one address re-translates exactly the megaflows whose NORMAL
// asked about it: the flood towards B becomes a unicast once B is learned, follows B when it
// moves and floods again when B is forgotten; the flood towards an unrelated address is left
// alone each time. A flow change still re-translates everything.
TEST_F(XlateTest, MacChangesRevalidateOnlyTheMegaflowsThatLookedThemUp) {
  flows("br0", {"actions=NORMAL"});
  const MacAddr kMacC = mac(0x505400000003), kMacD = mac(0x505400000004);
  FlowKey a_to_b = udp_key();
  FlowKey c_to_d = udp_key();
  c_to_d.dl_src = kMacC;
  c_to_d.dl_dst = kMacD;
  FlowKey b_to_a = udp_key();
  std::swap(b_to_a.dl_src, b_to_a.dl_dst);
  const DpStats& st = sw_.datapath().stats();
  auto sent = [&](const std::string& port) { return rec("br0", port).sent.size(); };

  inject("br0", "p3", c_to_d);  // learns C on p3; D unknown: floods
  inject("br0", "p1", a_to_b);  // learns A on p1 (C->D never asked about A); B unknown: floods
  EXPECT_EQ(sent("p2"), 2u);
  EXPECT_EQ(sent("p3"), 1u);
  uint64_t before = st.revalidated;
  inject("br0", "p2", b_to_a);  // learns B on p2: only the A->B flood asked about B
  EXPECT_EQ(st.revalidated, before + 1);
  EXPECT_EQ(sent("p1"), 2u);  // the C->D flood and B->A, unicast to the learned A
  inject("br0", "p1", a_to_b);
  EXPECT_EQ(sent("p2"), 3u);
  EXPECT_EQ(sent("p3"), 1u) << "A->B must now be unicast to p2";

  // B moves to p3: A->B follows it.
  before = st.revalidated;
  inject("br0", "p3", b_to_a);
  EXPECT_GE(st.revalidated, before + 1);
  inject("br0", "p1", a_to_b);
  EXPECT_EQ(sent("p2"), 3u);
  EXPECT_EQ(sent("p3"), 2u);

  // B ages out: A->B floods again. C->D (a flood too) is not asked again.
  clock_.advance_ms(301'000);
  sw_.bridge("br0")->mac_table().learn(0, kMacC, 3, clock_.now_ms());  // keep C alive
  before = st.revalidated;
  sw_.run();
  uint64_t after_aging = st.revalidated - before;
  EXPECT_GE(after_aging, 1u);
  EXPECT_LT(after_aging, megaflows().size()) << "aging B should not re-translate everything";
  inject("br0", "p1", a_to_b);
  EXPECT_EQ(sent("p2"), 4u);
  EXPECT_EQ(sent("p3"), 3u);

  // A flow change: every megaflow is translated again.
  size_t n = megaflows().size();
  before = st.revalidated;
  flows("br0", {"priority=5,arp actions=drop"});
  EXPECT_EQ(st.revalidated, before + n);
}

// ---- committing VLAN changes ----------------------------------------------------------------

TEST_F(XlateTest, ModVlanVidPushesOnUntaggedAndReplacesOnTagged) {
  flows("br0", {"in_port=1 actions=mod_vlan_vid:10,output:2"});
  const std::string p2 = odp_str("br0", "p2");
  EXPECT_EQ(actions("br0", "in_port=1"), "push_vlan(vid=10,pcp=0)," + p2);
  // The tag's PCP is kept.
  EXPECT_EQ(actions("br0", "in_port=1,dl_vlan=5,dl_vlan_pcp=3"),
            "pop_vlan,push_vlan(vid=10,pcp=3)," + p2);
  EXPECT_EQ(actions("br0", "in_port=1,dl_vlan=10"), p2);

  inject("br0", "p1", udp_key(kVlanCfi | 5));
  ASSERT_EQ(rec("br0", "p2").sent.size(), 1u);
  EXPECT_EQ(key_of(rec("br0", "p2").sent[0]), udp_key(kVlanCfi | 10));
}

TEST_F(XlateTest, StripVlanPopsOnlyWhenThereIsATag) {
  flows("br0", {"in_port=1 actions=strip_vlan,output:2"});
  const std::string p2 = odp_str("br0", "p2");
  EXPECT_EQ(actions("br0", "in_port=1,dl_vlan=5"), "pop_vlan," + p2);
  EXPECT_EQ(actions("br0", "in_port=1"), p2);
  inject("br0", "p1", udp_key(kVlanCfi | 5));
  ASSERT_EQ(rec("br0", "p2").sent.size(), 1u);
  EXPECT_EQ(key_of(rec("br0", "p2").sent[0]), udp_key());
}

TEST_F(XlateTest, PushVlanOnATaggedPacketMakesATwoTagStack) {
  flows("br0", {"in_port=1 actions=push_vlan:0x88a8,output:2",
                "in_port=3 actions=push_vlan:0x8100,mod_vlan_vid:20,output:2"});
  const std::string p2 = odp_str("br0", "p2");
  // The new outer tag copies the old one's VID and PCP (OpenFlow push_vlan).
  EXPECT_EQ(actions("br0", "in_port=1,dl_vlan=5"), "push_vlan(tpid=0x88a8,vid=5,pcp=0)," + p2);
  EXPECT_EQ(actions("br0", "in_port=1"), "push_vlan(tpid=0x88a8,vid=0,pcp=0)," + p2);
  EXPECT_EQ(actions("br0", "in_port=3,dl_vlan=5"), "push_vlan(vid=20,pcp=0)," + p2);

  inject("br0", "p1", udp_key(kVlanCfi | 5));
  ASSERT_EQ(rec("br0", "p2").sent.size(), 1u);
  const std::vector<uint8_t>& f = rec("br0", "p2").sent[0];
  ASSERT_GE(f.size(), 22u);
  EXPECT_EQ(f[12] << 8 | f[13], kEthTypeQinQ);  // outer: 802.1ad
  EXPECT_EQ(f[16] << 8 | f[17], kEthTypeVlan);  // inner: 802.1Q
  EXPECT_EQ(f[20] << 8 | f[21], kEthTypeIp);
  EXPECT_EQ(key_of(f), udp_key(kVlanCfi | 5, kVlanCfi | 5));

  inject("br0", "p3", udp_key(kVlanCfi | 5));
  ASSERT_EQ(rec("br0", "p2").sent.size(), 2u);
  EXPECT_EQ(key_of(rec("br0", "p2").sent[1]), udp_key(kVlanCfi | 20, kVlanCfi | 5));
}

TEST_F(XlateTest, PopVlanOfATwoTagStackLeavesTheInnerTag) {
  flows("br0", {"in_port=1 actions=pop_vlan,output:2"});
  inject("br0", "p1", udp_key(kVlanCfi | 100, kVlanCfi | 7));
  ASSERT_EQ(rec("br0", "p2").sent.size(), 1u);
  EXPECT_EQ(key_of(rec("br0", "p2").sent[0]), udp_key(kVlanCfi | 7));
  EXPECT_EQ(format_odp_actions(only_megaflow()->actions), "pop_vlan," + odp_str("br0", "p2"));
}

TEST_F(XlateTest, EachOutputCommitsOnlyWhatChangedSinceTheLastOne) {
  flows("br0", {"in_port=1 actions=output:2,mod_vlan_vid:7,output:3,mod_dl_src:50:54:00:00:00:09,"
                "strip_vlan,LOCAL"});
  EXPECT_EQ(actions("br0", "in_port=1"),
            odp_str("br0", "p2") + ",push_vlan(vid=7,pcp=0)," + odp_str("br0", "p3") +
                ",set(eth(src=50:54:00:00:00:09)),pop_vlan," + odp_str("br0", "br0"));
}

TEST_F(XlateTest, ClearingTheTagOfATwoTagPacketPopsBothAndTheMegaflowKnowsIt) {
  // load:0->vlan_tci says "no VLAN": every tag the packet has must go, so how many tags it has
  // is part of the megaflow — a single-tagged packet's flow must not serve a double-tagged one.
  flows("br0", {"in_port=1 actions=load:0->NXM_OF_VLAN_TCI[],output:2"});
  const std::string p2 = odp_str("br0", "p2");
  inject("br0", "p1", udp_key(kVlanCfi | 5));
  EXPECT_EQ(format_odp_actions(only_megaflow()->actions), "pop_vlan," + p2);
  inject("br0", "p1", udp_key(kVlanCfi | 5, kVlanCfi | 9));
  auto& sent = rec("br0", "p2").sent;
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(key_of(sent[0]), udp_key());
  EXPECT_EQ(key_of(sent[1]), udp_key());  // both tags gone, as translation says
  EXPECT_EQ(megaflows().size(), 2u);
  for (Megaflow* m : megaflows()) {
    std::string a = format_odp_actions(m->actions);
    EXPECT_EQ(a, m->origin.vlan_tci2 ? "pop_vlan,pop_vlan," + p2 : "pop_vlan," + p2);
  }
}

TEST_F(XlateTest, ReplacingATagsVidKeepsThePacketsOwnPcpInTheMegaflow) {
  // Only the VID bits are written; the PCP pushed back is the packet's, so it is part of the
  // megaflow and a packet with another PCP gets its own.
  flows("br0", {"in_port=1 actions=load:0x9->NXM_OF_VLAN_TCI[0..11],output:2"});
  inject("br0", "p1", udp_key(kVlanCfi | 5 | 3 << 13));
  inject("br0", "p1", udp_key(kVlanCfi | 5));
  auto& sent = rec("br0", "p2").sent;
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(key_of(sent[0]), udp_key(kVlanCfi | 9 | 3 << 13));
  EXPECT_EQ(key_of(sent[1]), udp_key(kVlanCfi | 9));
  EXPECT_EQ(megaflows().size(), 2u);
}

// ---- output ---------------------------------------------------------------------------------

TEST_F(XlateTest, OutputToTheInputPortIsSkippedUnlessInPort) {
  flows("br0", {"in_port=1 actions=output:1,output:2", "in_port=2 actions=IN_PORT",
                "in_port=3 actions=output:3"});
  std::string t = trace("br0", "in_port=1");
  EXPECT_NE(t.find("skipping output to input port"), std::string::npos) << t;
  EXPECT_EQ(line(t, "Datapath actions"), odp_str("br0", "p2"));
  EXPECT_EQ(actions("br0", "in_port=2"), odp_str("br0", "p2"));
  EXPECT_EQ(actions("br0", "in_port=3"), "drop");

  inject("br0", "p2", udp_key());
  EXPECT_EQ(rec("br0", "p2").sent.size(), 1u);
  inject("br0", "p3", udp_key());
  EXPECT_EQ(rec("br0", "p3").sent.size(), 0u);
}

TEST_F(XlateTest, FloodSkipsTheInputAndNoFloodPortsAllOnlyTheInput) {
  flows("br0", {"in_port=1 actions=FLOOD", "in_port=2 actions=ALL"});
  sw_.bridge("br0")->port(3)->no_flood = true;
  const std::string p1 = odp_str("br0", "p1"), p2 = odp_str("br0", "p2"), p3 = odp_str("br0", "p3"),
                    local = odp_str("br0", "br0");
  EXPECT_EQ(actions("br0", "in_port=1"), p2 + "," + local);
  EXPECT_EQ(actions("br0", "in_port=2"), p1 + "," + p3 + "," + local);
  inject("br0", "p2", udp_key());
  EXPECT_EQ(rec("br0", "p1").sent.size(), 1u);
  EXPECT_EQ(rec("br0", "p2").sent.size(), 0u);
  EXPECT_EQ(rec("br0", "p3").sent.size(), 1u);
  EXPECT_EQ(rec("br0", "br0").sent.size(), 1u);
}

TEST_F(XlateTest, ControllerReachesThePacketInHandler) {
  flows("br0", {"in_port=1 actions=mod_dl_src:50:54:00:00:00:09,CONTROLLER:100,output:2",
                "in_port=2 actions=controller(reason=no_match)"});
  EXPECT_EQ(actions("br0", "in_port=1"),
            "set(eth(src=50:54:00:00:00:09)),userspace(pid=0,controller(reason=1,max_len=100))," +
                odp_str("br0", "p2"));
  EXPECT_EQ(actions("br0", "in_port=2"), "userspace(pid=0,controller(reason=0,max_len=65535))");

  inject("br0", "p1", udp_key());
  ASSERT_EQ(packet_ins_.size(), 1u);
  EXPECT_EQ(packet_ins_[0].second, 1u);
  FlowKey edited = udp_key();
  edited.dl_src = mac(0x505400000009);
  EXPECT_EQ(key_of(packet_ins_[0].first), edited);
  EXPECT_EQ(rec("br0", "p2").sent.size(), 1u);
  inject("br0", "p2", udp_key());
  ASSERT_EQ(packet_ins_.size(), 2u);
  EXPECT_EQ(packet_ins_[1].second, 0u);
  EXPECT_EQ(key_of(packet_ins_[1].first), udp_key());
}

// ---- patch ports ----------------------------------------------------------------------------

class PatchTest : public XlateTest {
 protected:
  PatchTest() {
    EXPECT_TRUE(sw_.add_bridge("br1", true).ok());
    add_port("br0", "patch-a", "patch-b");  // br0 port 4
    add_port("br1", "patch-b", "patch-a");  // br1 port 1
    add_port("br1", "q1");                  // br1 port 2
  }
};

TEST_F(PatchTest, CrossesIntoThePeerBridgeInOnePassWithPipelineStateCleared) {
  flows("br0", {"table=0,in_port=1 actions=load:0x5->NXM_NX_REG0[],set_field:0x7->metadata,"
                "mod_vlan_vid:10,output:4,resubmit(,1)",
                "table=1,reg0=0x5,metadata=0x7 actions=output:2"});
  flows("br1", {"priority=10,reg0=0x5 actions=drop", "priority=10,metadata=0x7 actions=drop",
                "priority=5,in_port=1 actions=strip_vlan,output:2"});
  std::string t = trace("br0", "in_port=1");
  EXPECT_NE(t.find("bridge(\"br1\")"), std::string::npos) << t;
  EXPECT_NE(t.find("0. in_port=1, priority 5"), std::string::npos) << t;
  // br1 saw the VLAN-10 packet and stripped it: nothing to commit; back in br0, with its
  // registers restored, the tag is pushed for p2.
  EXPECT_EQ(line(t, "Datapath actions"),
            odp_str("br1", "q1") + ",push_vlan(vid=10,pcp=0)," + odp_str("br0", "p2"));

  inject("br0", "p1", udp_key());
  EXPECT_EQ(sw_.datapath().stats().misses, 1u);
  ASSERT_EQ(rec("br1", "q1").sent.size(), 1u);
  EXPECT_EQ(key_of(rec("br1", "q1").sent[0]), udp_key());
  ASSERT_EQ(rec("br0", "p2").sent.size(), 1u);
  EXPECT_EQ(key_of(rec("br0", "p2").sent[0]), udp_key(kVlanCfi | 10));
  Megaflow* m = only_megaflow();
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->match.value.in_port, odp("br0", "p1"));
  // Registers and metadata are pipeline state: never part of a megaflow.
  EXPECT_EQ(m->match.mask.regs[0], 0u);
  EXPECT_EQ(m->match.mask.metadata, 0u);
}

TEST_F(PatchTest, ALoopOfPatchPortsIsCutOff) {
  flows("br0", {"in_port=1 actions=output:4", "in_port=4 actions=IN_PORT"});
  flows("br1", {"in_port=1 actions=IN_PORT"});
  std::string t = trace("br0", "in_port=1");
  EXPECT_NE(t.find(">>>> over max translation depth"), std::string::npos) << t;
  EXPECT_EQ(line(t, "Datapath actions"), "drop");
  inject("br0", "p1", udp_key());
  for (const char* p : {"p1", "p2", "p3"}) EXPECT_EQ(rec("br0", p).sent.size(), 0u);
  EXPECT_EQ(rec("br1", "q1").sent.size(), 0u);
}

TEST_F(PatchTest, APatchPortWithoutPeerDrops) {
  add_port("br0", "patch-x", "nowhere");  // br0 port 5
  flows("br0", {"in_port=1 actions=output:5,output:2"});
  std::string t = trace("br0", "in_port=1");
  EXPECT_NE(t.find("has no peer"), std::string::npos) << t;
  EXPECT_EQ(line(t, "Datapath actions"), odp_str("br0", "p2"));
}

// ---- the megaflow is what was consulted -----------------------------------------------------

TEST_F(XlateTest, MegaflowHoldsExactlyTheFieldsTheDecisionLookedAt) {
  flows("br0", {"priority=10,tcp,tp_dst=80 actions=output:2", "priority=1 actions=output:3"});
  const std::string flow = "in_port=1,tcp,nw_src=10.0.0.1,nw_dst=10.0.0.2,tp_src=999,tp_dst=80";
  std::string t = trace("br0", flow);
  EXPECT_EQ(line(t, "Megaflow"), "tcp,in_port=1,tp_dst=80");
  EXPECT_EQ(line(t, "Datapath actions"), odp_str("br0", "p2"));

  FlowKey k = udp_key();
  k.nw_proto = kIpProtoTcp;
  k.tp_dst = 80;
  inject("br0", "p1", k);
  Megaflow* m = only_megaflow();
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->match.mask.dl_type, 0xffff);
  EXPECT_EQ(m->match.mask.nw_proto, 0xff);
  EXPECT_EQ(m->match.mask.tp_dst, 0xffff);
  EXPECT_EQ(m->match.mask.in_port, 0xffffffffu);
  EXPECT_EQ(m->match.mask.nw_src, 0u);
  EXPECT_EQ(m->match.mask.nw_dst, 0u);
  EXPECT_EQ(m->match.mask.tp_src, 0u);
  EXPECT_EQ(m->match.mask.dl_src, MacAddr{});
  EXPECT_EQ(m->match.mask.vlan_tci, 0u);

  // Another source and source port: the same megaflow, no upcall.
  k.nw_src = ip4(192, 168, 7, 7);
  k.tp_src = 1;
  inject("br0", "p1", k);
  EXPECT_EQ(sw_.datapath().stats().misses, 1u);
  EXPECT_EQ(rec("br0", "p2").sent.size(), 2u);
}

TEST_F(XlateTest, RewritingAFieldPutsItInTheMegaflow) {
  flows("br0", {"in_port=1,ip actions=mod_nw_dst:10.0.0.99,output:2"});
  std::string t = trace("br0", "in_port=1,ip,nw_src=10.0.0.1,nw_dst=10.0.0.2");
  EXPECT_EQ(line(t, "Megaflow"), "ip,in_port=1,nw_dst=10.0.0.2");
  EXPECT_EQ(line(t, "Datapath actions"), "set(ipv4(dst=10.0.0.99))," + odp_str("br0", "p2"));
  // Already the new value: nothing to rewrite, and its own megaflow.
  t = trace("br0", "in_port=1,ip,nw_src=10.0.0.1,nw_dst=10.0.0.99");
  EXPECT_EQ(line(t, "Megaflow"), "ip,in_port=1,nw_dst=10.0.0.99");
  EXPECT_EQ(line(t, "Datapath actions"), odp_str("br0", "p2"));
}

// mod_nw_tos writes the DSCP bits only: the megaflow pins them (not ECN), and the datapath
// action is a masked set that keeps each packet's ECN bits (OVS 3.1: set(ipv4(tos=0x20/0xfc))).
TEST_F(XlateTest, ModNwTosIsAMaskedSetOfTheDscpBits) {
  flows("br0", {"in_port=1,ip actions=mod_nw_tos:32,output:2"});
  std::string t = trace("br0", "in_port=1,udp,nw_ecn=1");
  EXPECT_EQ(line(t, "Megaflow"), "ip,in_port=1,nw_tos=0");
  EXPECT_EQ(line(t, "Datapath actions"), "set(ipv4(tos=0x20/0xfc))," + odp_str("br0", "p2"));
  FlowKey k = udp_key();
  k.nw_tos = 0x02;  // ECT(0)
  inject("br0", "p1", k);
  k.nw_tos = 0x03;  // CE: the same megaflow, and its ECN bits survive
  inject("br0", "p1", k);
  EXPECT_EQ(sw_.datapath().stats().misses, 1u);
  ASSERT_EQ(rec("br0", "p2").sent.size(), 2u);
  FlowKey out;
  const auto& f = rec("br0", "p2").sent[1];
  ASSERT_EQ(flow_extract(f.data(), f.size(), out), ParseError::kOk);
  EXPECT_EQ(out.nw_tos, 0x23);
}

// A conjunctive match: the megaflow holds the clauses' fields and never conj_id.
TEST_F(XlateTest, ConjunctionMegaflowHoldsTheClausesFields) {
  flows("br0", {"priority=70,ip,nw_src=10.0.0.1 actions=conjunction(7,1/2)",
                "priority=70,tcp,tp_dst=22 actions=conjunction(7,2/2)",
                "priority=70,conj_id=7,ip actions=output:2", "priority=0 actions=output:3"});
  std::string t = trace("br0", "in_port=1,tcp,nw_src=10.0.0.1,nw_dst=10.0.0.2,tp_dst=22");
  EXPECT_NE(t.find("0. conj_id=7,ip, priority 70"), std::string::npos) << t;
  EXPECT_EQ(line(t, "Datapath actions"), odp_str("br0", "p2"));
  EXPECT_EQ(line(t, "Megaflow").find("conj_id"), std::string::npos) << t;
  t = trace("br0", "in_port=1,tcp,nw_src=10.0.0.1,nw_dst=10.0.0.2,tp_dst=23");
  EXPECT_EQ(line(t, "Datapath actions"), odp_str("br0", "p3"));
}

TEST_F(XlateTest, TransportPortRewritesReachTheWireForIpv6Too) {
  flows("br0", {"in_port=1,tcp6 actions=mod_tp_dst:8080,output:2",
                "in_port=2,udp6 actions=set_field:5353->udp_src,output:3"});
  std::string t = trace("br0", "in_port=1,tcp6,tp_src=999,tp_dst=80");
  EXPECT_EQ(line(t, "Datapath actions"), "set(l4(dst=8080))," + odp_str("br0", "p2"));
  FlowKey k;
  k.dl_src = kMacA;
  k.dl_dst = kMacB;
  k.dl_type = kEthTypeIpv6;
  k.ipv6_src[15] = 1;
  k.ipv6_dst[15] = 2;
  k.nw_proto = kIpProtoTcp;
  k.nw_ttl = 64;
  k.tp_src = 999;
  k.tp_dst = 80;
  inject("br0", "p1", k);
  ASSERT_EQ(rec("br0", "p2").sent.size(), 1u);
  FlowKey want = k;
  want.tp_dst = 8080;
  EXPECT_EQ(key_of(rec("br0", "p2").sent[0]), want);

  k.nw_proto = kIpProtoUdp;
  k.tp_src = 53;
  inject("br0", "p2", k);
  ASSERT_EQ(rec("br0", "p3").sent.size(), 1u);
  want = k;
  want.tp_src = 5353;
  EXPECT_EQ(key_of(rec("br0", "p3").sent[0]), want);
}

TEST_F(XlateTest, SetFieldWhosePrerequisitesThePacketDoesNotMeetIsSkipped) {
  // nw_src is accepted with "arp" in the match (it is the ARP SPA there), but as a set_field
  // destination it is an IPv4 field: an ARP packet does not get it.
  flows("br0", {"in_port=1,arp actions=set_field:10.0.0.9->nw_src,output:2"});
  std::string t = trace("br0", "in_port=1,arp,arp_spa=10.0.0.1,arp_tpa=10.0.0.2,arp_op=1");
  EXPECT_NE(t.find("set_field: skipped, nw_src prerequisites not met by the packet"),
            std::string::npos)
      << t;
  EXPECT_EQ(line(t, "Datapath actions"), odp_str("br0", "p2"));
  EXPECT_EQ(line(t, "Final flow"), "unchanged");
  EXPECT_EQ(line(t, "Megaflow"), "arp,in_port=1");
}

}  // namespace
}  // namespace nt
