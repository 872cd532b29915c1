// The DHCP service's server side (dhcp.h): DHCP agents, scheduling by DHCP port, the ports
// following their subnets, the dhcp_agent_scheduler API and the host state's dhcp_networks
// (parsed back with the agent's own parser: the contract of src/rpc/host_state.h).
#include "controller/dhcp.h"

#include "api_fixture.h"
#include "controller/agents.h"
#include "controller/binding.h"
#include "rpc/host_state.h"

namespace nt::controller {
namespace {

class DhcpTest : public ApiFixture {
 protected:
  void SetUp() override {
    config_.agent_down_time = 75;
    ApiFixture::SetUp();
    api_->set_clock([this] { return now_; });
  }
  Json report(const std::string& type, const std::string& host) {
    bool dhcp = type == kDhcpAgentType;
    Json state = {{"agent_type", type},
                  {"binary", dhcp ? "neutron-dhcp-agent" : "neutron-openvswitch-agent"},
                  {"host", host},
                  {"topic", dhcp ? "dhcp_agent" : "N/A"}};
    if (dhcp) {
      state["availability_zone"] = "nova";
      state["configurations"] = {{"dhcp_driver", "neutron.agent.linux.dhcp.Dnsmasq"},
                                 {"dhcp_lease_duration", 86400},
                                 {"networks", 0},
                                 {"subnets", 0},
                                 {"ports", 0}};
    } else {
      state["configurations"] = {{"tunneling_ip", "192.0.2.1"}, {"tunnel_types", {"vxlan"}}};
    }
    ApiResponse r =
        call("POST", "/v2.0/neutrino/agent-report", Json{{"agent_state", state}}.dump());
    EXPECT_EQ(r.status, 200) << r.body;
    return Json::parse(r.body);
  }
  Json dhcp_agent(const std::string& host) { return report(kDhcpAgentType, host)["agent"]; }
  std::vector<Json> dhcp_ports(const std::string& net) {
    ApiResponse r = call("GET", "/v2.0/ports", "", {{"network_id", net}});
    EXPECT_EQ(r.status, 200) << r.body;
    std::vector<Json> out;
    const Json doc = Json::parse(r.body);
    for (const auto& p : doc["ports"]) {
      if (p["device_owner"] == "network:dhcp") out.push_back(p);
    }
    return out;
  }
  Json get_json(const std::string& path) {
    ApiResponse r = call("GET", path);
    EXPECT_EQ(r.status, 200) << r.body;
    return Json::parse(r.body);
  }
  // A network with a VXLAN segment (tunnel_types vxlan binds it) and its 10.0.0.0/24 subnet.
  std::string network_with_subnet(const std::string& name = "n") {
    std::string net = network(name);
    subnet(net, "10.0.0.0/24");
    return net;
  }

