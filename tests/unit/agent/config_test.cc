#include "agent/config.h"

#include <gtest/gtest.h>

#include "agent/local_view.h"

namespace nt::agent {
namespace {

std::string failure(const std::string& text) {
  auto c = parse_agent_config({{"openvswitch_agent.ini", text}});
  return c.ok() ? "" : c.error().message;
}

TEST(AgentConfigTest, NeutronsOptions) {
  auto c = parse_agent_config({{"neutron.conf", "[DEFAULT]\nhost = compute01\ncore_plugin = ml2\n"},
                               {"openvswitch_agent.ini",
                                "[ovs]\nlocal_ip = 166.66.16.11\n"
                                "bridge_mappings = physnet1:br-eth1, physnet2 : br-ex\n"
                                "[agent]\ntunnel_types = vxlan,gre\nl2_population = True\n"
                                "arp_responder = true\nreport_interval = 2.5\n"
                                "[securitygroup]\nfirewall_driver = noop\n"
                                "[unknown_section]\nx = y\n"}});
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->host, "compute01");
  EXPECT_EQ(c->integration_bridge, "br-int");
  EXPECT_EQ(c->tunnel_bridge, "br-tun");
  EXPECT_EQ(c->local_ip, "166.66.16.11");
  EXPECT_EQ(c->bridge_mappings, (std::vector<std::pair<std::string, std::string>>{
                                    {"physnet1", "br-eth1"}, {"physnet2", "br-ex"}}));
  EXPECT_EQ(c->bridge_of("physnet2"), "br-ex");
  EXPECT_EQ(c->bridge_of("physnet3"), "");
  EXPECT_EQ(c->tunnel_types, (std::vector<std::string>{"vxlan", "gre"}));
  EXPECT_TRUE(c->l2_population);
  EXPECT_TRUE(c->arp_responder);
  EXPECT_DOUBLE_EQ(c->report_interval, 2.5);
  EXPECT_EQ(c->firewall_driver, "noop");
}

TEST(AgentConfigTest, LaterFilesOverrideAndHostDefaults) {
  auto c = parse_agent_config(
      {{"a.ini", "[agent]\nreport_interval = 5\n"}, {"b.ini", "[agent]\nreport_interval = 7\n"}});
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_DOUBLE_EQ(c->report_interval, 7);
  EXPECT_FALSE(c->host.empty());  // gethostname()
}

TEST(AgentConfigTest, ErrorsNameFileSectionAndKey) {
  EXPECT_EQ(failure("[ovs]\nlocal_ip = 10.0.0\n"),
            "openvswitch_agent.ini: [ovs] local_ip: '10.0.0' is not an IPv4 address");
  EXPECT_EQ(failure("[ovs]\nbridge_mappings = physnet1\n"),
            "openvswitch_agent.ini: [ovs] bridge_mappings: 'physnet1' is not PHYSNET:BRIDGE");
  EXPECT_EQ(failure("[ovs]\nbridge_mappings = a:br1,a:br2\n"),
            "openvswitch_agent.ini: [ovs] bridge_mappings: physical network 'a' mapped twice");
  EXPECT_EQ(failure("[agent]\ntunnel_types = vxlan,geneve\n"),
            "openvswitch_agent.ini: [agent] tunnel_types: unknown tunnel type 'geneve' (vxlan, "
            "gre)");
  EXPECT_EQ(failure("[agent]\nl2_population = maybe\n"),
            "openvswitch_agent.ini: [agent] l2_population: 'maybe' is not a boolean");
  EXPECT_EQ(failure("[agent]\nreport_interval = soon\n"),
            "openvswitch_agent.ini: [agent] report_interval: 'soon' is not a non-negative "
            "number of seconds");
  EXPECT_EQ(failure("[securitygroup]\nfirewall_driver = iptables_hybrid\n"),
            "openvswitch_agent.ini: [securitygroup] firewall_driver: 'iptables_hybrid' is not "
            "supported (noop, openvswitch; iptables_hybrid needs Linux bridges the agent does not "
            "plug)");
  EXPECT_EQ(failure("[agent]\ntunnel_types = vxlan\n"),
            "[ovs] local_ip: required with [agent] tunnel_types");
  EXPECT_EQ(failure("[ovs]\nintegration_bridge =\n"),
            "openvswitch_agent.ini: [ovs] integration_bridge: must not be empty");
  EXPECT_EQ(failure("[ovs\n"), "openvswitch_agent.ini:1: malformed section");
}

// `nvs-vsctl --format=json` of local_view_command(), as the daemon answers it.
TEST(LocalViewTest, ParsesTheThreeTables) {
  const char out[] =
      R"({"data":[["br-int",["set",[["uuid","992ff1fa-9718-4083-95c4-a9b9cffa932a"],["uuid","fd25845c-f3a5-41f5-944c-0337e16ac69e"]]],"secure"]],"headings":["name","ports","fail_mode"]})"
      "\n"
      R"({"data":[[["uuid","992ff1fa-9718-4083-95c4-a9b9cffa932a"],"br-int",["set",[]],["map",[]],["uuid","b4e2a0fe-da62-42f7-abca-fe36198639ee"],["set",[]],["set",[]]],[["uuid","fd25845c-f3a5-41f5-944c-0337e16ac69e"],"tap1",1,["map",[["net_uuid","n1"],["tag","1"]]],["uuid","e5b2788f-fbb2-4e63-8fd9-e990757699ee"],"trunk",["set",[4095,5]]]],"headings":["_uuid","name","tag","other_config","interfaces","vlan_mode","trunks"]})"
      "\n"
      R"({"data":[[["uuid","b4e2a0fe-da62-42f7-abca-fe36198639ee"],"br-int","internal",65534,["map",[]],["map",[]]],[["uuid","e5b2788f-fbb2-4e63-8fd9-e990757699ee"],"tap1","",1,["map",[["iface-id","abc"]]],["map",[["peer","x"]]]]],"headings":["_uuid","name","type","ofport","external_ids","options"]})"
      "\n";
  auto v = parse_local_view(out);
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(v->bridges.at("br-int"), (std::vector<std::string>{"br-int", "tap1"}));
  EXPECT_EQ(v->fail_mode.at("br-int"), "secure");
  const LocalPort* p = v->port("tap1");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->bridge, "br-int");
  EXPECT_EQ(p->ofport, 1);
  EXPECT_EQ(p->tag, 1);
  EXPECT_EQ(p->vlan_mode, "trunk");
  EXPECT_EQ(p->trunks, (std::set<int64_t>{5, 4095}));
  EXPECT_EQ(p->other_config.at("net_uuid"), "n1");
  EXPECT_EQ(p->external_ids.at("iface-id"), "abc");
  EXPECT_EQ(p->options.at("peer"), "x");
  EXPECT_EQ(v->port("br-int")->type, "internal");
  EXPECT_FALSE(v->port("br-int")->tag.has_value());
  EXPECT_EQ(v->ofport("nope"), -1);
  EXPECT_FALSE(parse_local_view("{\"data\":[]}\n").ok());
  EXPECT_FALSE(parse_local_view("nonsense").ok());
}

