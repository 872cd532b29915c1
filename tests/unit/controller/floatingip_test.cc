// Floating IPs through the Api: allocation from the external subnet (the seed's 10.10.10.3
// after the router's 10.10.10.2), requested addresses, association through a router, port
// details, disassociation, release on delete, and the hooks on the ports and routers involved.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <vector>

#include "l3_fixture.h"

namespace nt::controller {
namespace {

class FloatingIpTest : public L3Fixture {
 protected:
  Json fip(Json extra = Json::object(), int want = 201) {
    Json b = {{"floating_network_id", ext_net_}};
    b.update(extra);
    Json r = post("floatingip", b, want);
    return want == 201 ? r["floatingip"] : r;
  }
  Json set_port(const Json& f, const Json& port_id, int want = 200) {
    Json r = put("floatingip", f["id"], {{"port_id", port_id}}, want);
    return want == 200 ? r["floatingip"] : r;
  }
  static std::string sid(const Json& j) { return j["id"]; }
};

TEST_F(FloatingIpTest, SeedAddressesAndAssociation) {
  std::string router_id = seed_router();
  Json vm = port_on(net_, {{"name", "cirros-vm1"}});
  EXPECT_EQ(vm["fixed_ips"][0]["ip_address"], "172.16.100.2");
  Json f = fip();
  EXPECT_EQ(f["floating_ip_address"], "10.10.10.3");
  EXPECT_EQ(f["floating_network_id"], ext_net_);
  EXPECT_EQ(f["status"], "DOWN");
  EXPECT_TRUE(f["port_id"].is_null());
  EXPECT_TRUE(f["router_id"].is_null());
  EXPECT_TRUE(f["fixed_ip_address"].is_null());
  EXPECT_TRUE(f["port_details"].is_null());
  EXPECT_FALSE(f.contains("subnet_id"));
  auto hidden = ports_of_device(f["id"]);
  ASSERT_EQ(hidden.size(), 1u);
  EXPECT_EQ(hidden[0]["device_owner"], "network:floatingip");
  EXPECT_EQ(hidden[0]["fixed_ips"][0]["ip_address"], "10.10.10.3");

  Json a = set_port(f, vm["id"]);
  EXPECT_EQ(a["port_id"], vm["id"]);
  EXPECT_EQ(a["fixed_ip_address"], "172.16.100.2");
  EXPECT_EQ(a["router_id"], router_id);
  EXPECT_EQ(a["port_details"], Json({{"name", "cirros-vm1"},
                                     {"network_id", net_},
                                     {"mac_address", vm["mac_address"]},
                                     {"admin_state_up", true},
                                     {"status", "DOWN"},
                                     {"device_id", ""},
                                     {"device_owner", ""}}));
  EXPECT_EQ(get("floatingip", f["id"])["router_id"], router_id);
  put("port", vm["id"], {{"name", "renamed"}});
  EXPECT_EQ(get("floatingip", f["id"])["port_details"]["name"], "renamed");

  Json d = set_port(a, nullptr);
  EXPECT_TRUE(d["port_id"].is_null());
  EXPECT_TRUE(d["router_id"].is_null());
  EXPECT_TRUE(d["fixed_ip_address"].is_null());
  EXPECT_TRUE(d["port_details"].is_null());
  // Delete releases the address and the hidden port.
  EXPECT_EQ(del("floatingip", f["id"]), 204);
  EXPECT_TRUE(ports_of_device(f["id"]).empty());
  EXPECT_EQ(fip()["floating_ip_address"], "10.10.10.3");
  ApiResponse gone = call("GET", "/v2.0/floatingips/" + sid(f));
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(error(Json::parse(gone.body)),
            "FloatingIPNotFound: Floating IP " + sid(f) + " could not be found");
}

TEST_F(FloatingIpTest, RequestedAddressAndCreateWithPort) {
  seed_router();
  Json vm = port_on(net_);
  Json f = fip({{"floating_ip_address", "10.10.10.50"}, {"port_id", vm["id"]}});
  EXPECT_EQ(f["floating_ip_address"], "10.10.10.50");
  EXPECT_EQ(f["fixed_ip_address"], "172.16.100.2");
  EXPECT_EQ(type_of(fip({{"floating_ip_address", "10.10.10.50"}}, 409)),
            "IpAddressAlreadyAllocated");
  EXPECT_EQ(type_of(fip({{"floating_ip_address", "10.99.0.1"}}, 400)), "InvalidIpForNetwork");
  EXPECT_EQ(fip({{"subnet_id", ext_subnet_}})["floating_ip_address"], "10.10.10.3");
  // The same fixed IP cannot have two floating IPs on one external network.
  Json second = fip();
  Json dup = set_port(second, vm["id"], 409);
  EXPECT_EQ(error(dup), "FloatingIPPortAlreadyAssociated: Cannot associate floating IP " +
                            second["floating_ip_address"].get<std::string>() + " (" + sid(second) +
                            ") with port " + sid(vm) +
                            " using fixed IP 172.16.100.2, as that fixed IP already has a "
                            "floating IP on external network " +
                            ext_net_ + ".");
  // Moving the first one away frees the fixed IP for the second.
  set_port(f, nullptr);
  EXPECT_EQ(set_port(second, vm["id"])["port_id"], vm["id"]);
}

TEST_F(FloatingIpTest, Errors) {
  Json bad = post("floatingip", {{"floating_network_id", net_}}, 400);
  EXPECT_EQ(error(bad), "BadRequest: Bad floatingip request: Network " + net_ +
                            " is not a valid external network.");
  bad = post("floatingip", {{"floating_network_id", "00000000-0000-0000-0000-000000000000"}}, 404);
  EXPECT_EQ(type_of(bad), "NetworkNotFound");
  bad = post("floatingip", Json::object(), 400);
  EXPECT_EQ(message_of(bad),
            "Failed to parse request. Required attribute 'floating_network_id' not specified");
  Json f = fip();
  EXPECT_EQ(f["floating_ip_address"], "10.10.10.2");  // no router yet: the first free address
  // No router reaches the port's subnet.
  Json vm = port_on(net_);
  Json nf = set_port(f, vm["id"], 404);
  EXPECT_EQ(error(nf), "ExternalGatewayForFloatingIPNotFound: External network " + ext_net_ +
                           " is not reachable from subnet " + subnet_ +
                           ".  Therefore, cannot associate Port " + sid(vm) +
                           " with a Floating IP.");
  // An interface without a gateway is not enough either.
  std::string r = router()["id"];
  action(r, "add_router_interface", {{"subnet_id", subnet_}});
  EXPECT_EQ(type_of(set_port(f, vm["id"], 404)), "ExternalGatewayForFloatingIPNotFound");
  set_gateway(r, ext_net_);
  EXPECT_EQ(set_port(f, vm["id"])["router_id"], r);
  Json other = put("floatingip", f["id"], {{"fixed_ip_address", "172.16.100.9"}}, 400);
  EXPECT_EQ(error(other), "BadRequest: Bad floatingip request: Port " + sid(vm) +
                              " does not have fixed ip 172.16.100.9.");
  EXPECT_EQ(type_of(set_port(f, "00000000-0000-0000-0000-000000000000", 404)), "PortNotFound");
  Json v6 = put("floatingip", f["id"], {{"fixed_ip_address", "fd00::5"}}, 400);
  EXPECT_EQ(message_of(v6),
            "Bad floatingip request: Cannot process floating IP association with fd00::5, since "
            "that is not an IPv4 address.");
  Json gw_port = ports_of_device(r)[0];
  EXPECT_EQ(
      message_of(set_port(f, gw_port["id"], 400)),
      "Bad floatingip request: Port " + sid(gw_port) + " is unable to be assigned a floating IP.");
  EXPECT_EQ(type_of(put("floatingip", f["id"], {{"floating_ip_address", "10.10.10.9"}}, 400)),
            "HTTPBadRequest");
}

TEST_F(FloatingIpTest, RouterHoldingTheGatewayIpWins) {
  std::string first = router({{"external_gateway_info", {{"network_id", ext_net_}}}})["id"];
  Json side = port_on(net_, {{"fixed_ips", {{{"ip_address", "172.16.100.90"}}}}});
  action(first, "add_router_interface", {{"port_id", side["id"]}});
  std::string second = seed_router();  // holds 172.16.100.1
  Json vm = port_on(net_);
  EXPECT_EQ(fip({{"port_id", vm["id"]}})["router_id"], second);
  action(second, "remove_router_interface", {{"subnet_id", subnet_}}, 409);
}

TEST_F(FloatingIpTest, HooksOnPortsAndRouters) {
  std::string router_id = seed_router();
  Json vm = port_on(net_);
  Json f = fip({{"port_id", vm["id"]}});
  // The floating IP's own port cannot go through the port API.
  Json hidden = ports_of_device(f["id"])[0];
  EXPECT_EQ(del("port", hidden["id"]), 409);
  // Nor the interface or the gateway it needs.
  Json busy = action(router_id, "remove_router_interface", {{"subnet_id", subnet_}}, 409);
  EXPECT_EQ(error(busy), "RouterInterfaceInUseByFloatingIP: Router interface for subnet " +
                             subnet_ + " on router " + router_id +
                             " cannot be deleted, as it is required by one or more floating IPs.");
  Json gw = put("router", router_id, {{"external_gateway_info", nullptr}}, 409);
  EXPECT_EQ(type_of(gw), "RouterExternalGatewayInUseByFloatingIp");
  // Deleting the associated port disassociates.
  EXPECT_EQ(del("port", vm["id"]), 204);
  Json now = get("floatingip", f["id"]);
  EXPECT_TRUE(now["port_id"].is_null());
  EXPECT_TRUE(now["router_id"].is_null());
  EXPECT_EQ(now["revision_number"], 1);
  // Now the interface can go, and a new port can take the same fixed IP and the floating IP.
  Json vm2 = port_on(net_);
  EXPECT_EQ(vm2["fixed_ips"][0]["ip_address"], "172.16.100.2");
  EXPECT_EQ(set_port(now, vm2["id"])["fixed_ip_address"], "172.16.100.2");
  set_port(now, nullptr);
  action(router_id, "remove_router_interface", {{"subnet_id", subnet_}});
  EXPECT_EQ(del("floatingip", f["id"]), 204);
  EXPECT_EQ(del("router", router_id), 204);
  EXPECT_EQ(del("network", ext_net_), 204);  // nothing of L3 left on it
}

TEST_F(FloatingIpTest, ListAndNonAdminVisibility) {
  seed_router();
  Json mine = fip();
  ApiResponse r = call("POST", "/v2.0/floatingips",
                       Json{{"floatingip", {{"floating_network_id", ext_net_}}}}.dump(), {}, "p2");
  ASSERT_EQ(r.status, 201) << r.body;
  Json theirs = Json::parse(r.body)["floatingip"];
  EXPECT_EQ(theirs["project_id"], "p2");
  Json list = Json::parse(call("GET", "/v2.0/floatingips", "", {}, "p2").body)["floatingips"];
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["id"], theirs["id"]);
  EXPECT_EQ(call("GET", "/v2.0/floatingips/" + sid(mine), "", {}, "p2").status, 404);
  r = call("POST", "/v2.0/floatingips",
           Json{{"floatingip",
                 {{"floating_network_id", ext_net_}, {"floating_ip_address", "10.10.10.60"}}}}
               .dump(),
           {}, "p2");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(message_of(Json::parse(r.body)),
            "(rule:create_floatingip:floating_ip_address) is disallowed by policy");
  list = Json::parse(
      call("GET", "/v2.0/floatingips", "", {{"floating_ip_address", theirs["floating_ip_address"]}})
          .body)["floatingips"];
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["id"], theirs["id"]);
}

