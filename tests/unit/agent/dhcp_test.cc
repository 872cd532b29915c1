// The DHCP role's plan (agent/dhcp.h) against what Neutron's DHCP agent writes: seed 003's
// dnsmasq command line for network bc152586 (tap168bb8f2-fa on 10.0.1.0/28), the host, addn_hosts
// and opts files of ../shared/reference/neutron-services.md §4.3; and DhcpRole converging a
// node (plug, reload, disable) through a recording node channel and driver.
#include "agent/dhcp.h"

#include <gtest/gtest.h>

namespace nt::agent {
namespace {

constexpr const char* kNet = "bc152586-b6aa-4ee4-9851-739f46852e7a";
constexpr const char* kSubnet = "6f0c1c1e-0000-4000-8000-000000000001";
constexpr const char* kDhcpPort = "168bb8f2-fa11-4b6a-9d5e-0123456789ab";

rpc::DhcpPort port(const std::string& id, const std::string& mac, const std::string& ip,
                   const std::string& owner = "compute:nova") {
  rpc::DhcpPort p;
  p.id = id;
  p.mac_address = mac;
  p.device_owner = owner;
  p.fixed_ips = {{kSubnet, ip}};
  return p;
}

rpc::DhcpNetwork seed_network() {
  rpc::DhcpNetwork n;
  n.id = kNet;
  n.mtu = 1450;
  n.dhcp_port_id = kDhcpPort;
  rpc::SubnetInfo s;
  s.id = kSubnet;
  s.network_id = kNet;
  s.cidr = "10.0.1.0/28";
  s.gateway_ip = "10.0.1.1";
  n.subnets = {s};
  n.ports = {port(kDhcpPort, "fa:16:3e:f0:1b:35", "10.0.1.2", "network:dhcp"),
             port("5e6b21a0-1d00-4000-8000-000000000003", "fa:16:3e:5e:6b:21", "10.0.1.3")};
  return n;
}

TEST(DhcpPlan, SeedCommandLine) {
  auto p = plan_dhcp_network(seed_network(), DhcpOptions{});
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->device, "tap168bb8f2-fa");
  EXPECT_EQ(p->namespace_name, std::string("qdhcp-") + kNet);
  std::string c = std::string("/var/lib/neutron/dhcp/") + kNet;
  std::vector<std::string> want = {"dnsmasq",
                                   "--no-hosts",
                                   "--no-resolv",
                                   "--strict-order",
                                   "--bind-interfaces",
                                   "--interface=tap168bb8f2-fa",
                                   "--except-interface=lo",
                                   "--pid-file=" + c + "/pid",
                                   "--dhcp-hostsfile=" + c + "/host",
                                   "--addn-hosts=" + c + "/addn_hosts",
                                   "--dhcp-optsfile=" + c + "/opts",
                                   "--leasefile-ro",
                                   "--dhcp-range=set:tag0,10.0.1.0,static,86400s",
                                   "--dhcp-option-force=option:mtu,1450",
                                   "--dhcp-lease-max=16",
                                   "--conf-file=",
                                   "--domain=openstacklocal"};
  EXPECT_EQ(p->dnsmasq_argv, want);
  EXPECT_EQ(p->addresses, std::vector<std::string>{"10.0.1.2/28"});
}

TEST(DhcpPlan, Files) {
  auto p = plan_dhcp_network(seed_network(), DhcpOptions{});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->host_file,
            "fa:16:3e:f0:1b:35,host-10-0-1-2.openstacklocal,10.0.1.2\n"
            "fa:16:3e:5e:6b:21,host-10-0-1-3.openstacklocal,10.0.1.3\n");
  EXPECT_EQ(p->addn_hosts_file,
            "10.0.1.2\thost-10-0-1-2.openstacklocal host-10-0-1-2\n"
            "10.0.1.3\thost-10-0-1-3.openstacklocal host-10-0-1-3\n");
  // Isolated, no metadata: only the router.
  EXPECT_EQ(p->opts_file, "tag:tag0,option:router,10.0.1.1\n");
}

