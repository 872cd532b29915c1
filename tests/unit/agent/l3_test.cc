// The L3 role's plan (agent/l3.h) against seed 003's qrouter-8541b578 (qr-cdb08767-c6 holding
// 10.0.1.1/28, qg-070a05ab-ca holding 192.168.200.150/24, default via 192.168.200.1) in its
// current Neutron form (../shared/reference/neutron-services.md §5), plus a floating IP; the
// iptables lines are what Debian 12's iptables 1.8.9 (nf_tables) printed with `iptables -t T -S`
// in a scratch namespace after `iptables-restore` of iptables_restore_input(plan). Then L3Role
// converging a node (plug, reload, unplug, disable) through a recording node and driver, and
// the [DEFAULT] options.
#include "agent/l3.h"

#include <gtest/gtest.h>

#include "agent/router_ns.h"

namespace nt::agent {
namespace {

constexpr const char* kRouter = "8541b578-885d-405d-b70c-99a15a57d0e3";
constexpr const char* kQrPort = "cdb08767-c6a1-4c43-9d4f-9b1c1a2b3c4d";
constexpr const char* kQgPort = "070a05ab-ca11-4e55-8c0d-0a1b2c3d4e5f";
constexpr const char* kInternalNet = "bc152586-b6aa-4ee4-9851-739f46852e7a";
constexpr const char* kExternalNet = "e0e0e0e0-0000-4000-8000-000000000001";

// Recorded: `ip netns exec <scratch> iptables -t <table> -S` after loading the seed router's
// plan with its floating IP 192.168.200.160 -> 10.0.1.3 (Debian 12, iptables v1.8.9 nf_tables).
const std::vector<std::string> kRealFilter = {
    "-P INPUT ACCEPT",
    "-P FORWARD ACCEPT",
    "-P OUTPUT ACCEPT",
    "-N neutron-filter-top",
    "-N neutron-l3-agent-FORWARD",
    "-N neutron-l3-agent-INPUT",
    "-N neutron-l3-agent-OUTPUT",
    "-N neutron-l3-agent-local",
    "-A INPUT -j neutron-l3-agent-INPUT",
    "-A FORWARD -j neutron-filter-top",
    "-A FORWARD -j neutron-l3-agent-FORWARD",
    "-A OUTPUT -j neutron-filter-top",
    "-A OUTPUT -j neutron-l3-agent-OUTPUT",
    "-A neutron-filter-top -j neutron-l3-agent-local",
    "-A neutron-l3-agent-INPUT -m mark --mark 0x1/0xffff -j ACCEPT",
    "-A neutron-l3-agent-INPUT -p tcp -m tcp --dport 9697 -j DROP",
};
const std::vector<std::string> kRealMangle = {
    "-P PREROUTING ACCEPT",
    "-P INPUT ACCEPT",
    "-P FORWARD ACCEPT",
    "-P OUTPUT ACCEPT",
    "-P POSTROUTING ACCEPT",
    "-N neutron-l3-agent-FORWARD",
    "-N neutron-l3-agent-INPUT",
    "-N neutron-l3-agent-OUTPUT",
    "-N neutron-l3-agent-POSTROUTING",
    "-N neutron-l3-agent-PREROUTING",
    "-N neutron-l3-agent-mark",
    "-A PREROUTING -j neutron-l3-agent-PREROUTING",
    "-A INPUT -j neutron-l3-agent-INPUT",
    "-A FORWARD -j neutron-l3-agent-FORWARD",
    "-A OUTPUT -j neutron-l3-agent-OUTPUT",
    "-A POSTROUTING -j neutron-l3-agent-POSTROUTING",
    "-A neutron-l3-agent-PREROUTING -j neutron-l3-agent-mark",
    "-A neutron-l3-agent-PREROUTING -d 169.254.169.254/32 -i qr-+ -p tcp -m tcp --dport 80 -j "
    "MARK --set-xmark 0x1/0xffff",
    "-A neutron-l3-agent-mark -i qg-070a05ab-ca -j MARK --set-xmark 0x2/0xffff",
};
const std::vector<std::string> kRealNat = {
    "-P PREROUTING ACCEPT",
    "-P INPUT ACCEPT",
    "-P OUTPUT ACCEPT",
    "-P POSTROUTING ACCEPT",
    "-N neutron-l3-agent-OUTPUT",
    "-N neutron-l3-agent-POSTROUTING",
    "-N neutron-l3-agent-PREROUTING",
    "-N neutron-l3-agent-float-snat",
    "-N neutron-l3-agent-snat",
    "-N neutron-postrouting-bottom",
    "-A PREROUTING -j neutron-l3-agent-PREROUTING",
    "-A OUTPUT -j neutron-l3-agent-OUTPUT",
    "-A POSTROUTING -j neutron-l3-agent-POSTROUTING",
    "-A POSTROUTING -j neutron-postrouting-bottom",
    "-A neutron-l3-agent-OUTPUT -d 192.168.200.160/32 -j DNAT --to-destination 10.0.1.3",
    "-A neutron-l3-agent-POSTROUTING ! -o qg-070a05ab-ca -m conntrack ! --ctstate DNAT -j ACCEPT",
    "-A neutron-l3-agent-PREROUTING -d 169.254.169.254/32 -i qr-+ -p tcp -m tcp --dport 80 -j "
    "REDIRECT --to-ports 9697",
    "-A neutron-l3-agent-PREROUTING -d 192.168.200.160/32 -j DNAT --to-destination 10.0.1.3",
    "-A neutron-l3-agent-float-snat -s 10.0.1.3/32 -j SNAT --to-source 192.168.200.160 "
    "--random-fully",
    "-A neutron-l3-agent-snat -j neutron-l3-agent-float-snat",
    "-A neutron-l3-agent-snat -o qg-070a05ab-ca -j SNAT --to-source 192.168.200.150 "
    "--random-fully",
    "-A neutron-l3-agent-snat -m mark ! --mark 0x2/0xffff -m conntrack --ctstate DNAT -j SNAT "
    "--to-source 192.168.200.150 --random-fully",
    "-A neutron-postrouting-bottom -m comment --comment \"Perform source NAT on outgoing "
    "traffic.\" -j neutron-l3-agent-snat",
};

rpc::SubnetInfo subnet(const std::string& id, const std::string& net, const std::string& cidr,
                       const std::string& gw) {
  rpc::SubnetInfo s;
  s.id = id;
  s.network_id = net;
  s.cidr = cidr;
  s.gateway_ip = gw;
  return s;
}

rpc::RouterPortInfo router_port(const std::string& id, const std::string& mac,
                                const std::string& net, const std::string& owner,
                                const rpc::SubnetInfo& s, const std::string& ip) {
  rpc::RouterPortInfo p;
  p.id = id;
  p.mac_address = mac;
  p.network_id = net;
  p.device_owner = owner;
  p.fixed_ips = {{s.id, ip}};
  p.subnets = {s};
  return p;
}

// Seed 003's router, without floating IPs.
rpc::RouterInfo seed_router() {
  rpc::RouterInfo r;
  r.id = kRouter;
  r.name = "router01";
  r.interfaces = {
      router_port(kQrPort, "fa:16:3e:f9:33:e6", kInternalNet, "network:router_interface",
                  subnet("sub-int", kInternalNet, "10.0.1.0/28", "10.0.1.1"), "10.0.1.1")};
  r.gw_port = router_port(kQgPort, "fa:16:3e:9c:9b:68", kExternalNet, "network:router_gateway",
                          subnet("sub-ext", kExternalNet, "192.168.200.0/24", "192.168.200.1"),
                          "192.168.200.150");
  return r;
}

rpc::RouterInfo seed_router_with_fip() {
  rpc::RouterInfo r = seed_router();
  rpc::FloatingIpInfo f;
  f.id = "f1f1f1f1-0000-4000-8000-000000000001";
  f.floating_ip_address = "192.168.200.160";
  f.fixed_ip_address = "10.0.1.3";
  f.port_id = "5e6b21a0-1d00-4000-8000-000000000003";
  f.status = "DOWN";
  r.floating_ips = {f};
  return r;
}

std::vector<std::string> without(std::vector<std::string> lines, const std::string& line) {
  std::erase(lines, line);
  return lines;
}

TEST(L3Plan, SeedRouterDevicesAndRoutes) {
  auto p = plan_router(seed_router(), L3Options{});
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->namespace_name, std::string("qrouter-") + kRouter);
  ASSERT_EQ(p->devices.size(), 2u);
  RouterDevicePlan qr{kQrPort, "qr-cdb08767-c6", "fa:16:3e:f9:33:e6", kInternalNet, false,
                      1500,    {"10.0.1.1/28"}};
  RouterDevicePlan qg{kQgPort, "qg-070a05ab-ca",      "fa:16:3e:9c:9b:68", kExternalNet, true,
                      1500,    {"192.168.200.150/24"}};
  EXPECT_EQ(p->devices[0], qr);
  EXPECT_EQ(p->devices[1], qg);
  EXPECT_EQ(p->routes,
            (std::vector<RouterRoutePlan>{{"default", "192.168.200.1", "qg-070a05ab-ca"}}));
  EXPECT_EQ(p->gateway_ip, "192.168.200.150");
  EXPECT_TRUE(p->floating_ips.empty());
  // Without a floating IP only the three FIP lines are missing from the nat table.
  std::vector<std::string> nat = kRealNat;
  std::erase_if(nat, [](const std::string& l) { return l.find("192.168.200.160") != l.npos; });
  EXPECT_EQ(p->iptables.at("nat"), nat);
  EXPECT_EQ(p->iptables.at("filter"), kRealFilter);
  EXPECT_EQ(p->iptables.at("mangle"), kRealMangle);
}

TEST(L3Plan, FloatingIpMatchesRealIptables) {
  auto p = plan_router(seed_router_with_fip(), L3Options{});
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->floating_ips, (std::vector<FloatingIpPlan>{{"f1f1f1f1-0000-4000-8000-000000000001",
                                                           "192.168.200.160", "10.0.1.3"}}));
  EXPECT_EQ(p->devices[1].addresses,
            (std::vector<std::string>{"192.168.200.150/24", "192.168.200.160/32"}));
  EXPECT_EQ(p->iptables.size(), 3u);
  EXPECT_EQ(p->iptables.at("filter"), kRealFilter);
  EXPECT_EQ(p->iptables.at("mangle"), kRealMangle);
  EXPECT_EQ(p->iptables.at("nat"), kRealNat);
}

