// The L3 service's server side (l3_agents.h): L3 agents, routers scheduled to them (least routers
// first), the router ports bound to the agent's host, the l3_agent_scheduler API and the host
// state's routers (parsed back with the agent's own parser: src/rpc/host_state.h's contract).
#include <set>

#include "controller/agents.h"
#include "controller/binding.h"
#include "controller/l3_agents.h"
#include "l3_fixture.h"
#include "rpc/host_state.h"

namespace nt::controller {
namespace {

class L3AgentTest : public L3Fixture {
 protected:
  void SetUp() override {
    config_.agent_down_time = 75;
    L3Fixture::SetUp();
    api_->set_clock([this] { return now_; });
  }
  Json report(const std::string& type, const std::string& host) {
    bool l3 = type == kL3AgentType;
    Json state = {{"agent_type", type},
                  {"binary", l3 ? "neutrino-l3-agent" : "neutron-openvswitch-agent"},
                  {"host", host},
                  {"topic", l3 ? "l3_agent" : "N/A"}};
    if (l3) {
      state["availability_zone"] = "nova";
      state["configurations"] = {{"agent_mode", "legacy"},
                                 {"routers", 0},
                                 {"ex_gw_ports", 0},
                                 {"interfaces", 0},
                                 {"floating_ips", 0}};
    } else {
      state["configurations"] = {{"tunneling_ip", "192.0.2.1"},
                                 {"tunnel_types", {"vxlan"}},
                                 {"bridge_mappings", {{"physnet1", "br-eth1"}}}};
    }
    ApiResponse r =
        call("POST", "/v2.0/neutrino/agent-report", Json{{"agent_state", state}}.dump());
    EXPECT_EQ(r.status, 200) << r.body;
    return Json::parse(r.body);
  }
  Json l3_agent(const std::string& host) { return report(kL3AgentType, host)["agent"]; }
  Json get_json(const std::string& path, int want = 200) {
    ApiResponse r = call("GET", path);
    EXPECT_EQ(r.status, want) << r.body;
    return Json::parse(r.body);
  }
  // The hosts of the router's l3-agents.
  std::vector<std::string> hosts_of(const std::string& router) {
    std::vector<std::string> out;
    const Json doc = get_json("/v2.0/routers/" + router + "/l3-agents");
    for (const auto& a : doc["agents"]) {
      out.push_back(a["host"]);
    }
    return out;
  }
  ApiResponse add_router(const std::string& agent, const std::string& router) {
    return call("POST", "/v2.0/agents/" + agent + "/l3-routers",
                Json{{"router_id", router}}.dump());
  }

