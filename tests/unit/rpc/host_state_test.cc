#include "rpc/host_state.h"

#include <gtest/gtest.h>

namespace nt::rpc {
namespace {

// The shape controller/feed.cc writes (GET /v2.0/neutrino/hosts/{host}/state).
const char kState[] = R"({
  "host": "compute01", "revision": 42,
  "ports": [{"id": "p1", "network_id": "n1", "mac_address": "fa:16:3e:fd:8a:ed",
             "device_owner": "compute:nova", "device_id": "vm2", "binding:host_id": "compute01",
             "binding:vif_type": "ovs", "status": "DOWN", "admin_state_up": true,
             "fixed_ips": [{"subnet_id": "s1", "ip_address": "172.16.100.4"}],
             "security_groups": ["sg1"], "something_new": {"x": 1}}],
  "networks": [{"id": "n1", "name": "vxlan100", "provider:network_type": "vxlan",
                "provider:physical_network": null, "provider:segmentation_id": 100,
                "mtu": 1450, "admin_state_up": true,
                "remote_ports": [{"id": "p0", "host": "controller",
                                  "mac_address": "fa:16:3e:8e:3b:12",
                                  "fixed_ips": [{"subnet_id": "s1", "ip_address": "172.16.100.3"}],
                                  "device_owner": "compute:nova"}]}],
  "subnets": [{"id": "s1", "network_id": "n1", "cidr": "172.16.100.0/24",
               "gateway_ip": "172.16.100.1", "ip_version": 4, "enable_dhcp": true}],
  "security_groups": [], "security_group_rules": [],
  "tunnel_peers": [{"host": "controller", "tunneling_ip": "166.66.16.10",
                    "tunnel_types": ["vxlan"], "admin_state_up": true}]})";

TEST(HostStateTest, ParsesTheServersDocument) {
  auto s = parse_host_state(kState);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->host, "compute01");
  EXPECT_EQ(s->revision, 42u);
  ASSERT_EQ(s->ports.size(), 1u);
  const PortInfo& p = s->ports[0];
  EXPECT_EQ(p.id, "p1");
  EXPECT_EQ(p.network_id, "n1");
  EXPECT_EQ(p.mac_address, "fa:16:3e:fd:8a:ed");
  EXPECT_EQ(p.host, "compute01");
  EXPECT_EQ(p.vif_type, "ovs");
  EXPECT_EQ(p.status, "DOWN");
  ASSERT_EQ(p.fixed_ips.size(), 1u);
  EXPECT_EQ(p.fixed_ips[0].ip_address, "172.16.100.4");
  ASSERT_EQ(s->networks.size(), 1u);
  const NetworkInfo& n = s->networks[0];
  EXPECT_EQ(n.network_type, "vxlan");
  EXPECT_EQ(n.physical_network, "");
  EXPECT_EQ(n.segmentation_id, 100u);
  EXPECT_EQ(n.mtu, 1450);
  ASSERT_EQ(n.remote_ports.size(), 1u);
  EXPECT_EQ(n.remote_ports[0].host, "controller");
  EXPECT_EQ(n.remote_ports[0].fixed_ips[0].ip_address, "172.16.100.3");
  ASSERT_EQ(s->subnets.size(), 1u);
  EXPECT_EQ(s->subnets[0].cidr, "172.16.100.0/24");
  ASSERT_EQ(s->tunnel_peers.size(), 1u);
  EXPECT_EQ(s->tunnel_peers[0].tunneling_ip, "166.66.16.10");
  EXPECT_EQ(s->tunnel_peers[0].tunnel_types, std::vector<std::string>{"vxlan"});
  EXPECT_EQ(s->find_port("p1"), &s->ports[0]);
  EXPECT_EQ(s->find_network("n1"), &s->networks[0]);
  EXPECT_EQ(s->find_port("nope"), nullptr);
}