TEST(L3Plan, RestoreInput) {
  auto p = plan_router(seed_router_with_fip(), L3Options{});
  ASSERT_TRUE(p.ok());
  std::string in = iptables_restore_input(*p);
  EXPECT_EQ(in.rfind("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
                     ":neutron-filter-top - [0:0]\n",
                     0),
            0u)
      << in;
  EXPECT_NE(in.find("COMMIT\n*mangle\n"), std::string::npos);
  EXPECT_NE(in.find("COMMIT\n*nat\n:PREROUTING ACCEPT [0:0]\n"), std::string::npos);
  EXPECT_NE(in.find("\n-A neutron-l3-agent-snat -j neutron-l3-agent-float-snat\n"),
            std::string::npos);
  EXPECT_TRUE(in.ends_with("-j neutron-l3-agent-snat\nCOMMIT\n"));
  EXPECT_EQ(std::count(in.begin(), in.end(), '\n'),
            static_cast<long>(kRealFilter.size() + kRealMangle.size() + kRealNat.size() + 6));
}

TEST(L3Plan, EnableSnatFalseDropsOnlyTheGatewaySnat) {
  rpc::RouterInfo r = seed_router_with_fip();
  r.enable_snat = false;
  auto p = plan_router(r, L3Options{});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->iptables.at("nat"),
            without(kRealNat,
                    "-A neutron-l3-agent-snat -o qg-070a05ab-ca -j SNAT --to-source "
                    "192.168.200.150 --random-fully"));
  EXPECT_EQ(p->iptables.at("mangle"), kRealMangle);
}

