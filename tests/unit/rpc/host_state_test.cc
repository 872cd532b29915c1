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
  EXPECT_EQ(p->changes[0], (Change{6, "port", "p1", "put", R"({"id":"p1"})"}));
  EXPECT_EQ(p->changes[1], (Change{7, "port", "p2", "delete", ""}));
  EXPECT_EQ(p->changes[2].body, "");
  auto bad = parse_feed_page(R"({"revision": 7, "changes": [{"revision": 1, "kind": "port"}]})");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "change feed: change: missing \"id\"");
  auto resync = parse_feed_page(R"({"revision": 3, "changes": [], "resync": true})");
  ASSERT_TRUE(resync.ok());
  EXPECT_TRUE(resync->resync);
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
