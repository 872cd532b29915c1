// ML2 port binding (binding.h): `ovs` with the OVS driver's vif_details when the host's alive
// Open vSwitch agent reaches the segment, `binding_failed` otherwise, `unbound` without a host;
// failed ports rebound when the agent reports; status untouched until device-status.
#include "controller/binding.h"

#include "api_fixture.h"

namespace nt::controller {
namespace {

class BindingTest : public ApiFixture {
 protected:
  void SetUp() override {
    config_.agent_down_time = 75;
    config_.network_vlan_ranges = {{"physnet1", true, {100, 200}}};
    ApiFixture::SetUp();
    api_->set_clock([this] { return now_; });
  }
  Json report(const std::string& host, Json conf, const std::string& type = kOvsAgentType) {
    Json state = {{"agent_type", type},
                  {"binary", "neutron-openvswitch-agent"},
                  {"host", host},
                  {"topic", "N/A"},
                  {"configurations", conf}};
    ApiResponse r =
        call("POST", "/v2.0/neutrino/agent-report", Json{{"agent_state", state}}.dump());
    EXPECT_EQ(r.status, 200) << r.body;
    return Json::parse(r.body);
  }
  std::string net(Json provider) {
    provider["name"] = "n";
    return post("network", provider)["network"]["id"];
  }
  Json port(const std::string& network, const std::string& host, Json extra = Json::object()) {
    Json body = {{"network_id", network}, {"binding:host_id", host}};
    body.update(extra);
    return post("port", body)["port"];
  }
  Json set_host(const std::string& id, const std::string& host) {
    return put("port", id, {{"binding:host_id", host}})["port"];
  }