TEST(L3Plan, NoRandomFullyAndOtherPortAndMark) {
  L3Options o;
  o.use_random_fully = false;
  o.metadata_port = 8775;
  o.external_ingress_mark = "0x4/0xffff";
  auto p = plan_router(seed_router_with_fip(), o);
  ASSERT_TRUE(p.ok());
  for (const auto& [table, lines] : p->iptables) {
    for (const auto& l : lines) EXPECT_EQ(l.find("--random-fully"), l.npos) << l;
  }
  const auto& nat = p->iptables.at("nat");
  EXPECT_NE(std::find(nat.begin(), nat.end(),
                      "-A neutron-l3-agent-PREROUTING -d 169.254.169.254/32 -i qr-+ -p tcp -m tcp "
                      "--dport 80 -j REDIRECT --to-ports 8775"),
            nat.end());
  EXPECT_NE(std::find(nat.begin(), nat.end(),
                      "-A neutron-l3-agent-snat -m mark ! --mark 0x4/0xffff -m conntrack "
                      "--ctstate DNAT -j SNAT --to-source 192.168.200.150"),
            nat.end());
  EXPECT_EQ(p->iptables.at("mangle").back(),
            "-A neutron-l3-agent-mark -i qg-070a05ab-ca -j MARK --set-xmark 0x4/0xffff");
  EXPECT_EQ(p->iptables.at("filter").back(),
            "-A neutron-l3-agent-INPUT -p tcp -m tcp --dport 8775 -j DROP");
}

