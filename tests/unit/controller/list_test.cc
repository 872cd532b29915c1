// Lists: the fast path (stored bodies spliced into the response for a caller with at most one
// indexed filter) gives byte for byte what the general path (parse, filter, re-serialise) gives,
// for an admin and for a project that sees its own, shared and external resources only.
#include "api_fixture.h"

namespace nt::controller {
namespace {

class ListTest : public ApiFixture {
 protected:
  std::string body_of(const std::string& path, std::vector<std::pair<std::string, std::string>> q,
                      const std::string& project = "") {
    ApiResponse r = call("GET", path, "", std::move(q), project);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.body;
  }
};

TEST_F(ListTest, FastAndGeneralPathsAgree) {
  std::string a = network("a"), b = network("b");
  subnet(a, "10.0.0.0/24");
  subnet(b, "10.1.0.0/24");
  for (int i = 0; i < 5; ++i) {
    post("port", {{"network_id", a}, {"name", "p" + std::to_string(i)}, {"device_id", "vm"}});
    post("port", {{"network_id", b}, {"name", "q\xc3\xa9\"\\/<" + std::to_string(i)}});
  }
  ApiResponse tagged = call("PUT", "/v2.0/networks/" + a + "/tags", R"({"tags": ["x"]})");
  ASSERT_EQ(tagged.status, 200);
  // Each fast query and a query the fast path does not take (a repeated key, an attribute
  // without index) that selects the same items in the same order.
  struct Case {
    std::string path;
    std::vector<std::pair<std::string, std::string>> fast, general;
    size_t items;
  };
  const std::vector<Case> cases = {
      {"/v2.0/ports", {{"network_id", a}}, {{"network_id", a}, {"network_id", a}}, 5},
      {"/v2.0/ports", {{"network_id", b}}, {{"network_id", b}, {"network_id", b}}, 5},
      {"/v2.0/ports", {}, {{"tenant_id", "fake_project_id"}}, 10},
      {"/v2.0/ports", {{"device_id", "vm"}}, {{"device_id", "vm"}, {"device_id", "vm"}}, 5},
      {"/v2.0/ports", {{"name", "p3"}}, {{"name", "p3"}, {"name", "p3"}}, 1},
      {"/v2.0/networks", {}, {{"tenant_id", "fake_project_id"}}, 2},
      {"/v2.0/subnets", {{"network_id", b}}, {{"network_id", b}, {"network_id", b}}, 1},
      {"/v2.0/security-groups", {}, {{"tenant_id", "fake_project_id"}}, 1},
      {"/v2.0/ports", {{"network_id", "none"}}, {{"network_id", "none"}, {"network_id", "x"}}, 0},
  };
  for (const auto& c : cases) {
    std::string fast = body_of(c.path, c.fast), general = body_of(c.path, c.general);
    EXPECT_EQ(fast, general) << c.path;
    Json doc = Json::parse(fast);
    EXPECT_EQ(doc.begin().value().size(), c.items) << c.path << " " << fast;
  }
  // A project that is not admin never takes the fast path: it sees only its own.
  post("network", {{"name", "mine"}, {"tenant_id", "p2"}});
  Json mine = Json::parse(body_of("/v2.0/networks", {}, "p2"));
  ASSERT_EQ(mine["networks"].size(), 1u);
  EXPECT_EQ(mine["networks"][0]["name"], "mine");
}

TEST_F(ListTest, NonAdminFastAndGeneralPathsAgree) {
  std::string shared = post("network", {{"name", "shared"}, {"shared", true}})["network"]["id"];
  post("network", {{"name", "ext"}, {"router:external", true}});
  std::string foreign =
      post("network", {{"name", "foreign"}, {"tenant_id", "p3"}})["network"]["id"];
  subnet(shared, "10.0.0.0/24");
  subnet(foreign, "10.3.0.0/24");
  ApiResponse r = call("POST", "/v2.0/networks", R"({"network": {"name": "mine"}})", {}, "p2");
  ASSERT_EQ(r.status, 201) << r.body;
  std::string mine = Json::parse(r.body)["network"]["id"];
  r = call(
      "POST", "/v2.0/subnets",
      Json{{"subnet", {{"network_id", mine}, {"ip_version", 4}, {"cidr", "10.2.0.0/24"}}}}.dump(),
      {}, "p2");
  ASSERT_EQ(r.status, 201) << r.body;
  for (int i = 0; i < 3; ++i) {
    for (const std::string& net : {mine, shared}) {
      Json port = {{"port", {{"network_id", net}, {"name", "\"p\xc3\xa9\\" + std::to_string(i)}}}};
      r = call("POST", "/v2.0/ports", port.dump(), {}, "p2");
      ASSERT_EQ(r.status, 201) << r.body;
    }
    post("port", {{"network_id", shared}});                        // the admin's own
    post("port", {{"network_id", mine}, {"tenant_id", "p3"}});     // another's, on p2's network
    post("port", {{"network_id", foreign}, {"tenant_id", "p3"}});  // another's, elsewhere
  }
  struct Case {
    std::string path;
    std::vector<std::pair<std::string, std::string>> fast, general;
    size_t items;
  };
  const std::vector<Case> cases = {
      {"/v2.0/ports", {}, {{"admin_state_up", "true"}}, 6},
      {"/v2.0/ports", {{"network_id", mine}}, {{"network_id", mine}, {"network_id", mine}}, 3},
      {"/v2.0/ports",
       {{"network_id", shared}},
       {{"network_id", shared}, {"network_id", shared}},
       3},
      {"/v2.0/ports", {{"network_id", foreign}}, {{"network_id", foreign}, {"network_id", "x"}}, 0},
      {"/v2.0/networks", {}, {{"admin_state_up", "true"}}, 3},
      {"/v2.0/subnets", {}, {{"ip_version", "4"}}, 2},
      {"/v2.0/subnets", {{"network_id", shared}}, {{"network_id", shared}, {"network_id", "x"}}, 1},
      {"/v2.0/security-groups", {}, {{"name", "default"}, {"name", "x"}}, 1},
  };
  for (const auto& c : cases) {
    std::string fast = body_of(c.path, c.fast, "p2"), general = body_of(c.path, c.general, "p2");
    EXPECT_EQ(fast, general) << c.path;
    Json doc = Json::parse(fast);
    EXPECT_EQ(doc.begin().value().size(), c.items) << c.path << " " << fast;
    for (const auto& item : doc.begin().value()) {
      EXPECT_FALSE(item.contains("binding:vif_type")) << fast;
      EXPECT_FALSE(item.contains("provider:network_type")) << fast;
    }
  }
  // The admin sees what the project's lists hide.
  EXPECT_NE(body_of("/v2.0/ports", {{"network_id", mine}}).find("binding:vif_type"),
            std::string::npos);
}

}  // namespace
}  // namespace nt::controller
