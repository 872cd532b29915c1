// Agents: rows from report_state, alive from the heartbeat and agent_down_time, Neutron's API.
#include "api_fixture.h"
#include "controller/agents.h"

namespace nt::controller {
namespace {

class AgentTest : public ApiFixture {
 protected:
  void SetUp() override {
    config_.agent_down_time = 75;
    ApiFixture::SetUp();
    api_->set_clock([this] { return now_; });
  }
  Json report(const std::string& type, const std::string& host, Json extra = Json::object(),
              int want = 200) {
    Json state = {
        {"agent_type", type},
        {"binary", type == "DHCP agent" ? "neutron-dhcp-agent" : "neutron-openvswitch-agent"},
        {"host", host},
        {"topic", "N/A"},
        {"configurations", {{"tunneling_ip", "192.0.2.1"}}}};
    state.update(extra);
    ApiResponse r =
        call("POST", "/v2.0/neutrino/agent-report", Json{{"agent_state", state}}.dump());
    EXPECT_EQ(r.status, want) << r.body;
    return Json::parse(r.body);
  }
  Json list(std::vector<std::pair<std::string, std::string>> query = {}) {
    ApiResponse r = call("GET", "/v2.0/agents", "", std::move(query));
    EXPECT_EQ(r.status, 200) << r.body;
    return Json::parse(r.body)["agents"];
  }

  std::time_t now_ = 1'800'000'000;
};

TEST_F(AgentTest, ReportCreatesThenUpdatesOneRow) {
  Json first = report("Open vSwitch agent", "compute1", {{"start_flag", true}});
  EXPECT_EQ(first["state"], "new");
  Json a = first["agent"];
  EXPECT_EQ(a["heartbeat_timestamp"], agent_timestamp(now_));
  EXPECT_EQ(a["started_at"], a["created_at"]);
  EXPECT_TRUE(a["alive"]);
  EXPECT_TRUE(a["admin_state_up"]);
  now_ += 30;
  Json second = report("Open vSwitch agent", "compute1", {{"configurations", {{"devices", 3}}}});
  EXPECT_EQ(second["state"], "alive");
  EXPECT_EQ(second["agent"]["id"], a["id"]);
  EXPECT_EQ(second["agent"]["heartbeat_timestamp"], agent_timestamp(now_));
  EXPECT_EQ(second["agent"]["started_at"], a["started_at"]);
  EXPECT_EQ(second["agent"]["configurations"]["devices"], 3);
  report("DHCP agent", "compute1");
  report("Open vSwitch agent", "compute2");
  EXPECT_EQ(list().size(), 3u);
  Json shown = get("agent", a["id"]);
  for (const char* k : {"id", "agent_type", "binary", "topic", "host", "admin_state_up", "alive",
                        "heartbeat_timestamp", "created_at", "started_at", "configurations",
                        "availability_zone", "description", "resources_synced"}) {
    EXPECT_TRUE(shown.contains(k)) << k;
  }
}

TEST_F(AgentTest, AliveFlipsAfterAgentDownTime) {
  std::string id = report("Open vSwitch agent", "compute1")["agent"]["id"];
  now_ += 75;
  EXPECT_TRUE(get("agent", id)["alive"]);
  now_ += 1;
  EXPECT_FALSE(get("agent", id)["alive"]);
  EXPECT_EQ(list({{"alive", "false"}}).size(), 1u);
  EXPECT_EQ(list({{"alive", "true"}}).size(), 0u);
  ASSERT_EQ(list().size(), 1u);  // a plain admin list (no filter) computes alive too
  EXPECT_FALSE(list()[0]["alive"]);
  Json back = report("Open vSwitch agent", "compute1");
  EXPECT_EQ(back["state"], "revived");
  EXPECT_EQ(back["agent"]["started_at"], agent_timestamp(now_));
  EXPECT_TRUE(get("agent", id)["alive"]);
}

TEST_F(AgentTest, FiltersUpdateAndDelete) {
  report("Open vSwitch agent", "compute1");
  std::string dhcp = report("DHCP agent", "net1")["agent"]["id"];
  EXPECT_EQ(list({{"agent_type", "DHCP agent"}}).size(), 1u);
  EXPECT_EQ(list({{"host", "compute1"}}).size(), 1u);
  EXPECT_EQ(list({{"binary", "neutron-dhcp-agent"}})[0]["id"], dhcp);
  Json up = put("agent", dhcp, {{"admin_state_up", false}, {"description", "maintenance"}});
  EXPECT_FALSE(up["agent"]["admin_state_up"]);
  EXPECT_EQ(up["agent"]["description"], "maintenance");
  EXPECT_TRUE(up["agent"].contains("alive"));
  Json bad = put("agent", dhcp, {{"host", "other"}}, 400);
  EXPECT_EQ(type_of(bad), "HTTPBadRequest");
  EXPECT_EQ(del("agent", dhcp), 204);
  EXPECT_EQ(call("GET", "/v2.0/agents/" + dhcp).status, 404);
  EXPECT_EQ(type_of(Json::parse(call("GET", "/v2.0/agents/" + dhcp).body)), "AgentNotFound");
  EXPECT_EQ(call("POST", "/v2.0/agents", R"({"agent": {}})").status, 405);
}

TEST_F(AgentTest, ProjectsSeeNoAgents) {
  std::string id = report("Open vSwitch agent", "compute1")["agent"]["id"];
  ApiResponse r = call("GET", "/v2.0/agents", "", {}, "p1");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(Json::parse(r.body)["agents"].empty());
  EXPECT_EQ(call("GET", "/v2.0/agents/" + id, "", {}, "p1").status, 404);
  EXPECT_EQ(
      call("PUT", "/v2.0/agents/" + id, R"({"agent": {"description": "x"}})", {}, "p1").status,
      404);
  EXPECT_EQ(call("DELETE", "/v2.0/agents/" + id, "", {}, "p1").status, 404);
  Json state = {{"agent_type", "L3 agent"}, {"binary", "b"}, {"host", "h"}, {"topic", "t"}};
  EXPECT_EQ(
      call("POST", "/v2.0/neutrino/agent-report", Json{{"agent_state", state}}.dump(), {}, "p1")
          .status,
      403);
}

TEST_F(AgentTest, BadReportsAre400) {
  for (const char* body :
       {"{", R"({"agent_state": 1})", R"({"agent_state": {"agent_type": "L3 agent"}})",
        R"({"agent_state": {"agent_type": "L3 agent", "binary": "b", "host": 5, "topic": "t"}})",
        R"({"agent_state": {"agent_type": "a", "binary": "b", "host": "h", "topic": "t",
            "configurations": []}})",
        R"({"other": {}})"}) {
    ApiResponse r = call("POST", "/v2.0/neutrino/agent-report", body);
    EXPECT_EQ(r.status, 400) << body << " " << r.body;
  }
  EXPECT_EQ(call("GET", "/v2.0/neutrino/agent-report").status, 405);
}