TEST(L3Plan, WithoutMetadataProxy) {
  L3Options o;
  o.enable_metadata_proxy = false;
  auto p = plan_router(seed_router(), o);
  ASSERT_TRUE(p.ok());
  for (const auto& [table, lines] : p->iptables) {
    for (const auto& l : lines) {
      EXPECT_EQ(l.find("169.254.169.254"), l.npos) << l;
      EXPECT_EQ(l.find("9697"), l.npos) << l;
    }
  }
}

TEST(L3Plan, NoGatewayNoDefaultRouteNoSnat) {
  rpc::RouterInfo r = seed_router_with_fip();
  r.gw_port.reset();
  auto p = plan_router(r, L3Options{});
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->devices.size(), 1u);
  EXPECT_TRUE(p->routes.empty());
  EXPECT_EQ(p->gateway_ip, "");
  EXPECT_TRUE(p->floating_ips.empty());  // nowhere to hold them
  for (const auto& l : p->iptables.at("nat")) {
    EXPECT_EQ(l.find("SNAT"), l.npos) << l;
    EXPECT_EQ(l.find("DNAT --to"), l.npos) << l;
    EXPECT_EQ(l.find("qg-"), l.npos) << l;
  }
  EXPECT_EQ(p->iptables.at("mangle"),
            without(kRealMangle,
                    "-A neutron-l3-agent-mark -i qg-070a05ab-ca -j MARK --set-xmark 0x2/0xffff"));
  EXPECT_EQ(p->iptables.at("filter"), kRealFilter);
}

TEST(L3Plan, Ipv6OnlyGatewayHasNoNat) {
  rpc::RouterInfo r = seed_router_with_fip();
  rpc::SubnetInfo v6 = subnet("sub-ext6", kExternalNet, "2001:db8::/64", "2001:db8::1");
  v6.ip_version = 6;
  r.gw_port->subnets = {v6};
  r.gw_port->fixed_ips = {{"sub-ext6", "2001:db8::5"}};
  auto p = plan_router(r, L3Options{});
  ASSERT_TRUE(p.ok()) << p.error().message;
  ASSERT_EQ(p->devices.size(), 2u);
  EXPECT_TRUE(p->devices[1].addresses.empty());
  EXPECT_EQ(p->gateway_ip, "");
  EXPECT_TRUE(p->routes.empty());
  EXPECT_TRUE(p->floating_ips.empty());
  for (const auto& [table, lines] : p->iptables) {
    for (const auto& l : lines) EXPECT_EQ(l.find("qg-"), l.npos) << table << ": " << l;
  }
}

TEST(L3Plan, ExtraRoutesAndSecondInterface) {
  rpc::RouterInfo r = seed_router();
  r.interfaces.push_back(router_port(
      "aaaabbbb-cccc-4000-8000-000000000002", "fa:16:3e:00:00:02", "net2",
      "network:router_interface", subnet("sub2", "net2", "10.0.2.0/24", "10.0.2.1"), "10.0.2.1"));
  r.routes = {{"10.2.0.0/16", "10.0.2.5"}, {"172.16.0.0/12", "192.168.200.7"}};
  auto p = plan_router(r, L3Options{});
  ASSERT_TRUE(p.ok()) << p.error().message;
  ASSERT_EQ(p->devices.size(), 3u);
  EXPECT_EQ(p->devices[1].device, "qr-aaaabbbb-cc");
  EXPECT_TRUE(p->devices[2].external);
  EXPECT_EQ(p->routes,
            (std::vector<RouterRoutePlan>{{"default", "192.168.200.1", "qg-070a05ab-ca"},
                                          {"10.2.0.0/16", "10.0.2.5", "qr-aaaabbbb-cc"},
                                          {"172.16.0.0/12", "192.168.200.7", "qg-070a05ab-ca"}}));
}

