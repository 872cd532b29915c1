// Ports through the Api: IPAM (lowest free address, exhaustion, explicit addresses, releases,
// concurrency), MAC addresses, IPv6 SLAAC addresses, fixed_ips updates and the port attributes.
#include <set>
#include <thread>

#include "api_fixture.h"
#include "controller/ip.h"

namespace nt::controller {
namespace {

class PortTest : public ApiFixture {
 protected:
  Json port(const std::string& net, Json extra = Json::object(), int want = 201) {
    Json b = {{"network_id", net}};
    if (extra.is_object()) b.update(extra);
    Json r = post("port", b, want);
    return want == 201 ? r["port"] : r;
  }
  static std::string ip_of(const Json& p, size_t i = 0) { return p["fixed_ips"][i]["ip_address"]; }
  std::string refused(const std::string& net, Json extra, int want) {
    Json r = port(net, std::move(extra), want);
    return std::to_string(want) + " " + type_of(r) + ": " + message_of(r);
  }
};

TEST_F(PortTest, AddressesComeLowestFreeFirst) {
  std::string net = network();
  std::string sid = subnet(net, "10.0.0.0/24")["id"];
  Json a = port(net);
  EXPECT_EQ(a["fixed_ips"],
            Json::parse(R"([{"subnet_id":")" + sid + R"(","ip_address":"10.0.0.2"}])"));
  Json b = port(net);
  EXPECT_EQ(ip_of(b), "10.0.0.3");
  EXPECT_EQ(ip_of(port(net, {{"fixed_ips", {{{"ip_address", "10.0.0.4"}}}}})), "10.0.0.4");
  EXPECT_EQ(ip_of(port(net)), "10.0.0.5");  // the explicit .4 is skipped
  EXPECT_EQ(del("port", b["id"]), 204);
  EXPECT_EQ(ip_of(port(net)), "10.0.0.3");  // a released address is the lowest free again
  EXPECT_EQ(ip_of(port(net)), "10.0.0.6");
}

TEST_F(PortTest, ExhaustionAndRelease) {
  std::string net = network();
  subnet(net, "10.0.0.0/29");  // pool .2-.6
  std::vector<Json> ports;
  for (int i = 0; i < 5; ++i) ports.push_back(port(net));
  EXPECT_EQ(ip_of(ports.back()), "10.0.0.6");
  EXPECT_EQ(refused(net, {}, 409),
            "409 IpAddressGenerationFailure: No more IP addresses "
            "available on network " +
                net + ".");
  EXPECT_EQ(del("port", ports[2]["id"]), 204);
  EXPECT_EQ(ip_of(port(net)), "10.0.0.4");
  EXPECT_EQ(type_of(port(net, {}, 409)), "IpAddressGenerationFailure");
  // A full first subnet is not the end: the next IPv4 subnet gives the address.
  std::string second = subnet(net, "10.0.1.0/24")["id"];
  Json p = port(net);
  EXPECT_EQ(p["fixed_ips"][0]["subnet_id"], second);
  EXPECT_EQ(p["fixed_ips"].size(), 1u);  // one IPv4 address, not one per subnet
}

TEST_F(PortTest, ExplicitAddressErrors) {
  std::string net = network();
  std::string sid = subnet(net, "10.0.0.0/24")["id"];
  std::string other = subnet(network("other"), "10.9.0.0/24")["id"];
  port(net, {{"fixed_ips", {{{"subnet_id", sid}, {"ip_address", "10.0.0.9"}}}}});
  EXPECT_EQ(
      refused(net, {{"fixed_ips", {{{"ip_address", "10.0.0.9"}}}}}, 409),
      "409 IpAddressAlreadyAllocated: IP address 10.0.0.9 already allocated in subnet " + sid);
  EXPECT_EQ(refused(net, {{"fixed_ips", {{{"subnet_id", sid}, {"ip_address", "10.0.1.9"}}}}}, 400),
            "400 InvalidIpForSubnet: IP address 10.0.1.9 is not a valid IP for the specified "
            "subnet.");
  EXPECT_EQ(
      refused(net, {{"fixed_ips", {{{"subnet_id", sid}, {"ip_address", "10.0.0.255"}}}}}, 400),
      "400 InvalidIpForSubnet: IP address 10.0.0.255 is not a valid IP for the specified "
      "subnet.");
  EXPECT_EQ(refused(net, {{"fixed_ips", {{{"ip_address", "10.7.0.1"}}}}}, 400),
            "400 InvalidIpForNetwork: IP address 10.7.0.1 is not a valid IP for any of the subnets "
            "on the specified network.");
  EXPECT_EQ(refused(net, {{"fixed_ips", {{{"subnet_id", other}}}}}, 400),
            "400 InvalidInput: Invalid input for operation: Failed to create port on network " +
                net + ", because fixed_ips included invalid subnet " + other);
  EXPECT_EQ(
      type_of(port(net, {{"fixed_ips", {{{"subnet_id", "11111111-1111-1111-1111-111111111111"}}}}},
                   404)),
      "SubnetNotFound");
  Json six = Json::array();
  for (int i = 0; i < 6; ++i) six.push_back({{"subnet_id", sid}});
  EXPECT_EQ(refused(net, {{"fixed_ips", six}}, 400),
            "400 InvalidInput: Invalid input for operation: Exceeded maximum amount of fixed ips "
            "per port.");
  EXPECT_EQ(refused(net, {{"fixed_ips", {{{"ip_address", "10.0.0.x"}}}}}, 400),
            "400 HTTPBadRequest: Invalid input for fixed_ips. Reason: '10.0.0.x' is not a valid IP "
            "address.");
  EXPECT_EQ(type_of(port("11111111-1111-1111-1111-111111111111", {}, 404)), "NetworkNotFound");
  // Outside the pools but inside the subnet is allowed, as in Neutron (and never handed out).
  EXPECT_EQ(ip_of(port(net, {{"fixed_ips", {{{"ip_address", "10.0.0.1"}}}}})), "10.0.0.1");
  // Nothing of a failed create stays: .2 is still the next address.
  EXPECT_EQ(ip_of(port(net)), "10.0.0.2");
}

// 16 threads create ports on one subnet at once, more than it has addresses: every create is
// a 201 or IpAddressGenerationFailure, no address or MAC is handed out twice, and exactly the
// subnet's addresses are used.
TEST_F(PortTest, ConcurrentCreatesNeverShareAnAddressOrMac) {
  for (auto [cidr, capacity] : {std::pair{"10.0.0.0/29", 5}, std::pair{"10.0.1.0/27", 29}}) {
    std::string net = network(cidr);
    subnet(net, cidr);
    constexpr int kThreads = 16, kEach = 4;
    std::vector<std::vector<ApiResponse>> got(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kEach; ++i) {
          got[t].push_back(
              call("POST", "/v2.0/ports", Json{{"port", {{"network_id", net}}}}.dump()));
        }
      });
    }
    for (auto& th : threads) th.join();
    std::set<IpAddr> ips;
    std::set<std::string> macs;
    int created = 0, exhausted = 0;
    for (const auto& list : got) {
      for (const auto& r : list) {
        if (r.status == 201) {
          Json p = Json::parse(r.body)["port"];
          ++created;
          EXPECT_TRUE(ips.insert(*IpAddr::parse(ip_of(p))).second) << "duplicate " << ip_of(p);
          EXPECT_TRUE(macs.insert(p["mac_address"]).second);
        } else {
          EXPECT_EQ(r.status, 409) << r.body;
          EXPECT_EQ(type_of(Json::parse(r.body)), "IpAddressGenerationFailure");
          ++exhausted;
        }
      }
    }
    EXPECT_EQ(created, capacity) << cidr;
    EXPECT_EQ(exhausted, kThreads * kEach - capacity) << cidr;
    // The addresses are exactly the pool: network + 2 .. network + 1 + capacity.
    IpAddr first = IpPrefix::parse(cidr)->network;
    first.value += 2;
    IpAddr last = first;
    last.value += static_cast<unsigned>(capacity - 1);
    EXPECT_EQ(*ips.begin(), first) << cidr;
    EXPECT_EQ(*ips.rbegin(), last) << cidr;
  }
}

