// RouterNamespaceDriver (agent/router_ns.h) on the real kernel: a scratch "datapath" namespace
// holds veth devices named like the switch's qr-/qg- internal ports; the driver moves them into
// its qrouter- namespace, and what `ip` and `iptables -t T -S` show there must be the plan's
// (addresses, routes, every table's lines), through a floating IP added and removed, an extra
// route added and removed, and disable. Needs root, ip and iptables-restore (else skipped).
// Every namespace it makes carries its pid and is deleted at the end, pass or fail; it touches
// no other namespace.
#include "agent/router_ns.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <sstream>

#include "agent/l3.h"
#include "common/process.h"

namespace nt::agent {
namespace {

std::string run(const std::vector<std::string>& argv) {
  auto r = run_process(argv);
  return r ? r->output : "";
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string l;
  while (std::getline(in, l)) out.push_back(l);
  return out;
}

bool usable() {
  if (::geteuid() != 0) return false;
  for (const char* tool : {"ip", "iptables-restore", "iptables", "sysctl"}) {
    auto r = run_process({"sh", "-c", std::string("command -v ") + tool});
    if (!r || r->exit_code != 0) return false;
  }
  return true;
}

class RouterNsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!usable()) GTEST_SKIP() << "needs root, ip, iptables-restore, iptables, sysctl";
    std::string tag = std::to_string(::getpid());
    dp_ = "ntl3-" + tag + "-dp";
    router_id_ = "ntl3-" + tag;
    qr_port_ = "r" + tag + "-qr-port";
    qg_port_ = "g" + tag + "-qg-port";
    ASSERT_EQ(run_process({"ip", "netns", "add", dp_})->exit_code, 0);
    created_ = true;
    for (const auto& [port, peer] : {std::pair{qr_port_, "pr0"}, std::pair{qg_port_, "pg0"}}) {
      std::string dev = router_device_name(port == qr_port_ ? "qr-" : "qg-", port);
      ASSERT_EQ(
          run_process({"ip", "-n", dp_, "link", "add", dev, "type", "veth", "peer", "name", peer})
              ->exit_code,
          0);
      run({"ip", "-n", dp_, "link", "set", peer, "up"});
    }
  }
  void TearDown() override {
    if (!created_) return;
    run({"ip", "netns", "delete", "qrouter-" + router_id_});
    run({"ip", "netns", "delete", dp_});
  }

  rpc::RouterInfo router(bool fip) const {
    auto sub = [](const std::string& id, const std::string& cidr, const std::string& gw) {
      rpc::SubnetInfo s;
      s.id = id;
      s.cidr = cidr;
      s.gateway_ip = gw;
      return s;
    };
    rpc::RouterInfo r;
    r.id = router_id_;
    rpc::RouterPortInfo qr;
    qr.id = qr_port_;
    qr.mac_address = "fa:16:3e:f9:33:e6";
    qr.network_id = "int";
    qr.fixed_ips = {{"sub-int", "10.0.1.1"}};
    qr.subnets = {sub("sub-int", "10.0.1.0/28", "10.0.1.1")};
    qr.mtu = 1450;
    r.interfaces = {qr};
    rpc::RouterPortInfo qg;
    qg.id = qg_port_;
    qg.mac_address = "fa:16:3e:9c:9b:68";
    qg.network_id = "ext";
    qg.fixed_ips = {{"sub-ext", "192.168.200.150"}};
    qg.subnets = {sub("sub-ext", "192.168.200.0/24", "192.168.200.1")};
    r.gw_port = qg;
    if (fip) r.floating_ips = {{"fip1", "192.168.200.160", "10.0.1.3", "port1", "DOWN"}};
    return r;
  }

  std::string ns() const { return "qrouter-" + router_id_; }
  std::vector<std::string> in_ns(std::vector<std::string> args) const {
    args.insert(args.begin(), {"ip", "netns", "exec", ns()});
    return args;
  }
  void expect_tables(const RouterPlan& p) const {
    for (const auto& [table, lines] : p.iptables) {
      EXPECT_EQ(lines_of(run(in_ns({"iptables", "-t", table, "-S"}))), lines) << table;
    }
  }

  std::string dp_, router_id_, qr_port_, qg_port_;
  bool created_ = false;
};