TEST_F(AgentTest, ExtensionListed) { EXPECT_EQ(call("GET", "/v2.0/extensions/agent").status, 200); }

TEST_F(AgentTest, DeviceStatusSetsBoundPortsUpAndDown) {
  std::string net = network();
  std::string here =
      post("port", {{"network_id", net}, {"binding:host_id", "compute1"}})["port"]["id"];
  std::string there =
      post("port", {{"network_id", net}, {"binding:host_id", "compute2"}})["port"]["id"];
  auto status = [&](Json body) {
    ApiResponse r = call("POST", "/v2.0/neutrino/device-status", body.dump());
    EXPECT_EQ(r.status, 200) << r.body;
    return Json::parse(r.body);
  };
  int rev = get("port", here)["revision_number"];
  Json out = status({{"host", "compute1"}, {"devices_up", {here, there, "nope"}}});
  EXPECT_EQ(out["devices_up"], Json::array({here}));
  EXPECT_EQ(out["failed_devices_up"], Json::array({there, "nope"}));
  EXPECT_EQ(get("port", here)["status"], "ACTIVE");
  EXPECT_EQ(get("port", here)["revision_number"], rev + 1);
  EXPECT_EQ(get("port", there)["status"], "DOWN");
  status({{"host", "compute1"}, {"devices_down", {here}}});
  EXPECT_EQ(get("port", here)["status"], "DOWN");
  EXPECT_EQ(call("POST", "/v2.0/neutrino/device-status", R"({"devices_up": []})").status, 400);
  EXPECT_EQ(
      call("POST", "/v2.0/neutrino/device-status", R"({"host": "h", "devices_up": [1]})").status,
      400);
  EXPECT_EQ(call("POST", "/v2.0/neutrino/device-status", R"({"host": "h"})", {}, "p1").status, 403);
}

TEST(AgentTimestamp, RoundTrips) {
  EXPECT_EQ(agent_timestamp(0), "1970-01-01 00:00:00");
  EXPECT_EQ(parse_agent_timestamp(agent_timestamp(1'800'000'123)), 1'800'000'123);
  EXPECT_EQ(parse_agent_timestamp("garbage"), -1);
}

}  // namespace
}  // namespace nt::controller