TEST_F(PortTest, MacAddresses) {
  std::string net = network();
  Json p = port(net);
  std::string mac = p["mac_address"];
  EXPECT_EQ(mac.substr(0, 9), "fa:16:3e:");
  EXPECT_EQ(refused(net, {{"mac_address", mac}}, 409),
            "409 MacAddressInUse: Unable to complete operation for network " + net +
                ". The mac address " + mac + " is in use.");
  EXPECT_EQ(port(network("n2"), {{"mac_address", mac}})["mac_address"], mac);  // other network
  EXPECT_EQ(port(net, {{"mac_address", "FA:16:3E:00:00:01"}})["mac_address"], "fa:16:3e:00:00:01");
  EXPECT_EQ(refused(net, {{"mac_address", "01:00:5e:00:00:01"}}, 400),
            "400 HTTPBadRequest: Invalid input for mac_address. Reason: '01:00:5e:00:00:01' is not "
            "a valid MAC address.");
  EXPECT_EQ(type_of(port(net, {{"mac_address", "fa:16:3e"}}, 400)), "HTTPBadRequest");
  EXPECT_EQ(del("port", p["id"]), 204);
  EXPECT_EQ(port(net, {{"mac_address", mac}})["mac_address"], mac);  // released with the port
}

TEST_F(PortTest, BaseMacKeepsItsFourthOctet) {
  config_.base_mac = "fa:16:3e:4f:00:00";
  api_ = std::make_unique<Api>(config_, *store_);
  std::string net = network();
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(port(net)["mac_address"].get<std::string>().substr(0, 12), "fa:16:3e:4f:");
  }
}

