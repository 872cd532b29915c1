#include "controller/api.h"

#include <gtest/gtest.h>

#include "controller/sqlite_store.h"

namespace nt::controller {
namespace {

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::move(SqliteStore::open(":memory:").value());
    config_.vni_ranges = {{5, 6}};
    config_.network_vlan_ranges = {{"physnet1", true, {100, 101}}};
    api_ = std::make_unique<Api>(config_, *store_);
  }
  ApiResponse call(const std::string& method, const std::string& path, const std::string& body = "",
                   std::vector<std::pair<std::string, std::string>> query = {}) {
    ApiRequest r;
    r.method = method;
    r.path = path;
    r.body = body;
    r.query = std::move(query);
    r.base_url = "http://h:1";
    return api_->handle(r);
  }
  Json create(const std::string& body, int want = 201) {
    ApiResponse r = call("POST", "/v2.0/networks", body);
    EXPECT_EQ(r.status, want) << r.body;
    return Json::parse(r.body);
  }
  static std::string type_of(const Json& j) { return j["NeutronError"]["type"]; }

  ServerConfig config_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<Api> api_;
};

TEST_F(ApiTest, TenantNetworksTakeTheLowestFreeVniThenRunOut) {
  EXPECT_EQ(create(R"({"network": {"name": "a"}})")["network"]["provider:segmentation_id"], 5);
  Json b = create(R"({"network": {"name": "b"}})")["network"];
  EXPECT_EQ(b["provider:segmentation_id"], 6);
  EXPECT_EQ(b["mtu"], 1450);
  Json full = create(R"({"network": {"name": "c"}})", 503);
  EXPECT_EQ(type_of(full), "NoNetworkAvailable");
  // Deleting b frees VNI 6 for the next one.
  EXPECT_EQ(call("DELETE", "/v2.0/networks/" + b["id"].get<std::string>()).status, 204);
  EXPECT_EQ(create(R"({"network": {"name": "c"}})")["network"]["provider:segmentation_id"], 6);
}

TEST_F(ApiTest, ProviderValidation) {
  Json v = create(R"({"network": {"provider:network_type": "vlan",
                     "provider:physical_network": "physnet1"}})")["network"];
  EXPECT_EQ(v["provider:segmentation_id"], 100);  // lowest free of the physnet's range
  EXPECT_EQ(v["mtu"], 1500);
  Json v7 = create(R"({"network": {"provider:network_type": "vlan",
                      "provider:physical_network": "physnet1", "provider:segmentation_id": "7"}})");
  EXPECT_EQ(v7["network"]["provider:segmentation_id"], 7);  // "7" from the CLI: converted
  EXPECT_EQ(type_of(create(R"({"network": {"provider:network_type": "vlan",
                     "provider:physical_network": "physnet1", "provider:segmentation_id": 7}})",
                           409)),
            "VlanIdInUse");
  EXPECT_EQ(type_of(create(R"({"network": {"provider:network_type": "vlan",
                     "provider:physical_network": "physnet2", "provider:segmentation_id": 7}})",
                           400)),
            "InvalidInput");
  EXPECT_EQ(type_of(create(R"({"network": {"provider:network_type": "vxlan",
                     "provider:physical_network": "physnet1"}})",
                           400)),
            "InvalidInput");
  EXPECT_EQ(
      create(R"({"network": {"provider:network_type": "gre", "provider:segmentation_id": 9}})")
          ["network"]["mtu"],
      1458);
  EXPECT_EQ(type_of(create(R"({"network": {"provider:network_type": "geneve"}})", 400)),
            "InvalidInput");
  EXPECT_EQ(type_of(create(R"({"network": {"provider:segmentation_id": "x"}})", 400)),
            "HTTPBadRequest");
  // Nothing of a failed request stays: VLAN 101 is still free.
  EXPECT_EQ(create(R"({"network": {"provider:network_type": "vlan",
                     "provider:physical_network": "physnet1"}})")["network"]
                                                                 ["provider:segmentation_id"],
            101);
}

TEST_F(ApiTest, PathMtuCapsTunnels) {
  config_.path_mtu = 1400;
  api_ = std::make_unique<Api>(config_, *store_);
  EXPECT_EQ(create(R"({"network": {}})")["network"]["mtu"], 1350);
}

TEST_F(ApiTest, ListFiltersFieldsSortAndPages) {
  for (const char* n : {"c", "a", "b"})
    create(std::string(R"({"network": {"provider:network_type": "local", "name": ")") + n + "\"}}");
  ApiResponse r = call("GET", "/v2.0/networks", "",
                       {{"name", "a"}, {"name", "b"}, {"fields", "name"}, {"sort_key", "name"}});
  EXPECT_EQ(r.body, R"({"networks":[{"name":"a"},{"name":"b"}]})");
  r = call("GET", "/v2.0/networks", "", {{"limit", "2"}});
  Json page = Json::parse(r.body);
  ASSERT_EQ(page["networks"].size(), 2u);
  std::string next = page["networks_links"][0]["href"];
  std::string marker = next.substr(next.find("marker=") + 7);
  r = call("GET", "/v2.0/networks", "", {{"limit", "2"}, {"marker", marker}});
  page = Json::parse(r.body);
  EXPECT_EQ(page["networks"].size(), 1u);
  EXPECT_FALSE(page.contains("networks_links"));
  EXPECT_EQ(call("GET", "/v2.0/networks", "", {{"colour", "x"}}).status, 400);
  EXPECT_EQ(call("GET", "/v2.0/networks", "", {{"limit", "-1"}}).status, 400);
  EXPECT_EQ(call("GET", "/v2.0/networks", "", {{"admin_state_up", "True"}}).body.find("\"c\"") !=
                std::string::npos,
            true);
}

TEST_F(ApiTest, ErrorsAreNeutronErrors) {
  EXPECT_EQ(call("GET", "/v2.0/networks/nope").status, 404);
  EXPECT_EQ(call("POST", "/v2.0/networks", "{").status, 400);
  EXPECT_EQ(call("POST", "/v2.0/networks", R"({"net": {}})").status, 400);
  EXPECT_EQ(call("POST", "/v2.0/networks", R"({"network": {"status": "DOWN"}})").status, 400);
  EXPECT_EQ(call("POST", "/v2.0/networks", R"({"network": {"name": 5}})").status, 400);
  EXPECT_EQ(call("POST", "/v2.0/networks", std::string(kMaxRequestBody + 1, ' ')).status, 413);
  EXPECT_EQ(call("PATCH", "/v2.0/networks").status, 405);
  EXPECT_EQ(call("GET", "/v3").status, 404);
  EXPECT_EQ(call("GET", "/").status, 200);
}

}  // namespace
}  // namespace nt::controller
