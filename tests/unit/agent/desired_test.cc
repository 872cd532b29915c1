// The agent's desired state against the seed's flows (seed 000, Ocata's ovs-ofctl layout) for
// every network type, l2population, dead ports and local VLAN reuse: pure computations.
#include "agent/desired.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "openflow/flow_text.h"

namespace nt::agent {
namespace {

constexpr uint64_t kCookie = 0xaaa0e760a7848ec3;
const std::string kCk = "cookie=0xaaa0e760a7848ec3,";

// Flows compared as OpenFlow compares them: parsed, formatted canonically, sorted.
std::vector<std::string> canon(const std::vector<std::string>& lines) {
  std::vector<std::string> out;
  for (const auto& l : lines) {
    auto s = parse_flow(l, FlowTextMode::kAdd);
    EXPECT_TRUE(s.ok()) << l << ": " << (s.ok() ? "" : s.error().message);
    if (s.ok()) out.push_back(format_flow(*s, FlowTextMode::kAdd));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> with_cookie(const std::vector<std::string>& lines) {
  std::vector<std::string> out;
  for (const auto& l : lines) out.push_back(kCk + l);
  return out;
}

LocalPort lport(const std::string& name, const std::string& bridge, int64_t ofport,
                const std::string& type = "", StringMap external_ids = {}, StringMap options = {}) {
  LocalPort p;
  p.name = name;
  p.bridge = bridge;
  p.ofport = ofport;
  p.type = type;
  p.external_ids = std::move(external_ids);
  p.options = std::move(options);
  return p;
}

void add(LocalView& v, LocalPort p) {
  v.bridges[p.bridge].push_back(p.name);
  v.fail_mode[p.bridge] = "secure";
  v.ports[p.name] = std::move(p);
}

StringMap vm(const std::string& id) {
  return {{"iface-id", id}, {"attached-mac", "fa:16:3e:00:00:01"}, {"iface-status", "active"}};
}

rpc::PortInfo bound(const std::string& id, const std::string& net, const std::string& host,
                    const std::string& status = "DOWN") {
  rpc::PortInfo p;
  p.id = id;
  p.network_id = net;
  p.host = host;
  p.vif_type = "ovs";
  p.status = status;
  return p;
}

rpc::NetworkInfo network(const std::string& id, const std::string& type,
                         std::optional<uint32_t> seg, const std::string& physnet = "") {
  rpc::NetworkInfo n;
  n.id = id;
  n.network_type = type;
  n.segmentation_id = seg;
  n.physical_network = physnet;
  return n;
}

AgentConfig vxlan_config(const std::string& host, const std::string& ip) {
  AgentConfig c;
  c.host = host;
  c.local_ip = ip;
  c.tunnel_types = {"vxlan"};
  return c;
}

// Seed 000 "OVS VxLAN": devstack-controller (166.66.16.10) and devstack-compute01
// (166.66.16.11), vxlan100 on local VLAN 1; br-tun's patch-int is ofport 1, vxlan-a642100b 2.
const std::vector<std::string> kSeedBrTun = {
    "table=0,priority=1,in_port=1 actions=resubmit(,2)",
    "table=0,priority=1,in_port=2 actions=resubmit(,4)",
    "table=0,priority=0 actions=drop",
    "table=2,priority=0,dl_dst=00:00:00:00:00:00/01:00:00:00:00:00 actions=resubmit(,20)",
    "table=2,priority=0,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00 actions=resubmit(,22)",
    "table=3,priority=0 actions=drop",
    "table=4,priority=0 actions=drop",
    "table=6,priority=0 actions=drop",
    "table=4,priority=1,tun_id=0x64 actions=mod_vlan_vid:1,resubmit(,10)",
    "table=10,priority=1 actions=learn(table=20,hard_timeout=300,priority=1,"
    "cookie=0xaaa0e760a7848ec3,NXM_OF_VLAN_TCI[0..11],NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],"
    "load:0->NXM_OF_VLAN_TCI[],load:NXM_NX_TUN_ID[]->NXM_NX_TUN_ID[],"
    "output:NXM_OF_IN_PORT[]),output:1",
    "table=20,priority=0 actions=resubmit(,22)",
    "table=22,dl_vlan=1 actions=strip_vlan,set_tunnel:0x64,output:2",
    "table=22,priority=0 actions=drop",
};
const std::vector<std::string> kSeedBrInt = {
    "table=0,priority=0 actions=NORMAL",
    "table=23,priority=0 actions=drop",
    "table=24,priority=0 actions=drop",
};

struct SeedVxlan {
  AgentConfig config = vxlan_config("devstack-controller", "166.66.16.10");
  LocalView local;
  rpc::HostState state;
  SeedVxlan() {
    add(local, lport("br-int", "br-int", 65534, "internal"));
    add(local, lport("patch-tun", "br-int", 1, "patch", {}, {{"peer", "patch-int"}}));
    add(local, lport("tap0d4cb13a-7a", "br-int", 2, "", vm("dhcp-port")));
    add(local, lport("qvoa2ac3b9a-24", "br-int", 3, "", vm("vm1-port")));
    add(local, lport("br-tun", "br-tun", 65534, "internal"));
    add(local, lport("patch-int", "br-tun", 1, "patch", {}, {{"peer", "patch-tun"}}));
    add(local, lport("vxlan-a642100b", "br-tun", 2, "vxlan", {},
                     {{"in_key", "flow"},
                      {"local_ip", "166.66.16.10"},
                      {"out_key", "flow"},
                      {"remote_ip", "166.66.16.11"}}));
    state.host = "devstack-controller";
    state.ports = {bound("dhcp-port", "net100", state.host),
                   bound("vm1-port", "net100", state.host)};
    state.networks = {network("net100", "vxlan", 100)};
    state.tunnel_peers = {{"devstack-compute01", "166.66.16.11", {"vxlan"}, true}};
  }
};

TEST(DesiredTest, SeedVxlanFlowsExactly) {
  SeedVxlan s;
  Plan plan = plan_ports(s.config, s.state, s.local, {});
  EXPECT_EQ(plan.lvids, (std::map<std::string, int>{{"net100", 1}}));
  ASSERT_EQ(plan.tunnels.size(), 1u);
  EXPECT_EQ(plan.tunnels[0], (TunnelPort{"vxlan-a642100b", "vxlan", "166.66.16.11"}));
  auto flows = plan_flows(s.config, s.state, plan, s.local, kCookie);
  EXPECT_EQ(canon(flows["br-tun"]), canon(with_cookie(kSeedBrTun)));
  EXPECT_EQ(canon(flows["br-int"]), canon(with_cookie(kSeedBrInt)));
  EXPECT_EQ(flows.size(), 2u);
  for (const auto& vp : plan.vm_ports) {
    EXPECT_FALSE(vp.dead) << vp.name;
    EXPECT_EQ(vp.tag, 1);
    EXPECT_EQ(vp.other_config, (StringMap{{"net_uuid", "net100"},
                                          {"network_type", "vxlan"},
                                          {"segmentation_id", "100"},
                                          {"tag", "1"}}));
  }
  // Everything in place: the port transaction only tags the ports and records their VLAN.
  auto cmds = port_commands(s.config, plan, s.local);
  std::string all;
  for (const auto& w : cmds) all += w + " ";
  EXPECT_EQ(all,
            "-- set Port qvoa2ac3b9a-24 tag=1 -- set Port qvoa2ac3b9a-24 "
            "other_config:net_uuid=\"net100\" other_config:network_type=\"vxlan\" "
            "other_config:segmentation_id=\"100\" other_config:tag=\"1\" "
            "-- set Port tap0d4cb13a-7a tag=1 -- set Port tap0d4cb13a-7a "
            "other_config:net_uuid=\"net100\" other_config:network_type=\"vxlan\" "
            "other_config:segmentation_id=\"100\" other_config:tag=\"1\" ");
  for (auto& [name, p] : s.local.ports) {
    if (!p.external_ids.count("iface-id")) continue;
    p.tag = 1;
    p.other_config = plan.vm_ports[0].other_config;
  }
  EXPECT_TRUE(port_commands(s.config, plan, s.local).empty());
}

TEST(DesiredTest, StartUpCreatesBridgesAndPatchPairs) {
  AgentConfig c = vxlan_config("h", "10.0.0.1");
  c.bridge_mappings = {{"physnet1", "br-eth1"}};
  LocalView empty;
  auto cmds = port_commands(c, Plan{}, empty, false);
  std::string all;
  for (const auto& w : cmds) all += w + " ";
  EXPECT_EQ(all,
            "-- --may-exist add-br br-int -- set-fail-mode br-int secure "
            "-- --may-exist add-br br-tun -- set-fail-mode br-tun secure "
            "-- --may-exist add-port br-int patch-tun -- set Interface patch-tun type=patch "
            "options={peer=patch-int} "
            "-- --may-exist add-port br-tun patch-int -- set Interface patch-int type=patch "
            "options={peer=patch-tun} ");  // br-eth1 is the operator's: not there, no pair
  LocalView with_eth;
  add(with_eth, lport("br-eth1", "br-eth1", 65534, "internal"));
  add(with_eth, lport("eth1", "br-eth1", 1));
  all.clear();
  for (const auto& w : port_commands(c, Plan{}, with_eth, false)) all += w + " ";
  EXPECT_NE(all.find("-- --may-exist add-port br-int int-br-eth1 -- set Interface int-br-eth1 "
                     "type=patch options={peer=phy-br-eth1} "),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("-- --may-exist add-port br-eth1 phy-br-eth1 -- set Interface phy-br-eth1 "
                     "type=patch options={peer=int-br-eth1}"),
            std::string::npos)
      << all;
}

TEST(DesiredTest, TunnelMeshAddsAndDeletesPorts) {
  SeedVxlan s;
  // compute01 left, compute02 (166.66.16.12) came: one tunnel port deleted, one added.
  s.state.tunnel_peers = {{"devstack-compute02", "166.66.16.12", {"vxlan"}, true},
                          {"gre-only", "166.66.16.13", {"gre"}, true}};
  Plan plan = plan_ports(s.config, s.state, s.local, {});
  ASSERT_EQ(plan.tunnels.size(), 1u);
  EXPECT_EQ(plan.tunnels[0].name, "vxlan-a642100c");
  std::string all;
  for (const auto& w : port_commands(s.config, plan, s.local)) all += w + " ";
  EXPECT_NE(all.find("-- --may-exist add-port br-tun vxlan-a642100c -- set Interface "
                     "vxlan-a642100c type=vxlan options={in_key=flow,local_ip=\"166.66.16.10\","
                     "out_key=flow,remote_ip=\"166.66.16.12\"} "),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("-- --if-exists del-port br-tun vxlan-a642100b "), std::string::npos) << all;
}

TEST(DesiredTest, GreUsesTable3AndGrePorts) {
  AgentConfig c = vxlan_config("n1", "10.0.0.1");
  c.tunnel_types = {"gre"};
  LocalView local;
  add(local, lport("patch-tun", "br-int", 1, "patch", {}, {{"peer", "patch-int"}}));
  add(local, lport("tap1", "br-int", 2, "", vm("p1")));
  add(local, lport("patch-int", "br-tun", 1, "patch", {}, {{"peer", "patch-tun"}}));
  add(local, lport("gre-0a000002", "br-tun", 5, "gre"));
  rpc::HostState st;
  st.host = "n1";
  st.ports = {bound("p1", "g", "n1")};
  st.networks = {network("g", "gre", 0x2a)};
  st.tunnel_peers = {{"n2", "10.0.0.2", {"gre", "vxlan"}, true}};
  Plan plan = plan_ports(c, st, local, {});
  ASSERT_EQ(plan.tunnels.size(), 1u);
  EXPECT_EQ(plan.tunnels[0], (TunnelPort{"gre-0a000002", "gre", "10.0.0.2"}));
  auto tun = canon(plan_flows(c, st, plan, local, kCookie)["br-tun"]);
  auto has = [&](const std::string& l) {
    return std::find(tun.begin(), tun.end(), canon({kCk + l})[0]) != tun.end();
  };
  EXPECT_TRUE(has("table=0,priority=1,in_port=5 actions=resubmit(,3)"));
  EXPECT_TRUE(has("table=3,priority=1,tun_id=0x2a actions=mod_vlan_vid:1,resubmit(,10)"));
  EXPECT_TRUE(has("table=22,dl_vlan=1 actions=strip_vlan,set_tunnel:0x2a,output:5"));
}

// Seed 000's "OVS 网络 flat/vlan" sections: br-eth1 holds eth1; int-br-eth1 is br-int's
// ofport 1, phy-br-eth1 br-eth1's ofport 2.
TEST(DesiredTest, FlatAndVlanOnAPhysicalBridge) {
  AgentConfig c;
  c.host = "n1";
  c.bridge_mappings = {{"physnet1", "br-eth1"}};
  LocalView local;
  add(local, lport("int-br-eth1", "br-int", 1, "patch", {}, {{"peer", "phy-br-eth1"}}));
  add(local, lport("tapflat", "br-int", 2, "", vm("pf")));
  add(local, lport("tapvlan", "br-int", 3, "", vm("pv")));
  add(local, lport("eth1", "br-eth1", 1));
  add(local, lport("phy-br-eth1", "br-eth1", 2, "patch", {}, {{"peer", "int-br-eth1"}}));
  rpc::HostState st;
  st.host = "n1";
  st.ports = {bound("pf", "flat", "n1"), bound("pv", "vlan", "n1")};
  st.networks = {network("flat", "flat", std::nullopt, "physnet1"),
                 network("vlan", "vlan", 101, "physnet1")};
  Plan plan = plan_ports(c, st, local, {});
  // Local VLANs in plug order: the flat network's port came first.
  EXPECT_EQ(plan.lvids, (std::map<std::string, int>{{"flat", 1}, {"vlan", 2}}));
  auto flows = plan_flows(c, st, plan, local, kCookie);
  EXPECT_EQ(canon(flows["br-int"]),
            canon(with_cookie(
                {"table=0,priority=0 actions=NORMAL", "table=23,priority=0 actions=drop",
                 "table=24,priority=0 actions=drop", "table=0,priority=2,in_port=1 actions=drop",
                 "table=0,priority=3,in_port=1,dl_vlan=0xffff "
                 "actions=mod_vlan_vid:1,NORMAL",
                 "table=0,priority=3,in_port=1,dl_vlan=101 "
                 "actions=mod_vlan_vid:2,NORMAL"})));
  EXPECT_EQ(canon(flows["br-eth1"]),
            canon(with_cookie({"table=0,priority=0 actions=NORMAL",
                               "table=0,priority=2,in_port=2 actions=drop",
                               "table=0,priority=4,in_port=2,dl_vlan=1 actions=strip_vlan,NORMAL",
                               "table=0,priority=4,in_port=2,dl_vlan=2 "
                               "actions=mod_vlan_vid:101,NORMAL"})));
  EXPECT_EQ(plan.vm_ports[1].other_config.at("physical_network"), "physnet1");
  EXPECT_FALSE(flows.count("br-tun"));
}

TEST(DesiredTest, LocalNetworkIsOnlyATag) {
  AgentConfig c;
  c.host = "n1";
  LocalView local;
  add(local, lport("tap1", "br-int", 1, "", vm("p1")));
  rpc::HostState st;
  st.host = "n1";
  st.ports = {bound("p1", "loc", "n1")};
  st.networks = {network("loc", "local", std::nullopt)};
  Plan plan = plan_ports(c, st, local, {});
  ASSERT_EQ(plan.vm_ports.size(), 1u);
  EXPECT_FALSE(plan.vm_ports[0].dead);
  EXPECT_EQ(plan.vm_ports[0].tag, 1);
  EXPECT_EQ(canon(plan_flows(c, st, plan, local, kCookie)["br-int"]),
            canon(with_cookie(kSeedBrInt)));
}

TEST(DesiredTest, DeadPorts) {
  AgentConfig c;
  c.host = "n1";
  LocalView local;
  add(local, lport("tapunknown", "br-int", 4, "", vm("nobody")));
  add(local, lport("tapfailed", "br-int", 5, "", vm("pfail")));
  add(local, lport("tapvlan", "br-int", 6, "", vm("pvlan")));    // no bridge for physnet9
  add(local, lport("tapplain", "br-int", 7));                    // not a VM port: ignored
  add(local, lport("tapadmin", "br-int", 8, "", vm("padmin")));  // admin_state_up false
  rpc::HostState st;
  st.host = "n1";
  st.ports = {bound("pfail", "loc", "n1"), bound("pvlan", "v", "n1"), bound("padmin", "loc", "n1")};
  st.ports[0].vif_type = "binding_failed";
  st.ports[2].admin_state_up = false;
  st.networks = {network("loc", "local", std::nullopt), network("v", "vlan", 5, "physnet9")};
  Plan plan = plan_ports(c, st, local, {});
  EXPECT_EQ(plan.unbound, std::vector<std::string>{"nobody"});
  ASSERT_EQ(plan.vm_ports.size(), 4u);
  for (const auto& vp : plan.vm_ports) {
    EXPECT_TRUE(vp.dead) << vp.name;
    EXPECT_EQ(vp.tag, kDeadVlan);
  }
  EXPECT_TRUE(plan.lvids.empty());
  auto in = canon(plan_flows(c, st, plan, local, kCookie)["br-int"]);
  auto want = kSeedBrInt;
  for (int of : {4, 5, 6, 8}) {
    want.push_back("table=0,priority=2,in_port=" + std::to_string(of) + " actions=drop");
  }
  EXPECT_EQ(in, canon(with_cookie(want)));
  // A refused binding: the port stays dead and is not bound again.
  Plan p2 = plan_ports(c, st, local, {}, {"nobody"});
  EXPECT_TRUE(p2.unbound.empty());
  std::string all;
  for (const auto& w : port_commands(c, plan, local)) all += w + " ";
  EXPECT_NE(all.find("-- set Port tapunknown tag=4095 "), std::string::npos) << all;
}

TEST(DesiredTest, LocalVlansAreKeptReclaimedAndReused) {
  AgentConfig c;
  c.host = "n1";
  rpc::HostState st;
  st.host = "n1";
  st.networks = {network("a", "local", std::nullopt), network("b", "local", std::nullopt),
                 network("c", "local", std::nullopt)};
  st.ports = {bound("pa", "a", "n1"), bound("pb", "b", "n1"), bound("pc", "c", "n1")};
  LocalView local;
  add(local, lport("tapa", "br-int", 1, "", vm("pa")));
  add(local, lport("tapb", "br-int", 2, "", vm("pb")));
  Plan p1 = plan_ports(c, st, local, {});
  EXPECT_EQ(p1.lvids, (std::map<std::string, int>{{"a", 1}, {"b", 2}}));
  // a's last port goes: its VLAN is reclaimed; b keeps 2; c, plugged now, takes the free 1.
  local = LocalView();
  add(local, lport("tapb", "br-int", 2, "", vm("pb")));
  add(local, lport("tapc", "br-int", 3, "", vm("pc")));
  Plan p2 = plan_ports(c, st, local, p1.lvids);
  EXPECT_EQ(p2.lvids, (std::map<std::string, int>{{"b", 2}, {"c", 1}}));
}

TEST(DesiredTest, RecoverLocalVlansFromOtherConfig) {
  AgentConfig c;
  LocalView local;
  LocalPort p = lport("tap1", "br-int", 1, "", vm("p1"));
  p.tag = 7;
  p.other_config = {{"net_uuid", "n7"}, {"tag", "7"}};
  add(local, p);
  LocalPort stale = lport("tap2", "br-int", 2, "", vm("p2"));
  stale.tag = 4095;  // dead now: its record is stale
  stale.other_config = {{"net_uuid", "n8"}, {"tag", "3"}};
  add(local, stale);
  EXPECT_EQ(recover_lvids(c, local), (std::map<std::string, int>{{"n7", 7}}));
  rpc::HostState st;
  st.host = c.host = "n1";
  st.networks = {network("n7", "local", std::nullopt)};
  st.ports = {bound("p1", "n7", "n1")};
  EXPECT_EQ(plan_ports(c, st, local, recover_lvids(c, local)).lvids,
            (std::map<std::string, int>{{"n7", 7}}));
}

// Three VTEPs; the network has ports here and on n2 only: with l2population the tunnel goes to
// n2 alone, with unicast and ARP responder entries for n2's port.
TEST(DesiredTest, L2populationAndArpResponder) {
  AgentConfig c = vxlan_config("n1", "10.0.0.1");
  c.l2_population = true;
  c.arp_responder = true;
  LocalView local;
  add(local, lport("patch-tun", "br-int", 1, "patch", {}, {{"peer", "patch-int"}}));
  add(local, lport("tap1", "br-int", 2, "", vm("p1")));
  add(local, lport("patch-int", "br-tun", 1, "patch", {}, {{"peer", "patch-tun"}}));
  add(local, lport("vxlan-0a000002", "br-tun", 3, "vxlan"));
  add(local, lport("vxlan-0a000003", "br-tun", 4, "vxlan"));  // nobody needs it any more
  rpc::HostState st;
  st.host = "n1";
  st.ports = {bound("p1", "net", "n1")};
  rpc::NetworkInfo net = network("net", "vxlan", 100);
  net.remote_ports = {{"p2", "n2", "fa:16:3e:00:00:02", "compute:nova", {{"s", "172.16.0.2"}}}};
  st.networks = {net};
  st.tunnel_peers = {{"n2", "10.0.0.2", {"vxlan"}, true}, {"n3", "10.0.0.3", {"vxlan"}, true}};
  Plan plan = plan_ports(c, st, local, {});
  ASSERT_EQ(plan.tunnels.size(), 1u);
  EXPECT_EQ(plan.tunnels[0].name, "vxlan-0a000002");
  std::string all;
  for (const auto& w : port_commands(c, plan, local)) all += w + " ";
  EXPECT_NE(all.find("-- --if-exists del-port br-tun vxlan-0a000003 "), std::string::npos);
  auto tun = canon(plan_flows(c, st, plan, local, kCookie)["br-tun"]);
  std::vector<std::string> want = {
      "table=0,priority=1,in_port=1 actions=resubmit(,2)",
      "table=0,priority=1,in_port=3 actions=resubmit(,4)",
      "table=0,priority=0 actions=drop",
      "table=2,priority=1,arp,dl_dst=ff:ff:ff:ff:ff:ff actions=resubmit(,21)",
      "table=2,priority=0,dl_dst=00:00:00:00:00:00/01:00:00:00:00:00 actions=resubmit(,20)",
      "table=2,priority=0,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00 actions=resubmit(,22)",
      "table=3,priority=0 actions=drop",
      "table=4,priority=0 actions=drop",
      "table=6,priority=0 actions=drop",
      "table=4,priority=1,tun_id=0x64 actions=mod_vlan_vid:1,resubmit(,10)",
      kSeedBrTun[9],
      "table=20,priority=0 actions=resubmit(,22)",
      "table=20,priority=2,dl_vlan=1,dl_dst=fa:16:3e:00:00:02 "
      "actions=strip_vlan,set_tunnel:0x64,output:3",
      "table=21,priority=0 actions=resubmit(,22)",
      "table=21,priority=1,arp,dl_vlan=1,arp_tpa=172.16.0.2 "
      "actions=move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],mod_dl_src:fa:16:3e:00:00:02,"
      "load:0x2->NXM_OF_ARP_OP[],move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[],"
      "move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[],load:0xfa163e000002->NXM_NX_ARP_SHA[],"
      "load:0xac100002->NXM_OF_ARP_SPA[],IN_PORT",
      "table=22,dl_vlan=1 actions=strip_vlan,set_tunnel:0x64,output:3",
      "table=22,priority=0 actions=drop",
  };
  EXPECT_EQ(tun, canon(with_cookie(want)));
  // The remote port leaves: no VTEP needed, no tunnel, no flood flow.
  st.networks[0].remote_ports.clear();
  Plan p2 = plan_ports(c, st, local, plan.lvids);
  EXPECT_TRUE(p2.tunnels.empty());
}

TEST(DesiredTest, TunnelPortNames) {
  EXPECT_EQ(tunnel_port_name("vxlan", "166.66.16.11"), "vxlan-a642100b");
  EXPECT_EQ(tunnel_port_name("gre", "192.168.100.101"), "gre-c0a86465");
  EXPECT_EQ(int_patch_name("br-eth1"), "int-br-eth1");
  EXPECT_EQ(phy_patch_name("br-eth1"), "phy-br-eth1");
}

}  // namespace
}  // namespace nt::agent