TEST_F(PortTest, Ipv6SlaacAndStateful) {
  std::string net = network();
  std::string v4 = subnet(net, "10.0.0.0/24")["id"];
  std::string slaac =
      subnet(net, "fd00:1::/64", {{"ipv6_ra_mode", "slaac"}, {"ipv6_address_mode", "slaac"}})["id"];
  std::string stateful =
      subnet(net, "fd00:2::/64", {{"ipv6_address_mode", "dhcpv6-stateful"}})["id"];
  Json p = port(net, {{"mac_address", "fa:16:3e:12:34:56"}});
  ASSERT_EQ(p["fixed_ips"].size(), 3u);
  EXPECT_EQ(ip_of(p, 0), "10.0.0.2");
  EXPECT_EQ(ip_of(p, 1), "fd00:1::f816:3eff:fe12:3456");  // EUI-64 of the MAC
  EXPECT_EQ(ip_of(p, 2), "fd00:2::2");
  EXPECT_EQ(refused(net, {{"fixed_ips", {{{"ip_address", "fd00:1::5"}}}}}, 400),
            "400 InvalidInput: Invalid input for operation: IPv6 address fd00:1::5 cannot be "
            "directly assigned to a port on subnet " +
                slaac + " since the subnet is configured for automatic addresses");
  // A SLAAC subnet added later gives existing ports (not router ports) their EUI-64 address.
  Json router = port(net, {{"device_owner", "network:router_interface"}});
  std::string slaac2 = subnet(
      net, "fd00:3::/64",
      {{"ipv6_address_mode", "dhcpv6-stateless"}, {"ipv6_ra_mode", "dhcpv6-stateless"}})["id"];
  Json again = get("port", p["id"]);
  ASSERT_EQ(again["fixed_ips"].size(), 4u);
  EXPECT_EQ(ip_of(again, 3), "fd00:3::f816:3eff:fe12:3456");
  EXPECT_EQ(again["revision_number"], 1);
  EXPECT_EQ(get("port", router["id"])["fixed_ips"].size(), 3u);
  // A new MAC (admin, unbound port) moves the EUI-64 addresses; the old MAC is free again.
  Json moved = put("port", p["id"], {{"mac_address", "fa:16:3e:ab:cd:ef"}})["port"];
  EXPECT_EQ(ip_of(moved, 0), "10.0.0.2");
  EXPECT_EQ(ip_of(moved, 1), "fd00:1::f816:3eff:feab:cdef");
  EXPECT_EQ(ip_of(moved, 3), "fd00:3::f816:3eff:feab:cdef");
  EXPECT_EQ(port(net, {{"mac_address", "fa:16:3e:12:34:56"}})["fixed_ips"].size(), 4u);
  EXPECT_EQ(type_of(put("port", p["id"], {{"mac_address", "fa:16:3e:12:34:56"}}, 409)),
            "MacAddressInUse");
  ApiResponse r = call("PUT", "/v2.0/ports/" + p["id"].get<std::string>(),
                       R"({"port": {"mac_address": "fa:16:3e:00:00:77"}})", {}, "fake_project_id");
  EXPECT_EQ(r.status, 403) << r.body;  // the owner, but not an admin
  EXPECT_EQ(get("port", p["id"])["mac_address"], "fa:16:3e:ab:cd:ef");
  Json only = port(net, {{"fixed_ips", {{{"subnet_id", slaac}}}}});
  ASSERT_EQ(only["fixed_ips"].size(), 1u);
  EXPECT_EQ(ip_of(only).substr(0, 9), "fd00:1::f");
  (void)v4;
  (void)stateful;
  (void)slaac2;
}

