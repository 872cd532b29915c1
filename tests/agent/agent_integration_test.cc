// The agent end to end in one process: the real controller Api behind a loopback HTTP server,
// two nodes (NodeCore with in-memory ports) each with an Agent, networks and ports created
// through the API and plugged as Nova plugs them. Checks the seed's flows (cookies aside),
// ACTIVE ports, an agent restart leaving no stale cookie, a node whose flows were wiped or whose
// daemon restarted being re-applied, unplugging, dead ports and a server outage.
#include <gtest/gtest.h>

#include <cctype>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "agent/agent.h"
#include "agent/dhcp.h"
#include "agent/l3.h"
#include "common/clock.h"
#include "controller/api.h"
#include "controller/http_server.h"
#include "node/node.h"

namespace nt {
namespace {

// Every "cookie=0x..." in `line` as "cookie=C"; the cookies found go to `found`.
std::string strip_cookies(std::string line, std::set<std::string>* found = nullptr) {
  size_t at = 0;
  while ((at = line.find("cookie=0x", at)) != std::string::npos) {
    size_t end = at + 9;
    while (end < line.size() && std::isxdigit(static_cast<unsigned char>(line[end]))) ++end;
    if (found) found->insert(line.substr(at + 7, end - at - 7));
    line.replace(at, end - at, "cookie=C");
    at += 8;
  }
  return line;
}

using Json = nlohmann::json;
using controller::Api;
using controller::ApiRequest;
using controller::ApiResponse;

// neutrino-server's HTTP front end (HttpApiServer) on a loopback port, its SQLite in `dir`;
// call() goes straight to its Api.
class TestServer {
 public:
  explicit TestServer(const std::string& dir, int port = 0) {
    auto s = controller::HttpApiServer::start(controller::ServerConfig{}, dir, "127.0.0.1", port);
    EXPECT_TRUE(s.ok()) << s.error().message;
    server_ = std::move(*s);
  }
  void stop() { server_->stop(); }
  std::string url() const { return server_->url(); }
  int port() const { return server_->port(); }

  Json call(const std::string& method, const std::string& path, const Json& body = nullptr) {
    ApiRequest a;
    a.method = method;
    a.path = path;
    a.body = body.is_null() ? "" : body.dump();
    ApiResponse r = server_->api().handle(a);
    EXPECT_LT(r.status, 300) << method << " " << path << ": " << r.body;
    return r.body.empty() ? Json() : Json::parse(r.body);
  }

 private:
  std::unique_ptr<controller::HttpApiServer> server_;
};

// One emulated node: a switch with in-memory ports and its node core; restart() is a daemon
// restart (a new core over the saved configuration: the flows are gone).
class Node : public agent::NodeChannel {
 public:
  Node() { reset(nullptr); }
  ControlReply execute(const std::string& tool, const std::vector<std::string>& argv,
                       const std::string& stdin_data) override {
    return drain_reply(core_->execute(tool, argv, stdin_data));
  }
  ControlReply run(const std::string& tool, const std::vector<std::string>& argv) {
    return execute(tool, argv, "");
  }
  void restart() {
    Db saved = core_->db();
    reset(&saved);
  }
  // The flows of `br`, cookies aside, sorted.
  std::vector<std::string> flows(const std::string& br) {
    ControlReply r = run("ofctl", {"dump-flows", "--no-stats", "--no-names", br});
    EXPECT_EQ(r.status, 0) << r.err;
    std::vector<std::string> out;
    std::istringstream in(r.out);
    std::string line;
    while (std::getline(in, line)) out.push_back(strip_cookies(line));
    std::sort(out.begin(), out.end());
    return out;
  }
  std::set<std::string> cookies(const std::string& br) {
    ControlReply r = run("ofctl", {"dump-flows", "--no-stats", br});
    std::set<std::string> out;
    std::istringstream in(r.out);
    std::string line;
    while (std::getline(in, line)) strip_cookies(line, &out);
    return out;
  }
  std::string get(const std::string& table, const std::string& row, const std::string& col) {
    ControlReply r = run("vsctl", {"--if-exists", "get", table, row, col});
    return std::string(r.out.substr(0, r.out.find('\n')));
  }