TEST(L3Plan, Errors) {
  rpc::RouterInfo r = seed_router();
  r.interfaces[0].subnets.clear();
  auto p = plan_router(r, L3Options{});
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message.find("sub-int"), std::string::npos) << p.error().message;
  r = seed_router();
  r.gw_port->fixed_ips[0].ip_address = "192.168.200.x";
  EXPECT_FALSE(plan_router(r, L3Options{}).ok());
}

// What ip 6.1 printed for a namespace with a veth pair (one end up, MTU 1450, two addresses).
TEST(L3NamespaceDriver, ParsesTheNamespaceDevices) {
  auto devs = parse_ns_devices(
      "1: lo: <LOOPBACK> mtu 65536 qdisc noop state DOWN mode DEFAULT group default qlen 1000\\"
      "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n"
      "2: qg-bbb@qr-aaa: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN mode DEFAULT group "
      "default qlen 1000\\    link/ether b6:fe:be:b0:79:4e brd ff:ff:ff:ff:ff:ff\n"
      "3: qr-aaa@qg-bbb: <NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN> mtu 1450 qdisc noqueue state "
      "LOWERLAYERDOWN mode DEFAULT group default qlen 1000\\    link/ether fa:16:3e:00:00:01 brd "
      "ff:ff:ff:ff:ff:ff\n",
      "3: qr-aaa    inet 10.0.0.1/24 scope global qr-aaa\\       valid_lft forever preferred_lft "
      "forever\n"
      "3: qr-aaa    inet 10.0.0.9/32 scope global qr-aaa\\       valid_lft forever preferred_lft "
      "forever\n"
      "9: gone    inet 10.9.9.9/8 scope global gone\n");
  ASSERT_EQ(devs.size(), 3u);
  EXPECT_EQ(devs["lo"], (NsDevice{"", 65536, false, {}}));
  EXPECT_EQ(devs["qg-bbb"], (NsDevice{"b6:fe:be:b0:79:4e", 1500, false, {}}));
  EXPECT_EQ(devs["qr-aaa"],
            (NsDevice{"fa:16:3e:00:00:01", 1450, true, {"10.0.0.1/24", "10.0.0.9/32"}}));
  EXPECT_TRUE(parse_ns_devices("garbage\n: \n", "").empty());
}