TEST_F(PortTest, FixedIpsUpdateIsAllOrNothing) {
  std::string net = network();
  std::string sid = subnet(net, "10.0.0.0/24")["id"];
  Json a = port(net);  // .2
  Json b = port(net);  // .3
  std::string id = a["id"];
  Json moved = put("port", id, {{"fixed_ips", {{{"ip_address", "10.0.0.50"}}}}})["port"];
  EXPECT_EQ(ip_of(moved), "10.0.0.50");
  EXPECT_EQ(moved["revision_number"], 1);
  EXPECT_EQ(ip_of(port(net)), "10.0.0.2");  // the old address was released
  // Asking for b's address fails and leaves a as it was.
  Json r = put("port", id, {{"fixed_ips", {{{"ip_address", "10.0.0.3"}}}}}, 409);
  EXPECT_EQ(type_of(r), "IpAddressAlreadyAllocated");
  EXPECT_EQ(ip_of(get("port", id)), "10.0.0.50");
  EXPECT_EQ(type_of(port(net, {{"fixed_ips", {{{"ip_address", "10.0.0.50"}}}}}, 409)),
            "IpAddressAlreadyAllocated");
  // A subnet-only entry keeps the address the port has there; a second one adds another.
  Json two = put("port", id, {{"fixed_ips", {{{"subnet_id", sid}}, {{"subnet_id", sid}}}}})["port"];
  ASSERT_EQ(two["fixed_ips"].size(), 2u);
  EXPECT_EQ(ip_of(two, 0), "10.0.0.4");
  EXPECT_EQ(ip_of(two, 1), "10.0.0.50");
  Json none = put("port", id, {{"fixed_ips", Json::array()}})["port"];
  EXPECT_EQ(none["fixed_ips"], Json::array());
  EXPECT_EQ(ip_of(port(net)), "10.0.0.4");
  (void)b;
}

