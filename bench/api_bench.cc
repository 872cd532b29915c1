// api_bench: neutrino-server's API in-process (Api::handle over the SQLite store in a file, WAL,
// as the server runs it; no HTTP), from 1 and 16 client threads:
//   - port create (MAC and IP allocation) until 1,000 ports fill a /22;
//   - GET /v2.0/ports?network_id=<net> on that network of 1,000 ports, as an admin (stored
//     bodies spliced into the response) and as the owning project (its own bodies spliced, the
//     admin-only members cut out as text: controller/raw_json.h);
//   - GET /v2.0/security-groups (the default group, created on first use).
// Prints ops/s, P50 and P99 latency per case. Usage: api_bench [DIR] (default: a temp dir).
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "controller/api.h"
#include "controller/sqlite_store.h"

namespace {

using nt::controller::Api;
using nt::controller::ApiRequest;
using nt::controller::ApiResponse;
using nt::controller::Json;
using nt::controller::SqliteStore;
using Clock = std::chrono::steady_clock;

constexpr int kPorts = 1000;
constexpr int kListRequests = 400;

struct World {
  std::unique_ptr<SqliteStore> store;
  std::unique_ptr<Api> api;
  std::string net;
};

ApiResponse request(Api& api, const std::string& method, const std::string& path,
                    const std::string& body = "",
                    std::vector<std::pair<std::string, std::string>> query = {},
                    const std::string& project = "") {
  ApiRequest r;
  r.method = method;
  r.path = path;
  r.body = body;
  r.query = std::move(query);
  r.project_id = project;
  r.roles = "member";
  r.base_url = "http://bench";
  ApiResponse resp = api.handle(r);
  if (resp.status >= 300) {
    std::fprintf(stderr, "api_bench: %s %s: %d %s\n", method.c_str(), path.c_str(), resp.status,
                 resp.body.c_str());
    std::exit(1);
  }
  return resp;
}

// A fresh store in `dir` with a project's network and a /22 subnet (1,021 addresses).
World fresh(const std::string& dir, int run) {
  World w;
  std::string path = dir + "/api_bench_" + std::to_string(run) + ".sqlite";
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  w.store = std::move(SqliteStore::open(path).value());
  w.api = std::make_unique<Api>(nt::controller::ServerConfig{}, *w.store);
  Json net = {{"network", {{"name", "bench"}, {"tenant_id", "bench"}}}};
  w.net = Json::parse(request(*w.api, "POST", "/v2.0/networks", net.dump()).body)["network"]["id"];
  Json sub = {{"subnet",
               {{"network_id", w.net},
                {"ip_version", 4},
                {"cidr", "10.0.0.0/22"},
                {"tenant_id", "bench"}}}};
  request(*w.api, "POST", "/v2.0/subnets", sub.dump());
  return w;
}

struct Result {
  double ops_per_s;
  double p50_ms, p99_ms;
};

// Runs `total` calls of `op` spread over `clients` threads; latency of each call.
Result run(int clients, int total, const std::function<void()>& op) {
  std::vector<std::vector<double>> lat(static_cast<size_t>(clients));
  std::atomic<int> next{0};
  auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      while (next.fetch_add(1) < total) {
        auto t0 = Clock::now();
        op();
        lat[static_cast<size_t>(c)].push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      }
    });
  }
  for (auto& t : threads) t.join();
  double secs = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all;
  for (auto& l : lat) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) { return all[static_cast<size_t>(p * (all.size() - 1))]; };
  return {total / secs, pct(0.50), pct(0.99)};
}

void print(const char* what, int clients, const Result& r) {
  std::printf("%-44s %3d clients  %9.0f ops/s  P50 %8.3f ms  P99 %8.3f ms\n", what, clients,
              r.ops_per_s, r.p50_ms, r.p99_ms);
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = argc > 1 ? argv[1] : std::filesystem::temp_directory_path().string();
  std::printf("api_bench: Api::handle in-process, SQLite (WAL) in %s, %u CPUs\n", dir.c_str(),
              std::thread::hardware_concurrency());
  int runs = 0;
  for (int clients : {1, 16}) {
    World w = fresh(dir, runs++);
    std::string body = Json{{"port", {{"network_id", w.net}, {"tenant_id", "bench"}}}}.dump();
    print("POST /v2.0/ports (1,000 on a /22)", clients,
          run(clients, kPorts, [&] { request(*w.api, "POST", "/v2.0/ports", body); }));
    auto all = Json::parse(request(*w.api, "GET", "/v2.0/ports").body)["ports"];
    if (all.size() != static_cast<size_t>(kPorts)) {
      std::fprintf(stderr, "api_bench: %zu ports\n", all.size());
      return 1;
    }
    std::vector<std::pair<std::string, std::string>> q = {{"network_id", w.net}};
    print("GET /v2.0/ports?network_id= admin", clients,
          run(clients, kListRequests, [&] { request(*w.api, "GET", "/v2.0/ports", "", q); }));
    print("GET /v2.0/ports?network_id= project", clients, run(clients, kListRequests / 4, [&] {
            request(*w.api, "GET", "/v2.0/ports", "", q, "bench");
          }));
    print("GET /v2.0/security-groups", clients,
          run(clients, kListRequests, [&] { request(*w.api, "GET", "/v2.0/security-groups"); }));
  }
  for (int r = 0; r < runs; ++r) {
    std::string path = dir + "/api_bench_" + std::to_string(r) + ".sqlite";
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  }
  return 0;
}
