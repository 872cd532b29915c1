// Routers through the Api: attributes, the external gateway (the seed's 10.10.10.2), interfaces
// by subnet and by port (the seed's 172.16.100.1) with Neutron's errors, extra routes, the
// ports a router owns, and what non-admins see.
#include <set>

#include "controller/resource.h"
#include "l3_fixture.h"

namespace nt::controller {
namespace {

class RouterTest : public L3Fixture {
 protected:
  static std::string sid(const Json& j) { return j["id"]; }
};

TEST_F(RouterTest, CreateShowsNeutronAttributes) {
  Json r = router({{"name", "router_100_101"}});
  EXPECT_EQ(r["name"], "router_100_101");
  EXPECT_EQ(r["status"], "ACTIVE");
  EXPECT_EQ(r["admin_state_up"], true);
  EXPECT_TRUE(r["external_gateway_info"].is_null());
  EXPECT_EQ(r["routes"], Json::array());
  EXPECT_EQ(r["distributed"], false);
  EXPECT_EQ(r["ha"], false);
  EXPECT_EQ(r["project_id"], "fake_project_id");
  EXPECT_EQ(r["tenant_id"], "fake_project_id");
  EXPECT_EQ(r["revision_number"], 0);
  EXPECT_TRUE(is_uuid(r["id"]));
  EXPECT_EQ(get("router", r["id"])["name"], "router_100_101");
  EXPECT_EQ(error(router({{"routes", Json::array()}}, 400)),
            "HTTPBadRequest: Attribute 'routes' not allowed in POST");
  EXPECT_EQ(error(router({{"status", "DOWN"}}, 400)),
            "HTTPBadRequest: Attribute 'status' not allowed in POST");
  ApiResponse missing = call("GET", "/v2.0/routers/00000000-0000-0000-0000-000000000000");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(error(Json::parse(missing.body)),
            "RouterNotFound: Router 00000000-0000-0000-0000-000000000000 could not be found");
}

TEST_F(RouterTest, GatewayTakesTheFirstFreeExternalAddress) {
  std::string id = router({{"name", "r"}})["id"];
  Json r = set_gateway(id, ext_net_);
  EXPECT_EQ(
      r["external_gateway_info"],
      Json({{"network_id", ext_net_},
            {"enable_snat", true},
            {"external_fixed_ips", {{{"subnet_id", ext_subnet_}, {"ip_address", "10.10.10.2"}}}}}));
  EXPECT_EQ(r["revision_number"], 1);
  auto ports = ports_of_device(id);
  ASSERT_EQ(ports.size(), 1u);
  EXPECT_EQ(ports[0]["device_owner"], "network:router_gateway");
  EXPECT_EQ(ports[0]["project_id"], "");
  EXPECT_EQ(ports[0]["network_id"], ext_net_);
  // Clearing the gateway ({} as `router unset --external-gateway` sends) frees the port.
  Json cleared = put("router", id, {{"external_gateway_info", Json::object()}})["router"];
  EXPECT_TRUE(cleared["external_gateway_info"].is_null());
  EXPECT_TRUE(ports_of_device(id).empty());
  Json again = router({{"external_gateway_info", {{"network_id", ext_net_}}}});
  EXPECT_EQ(again["external_gateway_info"]["external_fixed_ips"][0]["ip_address"], "10.10.10.2");
}

TEST_F(RouterTest, GatewayOptionsAndErrors) {
  Json r = router({{"external_gateway_info",
                    {{"network_id", ext_net_},
                     {"enable_snat", false},
                     {"external_fixed_ips", {{{"ip_address", "10.10.10.77"}}}}}}});
  EXPECT_EQ(r["external_gateway_info"]["enable_snat"], false);
  EXPECT_EQ(r["external_gateway_info"]["external_fixed_ips"][0]["ip_address"], "10.10.10.77");
  // Same network: only enable_snat changes, the address stays.
  Json same = put("router", r["id"],
                  {{"external_gateway_info", {{"network_id", ext_net_}, {"enable_snat", true}}}});
  EXPECT_EQ(same["router"]["external_gateway_info"]["enable_snat"], true);
  EXPECT_EQ(same["router"]["external_gateway_info"]["external_fixed_ips"][0]["ip_address"],
            "10.10.10.77");
  Json bad = put("router", r["id"], {{"external_gateway_info", {{"network_id", net_}}}}, 400);
  EXPECT_EQ(error(bad),
            "BadRequest: Bad router request: Network " + net_ + " is not an external network.");
  bad = router({{"external_gateway_info", {{"network_id", ext_net_}, {"colour", 1}}}}, 400);
  EXPECT_EQ(type_of(bad), "HTTPBadRequest");
  bad = router(
      {{"external_gateway_info",
        {{"network_id", ext_net_}, {"external_fixed_ips", {{{"ip_address", "10.10.10.77"}}}}}}},
      409);
  EXPECT_EQ(type_of(bad), "IpAddressAlreadyAllocated");
  bad = router(
      {{"external_gateway_info", {{"network_id", "00000000-0000-0000-0000-000000000000"}}}}, 404);
  EXPECT_EQ(type_of(bad), "NetworkNotFound");
  // A failed create leaves nothing behind: the next gateway still gets .2.
  EXPECT_EQ(
      router({{"external_gateway_info",
               {{"network_id",
                 ext_net_}}}})["external_gateway_info"]["external_fixed_ips"][0]["ip_address"],
      "10.10.10.2");
}

TEST_F(RouterTest, ExternalNetworkWithGatewaysStaysExternal) {
  std::string id = router({{"external_gateway_info", {{"network_id", ext_net_}}}})["id"];
  Json r = put("network", ext_net_, {{"router:external", false}}, 409);
  EXPECT_EQ(error(r), "ExternalNetworkInUse: External network " + ext_net_ +
                          " cannot be updated to be made non-external, since it has existing "
                          "gateway ports.");
  put("network", ext_net_, {{"name", "still-external"}});
  put("router", id, {{"external_gateway_info", nullptr}});
  EXPECT_EQ(put("network", ext_net_, {{"router:external", false}})["network"]["router:external"],
            false);
}

TEST_F(RouterTest, EnableSnatDefaultComesFromConfig) {
  config_.enable_snat_by_default = false;
  api_ = std::make_unique<Api>(config_, *store_);
  Json r = router({{"external_gateway_info", {{"network_id", ext_net_}}}});
  EXPECT_EQ(r["external_gateway_info"]["enable_snat"], false);
}

TEST_F(RouterTest, InterfaceBySubnetTakesTheGatewayIp) {
  std::string id = router({{"name", "router_100_101"}})["id"];
  Json info = action(id, "add_router_interface", {{"subnet_id", subnet_}});
  auto ports = ports_of_device(id);
  ASSERT_EQ(ports.size(), 1u);
  const Json& port = ports[0];
  EXPECT_EQ(info, Json({{"id", id},
                        {"tenant_id", "fake_project_id"},
                        {"project_id", "fake_project_id"},
                        {"port_id", port["id"]},
                        {"network_id", net_},
                        {"subnet_id", subnet_},
                        {"subnet_ids", {subnet_}}}));
  EXPECT_EQ(port["device_owner"], "network:router_interface");
  EXPECT_EQ(port["fixed_ips"], Json({{{"subnet_id", subnet_}, {"ip_address", "172.16.100.1"}}}));
  EXPECT_EQ(get("router", id)["revision_number"], 1);
  // The gateway address was not taken from the pool: the first VM port still gets .2.
  EXPECT_EQ(port_on(net_)["fixed_ips"][0]["ip_address"], "172.16.100.2");
  Json removed = action(id, "remove_router_interface", {{"subnet_id", subnet_}});
  EXPECT_EQ(removed["port_id"], port["id"]);
  EXPECT_TRUE(ports_of_device(id).empty());
  EXPECT_EQ(call("GET", "/v2.0/ports/" + port["id"].get<std::string>()).status, 404);
}

TEST_F(RouterTest, InterfaceErrors) {
  std::string id = router()["id"];
  action(id, "add_router_interface", {{"subnet_id", subnet_}});
  EXPECT_EQ(error(action(id, "add_router_interface", {{"subnet_id", subnet_}}, 400)),
            "BadRequest: Bad router request: Router already has a port on subnet " + subnet_ + ".");
  set_gateway(id, ext_net_);  // the gateway's subnet counts too, the interfaces' still do
  EXPECT_EQ(
      error(action(id, "add_router_interface", {{"subnet_id", ext_subnet_}}, 400)),
      "BadRequest: Bad router request: Router already has a port on subnet " + ext_subnet_ + ".");
  EXPECT_EQ(error(action(id, "add_router_interface", {{"subnet_id", subnet_}}, 400)),
            "BadRequest: Bad router request: Router already has a port on subnet " + subnet_ + ".");
  std::string overlapping = subnet(network("other"), "172.16.100.0/25")["id"];
  EXPECT_EQ(error(action(id, "add_router_interface", {{"subnet_id", overlapping}}, 400)),
            "BadRequest: Bad router request: Cidr 172.16.100.0/25 of subnet " + overlapping +
                " overlaps with cidr 172.16.100.0/24 of subnet " + subnet_ + ".");
  std::string nogw = subnet(network("nogw"), "172.16.9.0/24", {{"gateway_ip", nullptr}})["id"];
  EXPECT_EQ(error(action(id, "add_router_interface", {{"subnet_id", nogw}}, 400)),
            "BadRequest: Bad router request: Subnet for router interface must have a gateway IP.");
  EXPECT_EQ(
      error(action(id, "add_router_interface", {{"subnet_id", nogw}, {"port_id", nogw}}, 400)),
      "BadRequest: Bad router request: Cannot specify both subnet-id and port-id.");
  EXPECT_EQ(error(action(id, "add_router_interface", Json::object(), 400)),
            "BadRequest: Bad router request: Either subnet_id or port_id must be specified.");
  EXPECT_EQ(error(action(id, "add_router_interface", {{"subnet_id", "nope"}}, 400)),
            "BadRequest: Bad router request: 'nope' is not a valid UUID.");
  const std::string none = "00000000-0000-0000-0000-000000000000";
  EXPECT_EQ(type_of(action(id, "add_router_interface", {{"subnet_id", none}}, 404)),
            "SubnetNotFound");
  EXPECT_EQ(
      error(action(id, "remove_router_interface", {{"subnet_id", nogw}}, 404)),
      "RouterInterfaceNotFoundForSubnet: Router " + id + " has no interface on subnet " + nogw);
  EXPECT_EQ(
      error(action(id, "remove_router_interface", {{"port_id", none}}, 404)),
      "RouterInterfaceNotFound: Router " + id + " does not have an interface with id " + none);
  EXPECT_EQ(type_of(action(none, "add_router_interface", {{"subnet_id", subnet_}}, 404)),
            "RouterNotFound");
  EXPECT_EQ(call("GET", "/v2.0/routers/" + id + "/add_router_interface").status, 405);
  EXPECT_EQ(call("PUT", "/v2.0/routers/" + id + "/frobnicate", "{}").status, 404);
}

TEST_F(RouterTest, InterfaceByPort) {
  std::string id = router()["id"];
  Json port = port_on(net_, {{"fixed_ips", {{{"ip_address", "172.16.100.50"}}}}});
  Json info = action(id, "add_router_interface", {{"port_id", port["id"]}});
  EXPECT_EQ(info["port_id"], port["id"]);
  EXPECT_EQ(info["subnet_ids"], Json({subnet_}));
  Json now = get("port", port["id"]);
  EXPECT_EQ(now["device_owner"], "network:router_interface");
  EXPECT_EQ(now["device_id"], id);
  // A port with a device is in use, for this router or another.
  std::string other = router()["id"];
  Json busy = action(other, "add_router_interface", {{"port_id", port["id"]}}, 409);
  EXPECT_EQ(error(busy), "PortInUse: Unable to complete operation on port " +
                             port["id"].get<std::string>() + " for network " + net_ +
                             ". Port already has an attached device " + id + ".");
  Json bare = port_on(network("bare"));
  EXPECT_EQ(error(action(other, "add_router_interface", {{"port_id", bare["id"]}}, 400)),
            "BadRequest: Bad router request: Router port must have at least one fixed IP.");
  Json mismatch = action(id, "remove_router_interface",
                         {{"port_id", port["id"]}, {"subnet_id", ext_subnet_}}, 400);
  EXPECT_EQ(error(mismatch), "SubnetMismatchForPort: Subnet on port " + sid(port) +
                                 " does not match the requested subnet " + ext_subnet_);
  Json removed = action(id, "remove_router_interface", {{"port_id", port["id"]}});
  EXPECT_EQ(removed["subnet_ids"], Json({subnet_}));
  EXPECT_EQ(call("GET", "/v2.0/ports/" + sid(port)).status, 404);
}

TEST_F(RouterTest, InterfacePortOnSeveralSubnets) {
  std::string id = router()["id"];
  std::string second = subnet(net_, "172.16.101.0/24")["id"];
  std::string v6 =
      subnet(net_, "fd00:100::/64",
             {{"ipv6_address_mode", "dhcpv6-stateful"}, {"ipv6_ra_mode", "dhcpv6-stateful"}})["id"];
  Json two_v4 = port_on(net_, {{"fixed_ips", {{{"subnet_id", subnet_}}, {{"subnet_id", second}}}}});
  EXPECT_EQ(error(action(id, "add_router_interface", {{"port_id", two_v4["id"]}}, 400)),
            "BadRequest: Bad router request: Cannot have multiple IPv4 subnets on router port.");
  Json dual = port_on(net_, {{"fixed_ips", {{{"subnet_id", subnet_}}, {{"subnet_id", v6}}}}});
  Json info = action(id, "add_router_interface", {{"port_id", dual["id"]}});
  EXPECT_EQ(info["subnet_ids"], Json({subnet_, v6}));
  EXPECT_EQ(info["subnet_id"], v6);  // Neutron reports the last one
  // By subnet, only that subnet's address goes; the port stays with the other.
  Json removed = action(id, "remove_router_interface", {{"subnet_id", v6}});
  EXPECT_EQ(removed["subnet_ids"], Json({v6}));
  Json left = get("port", dual["id"]);
  ASSERT_EQ(left["fixed_ips"].size(), 1u);
  EXPECT_EQ(left["fixed_ips"][0]["subnet_id"], subnet_);
  EXPECT_EQ(left["device_owner"], "network:router_interface");
}

TEST_F(RouterTest, RouterPortsAreProtected) {
  std::string id = seed_router();
  auto ports = ports_of_device(id);
  ASSERT_EQ(ports.size(), 2u);
  for (const auto& p : ports) {
    ApiResponse r = call("DELETE", "/v2.0/ports/" + p["id"].get<std::string>());
    EXPECT_EQ(r.status, 409);
    EXPECT_EQ(error(Json::parse(r.body)), "ServicePortInUse: Port " + p["id"].get<std::string>() +
                                              " cannot be deleted directly via the port API: "
                                              "has device owner " +
                                              p["device_owner"].get<std::string>() + ".");
  }
  ApiResponse r = call("DELETE", "/v2.0/routers/" + id);
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(error(Json::parse(r.body)), "RouterInUse: Router " + id + " still has ports");
  EXPECT_EQ(del("subnet", subnet_), 409);  // the interface holds an address of it
  action(id, "remove_router_interface", {{"subnet_id", subnet_}});
  EXPECT_EQ(del("router", id), 204);
  EXPECT_TRUE(ports_of_device(id).empty());  // the gateway port went with the router
  EXPECT_EQ(del("subnet", subnet_), 204);
  EXPECT_EQ(del("network", ext_net_), 204);
}

TEST_F(RouterTest, ExtraRoutes) {
  std::string id = seed_router();
  Json routes = {{{"destination", "192.168.0.0/16"}, {"nexthop", "172.16.100.20"}}};
  Json r = put("router", id, {{"routes", routes}})["router"];
  EXPECT_EQ(r["routes"], routes);
  Json bad = put("router", id,
                 {{"routes", {{{"destination", "10.1.0.0/16"}, {"nexthop", "192.168.5.5"}}}}}, 400);
  EXPECT_EQ(error(bad),
            "InvalidRoutes: Invalid format for routes: "
            "[{\"destination\":\"10.1.0.0/16\",\"nexthop\":\"192.168.5.5\"}], the nexthop is not "
            "connected with router");
  bad = put("router", id,
            {{"routes", {{{"destination", "10.1.0.0/16"}, {"nexthop", "172.16.100.1"}}}}}, 400);
  EXPECT_EQ(type_of(bad), "InvalidRoutes");
  bad = put("router", id, {{"routes", {{{"destination", "10.1.0.0/16"}}}}}, 400);
  EXPECT_EQ(type_of(bad), "HTTPBadRequest");
  config_.max_routes = 1;
  api_ = std::make_unique<Api>(config_, *store_);
  Json two = routes;
  two.push_back({{"destination", "192.169.0.0/16"}, {"nexthop", "172.16.100.21"}});
  EXPECT_EQ(error(put("router", id, {{"routes", two}}, 400)),
            "RoutesExhausted: Unable to complete operation for " + id +
                ". The number of routes exceeds the maximum 1.");
  // The interface the route goes through stays while the route does.
  Json busy = action(id, "remove_router_interface", {{"subnet_id", subnet_}}, 409);
  EXPECT_EQ(type_of(busy), "RouterInterfaceInUseByRoute");
  EXPECT_EQ(put("router", id, {{"routes", nullptr}})["router"]["routes"], Json::array());
  action(id, "remove_router_interface", {{"subnet_id", subnet_}});
}

TEST_F(RouterTest, NonAdminsNeitherSeeNorSetDvrAndHa) {
  ApiResponse r = call("POST", "/v2.0/routers", R"({"router": {"name": "mine"}})", {}, "p2");
  ASSERT_EQ(r.status, 201) << r.body;
  Json mine = Json::parse(r.body)["router"];
  EXPECT_FALSE(mine.contains("distributed"));
  EXPECT_FALSE(mine.contains("ha"));
  EXPECT_EQ(mine["project_id"], "p2");
  EXPECT_EQ(get("router", mine["id"])["distributed"], false);  // the admin sees them
  r = call("POST", "/v2.0/routers", R"({"router": {"ha": true}})", {}, "p2");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(message_of(Json::parse(r.body)), "(rule:create_router:ha) is disallowed by policy");
  std::string theirs = router()["id"];
  EXPECT_EQ(call("GET", "/v2.0/routers/" + theirs, "", {}, "p2").status, 404);
  EXPECT_EQ(call("PUT", "/v2.0/routers/" + theirs + "/add_router_interface",
                 Json{{"subnet_id", subnet_}}.dump(), {}, "p2")
                .status,
            404);
  // A tenant's router takes only the tenant's own subnets.
  r = call("PUT", "/v2.0/routers/" + mine["id"].get<std::string>() + "/add_router_interface",
           Json{{"subnet_id", ext_subnet_}}.dump(), {}, "p2");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(message_of(Json::parse(r.body)),
            "Bad router request: Cannot add interface to router because subnet " + ext_subnet_ +
                " is not owned by project making the request.");
  // A tenant sets a gateway on the (visible) external network, not its SNAT mode.
  std::string body =
      Json{{"router", {{"external_gateway_info", {{"network_id", ext_net_}}}}}}.dump();
  r = call("PUT", "/v2.0/routers/" + mine["id"].get<std::string>(), body, {}, "p2");
  EXPECT_EQ(r.status, 200) << r.body;
  body = Json{{"router",
               {{"external_gateway_info", {{"network_id", ext_net_}, {"enable_snat", false}}}}}}
             .dump();
  r = call("PUT", "/v2.0/routers/" + mine["id"].get<std::string>(), body, {}, "p2");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(message_of(Json::parse(r.body)),
            "(rule:update_router:external_gateway_info:enable_snat) is disallowed by policy");
  body = Json{{"router",
               {{"external_gateway_info",
                 {{"network_id", ext_net_}, {"external_fixed_ips", Json::array()}}}}}}
             .dump();
  r = call("POST", "/v2.0/routers", body, {}, "p2");
  EXPECT_EQ(
      message_of(Json::parse(r.body)),
      "(rule:create_router:external_gateway_info:external_fixed_ips) is disallowed by policy");
}

TEST_F(RouterTest, ExtensionsListL3) {
  Json ext = Json::parse(call("GET", "/v2.0/extensions").body)["extensions"];
  std::set<std::string> aliases;
  for (const auto& e : ext) aliases.insert(e["alias"]);
  for (const char* a : {"router", "ext-gw-mode", "extraroute", "fip-port-details"}) {
    EXPECT_TRUE(aliases.count(a)) << a;
  }
  EXPECT_FALSE(aliases.count("l3-ha"));
  EXPECT_FALSE(aliases.count("dvr"));
}

}  // namespace
}  // namespace nt::controller
