// Lists: the fast path (stored bodies spliced into the response for an admin with at most one
// indexed filter) gives byte for byte what the general path (parse, filter, re-serialise) gives.
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

}  // namespace
}  // namespace nt::controller