// Latency of the L3 operations over the in-memory store (meaningful in a release build):
// prints median and worst per operation; checks only that every call succeeded.
TEST_F(FloatingIpTest, Latency) {
  using Clock = std::chrono::steady_clock;
  constexpr int kRounds = 200;
  std::string ext = ext_net_;
  std::map<std::string, std::vector<double>> us;
  auto timed = [&](const char* op, auto&& fn) {
    auto t0 = Clock::now();
    auto result = fn();
    us[op].push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    return result;
  };
  for (int i = 0; i < kRounds; ++i) {
    std::string net = network("t" + std::to_string(i));
    std::string sn = subnet(net, "192.168." + std::to_string(i % 250) + ".0/24")["id"];
    Json vm = port_on(net);
    std::string r = timed("router create", [&] {
      return post("router", {{"external_gateway_info", {{"network_id", ext}}}})["router"]["id"];
    });
    timed("add interface", [&] { return action(r, "add_router_interface", {{"subnet_id", sn}}); });
    Json f = timed("fip create", [&] { return fip(); });
    timed("fip associate", [&] { return set_port(f, vm["id"]); });
    timed("fip disassociate", [&] { return set_port(f, nullptr); });
    timed("fip delete", [&] { return del("floatingip", f["id"]); });
  }
  for (auto& [op, v] : us) {
    ASSERT_EQ(v.size(), static_cast<size_t>(kRounds));
    std::sort(v.begin(), v.end());
    std::printf("l3 latency %-17s median %7.1f us  worst %8.1f us\n", op.c_str(), v[v.size() / 2],
                v.back());
  }
}