TEST_F(PortTest, Attributes) {
  std::string net = network();
  subnet(net, "10.0.0.0/24");
  Json p = port(net, {{"name", "p1"}, {"device_owner", "compute:nova"}, {"device_id", "vm1"}});
  EXPECT_EQ(p["status"], "DOWN");
  EXPECT_EQ(p["admin_state_up"], true);
  EXPECT_EQ(p["binding:vif_type"], "unbound");
  EXPECT_EQ(p["binding:vnic_type"], "normal");
  EXPECT_EQ(p["binding:host_id"], "");
  EXPECT_EQ(p["binding:profile"], Json::object());
  EXPECT_EQ(p["binding:vif_details"], Json::object());
  EXPECT_EQ(p["security_groups"].size(), 1u);  // the project's default group
  Json sg = Json::parse(
      call("GET", "/v2.0/security-groups/" + p["security_groups"][0].get<std::string>()).body);
  EXPECT_EQ(sg["security_group"]["name"], "default");
  EXPECT_EQ(p["port_security_enabled"], true);
  EXPECT_EQ(p["allowed_address_pairs"], Json::array());
  EXPECT_EQ(p["device_owner"], "compute:nova");
  Json q = port(net, {{"allowed_address_pairs", Json::parse(R"([{"ip_address":"10.0.0.0/28"}])")},
                      {"extra_dhcp_opts", Json::parse(R"([{"opt_name":"bootfile-name",
                                                          "opt_value":"pxelinux.0"}])")}});
  EXPECT_EQ(q["allowed_address_pairs"][0]["mac_address"], q["mac_address"]);
  EXPECT_EQ(q["extra_dhcp_opts"][0]["ip_version"], 4);
  EXPECT_EQ(type_of(put("port", q["id"], {{"port_security_enabled", false}}, 409)),
            "PortSecurityPortHasSecurityGroup");
  EXPECT_EQ(
      type_of(put("port", q["id"],
                  {{"port_security_enabled", false}, {"security_groups", Json::array()}}, 409)),
      "AddressPairAndPortSecurityRequired");
  Json off = put("port", q["id"],
                 {{"port_security_enabled", false},
                  {"allowed_address_pairs", Json::array()},
                  {"security_groups", Json::array()}});
  EXPECT_EQ(off["port"]["port_security_enabled"], false);
  EXPECT_EQ(type_of(port(net, {{"allowed_address_pairs", Json::parse(R"([{"mac_address":
                                "fa:16:3e:00:00:01"}])")}},
                         400)),
            "AllowedAddressPairsMissingIP");
  EXPECT_EQ(
      type_of(port(net, {{"security_groups", {"11111111-1111-1111-1111-111111111111"}}}, 404)),
      "SecurityGroupNotFound");
  EXPECT_EQ(type_of(port(net, {{"binding:vnic_type", "fancy"}}, 400)), "HTTPBadRequest");
  EXPECT_EQ(type_of(port(net, {{"status", "ACTIVE"}}, 400)), "HTTPBadRequest");
  std::string insecure = post("network", {{"port_security_enabled", false}})["network"]["id"];
  subnet(insecure, "10.1.0.0/24");
  EXPECT_EQ(port(insecure)["port_security_enabled"], false);  // from the network
  EXPECT_EQ(type_of(port(insecure,
                         {{"allowed_address_pairs", Json::parse(R"([{"ip_address":"10.1.0.9"}])")}},
                         409)),
            "AddressPairAndPortSecurityRequired");
  Json u = put("port", p["id"], {{"name", "p1b"}, {"binding:host_id", "compute1"}})["port"];
  EXPECT_EQ(u["binding:host_id"], "compute1");
  EXPECT_EQ(u["name"], "p1b");
  EXPECT_EQ(put("port", p["id"], {{"mac_address", "fa:16:3e:00:00:09"}})["port"]["mac_address"],
            "fa:16:3e:00:00:09");  // an admin may change an unbound port's MAC
}

TEST_F(PortTest, ProjectsAndFilters) {
  std::string net = network();
  subnet(net, "10.0.0.0/24");
  Json p = port(net);
  // Another project neither sees the admin's network nor its ports.
  ApiResponse r =
      call("POST", "/v2.0/ports", Json{{"port", {{"network_id", net}}}}.dump(), {}, "p2");
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_EQ(call("GET", "/v2.0/ports/" + p["id"].get<std::string>(), "", {}, "p2").status, 404);
  std::string shared = post("network", {{"shared", true}})["network"]["id"];
  subnet(shared, "10.5.0.0/24");
  r = call("POST", "/v2.0/ports", Json{{"port", {{"network_id", shared}}}}.dump(), {}, "p2");
  ASSERT_EQ(r.status, 201) << r.body;
  Json mine = Json::parse(r.body)["port"];
  EXPECT_EQ(mine["project_id"], "p2");
  EXPECT_FALSE(mine.contains("binding:host_id"));  // binding attributes are for admins
  EXPECT_EQ(
      type_of(Json::parse(
          call("POST", "/v2.0/ports",
               Json{{"port", {{"network_id", shared}, {"binding:host_id", "h"}}}}.dump(), {}, "p2")
              .body)),
      "PolicyNotAuthorized");
  // The shared network's subnet is visible to p2, the private one is not; neither can be
  // changed by p2.
  auto seen = [&](const std::string& path) { return call("GET", path, "", {}, "p2").status; };
  Json shared_subnets = get("network", shared)["subnets"];
  std::string private_subnet = get("network", net)["subnets"][0];
  EXPECT_EQ(seen("/v2.0/subnets/" + shared_subnets[0].get<std::string>()), 200);
  EXPECT_EQ(seen("/v2.0/subnets/" + private_subnet), 404);
  r = call("GET", "/v2.0/subnets", "", {{"fields", "id"}}, "p2");
  EXPECT_EQ(Json::parse(r.body)["subnets"], Json::array({{{"id", shared_subnets[0]}}}));
  r = call("DELETE", "/v2.0/subnets/" + shared_subnets[0].get<std::string>(), "", {}, "p2");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(message_of(Json::parse(r.body)), "(rule:delete_subnet) is disallowed by policy");
  r = call("PUT", "/v2.0/networks/" + shared, R"({"network": {"name": "mine"}})", {}, "p2");
  EXPECT_EQ(r.status, 403);
  // p2 may change its own port.
  r = call("PUT", "/v2.0/ports/" + mine["id"].get<std::string>(), R"({"port": {"name": "m"}})", {},
           "p2");
  EXPECT_EQ(r.status, 200) << r.body;
  // fixed_ips=ip_address=A finds the port holding A.
  r = call("GET", "/v2.0/ports", "", {{"fixed_ips", "ip_address=10.0.0.2"}, {"fields", "id"}});
  EXPECT_EQ(Json::parse(r.body)["ports"], Json::array({{{"id", p["id"]}}}));
  r = call("GET", "/v2.0/ports", "", {{"network_id", shared}, {"fields", "id"}});
  EXPECT_EQ(Json::parse(r.body)["ports"].size(), 1u);
}

}  // namespace
}  // namespace nt::controller