  const Json tunnels_ = {{"tunneling_ip", "192.0.2.1"}, {"tunnel_types", {"vxlan"}}};
  std::time_t now_ = 1'800'000'000;
};

const Json kOvsDetails = {{"connectivity", "l2"},
                          {"port_filter", true},
                          {"ovs_hybrid_plug", false},
                          {"datapath_type", "system"},
                          {"bridge_name", "br-int"}};

TEST_F(BindingTest, BoundWhenTheHostsAgentReachesTheSegment) {
  report("compute1", tunnels_);
  Json p = port(net({{"provider:network_type", "vxlan"}}), "compute1");
  EXPECT_EQ(p["binding:vif_type"], "ovs");
  EXPECT_EQ(p["binding:vif_details"], kOvsDetails);
  EXPECT_EQ(p["status"], "DOWN");  // until the agent's device-status
  EXPECT_EQ(get("port", p["id"])["binding:vif_type"], "ovs");
}

TEST_F(BindingTest, EachNetworkTypeNeedsItsConfiguration) {
  report("compute1", {{"bridge_mappings", {{"physnet1", "br-eth1"}}}, {"tunnel_types", {"gre"}}});
  report("compute2", Json::object());
  std::string local = net({{"provider:network_type", "local"}});
  std::string flat1 =
      net({{"provider:network_type", "flat"}, {"provider:physical_network", "physnet1"}});
  std::string flat2 =
      net({{"provider:network_type", "flat"}, {"provider:physical_network", "physnet2"}});
  std::string vlan1 = net({{"provider:network_type", "vlan"},
                           {"provider:physical_network", "physnet1"},
                           {"provider:segmentation_id", 101}});
  std::string vxlan = net({{"provider:network_type", "vxlan"}});
  std::string gre = net({{"provider:network_type", "gre"}, {"provider:segmentation_id", 7}});
  struct Case {
    std::string network, host, want;
  } cases[] = {
      {local, "compute1", "ovs"},
      {local, "compute2", "ovs"},
      {flat1, "compute1", "ovs"},
      {flat1, "compute2", "binding_failed"},
      {flat2, "compute1", "binding_failed"},
      {vlan1, "compute1", "ovs"},
      {vlan1, "compute2", "binding_failed"},
      {vxlan, "compute1", "binding_failed"},
      {gre, "compute1", "ovs"},
      {gre, "compute2", "binding_failed"},
      {local, "compute9", "binding_failed"},
  };
  for (const auto& c : cases) {
    Json p = port(c.network, c.host);
    EXPECT_EQ(p["binding:vif_type"], c.want) << c.network << " on " << c.host;
    EXPECT_EQ(p["binding:vif_details"].empty(), c.want != "ovs");
  }
}

TEST_F(BindingTest, OnlyAnAliveOpenVswitchAgentBinds) {
  std::string n = net({{"provider:network_type", "vxlan"}});
  report("compute1", tunnels_, "DHCP agent");
  EXPECT_EQ(port(n, "compute1")["binding:vif_type"], "binding_failed");
  report("compute1", tunnels_);
  now_ += 76;  // agent_down_time passed without a report
  EXPECT_EQ(port(n, "compute1")["binding:vif_type"], "binding_failed");
  now_ -= 2;  // 74 s: still alive
  EXPECT_EQ(port(n, "compute1")["binding:vif_type"], "ovs");
}

TEST_F(BindingTest, DetailsFollowTheAgentsConfiguration) {
  report("compute1", {{"tunnel_types", {"vxlan"}},
                      {"integration_bridge", "br-int2"},
                      {"datapath_type", "netdev"},
                      {"ovs_hybrid_plug", true}});
  Json d = port(net({{"provider:network_type", "vxlan"}}), "compute1")["binding:vif_details"];
  EXPECT_EQ(d["bridge_name"], "br-int2");
  EXPECT_EQ(d["datapath_type"], "netdev");
  EXPECT_EQ(d["ovs_hybrid_plug"], true);
}

TEST_F(BindingTest, VnicTypesTheAgentCannotPlugFail) {
  report("compute1", tunnels_);
  std::string n = net({{"provider:network_type", "vxlan"}});
  EXPECT_EQ(port(n, "compute1", {{"binding:vnic_type", "macvtap"}})["binding:vif_type"],
            "binding_failed");
  EXPECT_EQ(port(n, "compute1", {{"binding:vnic_type", "direct"}})["binding:vif_type"],
            "binding_failed");
  Json switchdev = {{"binding:vnic_type", "direct"},
                    {"binding:profile", {{"capabilities", {"switchdev"}}}}};
  EXPECT_EQ(port(n, "compute1", switchdev)["binding:vif_type"], "ovs");
}

TEST_F(BindingTest, WithoutTheOpenvswitchMechanismDriverNothingBinds) {
  config_.mechanism_drivers = {"linuxbridge"};
  api_ = std::make_unique<Api>(config_, *store_);
  api_->set_clock([this] { return now_; });
  report("compute1", tunnels_);
  EXPECT_EQ(port(net({{"provider:network_type", "vxlan"}}), "compute1")["binding:vif_type"],
            "binding_failed");
}

TEST_F(BindingTest, UpdatesBindMoveAndUnbind) {
  report("compute1", tunnels_);
  report("compute2", tunnels_);
  std::string n = net({{"provider:network_type", "vxlan"}});
  Json p = port(n, "");
  EXPECT_EQ(p["binding:vif_type"], "unbound");
  EXPECT_EQ(p["binding:vif_details"], Json::object());
  std::string id = p["id"];
  p = set_host(id, "compute1");  // what Nova (or the agent) sends
  EXPECT_EQ(p["binding:vif_type"], "ovs");
  EXPECT_EQ(p["binding:vif_details"], kOvsDetails);
  call("POST", "/v2.0/neutrino/device-status",
       Json{{"host", "compute1"}, {"devices_up", {id}}}.dump());
  EXPECT_EQ(get("port", id)["status"], "ACTIVE");
  // An unrelated update keeps binding and status.
  p = put("port", id, {{"name", "renamed"}})["port"];
  EXPECT_EQ(p["binding:vif_type"], "ovs");
  EXPECT_EQ(p["status"], "ACTIVE");
  // A bound port's MAC cannot change (PortBound).
  EXPECT_EQ(
      call("PUT", "/v2.0/ports/" + id, R"({"port": {"mac_address": "fa:16:3e:00:00:01"}})").status,
      409);
  p = set_host(id, "compute2");  // live migration: down until compute2's agent wires it
  EXPECT_EQ(p["binding:vif_type"], "ovs");
  EXPECT_EQ(p["status"], "DOWN");
  p = set_host(id, "nowhere");
  EXPECT_EQ(p["binding:vif_type"], "binding_failed");
  EXPECT_EQ(p["binding:vif_details"], Json::object());
  // A failed port's MAC may change (Neutron: only plugged ports are refused).
  EXPECT_EQ(
      call("PUT", "/v2.0/ports/" + id, R"({"port": {"mac_address": "fa:16:3e:00:00:01"}})").status,
      200);
  p = set_host(id, "");
  EXPECT_EQ(p["binding:vif_type"], "unbound");
  EXPECT_EQ(p["binding:vif_details"], Json::object());
  set_host(id, "compute1");
  p = put("port", id, {{"binding:host_id", nullptr}})["port"];  // `openstack port unset --host`
  EXPECT_EQ(p["binding:host_id"], "");
  EXPECT_EQ(p["binding:vif_type"], "unbound");
}

TEST_F(BindingTest, AFailedPortIsRetriedOnUpdate) {
  std::string n = net({{"provider:network_type", "vxlan"}});
  std::string id = port(n, "compute1")["id"];
  report("compute1", {{"tunnel_types", Json::array()}});  // alive, but no vxlan: not rebound
  EXPECT_EQ(get("port", id)["binding:vif_type"], "binding_failed");
  // The agent learns vxlan later (a changed configuration): rebound at that report.
  now_ += 10;
  report("compute1", tunnels_);
  EXPECT_EQ(get("port", id)["binding:vif_type"], "ovs");
  // Another failed port, its agent now gone: any update retries.
  std::string other = port(n, "compute2")["id"];
  report("compute2", tunnels_, "DHCP agent");
  EXPECT_EQ(get("port", other)["binding:vif_type"], "binding_failed");
  EXPECT_EQ(put("port", other, {{"name", "retry"}})["port"]["binding:vif_type"], "binding_failed");
}

TEST_F(BindingTest, PortsBoundBeforeTheAgentCameUpAreBoundWhenItReports) {
  std::string n = net({{"provider:network_type", "vxlan"}});
  std::string a = port(n, "compute1")["id"], b = port(n, "compute1")["id"];
  std::string elsewhere = port(n, "compute2")["id"];
  EXPECT_EQ(get("port", a)["binding:vif_type"], "binding_failed");
  int rev = get("port", a)["revision_number"];
  uint64_t store_rev = store_->current_revision();
  EXPECT_EQ(report("compute1", tunnels_)["state"], "new");
  for (const auto& id : {a, b}) {
    Json p = get("port", id);
    EXPECT_EQ(p["binding:vif_type"], "ovs") << id;
    EXPECT_EQ(p["binding:vif_details"], kOvsDetails);
    EXPECT_EQ(p["status"], "DOWN");
  }
  EXPECT_EQ(get("port", a)["revision_number"], rev + 1);
  EXPECT_EQ(get("port", elsewhere)["binding:vif_type"], "binding_failed");
  // The rebinding is a change in the feed, so the agent following it sees its ports bound.
  ApiResponse r = call("GET", "/v2.0/neutrino/changes", "", {{"since", std::to_string(store_rev)}});
  ASSERT_EQ(r.status, 200) << r.body;
  int bound = 0;
  const Json feed = Json::parse(r.body);
  for (const auto& c : feed["changes"]) {
    if (c["kind"] == "port" && c["body"]["binding:vif_type"] == "ovs") ++bound;
  }
  EXPECT_EQ(bound, 2);
  // The agent dies and revives: ports stay bound (Neutron never unbinds on agent death).
  now_ += 100;
  EXPECT_EQ(report("compute1", tunnels_)["state"], "revived");
  EXPECT_EQ(get("port", a)["binding:vif_type"], "ovs");
}

TEST(BindingConfiguration, OnlyBindingKeysCount) {
  Json a = {{"tunnel_types", {"vxlan"}}, {"devices", 1}};
  Json b = {{"tunnel_types", {"vxlan"}}, {"devices", 7}};
  EXPECT_FALSE(binding_configuration_changed(a, b));
  b["bridge_mappings"] = {{"physnet1", "br-eth1"}};
  EXPECT_TRUE(binding_configuration_changed(a, b));
  EXPECT_TRUE(binding_configuration_changed(Json(), b));
}

}  // namespace
}  // namespace nt::controller
