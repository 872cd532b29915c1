// Subnets through the Api: defaults, CIDR and pool validation (IPv4 and IPv6) with Neutron's
// error types and codes, updates, and deletes that respect the ports using them.
#include "api_fixture.h"

namespace nt::controller {
namespace {

class SubnetTest : public ApiFixture {
 protected:
  // Creates a subnet that must fail; returns "<status> <type>: <message>".
  std::string refused(const Json& body, int want) {
    Json r = post("subnet", body, want);
    return std::to_string(want) + " " + type_of(r) + ": " + message_of(r);
  }
  Json v4(const std::string& net, Json extra = Json::object()) {
    Json b = {{"network_id", net}, {"ip_version", 4}, {"cidr", "10.0.0.0/24"}};
    b.update(extra);
    return b;
  }
};

TEST_F(SubnetTest, Ipv4Defaults) {
  std::string net = network();
  Json s = subnet(net, "10.0.0.0/24");
  EXPECT_EQ(s["cidr"], "10.0.0.0/24");
  EXPECT_EQ(s["gateway_ip"], "10.0.0.1");
  EXPECT_EQ(s["allocation_pools"], Json::parse(R"([{"start":"10.0.0.2","end":"10.0.0.254"}])"));
  EXPECT_EQ(s["enable_dhcp"], true);
  EXPECT_EQ(s["dns_nameservers"], Json::array());
  EXPECT_EQ(s["host_routes"], Json::array());
  EXPECT_TRUE(s["ipv6_ra_mode"].is_null());
  EXPECT_TRUE(s["subnetpool_id"].is_null());
  EXPECT_EQ(s["project_id"], "fake_project_id");
  EXPECT_EQ(get("network", net)["subnets"], Json::array({s["id"]}));
}

TEST_F(SubnetTest, GatewayExplicitOrNone) {
  Json none = subnet(network(), "10.0.0.0/24", {{"gateway_ip", nullptr}});
  EXPECT_TRUE(none["gateway_ip"].is_null());
  EXPECT_EQ(none["allocation_pools"], Json::parse(R"([{"start":"10.0.0.1","end":"10.0.0.254"}])"));
  Json mid = subnet(network(), "10.0.0.0/24", {{"gateway_ip", "10.0.0.100"}});
  EXPECT_EQ(mid["allocation_pools"], Json::parse(R"([{"start":"10.0.0.1","end":"10.0.0.99"},
                                                    {"start":"10.0.0.101","end":"10.0.0.254"}])"));
  std::string net = network();
  EXPECT_EQ(refused(v4(net, {{"gateway_ip", "10.0.0.0"}}), 400),
            "400 InvalidInput: Invalid input for operation: Gateway is not valid on subnet");
  EXPECT_EQ(refused(v4(net, {{"gateway_ip", "10.0.0.255"}}), 400),
            "400 InvalidInput: Invalid input for operation: Gateway is not valid on subnet");
  EXPECT_EQ(refused(v4(net, {{"gateway_ip", "fd00::1"}}), 400),
            "400 InvalidInput: Invalid input for operation: gateway_ip 'fd00::1' does not match "
            "the ip_version '4'");
  EXPECT_EQ(refused(v4(net, {{"gateway_ip", "10.0.0.x"}}), 400),
            "400 HTTPBadRequest: Invalid input for gateway_ip. Reason: '10.0.0.x' is not a valid "
            "IP address.");
}

TEST_F(SubnetTest, CidrIsCheckedAndNormalised) {
  std::string net = network();
  EXPECT_EQ(refused(v4(net, {{"cidr", "10.0.0.5/24"}}), 400),
            "400 HTTPBadRequest: Invalid input for cidr. Reason: '10.0.0.5/24' isn't a recognized "
            "IP subnet cidr, '10.0.0.0/24' is recommended.");
  EXPECT_EQ(refused(v4(net, {{"cidr", "10.0.0.0/33"}}), 400),
            "400 HTTPBadRequest: Invalid input for cidr. Reason: '10.0.0.0/33' is not a valid IP "
            "subnet.");
  EXPECT_EQ(
      refused(v4(net, {{"cidr", "0.0.0.0/0"}}), 400),
      "400 InvalidInput: Invalid input for operation: 0 is not allowed as CIDR prefix length");
  EXPECT_EQ(refused(v4(net, {{"ip_version", 5}}), 400),
            "400 HTTPBadRequest: Invalid input for ip_version. Reason: '5' is not in [4, 6].");
  EXPECT_EQ(refused(v4(net, {{"cidr", "fd00::/64"}}), 400),
            "400 InvalidInput: Invalid input for operation: cidr 'fd00::/64' does not match the "
            "ip_version '4'");
  EXPECT_EQ(refused(v4(net, {{"cidr", "10.0.0.0/31"}}), 400),
            "400 InvalidInput: Invalid input for operation: Subnet has a prefix length that is "
            "incompatible with DHCP service enabled.");
  EXPECT_EQ(refused(v4("00000000-0000-0000-0000-000000000000"), 404),
            "404 NetworkNotFound: Network 00000000-0000-0000-0000-000000000000 could not be "
            "found.");
  EXPECT_EQ(refused({{"network_id", net}, {"ip_version", 4}}, 400),
            "400 BadRequest: Bad subnets request: a cidr must be specified in the absence of a "
            "subnet pool.");
  Json v6 = subnet(net, "FD00:0:0:1::/64");
  EXPECT_EQ(v6["cidr"], "fd00:0:0:1::/64");
}

TEST_F(SubnetTest, OverlappingCidrsOnOneNetworkOnly) {
  std::string net = network();
  subnet(net, "10.0.0.0/24");
  EXPECT_EQ(refused(v4(net, {{"cidr", "10.0.0.128/25"}}), 400),
            "400 InvalidInput: Invalid input for operation: Requested subnet with cidr: "
            "10.0.0.128/25 for network: " +
                net + " overlaps with another subnet");
  subnet(network("other"), "10.0.0.0/24");  // another network may reuse the range
  subnet(net, "10.0.1.0/24");
}

TEST_F(SubnetTest, AllocationPoolErrors) {
  std::string net = network();
  auto pools = [&](Json p, Json extra = Json::object()) {
    Json b = v4(net, {{"allocation_pools", p}});
    b.update(extra);
    return b;
  };
  EXPECT_EQ(refused(pools(Json::parse(R"([{"start":"10.0.0.0","end":"10.0.0.9"}])")), 400),
            "400 OutOfBoundsAllocationPool: The allocation pool 10.0.0.0-10.0.0.9 spans beyond the "
            "subnet cidr 10.0.0.0/24.");
  EXPECT_EQ(refused(pools(Json::parse(R"([{"start":"10.0.0.250","end":"10.0.1.3"}])")), 400),
            "400 OutOfBoundsAllocationPool: The allocation pool 10.0.0.250-10.0.1.3 spans beyond "
            "the subnet cidr 10.0.0.0/24.");
  EXPECT_EQ(refused(pools(Json::parse(R"([{"start":"10.0.0.9","end":"10.0.0.2"}])")), 400),
            "400 InvalidAllocationPool: The allocation pool 10.0.0.9-10.0.0.2 is not valid.");
  EXPECT_EQ(refused(pools(Json::parse(R"([{"start":"10.0.0.2","end":"fd00::9"}])")), 400),
            "400 InvalidAllocationPool: The allocation pool 10.0.0.2-fd00::9 is not valid.");
  EXPECT_EQ(refused(pools(Json::parse(R"([{"start":"10.0.0.2","end":"10.0.0.20"},
                                         {"start":"10.0.0.20","end":"10.0.0.30"}])")),
                    409),
            "409 OverlappingAllocationPools: Found overlapping allocation pools: "
            "10.0.0.2-10.0.0.20 10.0.0.20-10.0.0.30 for subnet 10.0.0.0/24.");
  EXPECT_EQ(refused(pools(Json::parse(R"([{"start":"10.0.0.1","end":"10.0.0.20"}])")), 409),
            "409 GatewayConflictWithAllocationPools: Gateway ip 10.0.0.1 conflicts with "
            "allocation pool 10.0.0.1-10.0.0.20.");
  EXPECT_EQ(refused(pools(Json::parse(R"([{"start":"10.0.0.2"}])")), 400),
            "400 HTTPBadRequest: Invalid input for allocation_pools. Reason: Validation of "
            "dictionary's keys failed. Expected keys: {'end', 'start'} Provided keys: "
            "{'start'}.");
  EXPECT_EQ(refused(pools(Json::parse(R"([{"start":"10.0.0.2","end":"10.0.0.x"}])")), 400),
            "400 HTTPBadRequest: Invalid input for allocation_pools. Reason: '10.0.0.x' is not a "
            "valid IP address.");
  // Pools are returned sorted; an explicit gateway outside them is fine.
  Json ok = post("subnet", pools(Json::parse(R"([{"start":"10.0.0.50","end":"10.0.0.60"},
                                               {"start":"10.0.0.2","end":"10.0.0.9"}])")))
      ["subnet"];
  EXPECT_EQ(ok["allocation_pools"][0]["start"], "10.0.0.2");
  EXPECT_EQ(ok["allocation_pools"][1]["end"], "10.0.0.60");
}

TEST_F(SubnetTest, Ipv6DefaultsModesAndPools) {
  std::string net = network();
  Json s = subnet(net, "fd00:1::/64", {{"ipv6_ra_mode", "slaac"}, {"ipv6_address_mode", "slaac"}});
  EXPECT_EQ(s["gateway_ip"], "fd00:1::1");
  EXPECT_EQ(s["allocation_pools"],
            Json::parse(R"([{"start":"fd00:1::2","end":"fd00:1::ffff:ffff:ffff:ffff"}])"));
  EXPECT_EQ(s["ipv6_address_mode"], "slaac");
  Json b = {{"network_id", net}, {"ip_version", 6}, {"cidr", "fd00:2::/64"}};
  auto with = [&](Json extra) {
    Json x = b;
    x.update(extra);
    return x;
  };
  EXPECT_EQ(
      refused(with({{"ipv6_ra_mode", "slaac"}, {"ipv6_address_mode", "dhcpv6-stateful"}}), 400),
      "400 InvalidInput: Invalid input for operation: ipv6_ra_mode set to 'slaac' with "
      "ipv6_address_mode set to 'dhcpv6-stateful' is not valid. If both attributes are set, "
      "they must be the same value");
  EXPECT_EQ(refused(with({{"ipv6_address_mode", "slaac"}, {"cidr", "fd00:2::/80"}}), 400),
            "400 InvalidInput: Invalid input for operation: Invalid CIDR fd00:2::/80 for IPv6 "
            "address mode. OpenStack uses the EUI-64 address format, which requires the prefix "
            "to be /64");
  EXPECT_EQ(refused(with({{"ipv6_address_mode", "slaac"}, {"enable_dhcp", false}}), 400),
            "400 InvalidInput: Invalid input for operation: ipv6_ra_mode or ipv6_address_mode "
            "cannot be set when enable_dhcp is set to False.");
  EXPECT_EQ(refused(with({{"ipv6_address_mode", "auto"}}), 400),
            "400 HTTPBadRequest: Invalid input for ipv6_address_mode. Reason: 'auto' is not in "
            "['dhcpv6-stateful', 'dhcpv6-stateless', 'slaac'].");
  EXPECT_EQ(type_of(post("subnet", v4(net, {{"ipv6_ra_mode", "slaac"}}), 400)), "InvalidInput");
  EXPECT_EQ(
      refused(
          with({{"allocation_pools", Json::parse(R"([{"start":"fd00:2::","end":"fd00:2::9"}])")}}),
          400),
      "400 OutOfBoundsAllocationPool: The allocation pool fd00:2::-fd00:2::9 spans beyond "
      "the subnet cidr fd00:2::/64.");
  EXPECT_EQ(
      refused(
          with({{"allocation_pools", Json::parse(R"([{"start":"fd00:2::1","end":"fd00:2::9"}])")}}),
          409),
      "409 GatewayConflictWithAllocationPools: Gateway ip fd00:2::1 conflicts with "
      "allocation pool fd00:2::1-fd00:2::9.");
  Json stateful = post("subnet", with({{"ipv6_address_mode", "dhcpv6-stateful"},
                                       {"gateway_ip", "fd00:2::ffff"},
                                       {"allocation_pools", Json::parse(R"([{"start":"fd00:2::a",
                                         "end":"fd00:2::f"}])")}}))["subnet"];
  EXPECT_EQ(stateful["gateway_ip"], "fd00:2::ffff");
  Json r = put("subnet", s["id"], {{"enable_dhcp", false}}, 400);
  EXPECT_EQ(message_of(r),
            "Invalid input for operation: Cannot disable enable_dhcp with ipv6 attributes set");
  // The subnet-router anycast address may be an IPv6 gateway (not on IPv4, see above).
  EXPECT_EQ(subnet(network("v6gw"), "fd00:9::/64", {{"gateway_ip", "fd00:9::"}})["gateway_ip"],
            "fd00:9::");
}

TEST_F(SubnetTest, DnsAndHostRoutes) {
  std::string net = network();
  Json s = subnet(net, "10.0.0.0/24",
                  {{"dns_nameservers", {"8.8.8.8", "1.1.1.1"}},
                   {"host_routes", Json::parse(R"([{"destination":"192.168.0.0/16",
                                                   "nexthop":"10.0.0.254"}])")}});
  EXPECT_EQ(s["dns_nameservers"], Json({"8.8.8.8", "1.1.1.1"}));
  EXPECT_EQ(s["host_routes"][0]["nexthop"], "10.0.0.254");
  std::string net2 = network("n2");
  EXPECT_EQ(
      type_of(post("subnet",
                   v4(net2, {{"dns_nameservers",
                              {"1.1.1.1", "1.1.1.2", "1.1.1.3", "1.1.1.4", "1.1.1.5", "1.1.1.6"}}}),
                   400)),
      "DNSNameServersExhausted");
  EXPECT_EQ(refused(v4(net2, {{"dns_nameservers", {"1.1.1.1", "1.1.1.1"}}}), 400),
            "400 HTTPBadRequest: Invalid input for dns_nameservers. Reason: Duplicate nameserver "
            "'1.1.1.1'.");
  EXPECT_EQ(refused(v4(net2, {{"dns_nameservers", {"dns.example"}}}), 400),
            "400 HTTPBadRequest: Invalid input for dns_nameservers. Reason: 'dns.example' is not a "
            "valid nameserver.");
  EXPECT_EQ(
      type_of(post("subnet", v4(net2, {{"host_routes", Json::parse(R"([{"destination":"fd00::/64",
                                                                    "nexthop":"fd00::1"}])")}}),
                   400)),
      "InvalidInput");
}

TEST_F(SubnetTest, UpdateRevalidates) {
  std::string net = network();
  Json s = subnet(net, "10.0.0.0/24");
  std::string id = s["id"];
  EXPECT_EQ(type_of(put("subnet", id, {{"gateway_ip", "10.0.0.7"}}, 409)),
            "GatewayConflictWithAllocationPools");
  Json u = put("subnet", id,
               {{"name", "s1"},
                {"allocation_pools", Json::parse(R"([{"start":"10.0.0.10","end":"10.0.0.20"}])")},
                {"gateway_ip", "10.0.0.7"}})["subnet"];
  EXPECT_EQ(u["gateway_ip"], "10.0.0.7");
  EXPECT_EQ(u["revision_number"], 1);
  EXPECT_EQ(u["allocation_pools"].size(), 1u);
  EXPECT_EQ(put("subnet", id, {{"cidr", "10.1.0.0/24"}}, 400)["NeutronError"]["message"],
            "Cannot update read-only attribute cidr");
  EXPECT_EQ(put("subnet", id, {{"gateway_ip", nullptr}})["subnet"]["gateway_ip"], nullptr);
  // A failed update changed nothing.
  EXPECT_EQ(get("subnet", id)["allocation_pools"][0]["start"], "10.0.0.10");
}

TEST_F(SubnetTest, DeleteRespectsPorts) {
  std::string net = network();
  std::string sid = subnet(net, "10.0.0.0/24")["id"];
  std::string dhcp =
      post("port", {{"network_id", net}, {"device_owner", "network:dhcp"}})["port"]["id"];
  std::string vm = post("port", {{"network_id", net}})["port"]["id"];
  ApiResponse resp = call("DELETE", "/v2.0/subnets/" + sid);
  EXPECT_EQ(resp.status, 409);
  Json r = Json::parse(resp.body);
  EXPECT_EQ(type_of(r), "SubnetInUse");
  EXPECT_EQ(message_of(r), "Unable to complete operation on subnet " + sid +
                               ": One or more ports have an IP allocation from this subnet.");
  EXPECT_EQ(type_of(Json::parse(call("DELETE", "/v2.0/networks/" + net).body)), "NetworkInUse");
  EXPECT_EQ(del("port", vm), 204);
  // The network's last DHCP subnet takes its DHCP port along (dhcp.h; with another DHCP subnet
  // left the port only loses its address: dhcp_test.cc).
  EXPECT_EQ(del("subnet", sid), 204);
  EXPECT_EQ(call("GET", "/v2.0/ports/" + dhcp).status, 404);
  EXPECT_EQ(get("network", net)["subnets"], Json::array());
  EXPECT_EQ(del("subnet", sid), 404);
}

TEST_F(SubnetTest, NetworkDeleteTakesDhcpPortsAndSubnets) {
  std::string net = network();
  std::string sid = subnet(net, "10.0.0.0/24")["id"];
  std::string dhcp =
      post("port", {{"network_id", net}, {"device_owner", "network:dhcp"}})["port"]["id"];
  EXPECT_EQ(del("network", net), 204);
  EXPECT_EQ(call("GET", "/v2.0/subnets/" + sid).status, 404);
  EXPECT_EQ(call("GET", "/v2.0/ports/" + dhcp).status, 404);
  // The same range on a new network starts from .2 again: nothing of the old pool stayed.
  std::string net2 = network();
  subnet(net2, "10.0.0.0/24");
  EXPECT_EQ(post("port", {{"network_id", net2}})["port"]["fixed_ips"][0]["ip_address"], "10.0.0.2");
}

}  // namespace
}  // namespace nt::controller