namespace nt::controller {
namespace {

// Wrong types and shapes anywhere in a subnet or port body are a 4xx NeutronError, never a
// 5xx (nor a crash).
TEST_F(PortTest, MalformedBodiesAreClientErrors) {
  std::string net = network();
  std::string sid = subnet(net, "10.0.0.0/24")["id"];
  std::string pid = port(net)["id"];
  const char* subnet_bodies[] = {
      R"({"cidr": 10, "ip_version": 4})",
      R"({"cidr": "10.1.0.0/24", "ip_version": "four"})",
      R"({"cidr": "10.1.0.0/24", "ip_version": 4, "allocation_pools": "10.1.0.2-10.1.0.9"})",
      R"({"cidr": "10.1.0.0/24", "ip_version": 4, "allocation_pools": [5]})",
      R"({"cidr": "10.1.0.0/24", "ip_version": 4, "allocation_pools": [{"start": 1, "end": 2}]})",
      R"({"cidr": "10.1.0.0/24", "ip_version": 4, "host_routes": [[1]]})",
      R"({"cidr": "10.1.0.0/24", "ip_version": 4, "host_routes": [{"destination": "x",
          "nexthop": "y"}]})",
      R"({"cidr": "10.1.0.0/24", "ip_version": 4, "dns_nameservers": [{}]})",
      R"({"cidr": "10.1.0.0/24", "ip_version": 4, "gateway_ip": 7})",
      R"({"cidr": "10.1.0.0/24", "ip_version": 4, "enable_dhcp": "maybe"})",
      R"({"cidr": "10.1.0.0/24", "ip_version": 4, "ipv6_ra_mode": 6})",
      R"({"cidr": "::/128", "ip_version": 6})",
      R"({"cidr": "10.1.0.0/24", "ip_version": 4, "network_id": 5})",
  };
  for (const char* text : subnet_bodies) {
    Json body = Json::parse(text);
    if (!body.contains("network_id")) body["network_id"] = net;
    ApiResponse r = call("POST", "/v2.0/subnets", Json{{"subnet", body}}.dump());
    EXPECT_TRUE(r.status >= 400 && r.status < 500) << text << " -> " << r.body;
    EXPECT_TRUE(Json::parse(r.body).contains("NeutronError")) << text;
  }
  const char* port_bodies[] = {
      R"({"fixed_ips": "10.0.0.5"})",
      R"({"fixed_ips": [5]})",
      R"({"fixed_ips": [{"ip_address": 5}]})",
      R"({"fixed_ips": [{"subnet_id": 5}]})",
      R"({"fixed_ips": [{"subnet_id": "not-a-uuid"}]})",
      R"({"fixed_ips": [{"colour": "red"}]})",
      R"({"fixed_ips": [{}]})",
      R"({"mac_address": 5})",
      R"({"allowed_address_pairs": [5]})",
      R"({"allowed_address_pairs": [{"ip_address": 5}]})",
      R"({"allowed_address_pairs": [{"ip_address": "10.0.0.1", "mac_address": 1}]})",
      R"({"extra_dhcp_opts": [{"opt_name": 5}]})",
      R"({"extra_dhcp_opts": [{"opt_name": "a", "ip_version": 5}]})",
      R"({"extra_dhcp_opts": "x"})",
      R"({"security_groups": [5]})",
      R"({"binding:profile": "x"})",
      R"({"binding:vnic_type": 5})",
      R"({"network_id": ["x"]})",
  };
  for (const char* text : port_bodies) {
    Json body = Json::parse(text);
    if (!body.contains("network_id")) body["network_id"] = net;
    ApiResponse r = call("POST", "/v2.0/ports", Json{{"port", body}}.dump());
    EXPECT_TRUE(r.status >= 400 && r.status < 500) << text << " -> " << r.body;
    body.erase("network_id");
    if (body.empty()) continue;  // {"network_id": [..]}: an empty update is fine
    r = call("PUT", "/v2.0/ports/" + pid, Json{{"port", body}}.dump());
    EXPECT_TRUE(r.status >= 400 && r.status < 500) << "PUT " << text << " -> " << r.body;
  }
  for (const char* text : {R"({"gateway_ip": [1]})", R"({"allocation_pools": [{"start": "x"}]})",
                           R"({"host_routes": 5})", R"({"enable_dhcp": null})"}) {
    ApiResponse r = call("PUT", "/v2.0/subnets/" + sid, std::string(R"({"subnet": )") + text + "}");
    EXPECT_TRUE(r.status >= 400 && r.status < 500) << text << " -> " << r.body;
  }
  // Bytes that are not UTF-8 in the path or a filter come back replaced, not as a crash.
  for (const std::string path : {"/v2.0/ports/\xff\xfe", "/v2.0/subnets/a\xc3"}) {
    ApiResponse r = call("GET", path);
    EXPECT_EQ(r.status, 404);
    EXPECT_TRUE(type_of(Json::parse(r.body)).ends_with("NotFound")) << r.body;
  }
  ApiResponse bad = call("GET", "/v2.0/ports", "", {{"\xff", "x"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(message_of(Json::parse(bad.body)), "[\xef\xbf\xbd] is invalid attribute for filtering");
  // Nothing of all that stayed: the next port still gets .3.
  EXPECT_EQ(ip_of(port(net)), "10.0.0.3");
}

// Ports get their project's default group unless they name groups, have no port security or
// belong to the network (network:*); named groups must exist; a group in use stays.
TEST_F(PortTest, SecurityGroups) {
  std::string net = network();
  subnet(net, "10.0.0.0/24");
  Json p = port(net);
  ASSERT_EQ(p["security_groups"].size(), 1u);
  std::string def = p["security_groups"][0];
  EXPECT_EQ(port(net)["security_groups"], Json::array({def}));  // one default group, reused
  Json other = port(net, {{"tenant_id", "p2"}});                // another project's own default
  ASSERT_EQ(other["security_groups"].size(), 1u);
  EXPECT_NE(other["security_groups"][0], def);
  EXPECT_EQ(port(net, {{"device_owner", "network:dhcp"}})["security_groups"], Json::array());
  EXPECT_EQ(port(net, {{"port_security_enabled", false}})["security_groups"], Json::array());
  ApiResponse r = call("POST", "/v2.0/security-groups", R"({"security_group": {"name": "web"}})");
  ASSERT_EQ(r.status, 201) << r.body;
  std::string web = Json::parse(r.body)["security_group"]["id"];
  Json q = port(net, {{"security_groups", {web, web}}});
  EXPECT_EQ(q["security_groups"], Json::array({web}));
  EXPECT_EQ(put("port", q["id"], {{"security_groups", {def, web}}})["port"]["security_groups"],
            Json::array({def, web}));
  EXPECT_EQ(type_of(put("port", q["id"],
                        {{"security_groups", {"11111111-1111-1111-1111-111111111111"}}}, 404)),
            "SecurityGroupNotFound");
  r = call("PUT", "/v2.0/security-groups/" + web, R"({"security_group": {"stateful": false}})");
  EXPECT_EQ(r.status, 409);  // not while ports use it
  EXPECT_EQ(type_of(Json::parse(r.body)), "SecurityGroupInUse");
  r = call("PUT", "/v2.0/security-groups/" + web, R"({"security_group": {"stateful": true}})");
  EXPECT_EQ(r.status, 200);  // no change
  r = call("DELETE", "/v2.0/security-groups/" + web);
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(type_of(Json::parse(r.body)), "SecurityGroupInUse");
  EXPECT_EQ(message_of(Json::parse(r.body)), "Security Group " + web + " in use.");
  EXPECT_EQ(del("port", q["id"]), 204);
  r = call("PUT", "/v2.0/security-groups/" + web, R"({"security_group": {"stateful": false}})");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(call("DELETE", "/v2.0/security-groups/" + web).status, 204);
}

}  // namespace
}  // namespace nt::controller