TEST(DhcpPlan, RoutesDnsAndMetadata) {
  rpc::DhcpNetwork n = seed_network();
  n.subnets[0].dns_nameservers = {"8.8.8.8", "8.8.4.4"};
  n.subnets[0].host_routes = {{"192.168.0.0/16", "10.0.1.9"}};
  DhcpOptions o;
  o.enable_isolated_metadata = true;
  auto p = plan_dhcp_network(n, o);
  ASSERT_TRUE(p.ok());
  std::string routes = "192.168.0.0/16,10.0.1.9,169.254.169.254/32,10.0.1.2,0.0.0.0/0,10.0.1.1";
  EXPECT_EQ(p->opts_file,
            "tag:tag0,option:dns-server,8.8.8.8,8.8.4.4\n"
            "tag:tag0,option:classless-static-route," +
                routes + "\ntag:tag0,249," + routes + "\ntag:tag0,option:router,10.0.1.1\n");
  EXPECT_EQ(p->addresses, (std::vector<std::string>{"10.0.1.2/28", "169.254.169.254/32"}));
  EXPECT_TRUE(p->metadata_proxy);  // isolated: the namespace answers 169.254.169.254
  // A router interface holding the gateway: metadata goes through the router.
  n.ports.push_back(port("cdb08767-c600-4000-8000-000000000001", "fa:16:3e:00:00:01", "10.0.1.1",
                         "network:router_interface"));
  p = plan_dhcp_network(n, o);
  ASSERT_TRUE(p.ok());
  EXPECT_NE(p->opts_file.find("169.254.169.254/32,10.0.1.1,0.0.0.0/0,10.0.1.1"), std::string::npos)
      << p->opts_file;
  EXPECT_NE(p->host_file.find("fa:16:3e:00:00:01,host-10-0-1-1.openstacklocal,10.0.1.1"),
            std::string::npos);
  EXPECT_FALSE(p->metadata_proxy);  // the router's proxy serves it now
  o.force_metadata = true;          // ... unless the DHCP agent is told to serve every network
  p = plan_dhcp_network(n, o);
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->metadata_proxy);
  EXPECT_NE(p->opts_file.find("169.254.169.254/32,10.0.1.2,0.0.0.0/0,10.0.1.1"), std::string::npos);
}

// Neither option: no proxy, even on an isolated network.
TEST(DhcpPlan, NoMetadataProxyByDefault) {
  auto p = plan_dhcp_network(seed_network(), DhcpOptions{});
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->metadata_proxy);
}

TEST(DhcpPlan, NoGatewayAndSecondSubnet) {
  rpc::DhcpNetwork n = seed_network();
  n.subnets[0].gateway_ip = "";
  rpc::SubnetInfo s2 = n.subnets[0];
  s2.id = "second";
  s2.cidr = "10.0.2.0/24";
  s2.gateway_ip = "10.0.2.1";
  n.subnets.push_back(s2);
  n.ports[0].fixed_ips.push_back({"second", "10.0.2.2"});
  auto p = plan_dhcp_network(n, DhcpOptions{});
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->opts_file,
            "tag:tag0,option:classless-static-route,10.0.2.0/24,0.0.0.0\n"
            "tag:tag0,249,10.0.2.0/24,0.0.0.0\n"
            "tag:tag0,option:router\n"
            "tag:tag1,option:classless-static-route,10.0.1.0/28,0.0.0.0,0.0.0.0/0,10.0.2.1\n"
            "tag:tag1,249,10.0.1.0/28,0.0.0.0,0.0.0.0/0,10.0.2.1\n"
            "tag:tag1,option:router,10.0.2.1\n");
  EXPECT_NE(std::find(p->dnsmasq_argv.begin(), p->dnsmasq_argv.end(),
                      "--dhcp-range=set:tag1,10.0.2.0,static,86400s"),
            p->dnsmasq_argv.end());
  EXPECT_NE(std::find(p->dnsmasq_argv.begin(), p->dnsmasq_argv.end(), "--dhcp-lease-max=272"),
            p->dnsmasq_argv.end());
}