TEST(HostStateTest, SecurityGroupsRulesAndMembers) {
  auto s = parse_host_state(R"({"host": "h", "revision": 3,
      "ports": [{"id": "p", "mac_address": "fa:16:3e:00:00:01", "security_groups": ["sg"],
                 "port_security_enabled": false,
                 "allowed_address_pairs": [{"ip_address": "10.0.0.0/24"},
                     {"ip_address": "10.1.0.9", "mac_address": "fa:16:3e:00:00:09"}]}],
      "security_group_rules": [
        {"id": "r1", "security_group_id": "sg", "direction": "ingress", "ethertype": "IPv4",
         "protocol": "tcp", "port_range_min": 22, "port_range_max": 22,
         "remote_ip_prefix": "10.0.0.0/8", "remote_group_id": null},
        {"id": "r2", "security_group_id": "sg", "direction": "egress", "ethertype": "IPv6",
         "protocol": null, "port_range_min": null, "port_range_max": null,
         "remote_ip_prefix": null, "remote_group_id": "sg"}],
      "security_group_members": [{"port_id": "p", "mac_address": "fa:16:3e:00:00:01",
                                  "security_groups": ["sg"], "ips": ["10.0.0.5", "fd00::5"]}]})");
  ASSERT_TRUE(s.ok()) << s.error().message;
  const PortInfo& p = s->ports[0];
  EXPECT_EQ(p.security_groups, std::vector<std::string>{"sg"});
  EXPECT_FALSE(p.port_security_enabled);
  ASSERT_EQ(p.allowed_address_pairs.size(), 2u);
  EXPECT_EQ(p.allowed_address_pairs[0].mac_address, "fa:16:3e:00:00:01");  // the port's own
  EXPECT_EQ(p.allowed_address_pairs[1].mac_address, "fa:16:3e:00:00:09");
  ASSERT_EQ(s->security_group_rules.size(), 2u);
  const SecurityGroupRule& r1 = s->security_group_rules[0];
  EXPECT_EQ(r1.protocol, "tcp");
  EXPECT_EQ(r1.port_range_min, 22);
  EXPECT_EQ(r1.remote_ip_prefix, "10.0.0.0/8");
  EXPECT_EQ(r1.remote_group_id, "");
  const SecurityGroupRule& r2 = s->security_group_rules[1];
  EXPECT_EQ(r2.direction, "egress");
  EXPECT_EQ(r2.ethertype, "IPv6");
  EXPECT_EQ(r2.protocol, "");
  EXPECT_FALSE(r2.port_range_min.has_value());
  EXPECT_EQ(r2.remote_group_id, "sg");
  ASSERT_EQ(s->security_group_members.size(), 1u);
  EXPECT_EQ(s->security_group_members[0].ips, (std::vector<std::string>{"10.0.0.5", "fd00::5"}));
  // A rule without its group, a port range that is no port: refused, naming the member.
  auto bad = parse_host_state(R"({"host": "h", "revision": 1, "security_group_rules": [
      {"id": "r", "direction": "ingress"}]})");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message,
            "host state: security group rule r: missing \"security_group_id\"");
  bad = parse_host_state(R"({"host": "h", "revision": 1, "security_group_rules": [
      {"id": "r", "security_group_id": "sg", "direction": "ingress", "port_range_min": 70000}]})");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message,
            "host state: security group rule r: \"port_range_min\" is out of range");
}

TEST(HostStateTest, FlatNetworkHasNoSegment) {
  auto s = parse_host_state(
      R"({"host": "h", "revision": 1, "networks": [{"id": "n", "provider:network_type": "flat",
          "provider:physical_network": "physnet1", "provider:segmentation_id": null}]})");
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_FALSE(s->networks[0].segmentation_id.has_value());
  EXPECT_EQ(s->networks[0].physical_network, "physnet1");
  EXPECT_TRUE(s->ports.empty());
}

TEST(HostStateTest, BadDocumentsAreRefusedNamingTheMember) {
  auto msg = [](const char* text) {
    auto s = parse_host_state(text);
    return s.ok() ? std::string("accepted") : s.error().message;
  };
  EXPECT_EQ(msg("{"), "host state: malformed JSON");
  EXPECT_EQ(msg("[]"), "host state: document: not an object");
  EXPECT_EQ(msg(R"({"host": "h"})"), "host state: document: missing \"revision\"");
  EXPECT_EQ(msg(R"({"host": "h", "revision": -1})"),
            "host state: document: \"revision\" is not a non-negative integer");
  EXPECT_EQ(msg(R"({"host": "h", "revision": 1, "ports": [{"network_id": "n"}]})"),
            "host state: port: missing \"id\"");
  EXPECT_EQ(msg(R"({"host": "h", "revision": 1, "ports": [{"id": "p", "status": 3}]})"),
            "host state: port p: \"status\" is not a string");
  EXPECT_EQ(msg(R"({"host": "h", "revision": 1, "networks": {}})"),
            "host state: document: \"networks\" is not an array");
  EXPECT_EQ(msg(R"({"host": "h", "revision": 1, "tunnel_peers": [{"host": "x"}]})"),
            "host state: tunnel peer: missing \"tunneling_ip\"");
}

