// neutrino-agent's wiring, measured in-process (issue 11's benchmarks): the real controller Api
// behind a loopback HTTP server, one node (NodeCore, in-memory ports) and its Agent driven by
// run_once as the emulated lab drives it.
//   1. port wiring latency: a port created bound to the host, plugged as os-vif plugs it, until
//      the server shows it ACTIVE — P50 / P99 over sequential ports;
//   2. N ports plugged at once (one vsctl transaction): until every one is ACTIVE;
//   3. an agent restart with those N ports: until converged, and whether the flows ever
//      differed (they go in as one transaction, so traffic sees old or new, never none).
// Usage: agent_bench [SEQUENTIAL_PORTS=200] [BULK_PORTS=1000]
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "agent/agent.h"
#include "common/clock.h"
#include "controller/api.h"
#include "controller/sqlite_store.h"
#include "node/node.h"

namespace {

using Json = nlohmann::json;
using namespace nt;
using Steady = std::chrono::steady_clock;

double ms_since(Steady::time_point t) {
  return std::chrono::duration<double, std::milli>(Steady::now() - t).count();
}

struct Server {
  explicit Server(const std::string& db) {
    store = std::move(controller::SqliteStore::open(db).value());
    api = std::make_unique<controller::Api>(controller::ServerConfig{}, *store);
    auto serve = [this](const httplib::Request& req, httplib::Response& res) {
      controller::ApiRequest a;
      a.method = req.method;
      a.path = req.path;
      for (const auto& [k, v] : req.params) a.query.emplace_back(k, v);
      a.body = req.body;
      auto r = api->handle(a);
      res.status = r.status;
      if (!r.body.empty()) res.set_content(r.body, "application/json");
    };
    http.Get(R"(/.*)", serve);
    http.Post(R"(/.*)", serve);
    http.Put(R"(/.*)", serve);
    http.set_tcp_nodelay(true);
    port = http.bind_to_any_port("127.0.0.1");
    thread = std::thread([this] { http.listen_after_bind(); });
    while (!http.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~Server() {
    http.stop();
    thread.join();
  }
  Json call(const std::string& method, const std::string& path, const Json& body = nullptr) {
    controller::ApiRequest a;
    a.method = method;
    a.path = path;
    a.body = body.is_null() ? "" : body.dump();
    auto r = api->handle(a);
    if (r.status >= 300) std::fprintf(stderr, "%s %s: %s\n", method.c_str(), path.c_str(), r.body.c_str());
    return r.body.empty() ? Json() : Json::parse(r.body);
  }
  std::unique_ptr<controller::SqliteStore> store;
  std::unique_ptr<controller::Api> api;
  httplib::Server http;
  int port = 0;
  std::thread thread;
};

struct Node : agent::NodeChannel {
  Node() { (void)host.vlog().apply_spec("any:any:off"); }
  ControlReply execute(const std::string& tool, const std::vector<std::string>& argv,
                       const std::string& stdin_data) override {
    return drain_reply(core.execute(tool, argv, stdin_data));
  }
  SystemClock clock;
  Switch sw{clock, 64};
  CommandHost host{sw};
  NodeCore core{host};
};

void settle(agent::Agent& a) {
  for (int i = 0; i < 1000; ++i) {
    auto r = a.run_once();
    if (!r.ok()) std::fprintf(stderr, "run_once: %s\n", r.error().message.c_str());
    if (r.ok() && !*r) return;
  }
}

std::vector<std::string> plug_words(const Json& port) {
  std::string id = port["id"], tap = "tap" + id.substr(0, 11);
  return {"--", "--may-exist", "add-port", "br-int", tap, "--", "set", "Interface", tap,
          "external_ids:iface-id=" + id,
          "external_ids:attached-mac=" + port["mac_address"].get<std::string>(),
          "external_ids:iface-status=active", "external_ids:vm-uuid=vm-" + id};
}

size_t active_count(Server& s, const std::string& net) {
  Json ports = s.call("GET", "/v2.0/ports?network_id=" + net + "&status=ACTIVE&fields=id");
  return ports["ports"].size();
}

agent::AgentConfig config() {
  return *agent::parse_agent_config(
      {{"ovs.ini", "[DEFAULT]\nhost = node1\n[ovs]\nlocal_ip = 10.0.0.1\n"
                   "[agent]\ntunnel_types = vxlan\nreport_interval = 30\n"}});
}

}  // namespace

int main(int argc, char** argv) {
  int sequential = argc > 1 ? std::atoi(argv[1]) : 200;
  int bulk = argc > 2 ? std::atoi(argv[2]) : 1000;
  auto dir = std::filesystem::temp_directory_path() / ("agent-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    Server server((dir / "db.sqlite").string());
    std::string url = "http://127.0.0.1:" + std::to_string(server.port);
    Node node;
    auto a = std::make_unique<agent::Agent>(config(), node, url);
    settle(*a);
    Json net = server.call("POST", "/v2.0/networks", {{"network", {{"name", "bench"}}}});
    std::string net_id = net["network"]["id"];
    server.call("POST", "/v2.0/subnets",
                {{"subnet", {{"network_id", net_id}, {"cidr", "10.1.0.0/16"}, {"ip_version", 4}}}});
    settle(*a);

    // 1. Sequential ports: create (bound), plug, run until ACTIVE.
    std::vector<double> lat;
    for (int i = 0; i < sequential; ++i) {
      Json p = server.call("POST", "/v2.0/ports",
                           {{"port", {{"network_id", net_id}, {"binding:host_id", "node1"}}}})["port"];
      settle(*a);  // the port's creation reaches the agent first, as with Nova
      auto t0 = Steady::now();
      node.execute("vsctl", plug_words(p), "");
      std::string id = p["id"];
      for (;;) {
        (void)a->run_once();
        if (server.call("GET", "/v2.0/ports/" + id)["port"]["status"] == "ACTIVE") break;
      }
      lat.push_back(ms_since(t0));
    }
    std::sort(lat.begin(), lat.end());
    if (!lat.empty()) {
      std::printf("port wiring (plug -> flows -> ACTIVE), %d ports: P50 %.2f ms, P99 %.2f ms, "
                  "max %.2f ms\n",
                  sequential, lat[lat.size() / 2], lat[lat.size() * 99 / 100], lat.back());
    }

    // 2. Bulk: N ports created bound, then plugged in one transaction.
    Json net2 = server.call("POST", "/v2.0/networks", {{"network", {{"name", "bulk"}}}});
    std::string net2_id = net2["network"]["id"];
    server.call("POST", "/v2.0/subnets",
                {{"subnet", {{"network_id", net2_id}, {"cidr", "10.2.0.0/16"}, {"ip_version", 4}}}});
    std::vector<std::string> words;
    for (int i = 0; i < bulk; ++i) {
      Json p = server.call("POST", "/v2.0/ports",
                           {{"port", {{"network_id", net2_id}, {"binding:host_id", "node1"}}}})["port"];
      auto w = plug_words(p);
      words.insert(words.end(), w.begin(), w.end());
    }
    settle(*a);
    auto t0 = Steady::now();
    node.execute("vsctl", words, "");
    size_t n = 0;
    while ((n = active_count(server, net2_id)) < static_cast<size_t>(bulk) && ms_since(t0) < 60000) {
      (void)a->run_once();
    }
    std::printf("%d ports plugged at once: all ACTIVE in %.0f ms (%zu active)\n", bulk,
                ms_since(t0), n);

    // 3. Agent restart with every port: converged, flows compared before and after.
    auto dump = [&] {
      std::string all;
      for (const char* br : {"br-int", "br-tun"}) {
        auto r = node.execute("ofctl", {"dump-flows", "--no-stats", br}, "");
        all += r.out;
      }
      return all;
    };
    auto strip = [](std::string s) {
      size_t at = 0;
      while ((at = s.find("cookie=0x", at)) != std::string::npos) {
        size_t end = at + 9;
        while (end < s.size() && std::isxdigit(static_cast<unsigned char>(s[end]))) ++end;
        s.replace(at, end - at, "cookie=C");
        at += 8;
      }
      return s;
    };
    std::string before = strip(dump());
    t0 = Steady::now();
    a = std::make_unique<agent::Agent>(config(), node, url);
    settle(*a);
    double restart = ms_since(t0);
    std::printf("agent restart with %d ports: converged in %.0f ms, flows %s, %llu flow mods\n",
                bulk + sequential, restart, strip(dump()) == before ? "equal" : "DIFFER",
                static_cast<unsigned long long>(a->stats().flow_mods));
  }
  std::filesystem::remove_all(dir);
  return 0;
}
