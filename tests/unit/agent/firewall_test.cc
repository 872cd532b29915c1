// The openvswitch firewall driver's flows (agent/firewall.h) against the flows Neutron's driver
// installs, as ../shared/reference/neutron-services.md §2 records them, and every line checked
// by the flow parser the switch uses.
#include "agent/firewall.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "openflow/flow_text.h"

namespace nt::agent {
namespace {

rpc::SecurityGroupRule rule(const std::string& sg, const std::string& dir, const std::string& type,
                            const std::string& proto = "", std::optional<int> lo = {},
                            std::optional<int> hi = {}, const std::string& prefix = "",
                            const std::string& remote = "") {
  static int n = 0;
  return {"rule-" + std::to_string(++n), sg, dir, type, proto, lo, hi, prefix, remote};
}

// The default group: all egress, ingress from its own members.
std::vector<rpc::SecurityGroupRule> default_group(const std::string& sg) {
  return {rule(sg, "egress", "IPv4"), rule(sg, "egress", "IPv6"),
          rule(sg, "ingress", "IPv4", "", {}, {}, "", sg),
          rule(sg, "ingress", "IPv6", "", {}, {}, "", sg)};
}

rpc::PortInfo port(const std::string& id, const std::string& mac, const std::string& ip,
                   std::vector<std::string> groups) {
  rpc::PortInfo p;
  p.id = id;
  p.network_id = "net";
  p.mac_address = mac;
  p.device_owner = "compute:nova";
  p.fixed_ips = {{"subnet", ip}};
  p.security_groups = std::move(groups);
  return p;
}

VmPort vm_port(const std::string& id, int64_t ofport, int lvid) {
  VmPort v;
  v.name = "tap" + id;
  v.iface_id = id;
  v.network_id = "net";
  v.tag = lvid;
  v.ofport = ofport;
  v.dead = false;
  v.bound_here = true;
  return v;
}

struct Host {
  rpc::HostState state;
  Plan plan;
  void add(const rpc::PortInfo& p, int64_t ofport, int lvid = 1) {
    state.ports.push_back(p);
    plan.vm_ports.push_back(vm_port(p.id, ofport, lvid));
    rpc::SecurityGroupMember m{p.id, p.mac_address, p.security_groups, {}};
    for (const auto& f : p.fixed_ips) m.ips.push_back(f.ip_address);
    state.security_group_members.push_back(m);
  }
  std::vector<std::string> flows() const { return firewall_port_flows(state, plan, ""); }
};

bool has(const std::vector<std::string>& flows, const std::string& line) {
  return std::find(flows.begin(), flows.end(), line) != flows.end();
}

std::vector<std::string> with_prefix(const std::vector<std::string>& flows, const std::string& p) {
  std::vector<std::string> out;
  for (const auto& f : flows) {
    if (f.rfind(p, 0) == 0) out.push_back(f);
  }
  return out;
}

void expect_parsable(const std::vector<std::string>& flows) {
  for (const auto& f : flows) {
    auto spec = parse_flow(f, FlowTextMode::kAdd);
    EXPECT_TRUE(spec.ok()) << f << ": " << (spec ? "" : spec.error().message);
  }
}

TEST(FirewallTest, PortRangesBecomeValueMaskPairs) {
  using V = std::vector<std::pair<int, int>>;
  EXPECT_EQ(port_range_masks(22, 22), (V{{22, 0xffff}}));
  EXPECT_EQ(port_range_masks(80, 81), (V{{80, 0xfffe}}));
  auto r = port_range_masks(1000, 1999);
  ASSERT_EQ(r.size(), 7u);
  EXPECT_EQ(r.front(), (std::pair<int, int>{0x3e8, 0xfff8}));
  EXPECT_EQ(r.back(), (std::pair<int, int>{0x7c0, 0xfff0}));
  EXPECT_TRUE(port_range_masks(1, 65535).empty());
  EXPECT_TRUE(port_range_masks(0, 65535).empty());
  EXPECT_EQ(port_range_masks(65535, 65535), (V{{65535, 0xffff}}));
  // Every port in [lo, hi] and none outside is covered, for a few awkward ranges.
  for (auto [lo, hi] : {std::pair{3, 17}, {1, 1023}, {1024, 65535}, {5000, 5001}}) {
    auto masks = port_range_masks(lo, hi);
    for (int p = 0; p <= 65535; ++p) {
      int hits = 0;
      for (auto [v, m] : masks) hits += (p & m) == v;
      ASSERT_EQ(hits, p >= lo && p <= hi ? 1 : 0) << lo << "-" << hi << " port " << p;
    }
  }
}

// The default group on two ports of one network (10.0.0.5 on ofport 1, 10.0.0.6; local VLAN 1):
// the flows the reference observed on Neutron's br-int.
TEST(FirewallTest, DefaultGroupAsNeutronInstallsIt) {
  Host h;
  h.state.security_group_rules = default_group("sg-default");
  h.add(port("p1", "fa:16:3e:00:00:05", "10.0.0.5", {"sg-default"}), 1);
  h.add(port("p2", "fa:16:3e:00:00:06", "10.0.0.6", {"sg-default"}), 2);
  auto f = h.flows();
  expect_parsable(f);
  for (const char* line : {
           "table=72,priority=74,ct_state=+new-est,ip,reg5=1 actions=resubmit(,73)",
           "table=72,priority=74,ct_state=+est-rel-rpl,ip,reg5=1 actions=resubmit(,73)",
           "table=82,priority=70,ct_state=+new-est,ip,reg5=1 actions=conjunction(17,2/2)",
           "table=82,priority=70,ct_state=+est-rel-rpl,ip,reg5=1 actions=conjunction(16,2/2)",
           "table=82,priority=70,ct_state=+new-est,ip,reg6=1,nw_src=10.0.0.5 "
           "actions=conjunction(17,1/2)",
           "table=82,priority=70,ct_state=+new-est,ip,reg6=1,nw_src=10.0.0.6 "
           "actions=conjunction(17,1/2)",
           "table=82,priority=70,conj_id=16,ct_state=+est-rel-rpl,ip,reg5=1 "
           "actions=load:0x10->NXM_NX_REG7[],output:1",
           "table=82,priority=70,conj_id=17,ct_state=+new-est,ip,reg5=1 "
           "actions=load:0x11->NXM_NX_REG7[],ct(commit,zone=NXM_NX_REG6[0..15]),output:1,"
           "resubmit(,92)",
           // IPv6 ingress from the group: the next block of ids.
           "table=82,priority=70,ct_state=+new-est,ipv6,reg5=2 actions=conjunction(25,2/2)",
       }) {
    EXPECT_TRUE(has(f, line)) << line;
  }
  // Both ports share the member flows: each appears once.
  EXPECT_EQ(with_prefix(f, "table=82,priority=70,ct_state=+new-est,ip,reg6=1,").size(), 2u);
}

TEST(FirewallTest, PerPortBaseFlows) {
  Host h;
  auto p = port("p1", "fa:16:3e:00:00:05", "10.0.0.5", {});
  p.allowed_address_pairs = {{"10.0.0.100", "fa:16:3e:00:00:99"}};
  h.add(p, 5, 3);
  auto f = h.flows();
  expect_parsable(f);
  for (const char* line : {
           "table=60,priority=100,in_port=5 "
           "actions=load:5->NXM_NX_REG5[],load:3->NXM_NX_REG6[],resubmit(,71)",
           "table=60,priority=90,dl_vlan=3,dl_dst=fa:16:3e:00:00:05 "
           "actions=load:5->NXM_NX_REG5[],load:3->NXM_NX_REG6[],strip_vlan,resubmit(,81)",
           "table=60,priority=90,dl_vlan=3,dl_dst=fa:16:3e:00:00:99 "
           "actions=load:5->NXM_NX_REG5[],load:3->NXM_NX_REG6[],strip_vlan,resubmit(,81)",
           "table=71,priority=95,arp,reg5=5,in_port=5,dl_src=fa:16:3e:00:00:05,"
           "arp_spa=10.0.0.5 actions=resubmit(,94)",
           "table=71,priority=95,arp,reg5=5,in_port=5,dl_src=fa:16:3e:00:00:99,"
           "arp_spa=10.0.0.100 actions=resubmit(,94)",
           "table=71,priority=80,udp,reg5=5,in_port=5,dl_src=fa:16:3e:00:00:05,"
           "nw_src=0.0.0.0,tp_src=68,tp_dst=67 actions=resubmit(,73)",
           "table=71,priority=70,udp,reg5=5,in_port=5,tp_src=67,tp_dst=68 actions=resubmit(,93)",
           "table=71,priority=70,icmp6,reg5=5,in_port=5,icmp_type=134 actions=resubmit(,93)",
           "table=71,priority=65,ip,reg5=5,in_port=5,dl_src=fa:16:3e:00:00:05,nw_src=10.0.0.5 "
           "actions=ct(table=72,zone=NXM_NX_REG6[0..15])",
           "table=71,priority=95,icmp6,reg5=5,in_port=5,dl_src=fa:16:3e:00:00:05,"
           "ipv6_src=fe80::f816:3eff:fe00:5,icmp_type=135 actions=resubmit(,94)",
           "table=71,priority=10,reg5=5,in_port=5 actions=ct_clear,resubmit(,93)",
           "table=72,priority=50,ct_mark=0x1,reg5=5 actions=resubmit(,93)",
           "table=72,priority=50,ct_state=+est-rel+rpl,ct_zone=3,ct_mark=0,reg5=5 "
           "actions=resubmit(,94)",
           "table=82,priority=50,ct_state=-new-est+rel-inv,ct_zone=3,ct_mark=0,reg5=5 "
           "actions=output:5",
           "table=82,priority=40,ct_state=+est,ip,reg5=5 "
           "actions=ct(commit,zone=NXM_NX_REG6[0..15],exec(load:0x1->NXM_NX_CT_MARK[]))",
           "table=73,priority=100,reg6=3,dl_dst=fa:16:3e:00:00:05 "
           "actions=load:5->NXM_NX_REG5[],resubmit(,81)",
           "table=73,priority=90,ct_state=+new-est,ip,reg5=5 "
           "actions=ct(commit,zone=NXM_NX_REG6[0..15]),resubmit(,91)",
           "table=81,priority=90,ct_state=-trk,ip,reg5=5 "
           "actions=ct(table=82,zone=NXM_NX_REG6[0..15])",
           "table=81,priority=100,arp,reg5=5 actions=output:5",
       }) {
    EXPECT_TRUE(has(f, line)) << line;
  }
  // No group: no rule flows at all.
  EXPECT_TRUE(with_prefix(f, "table=82,priority=7").empty());
  EXPECT_TRUE(with_prefix(f, "table=72,priority=7").empty());
}

// The reference's observed rule flows (ofport 5).
TEST(FirewallTest, RulesBecomeTwoFlowsEach) {
  Host h;
  h.state.security_group_rules = {
      rule("sg", "ingress", "IPv4", "tcp", 22, 22),
      rule("sg", "ingress", "IPv4", "tcp", 80, 81, "192.168.0.0/16"),
      rule("sg", "egress", "IPv4", "udp", 53, 53, "8.8.8.8/32"),
      rule("sg", "ingress", "IPv4", "icmp", 8, 0),
      rule("sg", "ingress", "IPv4", "icmp"),
      rule("sg", "ingress", "IPv6", "icmp", 128),
      rule("sg", "egress", "IPv4", "47"),
      rule("sg", "ingress", "IPv4", "tcp", 1000, 1999),
  };
  h.add(port("p1", "fa:16:3e:00:00:05", "10.0.0.5", {"sg"}), 5);
  auto f = h.flows();
  expect_parsable(f);
  for (const char* line : {
           "table=82,priority=77,ct_state=+new-est,tcp,reg5=5,tp_dst=22 "
           "actions=ct(commit,zone=NXM_NX_REG6[0..15]),output:5,resubmit(,92)",
           "table=82,priority=77,ct_state=+est-rel-rpl,tcp,reg5=5,tp_dst=22 actions=output:5",
           "table=82,priority=77,ct_state=+new-est,tcp,reg5=5,nw_src=192.168.0.0/16,"
           "tp_dst=0x50/0xfffe actions=ct(commit,zone=NXM_NX_REG6[0..15]),output:5,"
           "resubmit(,92)",
           "table=72,priority=77,ct_state=+new-est,udp,reg5=5,nw_dst=8.8.8.8/32,tp_dst=53 "
           "actions=resubmit(,73)",
           "table=82,priority=77,ct_state=+new-est,icmp,reg5=5,icmp_type=8,icmp_code=0 "
           "actions=ct(commit,zone=NXM_NX_REG6[0..15]),output:5,resubmit(,92)",
           "table=82,priority=75,ct_state=+new-est,icmp,reg5=5 "
           "actions=ct(commit,zone=NXM_NX_REG6[0..15]),output:5,resubmit(,92)",
           "table=82,priority=76,ct_state=+new-est,icmp6,reg5=5,icmp_type=128 "
           "actions=ct(commit,zone=NXM_NX_REG6[0..15]),output:5,resubmit(,92)",
           "table=72,priority=77,ct_state=+new-est,ip,nw_proto=47,reg5=5 actions=resubmit(,73)",
           "table=82,priority=77,ct_state=+est-rel-rpl,tcp,reg5=5,tp_dst=0x7c0/0xfff0 "
           "actions=output:5",
       }) {
    EXPECT_TRUE(has(f, line)) << line;
  }
  EXPECT_EQ(with_prefix(f, "table=82,priority=77,ct_state=+new-est,tcp,reg5=5,tp_dst=0x").size(),
            7u);
}

// "tcp from SG1" and "tcp/80 from SG2" on one port: dimension-2 flows of one priority must not
// overlap, so port 80 carries both conjunctions and every other port only SG1's.
TEST(FirewallTest, OverlappingRemoteGroupRulesAreSplit) {
  Host h;
  h.state.security_group_rules = {rule("sg", "ingress", "IPv4", "tcp", {}, {}, "", "sg1"),
                                  rule("sg", "ingress", "IPv4", "tcp", 80, 80, "", "sg2")};
  h.add(port("p1", "fa:16:3e:00:00:05", "10.0.0.5", {"sg"}), 5);
  h.state.security_group_members.push_back({"m1", "fa:16:3e:00:01:01", {"sg1"}, {"10.0.1.1"}});
  h.state.security_group_members.push_back({"m2", "fa:16:3e:00:01:02", {"sg2"}, {"10.0.2.2"}});
  auto f = h.flows();
  expect_parsable(f);
  // Conjunction bases: (sg, sg1) 16, (sg, sg2) 24; tcp is offset 3, new = base + 7.
  EXPECT_TRUE(has(f,
                  "table=82,priority=73,ct_state=+new-est,tcp,reg5=5,tp_dst=80 "
                  "actions=conjunction(23,2/2),conjunction(31,2/2)"));
  EXPECT_TRUE(has(f,
                  "table=82,priority=73,ct_state=+new-est,tcp,reg5=5,tp_dst=0x40/0xfff0 "
                  "actions=conjunction(23,2/2)"));
  EXPECT_TRUE(has(f,
                  "table=82,priority=73,ct_state=+new-est,ip,reg6=1,nw_src=10.0.2.2 "
                  "actions=conjunction(31,1/2)"));
  EXPECT_TRUE(has(f,
                  "table=82,priority=73,ct_state=+new-est,ip,reg6=1,nw_src=10.0.1.1 "
                  "actions=conjunction(23,1/2)"));
  // Every dimension-2 new flow of the port covers a distinct set of ports: none repeats.
  auto dim2 = with_prefix(f, "table=82,priority=73,ct_state=+new-est,tcp,reg5=5");
  EXPECT_GT(dim2.size(), 10u);
  for (const auto& line : dim2) EXPECT_NE(line.find("conjunction(23,2/2)"), std::string::npos);
}

TEST(FirewallTest, TrustedPortsAndPortSecurityOffPassThrough) {
  Host h;
  auto dhcp = port("dhcp", "fa:16:3e:00:00:02", "10.0.0.2", {});
  dhcp.device_owner = "network:dhcp";
  auto open = port("open", "fa:16:3e:00:00:07", "10.0.0.7", {});
  open.port_security_enabled = false;
  h.add(dhcp, 2);
  h.add(open, 7);
  auto f = h.flows();
  expect_parsable(f);
  EXPECT_EQ(f, (std::vector<std::string>{
                   "table=60,priority=100,in_port=2 "
                   "actions=load:2->NXM_NX_REG5[],load:1->NXM_NX_REG6[],resubmit(,73)",
                   "table=73,priority=80,reg5=2 actions=resubmit(,94)",
                   "table=60,priority=100,in_port=7 "
                   "actions=load:7->NXM_NX_REG5[],load:1->NXM_NX_REG6[],resubmit(,73)",
                   "table=73,priority=80,reg5=7 actions=resubmit(,94)",
               }));
}

TEST(FirewallTest, DefaultFlows) {
  auto f = firewall_default_flows("cookie=0x1,");
  expect_parsable(f);
  EXPECT_TRUE(has(f, "cookie=0x1,table=60,priority=3 actions=NORMAL"));
  EXPECT_TRUE(
      has(f, "cookie=0x1,table=71,priority=110,ct_state=+trk actions=ct_clear,resubmit(,71)"));
  EXPECT_TRUE(has(f, "cookie=0x1,table=94,priority=1 actions=NORMAL"));
  EXPECT_TRUE(has(f, "cookie=0x1,table=82,priority=50,ct_state=+inv+trk actions=resubmit(,93)"));
}

}  // namespace
}  // namespace nt::agent