// The routers scheduled to this host's L3 agent (controller/l3_agents.h writes them).
const char kRouters[] = R"({"host": "network1", "revision": 7, "routers": [
  {"id": "r1", "name": "router_100_101", "admin_state_up": true, "enable_snat": false,
   "gw_port": {"id": "g1", "mac_address": "fa:16:3e:00:00:01", "network_id": "ext",
               "device_owner": "network:router_gateway", "mtu": 1500,
               "fixed_ips": [{"subnet_id": "es", "ip_address": "10.10.10.2"}],
               "subnets": [{"id": "es", "cidr": "10.10.10.0/24", "gateway_ip": "10.10.10.1"}]},
   "interfaces": [{"id": "i1", "mac_address": "fa:16:3e:00:00:02", "network_id": "n1",
                   "device_owner": "network:router_interface", "mtu": 1450,
                   "fixed_ips": [{"subnet_id": "s1", "ip_address": "172.16.100.1"}],
                   "subnets": [{"id": "s1", "cidr": "172.16.100.0/24",
                                "gateway_ip": "172.16.100.1"}]}],
   "routes": [{"destination": "10.9.0.0/16", "nexthop": "172.16.100.9"}],
   "floating_ips": [{"id": "f1", "floating_ip_address": "10.10.10.5",
                     "fixed_ip_address": "172.16.100.4", "port_id": "p1", "status": "DOWN"}]},
  {"id": "r2"}]})";

TEST(HostStateTest, RoutersOfTheL3Agent) {
  auto s = parse_host_state(kRouters);
  ASSERT_TRUE(s.ok()) << s.error().message;
  ASSERT_EQ(s->routers.size(), 2u);
  const RouterInfo& r = s->routers[0];
  EXPECT_EQ(r.id, "r1");
  EXPECT_EQ(r.name, "router_100_101");
  EXPECT_FALSE(r.enable_snat);
  ASSERT_TRUE(r.gw_port.has_value());
  EXPECT_EQ(r.gw_port->device_owner, "network:router_gateway");
  EXPECT_EQ(r.gw_port->fixed_ips, (std::vector<FixedIp>{{"es", "10.10.10.2"}}));
  ASSERT_EQ(r.gw_port->subnets.size(), 1u);
  EXPECT_EQ(r.gw_port->subnets[0].gateway_ip, "10.10.10.1");
  ASSERT_EQ(r.interfaces.size(), 1u);
  EXPECT_EQ(r.interfaces[0].mtu, 1450);
  EXPECT_EQ(r.interfaces[0].subnets[0].cidr, "172.16.100.0/24");
  EXPECT_EQ(r.routes, (std::vector<HostRoute>{{"10.9.0.0/16", "172.16.100.9"}}));
  ASSERT_EQ(r.floating_ips.size(), 1u);
  EXPECT_EQ(r.floating_ips[0].floating_ip_address, "10.10.10.5");
  EXPECT_EQ(r.floating_ips[0].fixed_ip_address, "172.16.100.4");
  EXPECT_EQ(r.floating_ips[0].port_id, "p1");
  // Absent members take defaults: a router without gateway, interfaces or routes.
  const RouterInfo& bare = s->routers[1];
  EXPECT_TRUE(bare.admin_state_up);
  EXPECT_TRUE(bare.enable_snat);
  EXPECT_FALSE(bare.gw_port.has_value());
  EXPECT_TRUE(bare.interfaces.empty());
  // No routers member: none.
  auto none = parse_host_state(R"({"host": "h", "revision": 1})");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->routers.empty());
}

