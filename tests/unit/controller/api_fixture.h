// A fixture for tests that drive the Api over an in-memory SQLite store (PostgreSQL when
// NT_PG_URL is set: store_fixture.h).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "controller/api.h"
#include "store_fixture.h"

namespace nt::controller {

class ApiFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = open_test_store();
    ASSERT_TRUE(store_) << "cannot open the test store";
    api_ = std::make_unique<Api>(config_, *store_);
  }
  ApiResponse call(const std::string& method, const std::string& path, const std::string& body = "",
                   std::vector<std::pair<std::string, std::string>> query = {},
                   const std::string& project = "") {
    ApiRequest r;
    r.method = method;
    r.path = path;
    r.body = body;
    r.query = std::move(query);
    r.project_id = project;
    r.roles = "member";
    r.base_url = "http://h:1";
    return api_->handle(r);
  }
  // POSTs {"<kind>": body} to /v2.0/<kind>s; checks the status; returns the response document.
  Json post(const std::string& kind, const Json& body, int want = 201) {
    ApiResponse r = call("POST", "/v2.0/" + kind + "s", Json{{kind, body}}.dump());
    EXPECT_EQ(r.status, want) << r.body;
    return Json::parse(r.body);
  }
  Json put(const std::string& kind, const std::string& id, const Json& body, int want = 200) {
    ApiResponse r = call("PUT", "/v2.0/" + kind + "s/" + id, Json{{kind, body}}.dump());
    EXPECT_EQ(r.status, want) << r.body;
    return Json::parse(r.body);
  }
  Json get(const std::string& kind, const std::string& id) {
    ApiResponse r = call("GET", "/v2.0/" + kind + "s/" + id);
    EXPECT_EQ(r.status, 200) << r.body;
    return Json::parse(r.body)[kind];
  }
  int del(const std::string& kind, const std::string& id) {
    return call("DELETE", "/v2.0/" + kind + "s/" + id).status;
  }
  std::string network(const std::string& name = "n") {
    return post("network", {{"name", name}})["network"]["id"];
  }
  // A subnet on `net`; extra attributes merged in.
  Json subnet(const std::string& net, const std::string& cidr, Json extra = Json::object()) {
    Json body = {{"network_id", net}, {"cidr", cidr}};
    body["ip_version"] = cidr.find(':') == std::string::npos ? 4 : 6;
    body.update(extra);
    return post("subnet", body)["subnet"];
  }
  static std::string type_of(const Json& j) { return j["NeutronError"]["type"]; }
  static std::string message_of(const Json& j) { return j["NeutronError"]["message"]; }

  ServerConfig config_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Api> api_;
};

}  // namespace nt::controller