TEST_F(RouterNsTest, EnableConvergeDisable) {
  RouterNamespaceDriver driver(dp_);
  auto plan = plan_router(router(true), L3Options{});
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  const std::string qr = plan->devices[0].device, qg = plan->devices[1].device;
  Status s = driver.enable(*plan);
  ASSERT_TRUE(s.ok()) << s.error().message;
  expect_tables(*plan);
  EXPECT_EQ(run(in_ns({"sysctl", "-n", "net.ipv4.ip_forward"})), "1\n");
  std::string addrs = run({"ip", "-n", ns(), "-o", "-4", "addr", "show", "dev", qg});
  EXPECT_EQ(parse_ip_addr_show(addrs),
            (std::vector<std::string>{"192.168.200.150/24", "192.168.200.160/32"}));
  EXPECT_NE(run({"ip", "-n", ns(), "link", "show", "dev", qr}).find("mtu 1450"), std::string::npos);
  std::string routes = run({"ip", "-n", ns(), "-4", "route", "show"});
  EXPECT_NE(routes.find("default via 192.168.200.1 dev " + qg), std::string::npos) << routes;
  EXPECT_NE(routes.find("10.0.1.0/28 dev " + qr), std::string::npos) << routes;

  // Again, unchanged: the same result.
  s = driver.enable(*plan);
  ASSERT_TRUE(s.ok()) << s.error().message;
  expect_tables(*plan);

  // The floating IP goes, an extra route comes.
  rpc::RouterInfo r = router(false);
  r.routes = {{"10.2.0.0/16", "10.0.1.5"}};
  plan = plan_router(r, L3Options{});
  ASSERT_TRUE(plan.ok());
  s = driver.enable(*plan);
  ASSERT_TRUE(s.ok()) << s.error().message;
  expect_tables(*plan);
  addrs = run({"ip", "-n", ns(), "-o", "-4", "addr", "show", "dev", qg});
  EXPECT_EQ(parse_ip_addr_show(addrs), std::vector<std::string>{"192.168.200.150/24"});
  routes = run({"ip", "-n", ns(), "-4", "route", "show"});
  EXPECT_NE(routes.find("10.2.0.0/16 via 10.0.1.5 dev " + qr), std::string::npos) << routes;

  // The route and the gateway go: qg- back to the datapath namespace, no default route.
  r.routes.clear();
  r.gw_port.reset();
  plan = plan_router(r, L3Options{});
  ASSERT_TRUE(plan.ok());
  s = driver.enable(*plan);
  ASSERT_TRUE(s.ok()) << s.error().message;
  expect_tables(*plan);
  routes = run({"ip", "-n", ns(), "-4", "route", "show"});
  EXPECT_EQ(routes.find("via"), std::string::npos) << routes;
  EXPECT_EQ(run_process({"ip", "-n", dp_, "link", "show", "dev", qg})->exit_code, 0);

  s = driver.disable(*plan);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_NE(run_process({"ip", "netns", "exec", ns(), "true"})->exit_code, 0);
  EXPECT_EQ(run_process({"ip", "-n", dp_, "link", "show", "dev", qr})->exit_code, 0);
}

TEST_F(RouterNsTest, MissingDeviceIsAnError) {
  RouterNamespaceDriver driver(dp_);
  rpc::RouterInfo r = router(false);
  r.interfaces[0].id = "nosuchdevice-at-all";
  auto plan = plan_router(r, L3Options{});
  ASSERT_TRUE(plan.ok());
  Status s = driver.enable(*plan);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("qr-nosuchdevic: no such device"), std::string::npos)
      << s.error().message;
  EXPECT_TRUE(driver.disable(*plan).ok());
}

}  // namespace
}  // namespace nt::agent