TEST(HostStateTest, BadRoutersAreRefusedNamingTheMember) {
  auto msg = [](const std::string& routers) {
    auto s = parse_host_state(R"({"host": "h", "revision": 1, "routers": )" + routers + "}");
    return s.ok() ? std::string("accepted") : s.error().message;
  };
  EXPECT_EQ(msg(R"([{"name": "x"}])"), "host state: router: missing \"id\"");
  EXPECT_EQ(msg(R"([{"id": "r", "enable_snat": "yes"}])"),
            "host state: router r: \"enable_snat\" is not a boolean");
  EXPECT_EQ(msg(R"([{"id": "r", "gw_port": []}])"), "host state: router r gw_port: not an object");
  EXPECT_EQ(msg(R"([{"id": "r", "interfaces": [{"id": "i", "mtu": "x"}]}])"),
            "host state: router r interface i: \"mtu\" is not a non-negative integer");
  EXPECT_EQ(msg(R"([{"id": "r", "routes": [{"destination": "0.0.0.0/0"}]}])"),
            "host state: router r: missing \"nexthop\"");
  EXPECT_EQ(msg(R"([{"id": "r", "floating_ips": [{"id": "f"}]}])"),
            "host state: router r floating ip f: missing \"floating_ip_address\"");
  EXPECT_EQ(msg(R"({})"), "host state: document: \"routers\" is not an array");
}

TEST(FeedPageTest, ParsesChangesWithBodies) {
  auto p = parse_feed_page(R"({"revision": 7, "more": true, "resync": false, "changes": [
      {"revision": 6, "kind": "port", "id": "p1", "op": "put", "body": {"id": "p1"}},
      {"revision": 7, "kind": "port", "id": "p2", "op": "delete"},
      {"revision": 7, "kind": "network", "id": "n1", "op": "put", "body": null}]})");
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->revision, 7u);
  EXPECT_TRUE(p->more);
  EXPECT_FALSE(p->resync);
  ASSERT_EQ(p->changes.size(), 3u);
  EXPECT_EQ(p->changes[0], (Change{6, "port", "p1", "put", R"({"id":"p1"})", false, "", ""}));
  EXPECT_EQ(p->changes[1], (Change{7, "port", "p2", "delete", "", false, "", ""}));
  EXPECT_EQ(p->changes[2].body, "");
  auto bad = parse_feed_page(R"({"revision": 7, "changes": [{"revision": 1, "kind": "port"}]})");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "change feed: change: missing \"id\"");
  auto resync = parse_feed_page(R"({"revision": 3, "changes": [], "resync": true})");
  ASSERT_TRUE(resync.ok());
  EXPECT_TRUE(resync->resync);
}

// A port put's header: both members strings, or no header at all (the body decides).
TEST(FeedPageTest, ReadsThePortHeader) {
  auto p = parse_feed_page(R"({"revision": 2, "changes": [
      {"revision": 1, "kind": "port", "id": "p1", "op": "put", "body": {"id": "p1"},
       "host": "h1", "network_id": "n1"},
      {"revision": 2, "kind": "port", "id": "p2", "op": "put", "body": {"id": "p2"},
       "host": "h1"},
      {"revision": 2, "kind": "port", "id": "p3", "op": "put", "body": {"id": "p3"},
       "host": null, "network_id": "n1"}]})");
  ASSERT_TRUE(p.ok()) << p.error().message;
  ASSERT_EQ(p->changes.size(), 3u);
  EXPECT_TRUE(p->changes[0].has_header);
  EXPECT_EQ(p->changes[0].host, "h1");
  EXPECT_EQ(p->changes[0].network_id, "n1");
  EXPECT_FALSE(p->changes[1].has_header);
  EXPECT_FALSE(p->changes[2].has_header);
}

TEST(PortTest, ParsesWrappedOrBare) {
  auto a = parse_port(R"({"port": {"id": "p", "binding:vif_type": "binding_failed"}})");
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->vif_type, "binding_failed");
  auto b = parse_port(R"({"id": "q", "admin_state_up": false})");
  ASSERT_TRUE(b.ok());
  EXPECT_FALSE(b->admin_state_up);
  EXPECT_FALSE(parse_port(R"({"port": 5})").ok());
}

}  // namespace
}  // namespace nt::rpc
