// Tags through the Api: the tags sub-resource of every kind that has them (add, replace, remove,
// confirm), validation, revisions, projects, and the tags / tags-any / not-tags / not-tags-any
// list filters.
#include "api_fixture.h"

namespace nt::controller {
namespace {

class TagTest : public ApiFixture {
 protected:
  ApiResponse tag_call(const std::string& method, const std::string& path,
                       const std::string& body = "", const std::string& project = "") {
    return call(method, "/v2.0/" + path, body, {}, project);
  }
  Json tags_of(const std::string& path) {
    ApiResponse r = tag_call("GET", path + "/tags");
    EXPECT_EQ(r.status, 200) << r.body;
    return Json::parse(r.body)["tags"];
  }
  // The names of the networks a filtered list gives.
  std::vector<std::string> names(std::vector<std::pair<std::string, std::string>> query) {
    ApiResponse r = call("GET", "/v2.0/networks", "", std::move(query));
    EXPECT_EQ(r.status, 200) << r.body;
    std::vector<std::string> out;
    Json doc = Json::parse(r.body);
    for (const auto& n : doc["networks"]) out.push_back(n["name"]);
    return out;
  }
};

TEST_F(TagTest, AddConfirmRemove) {
  std::string id = network("n");
  std::string net = "networks/" + id;
  EXPECT_EQ(tags_of(net), Json::array());
  EXPECT_EQ(tag_call("PUT", net + "/tags/red").status, 201);
  EXPECT_EQ(tag_call("PUT", net + "/tags/blue").status, 201);
  EXPECT_EQ(tag_call("PUT", net + "/tags/red").status, 201);  // already there: no change
  EXPECT_EQ(tags_of(net), Json::parse(R"(["red","blue"])"));
  Json n = get("network", id);
  EXPECT_EQ(n["tags"], Json::parse(R"(["red","blue"])"));
  EXPECT_EQ(n["revision_number"], 2);  // each change bumps the revision
  EXPECT_EQ(tag_call("GET", net + "/tags/red").status, 204);
  ApiResponse miss = tag_call("GET", net + "/tags/green");
  EXPECT_EQ(miss.status, 404);
  EXPECT_EQ(type_of(Json::parse(miss.body)), "TagNotFound");
  EXPECT_EQ(message_of(Json::parse(miss.body)),
            "Tag green could not be found for network " + id + ".");
  EXPECT_EQ(tag_call("DELETE", net + "/tags/red").status, 204);
  EXPECT_EQ(tag_call("DELETE", net + "/tags/red").status, 404);
  EXPECT_EQ(tags_of(net), Json::parse(R"(["blue"])"));
  // Replace all, then remove all.
  ApiResponse r = tag_call("PUT", net + "/tags", R"({"tags": ["a", "b", "c"]})");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(Json::parse(r.body), Json::parse(R"({"tags": ["a", "b", "c"]})"));
  EXPECT_EQ(get("network", id)["tags"], Json::parse(R"(["a","b","c"])"));
  EXPECT_EQ(tag_call("DELETE", net + "/tags").status, 204);
  EXPECT_EQ(tags_of(net), Json::array());
  EXPECT_EQ(get("network", id)["revision_number"], 5);
  EXPECT_EQ(tag_call("POST", net + "/tags").status, 405);
}

TEST_F(TagTest, EveryKindWithTags) {
  std::string net = network();
  std::string sub = subnet(net, "10.0.0.0/24")["id"];
  std::string port = post("port", {{"network_id", net}})["port"]["id"];
  ApiResponse g = call("POST", "/v2.0/security-groups", R"({"security_group": {"name": "g"}})");
  Json sg = Json::parse(g.body)["security_group"];
  for (const std::string& path :
       {"subnets/" + sub, "ports/" + port, "security-groups/" + sg["id"].get<std::string>()}) {
    EXPECT_EQ(tag_call("PUT", path + "/tags/t1").status, 201) << path;
    EXPECT_EQ(tags_of(path), Json::parse(R"(["t1"])")) << path;
  }
  // Rules have no tags; unknown resources are 404.
  std::string rule = sg["security_group_rules"][0]["id"];
  EXPECT_EQ(tag_call("PUT", "security-group-rules/" + rule + "/tags/t1").status, 404);
  ApiResponse none = tag_call("PUT", "networks/11111111-1111-1111-1111-111111111111/tags/t");
  EXPECT_EQ(none.status, 404);
  EXPECT_EQ(type_of(Json::parse(none.body)), "NetworkNotFound");
  EXPECT_EQ(tag_call("GET", "networks/" + net + "/tags/a/b").status, 404);
}

TEST_F(TagTest, Validation) {
  std::string net = "networks/" + network();
  auto refused = [&](const std::string& method, const std::string& path, const std::string& body) {
    ApiResponse r = tag_call(method, path, body);
    EXPECT_EQ(r.status, 400) << path << " " << body << " -> " << r.body;
    return r.status == 400 ? message_of(Json::parse(r.body)) : r.body;
  };
  EXPECT_EQ(
      refused("PUT", net + "/tags/" + std::string(61, 'x'), ""),
      "Invalid input for operation: '" + std::string(61, 'x') + "' exceeds maximum length of 60.");
  EXPECT_EQ(tag_call("PUT", net + "/tags/" + std::string(60, 'x')).status, 201);
  EXPECT_EQ(refused("PUT", net + "/tags", R"({"tag": []})"),
            "Invalid input for operation: Invalid tags body.");
  EXPECT_EQ(refused("PUT", net + "/tags", R"({"tags": "a"})"),
            "Invalid input for operation: 'a' is not a list.");
  EXPECT_EQ(refused("PUT", net + "/tags", R"({"tags": ["a", 1]})"),
            "Invalid input for operation: '1' is not a valid string.");
  EXPECT_EQ(refused("PUT", net + "/tags", R"({"tags": ["a", "b", "a"]})"),
            "Invalid input for operation: Duplicate items in the list: 'a'.");
  EXPECT_EQ(refused("PUT", net + "/tags", "{"), "Malformed request body");
  // A tag from the URL that is not UTF-8 could not be stored (or shown): refused.
  ApiResponse r = tag_call("PUT", net +
                                      "/tags/r\xe9"
                                      "d");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(type_of(Json::parse(r.body)), "InvalidInput");
  EXPECT_EQ(tags_of(net).size(), 1u);  // nothing of that stayed
}

TEST_F(TagTest, Projects) {
  std::string mine = post("network", {{"name", "m"}, {"tenant_id", "p2"}})["network"]["id"];
  std::string shared = post("network", {{"name", "s"}, {"shared", true}})["network"]["id"];
  std::string other = network("o");
  EXPECT_EQ(tag_call("PUT", "networks/" + mine + "/tags/x", "", "p2").status, 201);
  EXPECT_EQ(tag_call("PUT", "networks/" + other + "/tags/x", "", "p2").status, 404);
  ApiResponse r = tag_call("PUT", "networks/" + shared + "/tags/x", "", "p2");
  EXPECT_EQ(r.status, 403);  // visible but not its own
  EXPECT_EQ(tag_call("GET", "networks/" + shared + "/tags", "", "p2").status, 200);
}

TEST_F(TagTest, ListFilters) {
  for (auto [name, tags] : std::vector<std::pair<std::string, std::string>>{
           {"none", R"([])"}, {"a", R"(["a"])"}, {"ab", R"(["a","b"])"}, {"bc", R"(["b","c"])"}}) {
    std::string id = network(name);
    ApiResponse r = call("PUT", "/v2.0/networks/" + id + "/tags", R"({"tags": )" + tags + "}");
    ASSERT_EQ(r.status, 200) << r.body;
  }
  using V = std::vector<std::string>;
  EXPECT_EQ(names({{"tags", "a"}}), (V{"a", "ab"}));
  EXPECT_EQ(names({{"tags", "a,b"}}), (V{"ab"}));
  EXPECT_EQ(names({{"tags", "a"}, {"tags", "b"}}), (V{"ab"}));
  EXPECT_EQ(names({{"tags-any", "a,c"}}), (V{"a", "ab", "bc"}));
  EXPECT_EQ(names({{"not-tags", "a,b"}}), (V{"none", "a", "bc"}));
  EXPECT_EQ(names({{"not-tags-any", "a,c"}}), (V{"none"}));
  EXPECT_EQ(names({{"tags", "b"}, {"not-tags-any", "c"}}), (V{"ab"}));
  EXPECT_EQ(names({{"tags", "b"}, {"name", "bc"}}), (V{"bc"}));
  EXPECT_EQ(names({{"tags", "zz"}}), V{});
  // A kind without tags refuses the filter.
  ApiResponse r = call("GET", "/v2.0/security-group-rules", "", {{"tags", "a"}});
  EXPECT_EQ(r.status, 400);
}

}  // namespace
}  // namespace nt::controller