 private:
  void reset(Db* saved) {
    core_.reset();
    host_.reset();
    sw_ = std::make_unique<Switch>(clock_, 64);
    host_ = std::make_unique<CommandHost>(*sw_);
    (void)host_->vlog().apply_spec("any:any:off");
    core_ = std::make_unique<NodeCore>(*host_);
    if (saved) core_->load(*saved);
  }
  SystemClock clock_;
  std::unique_ptr<Switch> sw_;
  std::unique_ptr<CommandHost> host_;
  std::unique_ptr<NodeCore> core_;
};

agent::AgentConfig config(const std::string& host, const std::string& ip) {
  auto c = agent::parse_agent_config(
      {{"ovs.ini", "[DEFAULT]\nhost = " + host + "\n[ovs]\nlocal_ip = " + ip +
                       "\n[agent]\ntunnel_types = vxlan\nreport_interval = 30\n"}});
  EXPECT_TRUE(c.ok()) << c.error().message;
  return *c;
}

class AgentIntegration : public ::testing::Test {
 protected:
  AgentIntegration() {
    dir_ = std::filesystem::temp_directory_path() /
           ("agent-it-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    server_ = std::make_unique<TestServer>(dir_.string());
    a1_ = std::make_unique<agent::Agent>(config("node1", "10.0.0.1"), n1_, server_->url());
    a2_ = std::make_unique<agent::Agent>(config("node2", "10.0.0.2"), n2_, server_->url());
  }
  ~AgentIntegration() override {
    a1_.reset();
    a2_.reset();
    server_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Runs every agent until none changes anything (bounded).
  void settle() {
    for (int round = 0; round < 50; ++round) {
      bool any = false;
      for (auto* a : {a1_.get(), a2_.get()}) {
        auto r = a->run_once();
        ASSERT_TRUE(r.ok()) << r.error().message;
        any |= *r;
      }
      if (!any) return;
    }
    FAIL() << "agents did not settle";
  }

  std::string create_network() {
    Json n = server_->call("POST", "/v2.0/networks", {{"network", {{"name", "vxlan100"}}}});
    std::string id = n["network"]["id"];
    server_->call(
        "POST", "/v2.0/subnets",
        {{"subnet", {{"network_id", id}, {"cidr", "172.16.100.0/24"}, {"ip_version", 4}}}});
    return id;
  }
  Json create_port(const std::string& net, const std::string& host) {
    Json body = {{"network_id", net}};
    if (!host.empty()) body["binding:host_id"] = host;
    return server_->call("POST", "/v2.0/ports", {{"port", body}})["port"];
  }
  // What os-vif does: the tap on br-int with the port's external_ids.
  static std::string plug(Node& n, const Json& port) {
    std::string id = port["id"];
    std::string tap = "tap" + id.substr(0, 11);
    ControlReply r =
        n.run("vsctl", {"--", "--may-exist", "add-port", "br-int", tap, "--", "set", "Interface",
                        tap, "external_ids:iface-id=" + id,
                        "external_ids:attached-mac=" + port["mac_address"].get<std::string>(),
                        "external_ids:iface-status=active", "external_ids:vm-uuid=vm-" + id});
    EXPECT_EQ(r.status, 0) << r.err;
    return tap;
  }
  std::string status(const std::string& port_id) {
    return server_->call("GET", "/v2.0/ports/" + port_id)["port"]["status"];
  }

  std::filesystem::path dir_;
  std::unique_ptr<TestServer> server_;
  Node n1_, n2_;
  std::unique_ptr<agent::Agent> a1_, a2_;
};

// Seed 000's vxlan br-tun (cookies aside): patch-int is ofport 1, vxlan-<peer> 2, VNI 100 on
// local VLAN 1 — plus Ocata's table 3/4/6 drops.
std::vector<std::string> seed_br_tun(const std::string& vni) {
  std::vector<std::string> f = {
      " cookie=C, priority=1,in_port=1 actions=resubmit(,2)",
      " cookie=C, priority=1,in_port=2 actions=resubmit(,4)",
      " cookie=C, priority=0 actions=drop",
      " cookie=C, table=2, priority=0,dl_dst=00:00:00:00:00:00/01:00:00:00:00:00 "
      "actions=resubmit(,20)",
      " cookie=C, table=2, priority=0,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00 "
      "actions=resubmit(,22)",
      " cookie=C, table=3, priority=0 actions=drop",
      " cookie=C, table=4, priority=0 actions=drop",
      " cookie=C, table=6, priority=0 actions=drop",
      " cookie=C, table=4, priority=1,tun_id=" + vni + " actions=mod_vlan_vid:1,resubmit(,10)",
      " cookie=C, table=10, priority=1 actions=learn(table=20,hard_timeout=300,priority=1,"
      "cookie=C,NXM_OF_VLAN_TCI[0..11],NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],"
      "load:0->NXM_OF_VLAN_TCI[],load:NXM_NX_TUN_ID[]->NXM_NX_TUN_ID[],"
      "output:NXM_OF_IN_PORT[]),output:1",
      " cookie=C, table=20, priority=0 actions=resubmit(,22)",
      " cookie=C, table=22, dl_vlan=1 actions=strip_vlan,set_tunnel:" + vni + ",output:2",
      " cookie=C, table=22, priority=0 actions=drop",
  };
  std::sort(f.begin(), f.end());
  return f;
}

const std::vector<std::string> kSeedBrInt = {
    " cookie=C, priority=0 actions=NORMAL",
    " cookie=C, table=23, priority=0 actions=drop",
    " cookie=C, table=24, priority=0 actions=drop",
};

TEST_F(AgentIntegration, TwoNodesVxlanFromTheApi) {
  settle();  // start-up: bridges, patch pair, reports (each sees the other as a tunnel peer)
  settle();
  EXPECT_EQ(n1_.get("Interface", "vxlan-0a000002", "options"),
            "{in_key=flow, local_ip=\"10.0.0.1\", out_key=flow, remote_ip=\"10.0.0.2\"}");
  EXPECT_EQ(n2_.get("Interface", "vxlan-0a000001", "type"), "vxlan");

  std::string net = create_network();
  Json vni_net = server_->call("GET", "/v2.0/networks/" + net)["network"];
  std::string vni = "0x" + [&] {
    char b[16];
    std::snprintf(b, sizeof b, "%x", vni_net["provider:segmentation_id"].get<unsigned>());
    return std::string(b);
  }();
  Json p1 = create_port(net, "node1");  // as Nova: bound at create
  Json p2 = create_port(net, "");       // bound by the agent that finds it plugged
  EXPECT_EQ(status(p1["id"]), "DOWN");
  std::string tap1 = plug(n1_, p1), tap2 = plug(n2_, p2);
  auto t0 = std::chrono::steady_clock::now();
  settle();
  auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0);
  std::cout << "plug -> ACTIVE (both nodes, in-process): " << ms.count() << " ms\n";
  EXPECT_EQ(status(p1["id"]), "ACTIVE");
  EXPECT_EQ(status(p2["id"]), "ACTIVE");
  EXPECT_EQ(
      server_->call("GET", "/v2.0/ports/" + p2["id"].get<std::string>())["port"]["binding:host_id"],
      "node2");
  EXPECT_EQ(n1_.get("Port", tap1, "tag"), "1");
  EXPECT_EQ(n2_.get("Port", tap2, "tag"), "1");
  EXPECT_EQ(n1_.get("Port", tap1, "other_config"),
            "{net_uuid=\"" + net + "\", network_type=vxlan, segmentation_id=\"" +
                std::to_string(vni_net["provider:segmentation_id"].get<unsigned>()) +
                "\", tag=\"1\"}");
  for (Node* n : {&n1_, &n2_}) {
    EXPECT_EQ(n->flows("br-tun"), seed_br_tun(vni));
    EXPECT_EQ(n->flows("br-int"), kSeedBrInt);
    EXPECT_EQ(n->cookies("br-int").size(), 1u);
  }

  // An agent restart: a new cookie, the same flows, no stale cookie left.
  auto before = n1_.flows("br-tun");
  std::string old_cookie = *n1_.cookies("br-tun").begin();
  a1_ = std::make_unique<agent::Agent>(config("node1", "10.0.0.1"), n1_, server_->url());
  settle();
  EXPECT_EQ(n1_.flows("br-tun"), before);
  EXPECT_EQ(n1_.get("Port", tap1, "tag"), "1");
  for (const char* br : {"br-int", "br-tun"}) {
    auto c = n1_.cookies(br);
    ASSERT_EQ(c.size(), 1u) << br;
    EXPECT_NE(*c.begin(), old_cookie) << br;
  }
  EXPECT_EQ(status(p1["id"]), "ACTIVE");

  // The daemon restarts without its flows: re-applied at the next call.
  n2_.restart();
  EXPECT_TRUE(n2_.flows("br-tun").empty());
  settle();
  EXPECT_EQ(n2_.flows("br-tun"), seed_br_tun(vni));
  EXPECT_EQ(n2_.flows("br-int"), kSeedBrInt);
  EXPECT_EQ(a2_->stats().node_restarts, 1u);

  // Someone wipes br-int's flows: the canary (checked every second) notices.
  ASSERT_EQ(n1_.run("ofctl", {"del-flows", "br-int"}).status, 0);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (n1_.flows("br-int").empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    settle();
  }
  EXPECT_EQ(n1_.flows("br-int"), kSeedBrInt);

  // Unplugged: DOWN, the local VLAN and the network's flows reclaimed.
  ASSERT_EQ(n2_.run("vsctl", {"del-port", "br-int", tap2}).status, 0);
  settle();
  EXPECT_EQ(status(p2["id"]), "DOWN");
  EXPECT_TRUE(a2_->local_vlans().empty());
  for (const auto& f : n2_.flows("br-tun")) {
    EXPECT_EQ(f.find("tun_id="), std::string::npos) << f;
    EXPECT_EQ(f.find("dl_vlan=1"), std::string::npos) << f;
  }
}

TEST_F(AgentIntegration, LearnedFlowsSurviveTheDiff) {
  settle();
  settle();
  std::string net = create_network();
  Json p1 = create_port(net, "node1");
  plug(n1_, p1);
  settle();
  // A learned entry (table 20, priority 1, hard_timeout) as the learn action installs it.
  ControlReply r = n1_.run("ofctl", {"add-flow", "br-tun",
                                     "table=20,priority=1,hard_timeout=300,dl_vlan=1,"
                                     "dl_dst=fa:16:3e:00:00:99 actions=output:2"});
  ASSERT_EQ(r.status, 0) << r.err;
  Json p3 = create_port(net, "node1");
  plug(n1_, p3);
  settle();
  bool found = false;
  for (const auto& f : n1_.flows("br-tun"))
    found |= f.find("fa:16:3e:00:00:99") != std::string::npos;
  EXPECT_TRUE(found);
}

TEST_F(AgentIntegration, UnknownPortIsDead) {
  settle();
  ASSERT_EQ(n1_.run("vsctl", {"add-port", "br-int", "tapnobody", "--", "set", "Interface",
                              "tapnobody", "external_ids:iface-id=no-such-port"})
                .status,
            0);
  settle();
  EXPECT_EQ(n1_.get("Port", "tapnobody", "tag"), "4095");
  std::string of = n1_.get("Interface", "tapnobody", "ofport");
  auto flows = n1_.flows("br-int");
  EXPECT_NE(std::find(flows.begin(), flows.end(),
                      " cookie=C, priority=2,in_port=" + of + " actions=drop"),
            flows.end());
}

TEST_F(AgentIntegration, ServerOutageKeepsForwardingAndResyncs) {
  settle();
  settle();
  std::string net = create_network();
  Json p1 = create_port(net, "node1");
  plug(n1_, p1);
  settle();
  auto before = n1_.flows("br-tun");
  int port = server_->port();
  server_->stop();
  auto r = a1_->run_once();
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(n1_.flows("br-tun"), before);  // nothing removed while the server is away
  // The server comes back on the same port and store: the same agents resync.
  server_.reset();
  server_ = std::make_unique<TestServer>(dir_.string(), port);
  settle();
  EXPECT_EQ(n1_.flows("br-tun"), before);
  EXPECT_EQ(status(p1["id"]), "ACTIVE");
}

}  // namespace
}  // namespace nt

namespace nt {
namespace {

agent::AgentConfig l2pop_config(const std::string& host, const std::string& ip) {
  agent::AgentConfig c = config(host, ip);
  c.l2_population = true;
  c.arp_responder = true;
  return c;
}

bool has_flow(Node& n, const std::string& br, const std::string& part) {
  for (const auto& f : n.flows(br)) {
    if (f.find(part) != std::string::npos) return true;
  }
  return false;
}

// l2population: a tunnel only to VTEPs holding ports of the host's networks, unicast and ARP
// responder entries for the remote ports, all following the feed; gone with the last port.
TEST_F(AgentIntegration, L2populationFollowsTheRemotePorts) {
  a1_ = std::make_unique<agent::Agent>(l2pop_config("node1", "10.0.0.1"), n1_, server_->url());
  a2_ = std::make_unique<agent::Agent>(l2pop_config("node2", "10.0.0.2"), n2_, server_->url());
  settle();
  settle();
  EXPECT_EQ(n1_.get("Interface", "vxlan-0a000002", "type"), "");  // no full mesh
  std::string net = create_network();
  Json p1 = create_port(net, "node1");
  plug(n1_, p1);
  settle();
  EXPECT_EQ(status(p1["id"]), "ACTIVE");
  EXPECT_EQ(n1_.get("Interface", "vxlan-0a000002", "type"), "");  // nobody else on the network
  // node2's port reaches node1 as a patch of its remote ports (Neutron's fdb_add), not as a
  // fetch of node1's whole host state.
  uint64_t syncs = a1_->stats().syncs, patches = a1_->stats().port_patches;
  Json p2 = create_port(net, "node2");
  plug(n2_, p2);
  settle();
  EXPECT_EQ(a1_->stats().syncs, syncs);
  EXPECT_GT(a1_->stats().port_patches, patches);
  EXPECT_EQ(n1_.get("Interface", "vxlan-0a000002", "type"), "vxlan");
  // A second instance on node1's network: node1 takes its own port from the feed too, wires
  // it and reports it up; node2 learns it as a remote port. Nobody fetches a state.
  uint64_t syncs2 = a2_->stats().syncs;
  Json p3 = create_port(net, "node1");
  plug(n1_, p3);
  settle();
  EXPECT_EQ(status(p3["id"]), "ACTIVE");
  EXPECT_EQ(a1_->stats().syncs, syncs);
  EXPECT_EQ(a2_->stats().syncs, syncs2);
  EXPECT_TRUE(has_flow(n2_, "br-tun", "dl_dst=" + p3["mac_address"].get<std::string>()));
  EXPECT_EQ(n2_.get("Interface", "vxlan-0a000001", "type"), "vxlan");
  std::string mac2 = p2["mac_address"], ip2 = p2["fixed_ips"][0]["ip_address"];
  EXPECT_TRUE(has_flow(n1_, "br-tun", "table=20, priority=2,dl_vlan=1,dl_dst=" + mac2));
  EXPECT_TRUE(has_flow(n1_, "br-tun", "table=21, priority=1,arp,dl_vlan=1,arp_tpa=" + ip2));
  EXPECT_TRUE(has_flow(n1_, "br-tun", "table=22, dl_vlan=1 actions=strip_vlan"));
  // node2's port goes away: node1's tunnel, unicast and ARP entries with it.
  ASSERT_EQ(
      n2_.run("vsctl", {"del-port", "br-int", "tap" + p2["id"].get<std::string>().substr(0, 11)})
          .status,
      0);
  server_->call("DELETE", "/v2.0/ports/" + p2["id"].get<std::string>());
  settle();
  EXPECT_EQ(n1_.get("Interface", "vxlan-0a000002", "type"), "");
  EXPECT_FALSE(has_flow(n1_, "br-tun", "dl_dst=" + mac2));
  EXPECT_FALSE(has_flow(n1_, "br-tun", "arp_tpa=" + ip2));
  EXPECT_FALSE(has_flow(n1_, "br-tun", "table=22, dl_vlan=1"));
}

// The feed's pre-filter: another host's port on a network this host has nothing of is passed
// over on the change's header; a port bound here on a network new here (the header names this
// host) and a remote port on one of its networks are not.
TEST_F(AgentIntegration, FeedHeaderSkipsOnlyOtherNetworksPorts) {
  a1_ = std::make_unique<agent::Agent>(l2pop_config("node1", "10.0.0.1"), n1_, server_->url());
  a2_ = std::make_unique<agent::Agent>(l2pop_config("node2", "10.0.0.2"), n2_, server_->url());
  settle();
  std::string net_a = create_network(), net_b = create_network();
  Json p1 = create_port(net_a, "node1");
  plug(n1_, p1);
  settle();
  uint64_t syncs = a1_->stats().syncs, skipped = a1_->stats().changes_skipped;
  create_port(net_b, "node2");
  settle();
  EXPECT_GT(a1_->stats().changes_skipped, skipped);  // none of node1's business
  EXPECT_EQ(a1_->stats().syncs, syncs);
  // Bound here on a network node1 has no port on: its state, before anything is plugged.
  skipped = a1_->stats().changes_skipped;
  create_port(net_b, "node1");
  settle();
  EXPECT_GT(a1_->stats().syncs, syncs);
  EXPECT_EQ(a1_->stats().changes_skipped, skipped);
  // A remote port on node1's network: patched in, not skipped.
  uint64_t patches = a1_->stats().port_patches;
  Json p4 = create_port(net_a, "node2");
  plug(n2_, p4);
  settle();
  EXPECT_GT(a1_->stats().port_patches, patches);
  EXPECT_EQ(a1_->stats().changes_skipped, skipped);
  EXPECT_TRUE(has_flow(n1_, "br-tun", "dl_dst=" + p4["mac_address"].get<std::string>()));
}

}  // namespace
}  // namespace nt

namespace nt {
namespace {

// What a DHCP driver was asked to run, per network (the emulated and dnsmasq drivers make it
// real; here the plan itself is what is checked).
struct RecordingDhcpDriver : agent::DhcpDriver {
  std::map<std::string, agent::DhcpNetworkPlan> running;
  int enables = 0;
  std::string name() const override { return "recording"; }
  Status enable(const agent::DhcpNetworkPlan& p) override {
    running[p.network_id] = p;
    ++enables;
    return ok_status();
  }
  Status disable(const agent::DhcpNetworkPlan& p) override {
    running.erase(p.network_id);
    return ok_status();
  }
  std::string hosts(const std::string& net) const {
    auto it = running.find(net);
    return it == running.end() ? "" : it->second.host_file;
  }
};

// The DHCP role from the API's point of view: the server schedules the network and makes the
// port, the agent plugs and tags it and serves the network's ports; port changes reach the
// hosts file; a DHCP port deleted by hand comes back; the last DHCP subnet's deletion ends it.
TEST_F(AgentIntegration, DhcpRoleFollowsTheNetworksPorts) {
  agent::AgentConfig c = config("node1", "10.0.0.1");
  c.report_interval = 0.02;
  a1_ = std::make_unique<agent::Agent>(c, n1_, server_->url());
  RecordingDhcpDriver driver;
  a1_->enable_dhcp(driver);
  settle();
  std::string net = create_network();
  settle();
  ASSERT_EQ(driver.running.count(net), 1u);
  const agent::DhcpNetworkPlan& plan = driver.running.at(net);
  std::string dhcp_port = plan.port_id;
  EXPECT_EQ(plan.addresses, std::vector<std::string>{"172.16.100.2/24"});
  EXPECT_EQ(n1_.get("Port", plan.device, "tag"), "1");
  EXPECT_EQ(n1_.get("Interface", plan.device, "type"), "internal");
  EXPECT_EQ(status(dhcp_port), "ACTIVE");

  Json vm = create_port(net, "node2");
  std::string vm_ip = vm["fixed_ips"][0]["ip_address"];
  settle();
  EXPECT_NE(driver.hosts(net).find("," + vm_ip + "\n"), std::string::npos) << driver.hosts(net);
  std::string subnet = vm["fixed_ips"][0]["subnet_id"];
  server_->call(
      "PUT", "/v2.0/ports/" + vm["id"].get<std::string>(),
      {{"port", {{"fixed_ips", {{{"subnet_id", subnet}, {"ip_address", "172.16.100.77"}}}}}}});
  settle();
  EXPECT_NE(driver.hosts(net).find(",172.16.100.77\n"), std::string::npos) << driver.hosts(net);
  EXPECT_EQ(driver.hosts(net).find("," + vm_ip + "\n"), std::string::npos);
  server_->call("DELETE", "/v2.0/ports/" + vm["id"].get<std::string>());
  settle();
  EXPECT_EQ(driver.hosts(net).find(",172.16.100.77\n"), std::string::npos);

  // Deleted by hand: the next report of the DHCP agent brings a new port, plugged anew.
  std::string old_tap = plan.device;
  server_->call("DELETE", "/v2.0/ports/" + dhcp_port);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  settle();
  ASSERT_EQ(driver.running.count(net), 1u);
  EXPECT_NE(driver.running.at(net).port_id, dhcp_port);
  EXPECT_EQ(n1_.get("Port", driver.running.at(net).device, "tag"), "1");
  EXPECT_EQ(n1_.get("Port", old_tap, "name"), "");

  server_->call("DELETE", "/v2.0/subnets/" + subnet);
  settle();
  EXPECT_EQ(driver.running.count(net), 0u);
}

// What an L3 driver was asked to run, per router.
struct RecordingL3Driver : agent::L3Driver {
  std::map<std::string, agent::RouterPlan> running;
  std::string name() const override { return "recording"; }
  Status enable(const agent::RouterPlan& p) override {
    running[p.router_id] = p;
    return ok_status();
  }
  Status disable(const agent::RouterPlan& p) override {
    running.erase(p.router_id);
    return ok_status();
  }
};

// The L3 role from the API's point of view: the server schedules the router to the host's L3
// agent, the agent plugs qr-/qg- (tagged by its OVS part) and follows the floating IP and the
// interface coming and going, then the router's deletion.
TEST_F(AgentIntegration, L3RoleFollowsTheRouter) {
  agent::AgentConfig c = config("node1", "10.0.0.1");
  c.report_interval = 0.02;
  a1_ = std::make_unique<agent::Agent>(c, n1_, server_->url());
  RecordingL3Driver driver;
  a1_->enable_l3(driver);
  settle();
  Json ext = server_->call("POST", "/v2.0/networks",
                           {{"network", {{"name", "ext_net"}, {"router:external", true}}}});
  std::string ext_net = ext["network"]["id"];
  server_->call("POST", "/v2.0/subnets",
                {{"subnet",
                  {{"network_id", ext_net},
                   {"cidr", "10.10.10.0/24"},
                   {"ip_version", 4},
                   {"enable_dhcp", false}}}});
  std::string net = create_network();
  Json router = server_->call(
      "POST", "/v2.0/routers",
      {{"router", {{"name", "r1"}, {"external_gateway_info", {{"network_id", ext_net}}}}}});
  std::string rid = router["router"]["id"];
  Json itf = server_->call(
      "PUT", "/v2.0/routers/" + rid + "/add_router_interface",
      {{"subnet_id", server_->call("GET", "/v2.0/networks/" + net)["network"]["subnets"][0]}});
  settle();
  ASSERT_EQ(driver.running.count(rid), 1u);
  const agent::RouterPlan* plan = &driver.running.at(rid);
  ASSERT_EQ(plan->devices.size(), 2u);
  EXPECT_EQ(plan->devices[0].addresses, std::vector<std::string>{"172.16.100.1/24"});
  EXPECT_TRUE(plan->devices[1].external);
  EXPECT_EQ(plan->routes.size(), 1u);
  EXPECT_EQ(plan->routes[0].destination, "default");
  EXPECT_EQ(plan->routes[0].nexthop, "10.10.10.1");
  for (const auto& d : plan->devices) {
    EXPECT_EQ(n1_.get("Interface", d.device, "type"), "internal") << d.device;
    std::string tag = n1_.get("Port", d.device, "tag");
    EXPECT_TRUE(!tag.empty() && tag != "4095") << d.device << " tag " << tag;
    EXPECT_EQ(status(d.port_id), "ACTIVE") << d.device;
  }
  std::string qg = plan->devices[1].device, qr = plan->devices[0].device;

  Json vm = create_port(net, "node2");
  Json fip = server_->call(
      "POST", "/v2.0/floatingips",
      {{"floatingip", {{"floating_network_id", ext_net}, {"port_id", vm["id"]}}}})["floatingip"];
  settle();
  plan = &driver.running.at(rid);
  ASSERT_EQ(plan->floating_ips.size(), 1u);
  EXPECT_EQ(plan->floating_ips[0].fixed_ip, vm["fixed_ips"][0]["ip_address"]);
  EXPECT_EQ(plan->devices[1].addresses.back(),
            fip["floating_ip_address"].get<std::string>() + "/32");
  // Reported as Neutron's L3 agent does once the router runs with it.
  EXPECT_EQ(server_->call(
                "GET", "/v2.0/floatingips/" + fip["id"].get<std::string>())["floatingip"]["status"],
            "ACTIVE");
  server_->call("DELETE", "/v2.0/floatingips/" + fip["id"].get<std::string>());
  settle();
  EXPECT_TRUE(driver.running.at(rid).floating_ips.empty());

  server_->call("PUT", "/v2.0/routers/" + rid + "/remove_router_interface",
                {{"port_id", itf["port_id"]}});
  settle();
  ASSERT_EQ(driver.running.count(rid), 1u);
  EXPECT_EQ(driver.running.at(rid).devices.size(), 1u);
  EXPECT_EQ(n1_.get("Port", qr, "name"), "");
  server_->call("DELETE", "/v2.0/routers/" + rid);
  settle();
  EXPECT_EQ(driver.running.count(rid), 0u);
  EXPECT_EQ(n1_.get("Port", qg, "name"), "");
}

}  // namespace
}  // namespace nt