// update_floatingip_statuses: the L3 agent of the floating IP's router sets ACTIVE (or ERROR);
// another router's report is ignored; disassociation is DOWN at once; bad bodies are refused.
TEST_F(FloatingIpTest, StatusesFromTheRoutersAgent) {
  std::string router_id = seed_router();
  Json vm = port_on(net_);
  Json f = set_port(fip(), vm["id"]);
  auto report = [&](const std::string& router, const Json& statuses, int want = 200,
                    const std::string& project = "") {
    ApiResponse r =
        call("POST", "/v2.0/neutrino/floatingip-status",
             Json{{"router_id", router}, {"fip_statuses", statuses}}.dump(), {}, project);
    EXPECT_EQ(r.status, want) << r.body;
    return Json::parse(r.body);
  };
  EXPECT_EQ(report("other-router", {{sid(f), "ACTIVE"}})["updated"], Json::array());
  EXPECT_EQ(get("floatingip", sid(f))["status"], "DOWN");
  EXPECT_EQ(report(router_id, {{sid(f), "ACTIVE"}, {"no-such-fip", "ACTIVE"}})["updated"],
            Json::array({sid(f)}));
  EXPECT_EQ(get("floatingip", sid(f))["status"], "ACTIVE");
  EXPECT_EQ(report(router_id, {{sid(f), "ACTIVE"}})["updated"], Json::array());  // no change
  EXPECT_EQ(
      error(report(router_id, {{sid(f), "UP"}}, 400)),
      "HTTPBadRequest: Invalid floating IP status 'UP' for " + sid(f) + " (ACTIVE, DOWN, ERROR)");
  EXPECT_EQ(report(router_id, {{sid(f), "ACTIVE"}}, 403, "p2")["NeutronError"]["type"],
            "PolicyNotAuthorized");
  ApiResponse bad = call("POST", "/v2.0/neutrino/floatingip-status", "{\"router_id\": 1}");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(set_port(f, nullptr)["status"], "DOWN");
}

}  // namespace
}  // namespace nt::controller