TEST(DhcpPlan, Errors) {
  rpc::DhcpNetwork n = seed_network();
  n.dhcp_port_id = "nope";
  EXPECT_FALSE(plan_dhcp_network(n, DhcpOptions{}).ok());
  n = seed_network();
  n.ports[0].fixed_ips.clear();
  auto p = plan_dhcp_network(n, DhcpOptions{});
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message.find("no address"), std::string::npos);
}

// What the role asks of the node and the driver.
struct FakeNode : NodeChannel {
  std::vector<std::string> calls;
  ControlReply execute(const std::string& tool, const std::vector<std::string>& argv,
                       const std::string&) override {
    std::string line = tool;
    for (const auto& a : argv) line += " " + a;
    calls.push_back(line);
    return {};
  }
};

struct FakeDriver : DhcpDriver {
  std::vector<std::string> calls;
  bool fail = false;
  std::string name() const override { return "fake"; }
  Status enable(const DhcpNetworkPlan& p) override {
    if (fail) return make_error("no dnsmasq");
    calls.push_back("enable " + p.network_id + " " + std::to_string(p.hosts.size()));
    return ok_status();
  }
  Status disable(const DhcpNetworkPlan& p) override {
    calls.push_back("disable " + p.network_id);
    return ok_status();
  }
};

TEST(DhcpRole, ConvergesPlugReloadDisable) {
  FakeNode node;
  FakeDriver driver;
  DhcpRole role(DhcpOptions{}, driver, "br-int");
  rpc::HostState st;
  st.dhcp_networks = {seed_network()};
  auto r = role.apply(st, node);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(*r);
  ASSERT_EQ(node.calls.size(), 1u);
  EXPECT_EQ(node.calls[0],
            "vsctl -- --may-exist add-port br-int tap168bb8f2-fa tag=4095 -- set Interface "
            "tap168bb8f2-fa type=internal external_ids:iface-id=168bb8f2-fa11-4b6a-9d5e-"
            "0123456789ab external_ids:iface-status=active "
            "external_ids:attached-mac=fa:16:3e:f0:1b:35");
  EXPECT_EQ(driver.calls, std::vector<std::string>{std::string("enable ") + kNet + " 2"});
  // Nothing moved: nothing done.
  r = role.apply(st, node);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(*r);
  EXPECT_EQ(driver.calls.size(), 1u);
  EXPECT_TRUE(role.serves_network(kNet));
  // A new port: reloaded, not replugged.
  st.dhcp_networks[0].ports.push_back(port("new", "fa:16:3e:00:00:09", "10.0.1.9"));
  r = role.apply(st, node);
  ASSERT_TRUE(r.ok() && *r);
  EXPECT_EQ(driver.calls.back(), std::string("enable ") + kNet + " 3");
  EXPECT_EQ(node.calls.size(), 1u);
  EXPECT_NE(role.configurations_json().find("\"ports\":3"), std::string::npos);
  // Unscheduled: disabled and unplugged.
  st.dhcp_networks.clear();
  r = role.apply(st, node);
  ASSERT_TRUE(r.ok() && *r);
  EXPECT_EQ(driver.calls.back(), std::string("disable ") + kNet);
  EXPECT_EQ(node.calls.back(), "vsctl -- --if-exists del-port br-int tap168bb8f2-fa");
  EXPECT_TRUE(role.networks().empty());
}

TEST(DhcpRole, DriverErrorIsKeptAndRetried) {
  FakeNode node;
  FakeDriver driver;
  driver.fail = true;
  DhcpRole role(DhcpOptions{}, driver, "br-int");
  rpc::HostState st;
  st.dhcp_networks = {seed_network()};
  auto r = role.apply(st, node);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(role.errors().count(kNet), 1u);
  EXPECT_EQ(role.errors().at(kNet), "no dnsmasq");
  driver.fail = false;
  r = role.apply(st, node);
  ASSERT_TRUE(r.ok() && *r);
  EXPECT_TRUE(role.errors().empty());
  EXPECT_EQ(role.networks().size(), 1u);
}

}  // namespace
}  // namespace nt::agent