  std::time_t now_ = 1'800'000'000;
};

TEST_F(L3AgentTest, L3AgentReportIsListed) {
  Json a = report(kL3AgentType, "network1");
  EXPECT_EQ(a["state"], "new");
  Json list = get_json("/v2.0/agents")["agents"];
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["agent_type"], "L3 agent");
  EXPECT_EQ(list[0]["binary"], "neutrino-l3-agent");
  EXPECT_EQ(list[0]["topic"], "l3_agent");
  EXPECT_EQ(list[0]["availability_zone"], "nova");
  EXPECT_EQ(list[0]["configurations"]["agent_mode"], "legacy");
  EXPECT_EQ(list[0]["alive"], true);
  Json ext = get_json("/v2.0/extensions/l3_agent_scheduler");
  EXPECT_EQ(ext["extension"]["alias"], "l3_agent_scheduler");
}

TEST_F(L3AgentTest, RouterCreateIsScheduledAndTheResponseIsUnchanged) {
  l3_agent("network1");
  Json r = router({{"name", "r"}});
  EXPECT_FALSE(r.contains("l3_agent_id"));
  EXPECT_EQ(hosts_of(r["id"]), std::vector<std::string>{"network1"});
  Json shown = get("router", r["id"]);
  EXPECT_EQ(shown.size(), r.size()) << shown.dump();
}

TEST_F(L3AgentTest, LeastRoutersFirstTiesByHost) {
  l3_agent("net-b");
  l3_agent("net-a");
  std::string r1 = router({{"name", "r1"}})["id"];
  std::string r2 = router({{"name", "r2"}})["id"];
  std::string r3 = router({{"name", "r3"}})["id"];
  EXPECT_EQ(hosts_of(r1), std::vector<std::string>{"net-a"});  // tie: the first host
  EXPECT_EQ(hosts_of(r2), std::vector<std::string>{"net-b"});
  EXPECT_EQ(hosts_of(r3), std::vector<std::string>{"net-a"});
}

TEST_F(L3AgentTest, WithoutAgentUnscheduledThenTheReportSchedulesAndBindsItsPorts) {
  report(kOvsAgentType, "network1");
  std::string id = seed_router();
  EXPECT_TRUE(hosts_of(id).empty());
  for (const auto& p : ports_of_device(id)) {
    EXPECT_EQ(p["binding:host_id"], "") << p.dump();
    EXPECT_EQ(p["binding:vif_type"], "unbound");
  }
  l3_agent("network1");
  EXPECT_EQ(hosts_of(id), std::vector<std::string>{"network1"});
  auto ports = ports_of_device(id);
  ASSERT_EQ(ports.size(), 2u);
  for (const auto& p : ports) {
    EXPECT_EQ(p["binding:host_id"], "network1") << p.dump();
    EXPECT_EQ(p["binding:vif_type"], "ovs") << p.dump();
  }
}

TEST_F(L3AgentTest, DeadAgentIsNotChosenAndItsRoutersMoveToAnAliveOne) {
  l3_agent("net-a");
  now_ += 100;  // net-a is dead
  std::string id = router({{"name", "r"}})["id"];
  EXPECT_TRUE(hosts_of(id).empty());
  l3_agent("net-b");
  EXPECT_EQ(hosts_of(id), std::vector<std::string>{"net-b"});
  now_ += 100;  // net-b dead too; net-a revives: the router moves there
  EXPECT_EQ(report(kL3AgentType, "net-a")["state"], "revived");
  EXPECT_EQ(hosts_of(id), std::vector<std::string>{"net-a"});
}

TEST_F(L3AgentTest, InterfaceAndGatewayOfAScheduledRouterAreBoundAtCreation) {
  l3_agent("network1");
  std::string id = router({{"name", "r"}})["id"];
  Json info = action(id, "add_router_interface", {{"subnet_id", subnet_}});
  Json qr = get("port", info["port_id"]);
  EXPECT_EQ(qr["binding:host_id"], "network1");
  EXPECT_EQ(qr["revision_number"], 0) << "bound at creation, not updated after";
  set_gateway(id, ext_net_);
  for (const auto& p : ports_of_device(id)) EXPECT_EQ(p["binding:host_id"], "network1");
  // An interface by port: the port takes the router's host.
  Json p = port_on(net_);
  action(id, "remove_router_interface", {{"subnet_id", subnet_}});
  action(id, "add_router_interface", {{"port_id", p["id"]}});
  EXPECT_EQ(get("port", p["id"])["binding:host_id"], "network1");
}

TEST_F(L3AgentTest, AddAndRemoveRouterThroughTheAgentsApi) {
  Json a = l3_agent("net-a");
  std::string id = router({{"name", "r"}})["id"];  // scheduled to net-a
  action(id, "add_router_interface", {{"subnet_id", subnet_}});
  Json b = l3_agent("net-b");
  Json listed = get_json("/v2.0/agents/" + a["id"].get<std::string>() + "/l3-routers");
  ASSERT_EQ(listed["routers"].size(), 1u);
  EXPECT_EQ(listed["routers"][0]["id"], id);
  EXPECT_TRUE(
      get_json("/v2.0/agents/" + b["id"].get<std::string>() + "/l3-routers")["routers"].empty());

  ApiResponse r = add_router(b["id"], id);
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(type_of(Json::parse(r.body)), "RouterHostedByL3Agent");
  EXPECT_EQ(add_router(a["id"], id).status, 201) << "already there: nothing to do";

  std::string path = "/v2.0/agents/" + a["id"].get<std::string>() + "/l3-routers/" + id;
  EXPECT_EQ(call("DELETE", path).status, 204);
  EXPECT_TRUE(hosts_of(id).empty());
  for (const auto& p : ports_of_device(id)) EXPECT_EQ(p["binding:host_id"], "");
  r = call("DELETE", path);
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(type_of(Json::parse(r.body)), "RouterNotHostedByL3Agent");

  EXPECT_EQ(add_router(b["id"], id).status, 201);
  EXPECT_EQ(hosts_of(id), std::vector<std::string>{"net-b"});
  for (const auto& p : ports_of_device(id)) EXPECT_EQ(p["binding:host_id"], "net-b");
}

TEST_F(L3AgentTest, AgentsApiErrors) {
  Json ovs = report(kOvsAgentType, "compute1")["agent"];
  Json l3 = l3_agent("net-a");
  std::string id = router({{"name", "r"}})["id"];
  ApiResponse r = add_router(ovs["id"], id);
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(type_of(Json::parse(r.body)), "InvalidL3Agent");
  r = add_router(l3["id"], "00000000-0000-0000-0000-000000000000");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(type_of(Json::parse(r.body)), "RouterNotFound");
  r = call("POST", "/v2.0/agents/" + l3["id"].get<std::string>() + "/l3-routers", "{}");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(get_json("/v2.0/agents/nope/l3-routers", 404)["NeutronError"]["type"], "AgentNotFound");
  EXPECT_EQ(get_json("/v2.0/routers/nope/l3-agents", 404)["NeutronError"]["type"],
            "RouterNotFound");
  // Admin-down agents take no routers.
  put("agent", l3["id"], {{"admin_state_up", false}});
  r = call("DELETE", "/v2.0/agents/" + l3["id"].get<std::string>() + "/l3-routers/" + id);
  EXPECT_EQ(r.status, 204);
  r = add_router(l3["id"], id);
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(type_of(Json::parse(r.body)), "InvalidL3Agent");
}

TEST_F(L3AgentTest, DeletingTheAgentReschedulesItsRouters) {
  Json a = l3_agent("net-a");
  std::string id = router({{"name", "r"}})["id"];
  l3_agent("net-b");
  EXPECT_EQ(del("agent", a["id"]), 204);
  EXPECT_EQ(hosts_of(id), std::vector<std::string>{"net-b"});
}

TEST_F(L3AgentTest, HostStateCarriesTheRoutersOfItsL3Agent) {
  report(kOvsAgentType, "network1");
  l3_agent("network1");
  std::string id = seed_router();
  put("router", id, {{"routes", {{{"destination", "10.9.0.0/16"}, {"nexthop", "172.16.100.9"}}}}});
  Json vm = port_on(net_, {{"device_owner", "compute:nova"}, {"binding:host_id", "compute1"}});
  Json fip = post("floatingip", {{"floating_network_id", ext_net_}, {"port_id", vm["id"]}});
  fip = fip["floatingip"];

  Json doc = get_json("/v2.0/neutrino/hosts/network1/state");
  ASSERT_EQ(doc["routers"].size(), 1u) << doc["routers"].dump();
  auto parsed = rpc::parse_host_state(doc.dump());
  ASSERT_TRUE(parsed) << parsed.error().message;
  ASSERT_EQ(parsed->routers.size(), 1u);
  const rpc::RouterInfo& r = parsed->routers[0];
  EXPECT_EQ(r.id, id);
  EXPECT_EQ(r.name, "router_100_101");
  EXPECT_TRUE(r.admin_state_up);
  EXPECT_TRUE(r.enable_snat);
  ASSERT_TRUE(r.gw_port.has_value());
  EXPECT_EQ(r.gw_port->device_owner, "network:router_gateway");
  EXPECT_EQ(r.gw_port->network_id, ext_net_);
  ASSERT_EQ(r.gw_port->fixed_ips.size(), 1u);
  EXPECT_EQ(r.gw_port->fixed_ips[0].ip_address, "10.10.10.2");
  ASSERT_EQ(r.gw_port->subnets.size(), 1u);
  EXPECT_EQ(r.gw_port->subnets[0].cidr, "10.10.10.0/24");
  EXPECT_EQ(r.gw_port->subnets[0].gateway_ip, "10.10.10.1");
  ASSERT_EQ(r.interfaces.size(), 1u);
  const rpc::RouterPortInfo& qr = r.interfaces[0];
  EXPECT_EQ(qr.device_owner, "network:router_interface");
  EXPECT_EQ(qr.network_id, net_);
  EXPECT_EQ(qr.mtu, get("network", net_)["mtu"].get<int>());
  EXPECT_FALSE(qr.mac_address.empty());
  ASSERT_EQ(qr.fixed_ips.size(), 1u);
  EXPECT_EQ(qr.fixed_ips[0].ip_address, "172.16.100.1");
  ASSERT_EQ(qr.subnets.size(), 1u);
  EXPECT_EQ(qr.subnets[0].id, subnet_);
  EXPECT_EQ(qr.subnets[0].cidr, "172.16.100.0/24");
  EXPECT_EQ(r.routes, (std::vector<rpc::HostRoute>{{"10.9.0.0/16", "172.16.100.9"}}));
  ASSERT_EQ(r.floating_ips.size(), 1u);
  EXPECT_EQ(r.floating_ips[0].id, fip["id"]);
  EXPECT_EQ(r.floating_ips[0].floating_ip_address, fip["floating_ip_address"]);
  EXPECT_EQ(r.floating_ips[0].fixed_ip_address, vm["fixed_ips"][0]["ip_address"]);
  EXPECT_EQ(r.floating_ips[0].port_id, vm["id"]);
  EXPECT_EQ(r.floating_ips[0].status, "DOWN");
  // The router's ports are the host's ports too: the OVS agent tags them.
  EXPECT_NE(parsed->find_port(r.gw_port->id), nullptr);
  EXPECT_NE(parsed->find_port(qr.id), nullptr);

  // Another host has no routers; a disassociated floating IP leaves; a deleted router goes.
  EXPECT_TRUE(get_json("/v2.0/neutrino/hosts/compute1/state")["routers"].empty());
  put("floatingip", fip["id"], {{"port_id", nullptr}});
  doc = get_json("/v2.0/neutrino/hosts/network1/state");
  EXPECT_TRUE(doc["routers"][0]["floating_ips"].empty());
  EXPECT_EQ(del("floatingip", fip["id"]), 204);
  put("router", id, {{"routes", Json::array()}});
  action(id, "remove_router_interface", {{"subnet_id", subnet_}});
  EXPECT_EQ(del("router", id), 204);
  EXPECT_TRUE(get_json("/v2.0/neutrino/hosts/network1/state")["routers"].empty());
}

TEST_F(L3AgentTest, RouterChangesAreInTheFeed) {
  l3_agent("network1");
  uint64_t since = store_->current_revision();
  std::string id = seed_router();
  std::set<std::string> kinds;
  ApiResponse r = call("GET", "/v2.0/neutrino/changes", "", {{"since", std::to_string(since)}});
  ASSERT_EQ(r.status, 200) << r.body;
  const Json page = Json::parse(r.body);
  for (const auto& c : page["changes"]) kinds.insert(c["kind"]);
  EXPECT_EQ(kinds, (std::set<std::string>{"router", "port", kL3BindingKind}));
  EXPECT_EQ(del("router", id), 409);  // still has an interface
}

}  // namespace
}  // namespace nt::controller