TEST(AgentConfigTest, DhcpOptions) {
  auto c = parse_agent_config({{"dhcp_agent.ini",
                                "[DEFAULT]\nhost = h\nenable_isolated_metadata = True\n"
                                "dhcp_lease_duration = 600\nstate_path = /tmp/x\n"
                                "dnsmasq_dns_servers = 8.8.8.8, 1.1.1.1\ndns_domain = lab\n"}});
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_TRUE(c->dhcp.enable_isolated_metadata);
  EXPECT_FALSE(c->dhcp.force_metadata);
  EXPECT_EQ(c->dhcp.lease_duration, 600);
  EXPECT_EQ(c->dhcp.state_path, "/tmp/x");
  EXPECT_EQ(c->dhcp.dns_domain, "lab");
  EXPECT_EQ(c->dhcp.dnsmasq_dns_servers, (std::vector<std::string>{"8.8.8.8", "1.1.1.1"}));
  EXPECT_EQ(
      parse_agent_config({{"f", "[DEFAULT]\ndhcp_lease_duration = -1\n"}})->dhcp.lease_duration,
      -1);
  auto bad = parse_agent_config({{"f", "[DEFAULT]\ndhcp_lease_duration = soon\n"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("f: [DEFAULT] dhcp_lease_duration"), std::string::npos);
  EXPECT_FALSE(parse_agent_config({{"f", "[DEFAULT]\nstate_path = rel\n"}}).ok());
  EXPECT_FALSE(parse_agent_config({{"f", "[DEFAULT]\ndnsmasq_dns_servers = x\n"}}).ok());
}

TEST(LocalViewTest, DbSeqno) {
  EXPECT_EQ(parse_db_seqno("1bc841204ff95b9b 2\n"), (DbSeqno{"1bc841204ff95b9b", 2}));
  EXPECT_FALSE(parse_db_seqno("garbage").has_value());
}

}  // namespace
}  // namespace nt::agent
