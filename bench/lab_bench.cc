// Lab benchmarks (issue 4): the emulated lab's build and ping costs.
//
//   BM_VxlanLabFirstPing  the text of examples/lab/04-vxlan.scn up to and including its first
//                         ping (two nodes, br-int/br-tun with the seed's flows, ping -c 3 across
//                         VNI 100), run through nt::run_scenario. Goal: < 1 s.
//   BM_HundredNodeLab     100 nodes, 1,000 instances, generated as scenario text. Every node's
//                         eth1 (its VTEP, 192.168.0.x/16) sits on one segment "tenant": tunnel
//                         frames are routed by each node's IP stack, the remote VTEP resolved by
//                         ARP on the segment. Tunnels are hub and spoke (a full mesh would be
//                         9,900 tunnel ports): node n000 has a vxlan port to each of the 99
//                         others, each of them one back to n000.
//                         Every node has br-int (standalone, NORMAL; instances on tag 1) patched
//                         to br-tun (standalone, NORMAL; vxlan ports with key=100). Instance j of
//                         node i is 10.0.i.(j+1)/16 and pings instance j of node i+1 (mod 100)
//                         once: spoke to spoke crosses the hub, two tunnel hops.
//                         Counters: build_s, rss_MiB (VmRSS growth while building; goal < 2 GiB),
//                         ping_s (all 1,000 pings, one after the other), pings_ok; build_cpu_s
//                         and ping_cpu_s are the process's CPU time for the same phases (the
//                         machine is shared: wall time alone misleads).
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "scenario/runner.h"
#include "scenario/scenario.h"

namespace nt {
namespace {

constexpr int kNodes = 100;
constexpr int kInstancesPerNode = 10;

// CPU seconds this process has used (the machine may be shared: wall time alone misleads).
double cpu_seconds() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// VmRSS of this process in KiB (0 if /proc is not there).
long rss_kib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

// examples/lab/04-vxlan.scn up to the end of the paragraph holding its first ping.
std::string vxlan_lab_to_first_ping() {
  auto path = std::filesystem::path(__FILE__).parent_path().parent_path() / "examples" / "lab" /
              "04-vxlan.scn";
  std::ifstream in(path);
  std::string out, line;
  bool pinged = false;
  while (std::getline(in, line)) {
    if (pinged && line.empty()) break;
    if (line.rfind("ping ", 0) == 0) pinged = true;
    out += line + "\n";
  }
  return pinged ? out : "";
}

void BM_VxlanLabFirstPing(benchmark::State& state) {
  std::string text = vxlan_lab_to_first_ping();
  if (text.empty()) {
    state.SkipWithError("examples/lab/04-vxlan.scn not found or has no ping");
    return;
  }
  for (auto _ : state) {
    ScenarioResult r = run_scenario(text, "04-vxlan.scn");
    if (!r.ok) {
      state.SkipWithError(r.failures.front().c_str());
      return;
    }
    benchmark::DoNotOptimize(r.transcript.data());
  }
}
BENCHMARK(BM_VxlanLabFirstPing)->Unit(benchmark::kMillisecond);

std::string node_name(int i) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "n%03d", i);
  return buf;
}

std::string vtep(int i) {
  return "192.168." + std::to_string(i / 200) + "." + std::to_string(i % 200 + 1);
}

std::string instance_ip(int node, int j) {
  return "10.0." + std::to_string(node) + "." + std::to_string(j + 1);
}

std::string hex2(int v) {
  char buf[4];
  std::snprintf(buf, sizeof buf, "%02x", v);
  return buf;
}

// One node's commands: bridges, patch pair, tunnels (hub: to every spoke; spoke: to the hub),
// and its instances.
std::vector<std::string> node_commands(int i) {
  std::vector<std::string> c = {"node " + node_name(i),
                                "nic eth1 segment=tenant ip=" + vtep(i) + "/16",
                                "add-br br-int",
                                "add-br br-tun",
                                "add-port br-int patch-tun type=patch peer=patch-int",
                                "add-port br-tun patch-int type=patch peer=patch-tun"};
  for (int k = 0; k < kNodes; ++k) {
    if (k == i || (i != 0 && k != 0)) continue;
    c.push_back("add-port br-tun vxlan-" + node_name(k) +
                " type=vxlan key=100 local_ip=" + vtep(i) + " remote_ip=" + vtep(k));
  }
  for (int j = 0; j < kInstancesPerNode; ++j) {
    std::string name = "vm" + std::to_string(i * kInstancesPerNode + j);
    c.push_back("instance " + name + " bridge=br-int port=tap" + std::to_string(j) +
                " tag=1 mac=fa:16:3e:00:" + hex2(i) + ":" + hex2(j) + " ip=" + instance_ip(i, j) +
                "/16");
  }
  return c;
}

// Runs commands on `runner`; false (and the error on stderr) at the first failure.
bool run_all(ScenarioRunner& runner, const std::vector<std::string>& cmds) {
  for (const std::string& cmd : cmds) {
    auto r = runner.execute(cmd, {});
    if (!r.ok()) {
      std::fprintf(stderr, "%s: %s\n", cmd.c_str(), r.error().message.c_str());
      return false;
    }
  }
  return true;
}

// Every instance pings its neighbour (same index, next node) once; returns how many got a reply.
int ping_neighbours(ScenarioRunner& runner) {
  int ok = 0;
  for (int i = 0; i < kNodes; ++i) {
    for (int j = 0; j < kInstancesPerNode; ++j) {
      std::string cmd = "ping vm" + std::to_string(i * kInstancesPerNode + j) + " " +
                        instance_ip((i + 1) % kNodes, j) + " -c 1 -W 2";
      auto r = runner.execute(cmd, {});
      if (r.ok() && r->find("1 packets received") != std::string::npos) ++ok;
    }
  }
  return ok;
}

void BM_HundredNodeLab(benchmark::State& state) {
  for (auto _ : state) {
    long rss0 = rss_kib();
    double cpu0 = cpu_seconds();
    auto t0 = std::chrono::steady_clock::now();
    auto runner = std::make_unique<ScenarioRunner>();
    if (!run_all(*runner, {"segment tenant 192.168.0.0/16"})) {
      state.SkipWithError("creating the segment failed");
      return;
    }
    for (int i = 0; i < kNodes; ++i) {
      if (!run_all(*runner, node_commands(i))) {
        state.SkipWithError("building the lab failed");
        return;
      }
    }
    state.counters["build_s"] = seconds_since(t0);
    state.counters["build_cpu_s"] = cpu_seconds() - cpu0;
    state.counters["rss_MiB"] = static_cast<double>(rss_kib() - rss0) / 1024.0;
    state.counters["rss_total_MiB"] = static_cast<double>(rss_kib()) / 1024.0;
    auto t1 = std::chrono::steady_clock::now();
    double cpu1 = cpu_seconds();
    int ok = ping_neighbours(*runner);
    state.counters["ping_s"] = seconds_since(t1);
    state.counters["ping_cpu_s"] = cpu_seconds() - cpu1;
    state.counters["pings_ok"] = ok;
    state.counters["instances"] = kNodes * kInstancesPerNode;
  }
}
BENCHMARK(BM_HundredNodeLab)->Unit(benchmark::kSecond)->Iterations(1);

}  // namespace
}  // namespace nt

BENCHMARK_MAIN();