  std::time_t now_ = 1'800'000'000;
};

TEST_F(DhcpTest, Uuid5AndDeviceIdAreNeutrons) {
  // Python: uuid.uuid5(uuid.NAMESPACE_DNS, 'python.org')
  EXPECT_EQ(uuid5("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "python.org"),
            "886313e1-3b8a-5372-9b90-0c9aee199e5d");
  // Python: 'dhcp%s-%s' % (uuid.uuid5(uuid.NAMESPACE_DNS, 'controller'), 'net')
  EXPECT_EQ(dhcp_device_id("controller", "net"),
            "dhcp" + uuid5("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "controller") + "-net");
  EXPECT_EQ(dhcp_device_id("controller", "n").size(), 4u + 36 + 2);
}

TEST_F(DhcpTest, DhcpAgentReportIsListed) {
  Json a = report(kDhcpAgentType, "controller");
  EXPECT_EQ(a["state"], "new");
  Json list = get_json("/v2.0/agents")["agents"];
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["agent_type"], "DHCP agent");
  EXPECT_EQ(list[0]["binary"], "neutron-dhcp-agent");
  EXPECT_EQ(list[0]["topic"], "dhcp_agent");
  EXPECT_EQ(list[0]["availability_zone"], "nova");
  EXPECT_EQ(list[0]["configurations"]["dhcp_lease_duration"], 86400);
  EXPECT_TRUE(list[0]["alive"]);
  Json exts = get_json("/v2.0/extensions/dhcp_agent_scheduler");
  EXPECT_EQ(exts["extension"]["alias"], "dhcp_agent_scheduler");
}

TEST_F(DhcpTest, SubnetCreateMakesTheDhcpPortAtTwo) {
  report(kOvsAgentType, "controller");
  dhcp_agent("controller");
  std::string net = network("n");
  std::string project = get("network", net)["project_id"];
  Json sn = subnet(net, "10.0.0.0/24");
  auto ports = dhcp_ports(net);
  ASSERT_EQ(ports.size(), 1u);
  const Json& p = ports[0];
  EXPECT_EQ(p["name"], "");
  EXPECT_EQ(p["device_id"], dhcp_device_id("controller", net));
  EXPECT_EQ(p["binding:host_id"], "controller");
  EXPECT_EQ(p["binding:vif_type"], "ovs");  // the host's OVS agent binds it
  EXPECT_TRUE(p["admin_state_up"]);
  EXPECT_EQ(p["project_id"], project);
  EXPECT_EQ(p["security_groups"], Json::array());
  EXPECT_EQ(p["mac_address"].get<std::string>().substr(0, 8), "fa:16:3e");
  ASSERT_EQ(p["fixed_ips"].size(), 1u);
  EXPECT_EQ(p["fixed_ips"][0]["ip_address"], "10.0.0.2");
  EXPECT_EQ(p["fixed_ips"][0]["subnet_id"], sn["id"]);
  // The next port is .3, as in the seeds; another report does not add a second DHCP port.
  EXPECT_EQ(post("port", {{"network_id", net}})["port"]["fixed_ips"][0]["ip_address"], "10.0.0.3");
  now_ += 30;
  dhcp_agent("controller");
  EXPECT_EQ(dhcp_ports(net).size(), 1u);
}

TEST_F(DhcpTest, NoDhcpSubnetNoPort) {
  dhcp_agent("controller");
  std::string net = network("n");
  subnet(net, "10.0.0.0/24", {{"enable_dhcp", false}});
  subnet(net, "fd00::/64");  // IPv6 alone does not need a DHCP agent here
  EXPECT_TRUE(dhcp_ports(net).empty());
}

TEST_F(DhcpTest, WithoutAgentNothingThenTheReportSchedules) {
  std::string net = network_with_subnet();
  EXPECT_TRUE(dhcp_ports(net).empty());
  Json agent = dhcp_agent("controller");
  auto ports = dhcp_ports(net);
  ASSERT_EQ(ports.size(), 1u);
  EXPECT_EQ(ports[0]["fixed_ips"][0]["ip_address"], "10.0.0.2");
  EXPECT_EQ(ports[0]["binding:vif_type"], "binding_failed");  // no OVS agent on the host yet
  report(kOvsAgentType, "controller");
  EXPECT_EQ(dhcp_ports(net)[0]["binding:vif_type"], "ovs");
  // The scheduler API, both ways.
  Json hosting = get_json("/v2.0/networks/" + net + "/dhcp-agents")["agents"];
  ASSERT_EQ(hosting.size(), 1u);
  EXPECT_EQ(hosting[0]["id"], agent["id"]);
  EXPECT_TRUE(hosting[0]["alive"]);
  Json hosted = get_json("/v2.0/agents/" + agent["id"].get<std::string>() + "/dhcp-networks");
  ASSERT_EQ(hosted["networks"].size(), 1u);
  EXPECT_EQ(hosted["networks"][0]["id"], net);
  EXPECT_EQ(call("GET", "/v2.0/networks/" + net + "/dhcp-agents", "", {}, "p1").status, 403);
  EXPECT_EQ(call("GET", "/v2.0/networks/nope/dhcp-agents").status, 404);
}

TEST_F(DhcpTest, DeadAgentIsNotScheduledUntilItRevives) {
  dhcp_agent("controller");
  now_ += 100;  // dead
  std::string net = network_with_subnet();
  EXPECT_TRUE(dhcp_ports(net).empty());
  EXPECT_EQ(report(kDhcpAgentType, "controller")["state"], "revived");
  EXPECT_EQ(dhcp_ports(net).size(), 1u);
}

TEST_F(DhcpTest, AgentsPerNetworkLeastLoadedFirst) {
  config_.dhcp_agents_per_network = 2;
  api_ = std::make_unique<Api>(config_, *store_);  // the Api keeps its own configuration
  api_->set_clock([this] { return now_; });
  dhcp_agent("b-host");
  dhcp_agent("a-host");
  dhcp_agent("c-host");
  std::string n1 = network_with_subnet("n1");
  std::set<std::string> hosts;
  for (const auto& p : dhcp_ports(n1)) hosts.insert(p["binding:host_id"]);
  EXPECT_EQ(hosts, (std::set<std::string>{"a-host", "b-host"}));  // ties by host name
  std::string n2 = network("n2");
  subnet(n2, "10.0.1.0/24");
  hosts.clear();
  std::set<std::string> ips;
  for (const auto& p : dhcp_ports(n2)) {
    hosts.insert(p["binding:host_id"]);
    ips.insert(p["fixed_ips"][0]["ip_address"]);
  }
  EXPECT_EQ(hosts, (std::set<std::string>{"a-host", "c-host"}));  // c-host had none
  EXPECT_EQ(ips, (std::set<std::string>{"10.0.1.2", "10.0.1.3"}));
}

TEST_F(DhcpTest, PortsFollowTheNetworksSubnets) {
  dhcp_agent("controller");
  std::string net = network_with_subnet();
  Json second = subnet(net, "10.0.5.0/24");
  auto ports = dhcp_ports(net);
  ASSERT_EQ(ports.size(), 1u);
  ASSERT_EQ(ports[0]["fixed_ips"].size(), 2u);
  EXPECT_EQ(ports[0]["fixed_ips"][1]["ip_address"], "10.0.5.2");
  EXPECT_EQ(ports[0]["fixed_ips"][1]["subnet_id"], second["id"]);
  const std::string port_id = ports[0]["id"];
  // Switched off: the address goes (and is free again); switched on: it comes back.
  put("subnet", second["id"], {{"enable_dhcp", false}});
  EXPECT_EQ(get("port", port_id)["fixed_ips"].size(), 1u);
  put("subnet", second["id"], {{"enable_dhcp", true}});
  EXPECT_EQ(get("port", port_id)["fixed_ips"][1]["ip_address"], "10.0.5.2");
  // Deleted: the address goes, the port stays for the first subnet.
  EXPECT_EQ(del("subnet", second["id"]), 204);
  Json p = get("port", port_id);
  ASSERT_EQ(p["fixed_ips"].size(), 1u);
  EXPECT_EQ(p["fixed_ips"][0]["ip_address"], "10.0.0.2");
}

TEST_F(DhcpTest, LastDhcpSubnetGoneTakesThePorts) {
  dhcp_agent("controller");
  std::string net = network("n");
  Json sn = subnet(net, "10.0.0.0/24");
  ASSERT_EQ(dhcp_ports(net).size(), 1u);
  put("subnet", sn["id"], {{"enable_dhcp", false}});
  EXPECT_TRUE(dhcp_ports(net).empty());
  put("subnet", sn["id"], {{"enable_dhcp", true}});
  ASSERT_EQ(dhcp_ports(net).size(), 1u);
  EXPECT_EQ(dhcp_ports(net)[0]["fixed_ips"][0]["ip_address"], "10.0.0.2");
  EXPECT_EQ(del("subnet", sn["id"]), 204);
  EXPECT_TRUE(dhcp_ports(net).empty());
  // A network with a DHCP port deletes with it.
  subnet(net, "10.0.0.0/24");
  ASSERT_EQ(dhcp_ports(net).size(), 1u);
  EXPECT_EQ(del("network", net), 204);
  ApiResponse r = call("GET", "/v2.0/ports");
  EXPECT_EQ(Json::parse(r.body)["ports"].size(), 0u) << r.body;
}

TEST_F(DhcpTest, PortDeletedByHandComesBackAtTheNextReport) {
  dhcp_agent("controller");
  std::string net = network_with_subnet();
  std::string id = dhcp_ports(net).at(0)["id"];
  EXPECT_EQ(del("port", id), 204);
  EXPECT_TRUE(dhcp_ports(net).empty());
  now_ += 30;
  dhcp_agent("controller");
  auto ports = dhcp_ports(net);
  ASSERT_EQ(ports.size(), 1u);
  EXPECT_NE(ports[0]["id"], id);
  EXPECT_EQ(ports[0]["fixed_ips"][0]["ip_address"], "10.0.0.2");
}

TEST_F(DhcpTest, DeletingTheAgentTakesItsPorts) {
  Json agent = dhcp_agent("controller");
  std::string net = network_with_subnet();
  ASSERT_EQ(dhcp_ports(net).size(), 1u);
  EXPECT_EQ(del("agent", agent["id"]), 204);
  EXPECT_TRUE(dhcp_ports(net).empty());
  dhcp_agent("other");
  ASSERT_EQ(dhcp_ports(net).size(), 1u);
  EXPECT_EQ(dhcp_ports(net)[0]["binding:host_id"], "other");
}

TEST_F(DhcpTest, AgentAddAndRemoveNetwork) {
  Json a = dhcp_agent("a-host");
  std::string net = network_with_subnet();
  Json b = dhcp_agent("b-host");
  const std::string path_a = "/v2.0/agents/" + a["id"].get<std::string>() + "/dhcp-networks";
  const std::string path_b = "/v2.0/agents/" + b["id"].get<std::string>() + "/dhcp-networks";
  const std::string body = Json{{"network_id", net}}.dump();
  // b hosts it too (beyond dhcp_agents_per_network, as Neutron allows), then a twice: 409.
  ApiResponse r = call("POST", path_b, body);
  EXPECT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.body, "null");
  EXPECT_EQ(dhcp_ports(net).size(), 2u);
  r = call("POST", path_a, body);
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(type_of(Json::parse(r.body)), "NetworkHostedByDHCPAgent");
  EXPECT_EQ(get_json("/v2.0/networks/" + net + "/dhcp-agents")["agents"].size(), 2u);
  EXPECT_EQ(call("DELETE", path_a + "/" + net).status, 204);
  ASSERT_EQ(dhcp_ports(net).size(), 1u);
  EXPECT_EQ(dhcp_ports(net)[0]["binding:host_id"], "b-host");
  r = call("DELETE", path_a + "/" + net);
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(type_of(Json::parse(r.body)), "NetworkNotHostedByDhcpAgent");
  // Not a DHCP agent; a network without a DHCP subnet.
  Json ovs = report(kOvsAgentType, "a-host")["agent"];
  r = call("POST", "/v2.0/agents/" + ovs["id"].get<std::string>() + "/dhcp-networks", body);
  EXPECT_EQ(type_of(Json::parse(r.body)), "InvalidDHCPAgent");
  std::string bare = network("bare");
  r = call("POST", path_a, Json{{"network_id", bare}}.dump());
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(call("POST", path_a, "{}").status, 400);
  EXPECT_EQ(call("DELETE", "/v2.0/networks/" + net + "/dhcp-agents/x").status, 405);
}

TEST_F(DhcpTest, HostStateCarriesDhcpNetworks) {
  report(kOvsAgentType, "controller");
  dhcp_agent("controller");
  std::string net = network("n");
  Json sn = subnet(net, "10.0.0.0/24",
                   {{"dns_nameservers", {"8.8.8.8"}},
                    {"host_routes", {{{"destination", "10.9.0.0/16"}, {"nexthop", "10.0.0.9"}}}}});
  Json vm = post("port", {{"network_id", net},
                          {"binding:host_id", "compute1"},
                          {"device_owner", "compute:nova"},
                          {"device_id", "vm1"}})["port"];
  std::string dhcp_id = dhcp_ports(net).at(0)["id"];

  Json doc = get_json("/v2.0/neutrino/hosts/controller/state");
  ASSERT_EQ(doc["dhcp_networks"].size(), 1u);
  const Json& d = doc["dhcp_networks"][0];
  EXPECT_EQ(d["id"], net);
  EXPECT_EQ(d["name"], "n");
  EXPECT_EQ(d["dhcp_port_id"], dhcp_id);
  EXPECT_EQ(d["subnets"].size(), 1u);
  EXPECT_EQ(d["ports"].size(), 2u);  // the DHCP port and compute1's instance
  bool in_ports = false;
  for (const auto& p : doc["ports"]) in_ports |= p["id"] == dhcp_id;
  EXPECT_TRUE(in_ports) << "the DHCP port is bound here: the OVS agent wires it";

  // The agent's parser reads it back (src/rpc/host_state.h's contract).
  auto parsed = rpc::parse_host_state(doc.dump());
  ASSERT_TRUE(parsed) << parsed.error().message;
  ASSERT_EQ(parsed->dhcp_networks.size(), 1u);
  const rpc::DhcpNetwork& n = parsed->dhcp_networks[0];
  EXPECT_EQ(n.id, net);
  EXPECT_EQ(n.mtu, get("network", net)["mtu"].get<int>());
  EXPECT_EQ(n.dhcp_port_id, dhcp_id);
  ASSERT_EQ(n.subnets.size(), 1u);
  EXPECT_EQ(n.subnets[0].id, sn["id"]);
  EXPECT_EQ(n.subnets[0].cidr, "10.0.0.0/24");
  EXPECT_EQ(n.subnets[0].gateway_ip, "10.0.0.1");
  EXPECT_TRUE(n.subnets[0].enable_dhcp);
  EXPECT_EQ(n.subnets[0].dns_nameservers, std::vector<std::string>{"8.8.8.8"});
  ASSERT_EQ(n.subnets[0].host_routes.size(), 1u);
  EXPECT_EQ(n.subnets[0].host_routes[0].destination, "10.9.0.0/16");
  ASSERT_EQ(n.ports.size(), 2u);
  for (const auto& p : n.ports) {
    ASSERT_EQ(p.fixed_ips.size(), 1u);
    if (p.id == dhcp_id) {
      EXPECT_EQ(p.device_owner, "network:dhcp");
      EXPECT_EQ(p.device_id, dhcp_device_id("controller", net));
      EXPECT_EQ(p.fixed_ips[0].ip_address, "10.0.0.2");
    } else {
      EXPECT_EQ(p.id, vm["id"]);
      EXPECT_EQ(p.mac_address, vm["mac_address"]);
      EXPECT_EQ(p.device_owner, "compute:nova");
      EXPECT_EQ(p.device_id, "vm1");
      EXPECT_TRUE(p.admin_state_up);
      EXPECT_EQ(p.fixed_ips[0].ip_address, "10.0.0.3");
      EXPECT_EQ(p.fixed_ips[0].subnet_id, sn["id"]);
    }
  }
  // Another host (compute1 has a port of the network, but no DHCP port): nothing.
  Json other = get_json("/v2.0/neutrino/hosts/compute1/state");
  EXPECT_EQ(other["dhcp_networks"], Json::array());
  auto parsed_other = rpc::parse_host_state(other.dump());
  ASSERT_TRUE(parsed_other);
  EXPECT_TRUE(parsed_other->dhcp_networks.empty());
}

}  // namespace
}  // namespace nt::controller
