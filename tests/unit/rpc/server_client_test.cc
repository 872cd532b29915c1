#include "rpc/server_client.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

namespace nt::rpc {
namespace {

using Json = nlohmann::json;

// A canned server: records what the client sent, answers what the test says.
class FakeServer {
 public:
  FakeServer() {
    auto record = [this](const httplib::Request& req, httplib::Response& res) {
      last_method = req.method;
      last_path = req.path;
      last_query = req.params.count("since") ? req.get_param_value("since") : "";
      last_networks = req.get_param_value_count("network_id");
      last_body = req.body;
      res.status = status;
      res.set_content(answer, "application/json");
    };
    server_.Get(R"(/.*)", record);
    server_.Post(R"(/.*)", record);
    server_.Put(R"(/.*)", record);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~FakeServer() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  int status = 200;
  std::string answer = "{}";
  std::string last_method, last_path, last_query, last_body;
  size_t last_networks = 0;

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

TEST(ServerClientTest, HostStateAndChanges) {
  FakeServer s;
  ServerClient c(s.url());
  s.answer = R"({"host": "node 1", "revision": 3})";
  auto st = c.host_state("node 1");
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(st->revision, 3u);
  EXPECT_EQ(s.last_path, "/v2.0/neutrino/hosts/node 1/state");  // sent as node%201
  s.answer = R"({"revision": 9, "changes": [], "more": false, "resync": false})";
  auto page = c.changes(3, 0);
  ASSERT_TRUE(page.ok()) << page.error().message;
  EXPECT_EQ(page->revision, 9u);
  EXPECT_EQ(s.last_query, "3");
}

TEST(ServerClientTest, ReportDevicesAndBinding) {
  FakeServer s;
  ServerClient c(s.url());
  s.answer = R"({"agent": {}, "state": "new"})";
  rpc::AgentReport rep;
  rep.host = "node1";
  rep.configurations = R"({"tunneling_ip": "10.0.0.1"})";
  rep.start_flag = true;
  auto r = c.report_state(rep);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, "new");
  Json sent = Json::parse(s.last_body);
  EXPECT_EQ(sent["agent_state"]["agent_type"], "Open vSwitch agent");
  EXPECT_EQ(sent["agent_state"]["binary"], "neutrino-openvswitch-agent");
  EXPECT_EQ(sent["agent_state"]["topic"], "N/A");
  EXPECT_EQ(sent["agent_state"]["start_flag"], true);
  EXPECT_EQ(sent["agent_state"]["configurations"]["tunneling_ip"], "10.0.0.1");

  s.answer = R"({"devices_up": ["a"], "devices_down": [], "failed_devices_up": ["b"],
                 "failed_devices_down": []})";
  auto d = c.update_devices("node1", {"a", "b"}, {});
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->devices_up, std::vector<std::string>{"a"});
  EXPECT_EQ(d->failed_devices_up, std::vector<std::string>{"b"});
  EXPECT_EQ(s.last_path, "/v2.0/neutrino/device-status");

  s.answer = R"({"port": {"id": "p1", "binding:host_id": "node1", "binding:vif_type": "ovs"}})";
  auto b = c.bind_port("p1", "node1");
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_EQ(s.last_method, "PUT");
  EXPECT_EQ(s.last_path, "/v2.0/ports/p1");
  EXPECT_EQ(Json::parse(s.last_body), Json::parse(R"({"port": {"binding:host_id": "node1"}})"));
  EXPECT_EQ(b->vif_type, "ovs");
}

TEST(ServerClientTest, ErrorsCarryStatusAndNeutronsText) {
  FakeServer s;
  ServerClient c(s.url());
  s.status = 404;
  s.answer = R"({"NeutronError": {"type": "PortNotFound", "message": "Port p9 could not be found.",
                 "detail": ""}})";
  auto b = c.get_port("p9");
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(b.error().message, "GET /v2.0/ports/p9: 404 PortNotFound: Port p9 could not be found.");
  s.status = 400;
  EXPECT_EQ(c.bind_port("p9", "h").error().code, ErrorCode::kInvalidArgument);
  s.status = 200;
  s.answer = "not json";
  auto st = c.host_state("h");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message, "host state: malformed JSON");
}

TEST(ServerClientTest, UnreachableServerIsAnInternalError) {
  int port;
  {
    httplib::Server probe;  // a port nobody listens on once it is closed
    port = probe.bind_to_any_port("127.0.0.1");
  }
  ServerClient c("http://127.0.0.1:" + std::to_string(port), {0.5, 0.5});
  auto st = c.host_state("h");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kInternal);
  EXPECT_NE(st.error().message.find("server http://127.0.0.1:"), std::string::npos)
      << st.error().message;
}

// The metadata agent's lookup: filters as repeated query keys, the ports with their project.
TEST(ServerClientTest, ListPorts) {
  FakeServer s;
  ServerClient c(s.url());
  s.answer = R"({"ports": [{"id": "p1", "network_id": "n1", "device_id": "vm", "tenant_id": "t1",
                            "fixed_ips": [{"subnet_id": "s", "ip_address": "10.0.0.3"}]}]})";
  auto ports = c.list_ports({{"network_id", "n1"}, {"network_id", "n 2"}});
  ASSERT_TRUE(ports.ok()) << ports.error().message;
  ASSERT_EQ(ports->size(), 1u);
  EXPECT_EQ((*ports)[0].project_id, "t1");
  EXPECT_EQ((*ports)[0].fixed_ips[0].ip_address, "10.0.0.3");
  EXPECT_EQ(s.last_path, "/v2.0/ports");
  EXPECT_EQ(s.last_networks, 2u);
  s.answer = R"({"ports": "nope"})";
  EXPECT_FALSE(c.list_ports({}).ok());
  s.status = 404;
  s.answer = "{}";
  EXPECT_FALSE(c.list_ports({}).ok());
}

}  // namespace
}  // namespace nt::rpc
