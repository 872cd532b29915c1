// A fixture for the L3 tests: the seed's external network 10.10.10.0/24 (no DHCP, as the seed
// creates it) and tenant subnet 172.16.100.0/24 (pool .2-.99), plus router helpers.
#pragma once

#include <string>

#include "api_fixture.h"

namespace nt::controller {

class L3Fixture : public ApiFixture {
 protected:
  void SetUp() override {
    ApiFixture::SetUp();
    ext_net_ = post("network", {{"name", "ext_net"}, {"router:external", true}})["network"]["id"];
    ext_subnet_ = subnet(ext_net_, "10.10.10.0/24", {{"enable_dhcp", false}})["id"];
    net_ = network("vlan100");
    subnet_ = subnet(
        net_, "172.16.100.0/24",
        {{"allocation_pools", {{{"start", "172.16.100.2"}, {"end", "172.16.100.99"}}}}})["id"];
  }
  Json router(Json body = Json::object(), int want = 201) {
    Json r = post("router", body, want);
    return want == 201 ? r["router"] : r;
  }
  // PUT /v2.0/routers/ID/<action> with an unwrapped body.
  Json action(const std::string& router_id, const std::string& act, const Json& body,
              int want = 200) {
    ApiResponse r = call("PUT", "/v2.0/routers/" + router_id + "/" + act, body.dump());
    EXPECT_EQ(r.status, want) << r.body;
    return Json::parse(r.body);
  }
  Json set_gateway(const std::string& router_id, const std::string& net) {
    return put("router", router_id, {{"external_gateway_info", {{"network_id", net}}}})["router"];
  }
  // A router with its gateway on ext_net and an interface on the tenant subnet (the seed's).
  std::string seed_router() {
    std::string id = router({{"name", "router_100_101"}})["id"];
    set_gateway(id, ext_net_);
    action(id, "add_router_interface", {{"subnet_id", subnet_}});
    return id;
  }
  Json port_on(const std::string& net, Json extra = Json::object()) {
    Json b = {{"network_id", net}};
    b.update(extra);
    return post("port", b)["port"];
  }
  std::vector<Json> ports_of_device(const std::string& device_id) {
    ApiResponse r = call("GET", "/v2.0/ports", "", {{"device_id", device_id}});
    EXPECT_EQ(r.status, 200) << r.body;
    return Json::parse(r.body)["ports"].get<std::vector<Json>>();
  }
  static std::string error(const Json& j) { return type_of(j) + ": " + message_of(j); }

  std::string ext_net_, ext_subnet_, net_, subnet_;
};

}  // namespace nt::controller