TEST(L3NamespaceDriver, ParsesIpOutput) {
  EXPECT_EQ(parse_ip_addr_show("3: qg-070a05ab-ca    inet 192.168.200.150/24 scope global "
                               "qg-070a05ab-ca\\       valid_lft forever preferred_lft forever\n"
                               "3: qg-070a05ab-ca    inet 192.168.200.160/32 scope global "
                               "qg-070a05ab-ca\\       valid_lft forever preferred_lft forever\n"),
            (std::vector<std::string>{"192.168.200.150/24", "192.168.200.160/32"}));
  EXPECT_EQ(parse_gateway_routes("default via 192.168.200.1 dev qg-070a05ab-ca \n"
                                 "10.0.1.0/28 dev qr-cdb08767-c6 proto kernel scope link src "
                                 "10.0.1.1 \n"
                                 "10.2.0.0/16 via 10.0.1.3 dev qr-cdb08767-c6 \n"),
            (std::vector<std::pair<std::string, std::string>>{{"default", "192.168.200.1"},
                                                              {"10.2.0.0/16", "10.0.1.3"}}));
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

struct FakeDriver : L3Driver {
  std::vector<std::string> calls;
  bool fail = false;
  std::string name() const override { return "fake"; }
  Status enable(const RouterPlan& p) override {
    if (fail) return make_error("no iptables-restore");
    calls.push_back("enable " + p.router_id + " " + std::to_string(p.floating_ips.size()));
    return ok_status();
  }
  Status disable(const RouterPlan& p) override {
    calls.push_back("disable " + p.router_id);
    return ok_status();
  }
};

std::string plug_line(const std::string& dev, const std::string& port, const std::string& mac) {
  return "vsctl -- --may-exist add-port br-int " + dev + " tag=4095 -- set Interface " + dev +
         " type=internal external_ids:iface-id=" + port +
         " external_ids:iface-status=active external_ids:attached-mac=" + mac;
}

TEST(L3Role, ConvergesPlugReloadDisable) {
  FakeNode node;
  FakeDriver driver;
  L3Role role(L3Options{}, driver, "br-int");
  rpc::HostState st;
  st.routers = {seed_router()};
  auto r = role.apply(st, node);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(*r);
  EXPECT_EQ(node.calls,
            (std::vector<std::string>{plug_line("qr-cdb08767-c6", kQrPort, "fa:16:3e:f9:33:e6"),
                                      plug_line("qg-070a05ab-ca", kQgPort, "fa:16:3e:9c:9b:68")}));
  EXPECT_EQ(driver.calls, std::vector<std::string>{std::string("enable ") + kRouter + " 0"});
  // Nothing moved: nothing done.
  r = role.apply(st, node);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(*r);
  EXPECT_EQ(driver.calls.size(), 1u);
  EXPECT_TRUE(role.serves_router(kRouter));
  EXPECT_TRUE(role.serves_port(kQgPort));
  EXPECT_TRUE(role.serves_network(kInternalNet));
  EXPECT_TRUE(role.serves_subnet("sub-ext"));
  EXPECT_FALSE(role.serves_port("other"));
  // A floating IP: reloaded, not replugged.
  st.routers = {seed_router_with_fip()};
  r = role.apply(st, node);
  ASSERT_TRUE(r.ok() && *r);
  EXPECT_EQ(driver.calls.back(), std::string("enable ") + kRouter + " 1");
  EXPECT_EQ(node.calls.size(), 2u);
  EXPECT_TRUE(role.serves_floating_ip("f1f1f1f1-0000-4000-8000-000000000001"));
  EXPECT_EQ(role.configurations_json(),
            "{\"agent_mode\":\"legacy\",\"ex_gw_ports\":1,\"external_network_bridge\":\"\","
            "\"floating_ips\":1,\"gateway_external_network_id\":\"\","
            "\"handle_internal_only_routers\":true,\"interface_driver\":\"openvswitch\","
            "\"interfaces\":1,\"log_agent_heartbeats\":false,\"router_id\":\"\",\"routers\":1,"
            "\"use_namespaces\":true}");
  // The gateway cleared: reloaded, qg- unplugged after it.
  st.routers[0].gw_port.reset();
  r = role.apply(st, node);
  ASSERT_TRUE(r.ok() && *r);
  EXPECT_EQ(driver.calls.back(), std::string("enable ") + kRouter + " 0");
  EXPECT_EQ(node.calls.back(), "vsctl -- --if-exists del-port br-int qg-070a05ab-ca");
  // Unscheduled: disabled and unplugged.
  st.routers.clear();
  r = role.apply(st, node);
  ASSERT_TRUE(r.ok() && *r);
  EXPECT_EQ(driver.calls.back(), std::string("disable ") + kRouter);
  EXPECT_EQ(node.calls.back(), "vsctl -- --if-exists del-port br-int qr-cdb08767-c6");
  EXPECT_TRUE(role.routers().empty());
  EXPECT_FALSE(role.serves_router(kRouter));
}

TEST(L3Role, AdminDownAndInternalOnlyRouters) {
  FakeNode node;
  FakeDriver driver;
  L3Options o;
  o.handle_internal_only_routers = false;
  L3Role role(o, driver, "br-int");
  rpc::HostState st;
  rpc::RouterInfo internal_only = seed_router();
  internal_only.id = "internal-only";
  internal_only.gw_port.reset();
  st.routers = {seed_router(), internal_only};
  st.routers[0].admin_state_up = false;
  auto r = role.apply(st, node);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(*r);
  EXPECT_TRUE(driver.calls.empty());
  EXPECT_TRUE(node.calls.empty());
  st.routers[0].admin_state_up = true;
  r = role.apply(st, node);
  ASSERT_TRUE(r.ok() && *r);
  EXPECT_EQ(role.routers().size(), 1u);
  EXPECT_EQ(role.routers().count(kRouter), 1u);
  // Set admin down again: removed from the node.
  st.routers[0].admin_state_up = false;
  r = role.apply(st, node);
  ASSERT_TRUE(r.ok() && *r);
  EXPECT_EQ(driver.calls.back(), std::string("disable ") + kRouter);
}

TEST(L3Role, DriverErrorIsKeptAndRetried) {
  FakeNode node;
  FakeDriver driver;
  driver.fail = true;
  L3Role role(L3Options{}, driver, "br-int");
  rpc::HostState st;
  st.routers = {seed_router()};
  auto r = role.apply(st, node);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(role.errors().count(kRouter), 1u);
  EXPECT_EQ(role.errors().at(kRouter), "no iptables-restore");
  EXPECT_TRUE(role.routers().empty());
  driver.fail = false;
  r = role.apply(st, node);
  ASSERT_TRUE(r.ok() && *r);
  EXPECT_TRUE(role.errors().empty());
  EXPECT_EQ(role.routers().size(), 1u);
}

TEST(L3Role, PlanErrorKeepsTheRunningRouter) {
  FakeNode node;
  FakeDriver driver;
  L3Role role(L3Options{}, driver, "br-int");
  rpc::HostState st;
  st.routers = {seed_router()};
  ASSERT_TRUE(role.apply(st, node).ok());
  st.routers[0].interfaces[0].subnets.clear();
  auto r = role.apply(st, node);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(*r);
  EXPECT_EQ(role.errors().count(kRouter), 1u);
  EXPECT_EQ(role.routers().count(kRouter), 1u);
  EXPECT_EQ(driver.calls.size(), 1u);  // neither disabled nor reloaded
  EXPECT_EQ(node.calls.size(), 2u);
}

TEST(L3Options, ParsedFromDefault) {
  auto c = parse_agent_config({{"l3_agent.ini",
                                "[DEFAULT]\nenable_metadata_proxy = False\nmetadata_port = 8775\n"
                                "use_random_fully = false\nexternal_ingress_mark = 0x4\n"
                                "handle_internal_only_routers = False\n"}});
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_FALSE(c->l3.enable_metadata_proxy);
  EXPECT_EQ(c->l3.metadata_port, 8775);
  EXPECT_FALSE(c->l3.use_random_fully);
  EXPECT_EQ(c->l3.external_ingress_mark, "0x4/0xffff");
  EXPECT_FALSE(c->l3.handle_internal_only_routers);
  auto d = parse_agent_config({{"f", "[DEFAULT]\nexternal_ingress_mark = 0x10/0xff\n"}});
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->l3.external_ingress_mark, "0x10/0xff");
  L3Options defaults = parse_agent_config({{"f", ""}})->l3;
  EXPECT_TRUE(defaults.enable_metadata_proxy);
  EXPECT_EQ(defaults.metadata_port, 9697);
  EXPECT_TRUE(defaults.use_random_fully);
  EXPECT_EQ(defaults.external_ingress_mark, "0x2/0xffff");
  EXPECT_TRUE(defaults.handle_internal_only_routers);
}

TEST(L3Options, ErrorsNameSectionAndKey) {
  struct Case {
    const char* text;
    const char* key;
  };
  for (const Case& c :
       {Case{"metadata_port = 0", "metadata_port"}, Case{"metadata_port = 70000", "metadata_port"},
        Case{"metadata_port = http", "metadata_port"},
        Case{"external_ingress_mark = 2", "external_ingress_mark"},
        Case{"external_ingress_mark = 0x2/", "external_ingress_mark"},
        Case{"external_ingress_mark = 0xzz", "external_ingress_mark"},
        Case{"use_random_fully = maybe", "use_random_fully"},
        Case{"enable_metadata_proxy = 2", "enable_metadata_proxy"},
        Case{"handle_internal_only_routers = x", "handle_internal_only_routers"}}) {
    auto r = parse_agent_config({{"l3_agent.ini", std::string("[DEFAULT]\n") + c.text + "\n"}});
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_NE(r.error().message.find(std::string("l3_agent.ini: [DEFAULT] ") + c.key),
              std::string::npos)
        << r.error().message;
  }
}

}  // namespace
}  // namespace nt::agent
