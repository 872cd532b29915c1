// End to end: the real neutrino-vswitchd and nvs-* binaries in a fresh run directory, with
// dummy ports (no root needed). Configures the seed 000 br-int/br-tun layout, programs the
// seed's br-tun flows, checks dump-flows, trace and traffic (through a dummy port's tx_pcap),
// then kill -9s the daemon, restarts it and checks that configuration, port numbers, MACs and
// flows are back and traffic flows again.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <net/if.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "common/strings.h"
#include "packet/parse.h"
#include "packet/pcap.h"
#include "vswitchd/control.h"

#ifndef NT_TOOLS_DIR
#error "NT_TOOLS_DIR (the build directory of the nvs-* programs) must be defined"
#endif

namespace nt {
namespace {

namespace fs = std::filesystem;

struct RunResult {
  int status = -1;
  std::string out, err;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

const char* kBroadcast =  // ARP request from fa:16:3e:53:ea:b5 (10.0.0.2 asks for 10.0.0.3)
    "fffffffffffffa163e53eab50806000108000604000"
    "1fa163e53eab50a0000020000000000000a000003";

// Seed 000's br-tun (OVS VxLAN): patch-int is port 1, the tunnel port 2.
const char* kBrTunFlows =
    "cookie=0xaaa0e760a7848ec3,table=0,priority=1,in_port=1 actions=resubmit(,2)\n"
    "cookie=0xaaa0e760a7848ec3,table=0,priority=1,in_port=2 actions=resubmit(,4)\n"
    "cookie=0xaaa0e760a7848ec3,table=0,priority=0 actions=drop\n"
    "cookie=0xaaa0e760a7848ec3,table=2,priority=0,dl_dst=00:00:00:00:00:00/01:00:00:00:00:00 "
    "actions=resubmit(,20)\n"
    "cookie=0xaaa0e760a7848ec3,table=2,priority=0,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00 "
    "actions=resubmit(,22)\n"
    "cookie=0xaaa0e760a7848ec3,table=4,priority=1,tun_id=0x64 "
    "actions=mod_vlan_vid:1,resubmit(,10)\n"
    "cookie=0xaaa0e760a7848ec3,table=10,priority=1 "
    "actions=learn(table=20,hard_timeout=300,priority=1,cookie=0xaaa0e760a7848ec3,"
    "NXM_OF_VLAN_TCI[0..11],NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],load:0->NXM_OF_VLAN_TCI[],"
    "load:NXM_NX_TUN_ID[]->NXM_NX_TUN_ID[],output:NXM_OF_IN_PORT[]),output:1\n"
    "cookie=0xaaa0e760a7848ec3,table=20,priority=0 actions=resubmit(,22)\n"
    "cookie=0xaaa0e760a7848ec3,table=22,dl_vlan=1 actions=strip_vlan,set_tunnel:0x64,output:2\n"
    "cookie=0xaaa0e760a7848ec3,table=22,priority=0 actions=drop\n";

class DaemonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/nvs-daemon-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }

  void TearDown() override {
    kill_daemon(SIGKILL);
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // Runs a program from the build with NVS_RUNDIR set; stdout/stderr captured.
  RunResult run(const std::string& prog, const std::vector<std::string>& args,
                const std::string& input = "") {
    fs::path in = dir_ / "stdin", out = dir_ / "stdout", err = dir_ / "stderr";
    std::ofstream(in, std::ios::binary) << input;
    pid_t pid = ::fork();
    if (pid == 0) {
      ::setenv("NVS_RUNDIR", dir_.c_str(), 1);
      int fds[3] = {::open(in.c_str(), O_RDONLY),
                    ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644),
                    ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644)};
      for (int i = 0; i < 3; ++i) ::dup2(fds[i], i);
      std::string path = std::string(NT_TOOLS_DIR) + "/" + prog;
      std::vector<char*> argv{path.data()};
      std::vector<std::string> copy = args;
      for (std::string& a : copy) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(path.c_str(), argv.data());
      std::_Exit(127);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(out), slurp(err)};
  }

  // run() for a process with other threads: everything is prepared before fork(), so the child
  // only calls async-signal-safe functions (open, dup2, execve) and cannot deadlock on a lock
  // another thread held at the fork.
  RunResult run_threaded(const std::string& prog, const std::vector<std::string>& args,
                         const std::string& input) {
    fs::path in = dir_ / "stdin-t", out = dir_ / "stdout-t", err = dir_ / "stderr-t";
    std::ofstream(in, std::ios::binary) << input;
    std::string path = std::string(NT_TOOLS_DIR) + "/" + prog;
    std::vector<std::string> args_copy = args, env = {"NVS_RUNDIR=" + dir_.string()};
    for (char** e = environ; *e; ++e) {
      if (std::string_view(*e).rfind("NVS_RUNDIR=", 0) != 0) env.emplace_back(*e);
    }
    std::vector<char*> argv{path.data()}, envp;
    for (std::string& a : args_copy) argv.push_back(a.data());
    for (std::string& e : env) envp.push_back(e.data());
    argv.push_back(nullptr);
    envp.push_back(nullptr);
    pid_t pid = ::fork();
    if (pid == 0) {
      int fds[3] = {::open(in.c_str(), O_RDONLY),
                    ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644),
                    ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644)};
      for (int i = 0; i < 3; ++i) ::dup2(fds[i], i);
      ::execve(path.c_str(), argv.data(), envp.data());
      ::_exit(127);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(out), slurp(err)};
  }

  // Runs a command that must succeed; returns its stdout.
  std::string ok(const std::string& prog, const std::vector<std::string>& args,
                 const std::string& input = "") {
    RunResult r = run(prog, args, input);
    EXPECT_EQ(r.status, 0) << prog << " " << (args.empty() ? "" : args[0]) << ": " << r.err;
    return r.out;
  }

  void start_daemon() {
    RunResult r = run("neutrino-vswitchd", {"--detach", "--pidfile", "--log-file", "--enable-dummy",
                                            "--rundir=" + dir_.string()});
    ASSERT_EQ(r.status, 0) << r.err;
    ASSERT_TRUE(fs::exists(pidfile()));
  }

  fs::path pidfile() const { return dir_ / "neutrino-vswitchd.pid"; }

  void kill_daemon(int sig) {
    if (!fs::exists(pidfile())) return;
    pid_t pid = std::atoi(slurp(pidfile()).c_str());
    if (pid <= 1 || ::kill(pid, sig) != 0) return;
    for (int i = 0; i < 200 && ::kill(pid, 0) == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  std::string vsctl_get(const std::string& iface, const std::string& column) {
    return ok("nvs-vsctl", {"get", "Interface", iface, column});
  }

  std::vector<std::vector<uint8_t>> pcap_frames(const std::string& name) {
    PcapReader r;
    std::vector<std::vector<uint8_t>> frames;
    if (!r.open((dir_ / name).string()).ok()) return frames;
    PcapRecord rec;
    for (auto more = r.next(rec); more.ok() && *more; more = r.next(rec))
      frames.push_back(rec.data);
    return frames;
  }

  void configure_seed_layout() {
    ok("nvs-vsctl", {"add-br", "br-int"});
    ok("nvs-vsctl", {"add-br", "br-tun", "--", "set-fail-mode", "br-tun", "secure"});
    ok("nvs-vsctl", {"add-port", "br-int", "patch-tun", "--", "set", "Interface", "patch-tun",
                     "type=patch", "options:peer=patch-int"});
    ok("nvs-vsctl", {"add-port", "br-int", "tap0d4cb13a-7a", "tag=1", "--", "set", "Interface",
                     "tap0d4cb13a-7a", "type=dummy"});
    ok("nvs-vsctl", {"add-port", "br-tun", "patch-int", "--", "set", "Interface", "patch-int",
                     "type=patch", "options:peer=patch-tun"});
    ok("nvs-vsctl",
       {"add-port", "br-tun", "vxlan-a642100b", "--", "set", "Interface", "vxlan-a642100b",
        "type=dummy", "options:tx_pcap=" + (dir_ / "tun.pcap").string()});
  }

  // A broadcast from the instance port crosses br-int and br-tun and leaves the tunnel port
  // without its VLAN tag.
  void expect_broadcast_reaches_tunnel() {
    size_t before = pcap_frames("tun.pcap").size();
    ok("nvs-appctl", {"netdev-dummy/receive", "tap0d4cb13a-7a", kBroadcast});
    auto frames = pcap_frames("tun.pcap");
    ASSERT_EQ(frames.size(), before + 1);
    EXPECT_EQ(hex_bytes(frames.back().data(), frames.back().size()), kBroadcast);
  }

  fs::path dir_;
};

TEST_F(DaemonTest, ToolsWithoutDaemonFailLikeOvs) {
  RunResult r = run("nvs-vsctl", {"show"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "nvs-vsctl: unix:" + (dir_ / "neutrino-vswitchd.ctl").string() +
                       ": database connection failed (No such file or directory)\n");
  r = run("nvs-appctl", {"version"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("cannot connect to"), std::string::npos);
  // parse-flow needs no daemon.
  r = run("nvs-ofctl", {"parse-flow", "in_port=1,actions=drop"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out,
            "usable protocols: any\nchosen protocol: OpenFlow10-table_id\n"
            "OFPT_FLOW_MOD (xid=0x1): ADD in_port=1 actions=drop\n");
}

TEST_F(DaemonTest, SeedLayoutSurvivesKillNine) {
  start_daemon();
  configure_seed_layout();
  ok("nvs-ofctl", {"add-flows", "br-tun", "-"}, kBrTunFlows);

  // Port numbers as Open vSwitch assigns them, the standalone bridge's NORMAL flow.
  EXPECT_EQ(vsctl_get("patch-int", "ofport"), "1\n");
  EXPECT_EQ(vsctl_get("vxlan-a642100b", "ofport"), "2\n");
  EXPECT_EQ(vsctl_get("br-tun", "ofport"), "65534\n");
  EXPECT_EQ(ok("nvs-ofctl", {"--no-stats", "dump-flows", "br-int"}),
            " priority=0 actions=NORMAL\n");
  std::string flows = ok("nvs-ofctl", {"--no-stats", "dump-flows", "br-tun"});
  EXPECT_EQ(flows.find("NXST_FLOW"), std::string::npos);  // --no-stats: no header (ovs-ofctl)
  EXPECT_NE(flows.find(" cookie=0xaaa0e760a7848ec3, table=22, dl_vlan=1 "
                       "actions=strip_vlan,set_tunnel:0x64,output:2\n"),
            std::string::npos);
  EXPECT_EQ(std::count(flows.begin(), flows.end(), '\n'), 10);

  std::string trace =
      ok("nvs-appctl", {"ofproto/trace", "br-tun",
                        "in_port=1,dl_vlan=1,dl_src=fa:16:3e:8e:3b:12,dl_dst=ff:ff:ff:ff:ff:ff"});
  EXPECT_NE(trace.find("22. dl_vlan=1, priority 32768, cookie 0xaaa0e760a7848ec3"),
            std::string::npos)
      << trace;
  EXPECT_NE(trace.find("Datapath actions: pop_vlan,"), std::string::npos) << trace;
  expect_broadcast_reaches_tunnel();

  std::string show = ok("nvs-vsctl", {"show"});
  std::string mac = vsctl_get("tap0d4cb13a-7a", "mac_in_use");
  std::string ofport = vsctl_get("tap0d4cb13a-7a", "ofport");
  kill_daemon(SIGKILL);
  ASSERT_TRUE(fs::exists(pidfile()));  // a stale pidfile does not stop a restart

  start_daemon();
  EXPECT_EQ(ok("nvs-vsctl", {"show"}), show);
  EXPECT_EQ(vsctl_get("tap0d4cb13a-7a", "mac_in_use"), mac);
  EXPECT_EQ(vsctl_get("tap0d4cb13a-7a", "ofport"), ofport);
  EXPECT_EQ(vsctl_get("vxlan-a642100b", "ofport"), "2\n");
  EXPECT_EQ(ok("nvs-ofctl", {"--no-stats", "dump-flows", "br-tun"}), flows);
  EXPECT_EQ(ok("nvs-ofctl", {"--no-stats", "dump-flows", "br-int"}),
            " priority=0 actions=NORMAL\n");
  expect_broadcast_reaches_tunnel();
}

TEST_F(DaemonTest, BadFlowFileAppliesNothing) {
  start_daemon();
  ok("nvs-vsctl", {"add-br", "br0"});
  std::string before = ok("nvs-ofctl", {"--no-stats", "dump-flows", "br0"});
  std::ofstream(dir_ / "flows.txt") << "priority=5,ip actions=drop\n"
                                    << "# a comment\n"
                                    << "priority=6,tcp,tp_dst=80 actions=frobnicate\n";
  RunResult r = run("nvs-ofctl", {"add-flows", "br0", (dir_ / "flows.txt").string()});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err.rfind("nvs-ofctl: " + (dir_ / "flows.txt").string() + ":3: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("frobnicate"), std::string::npos) << r.err;
  EXPECT_EQ(ok("nvs-ofctl", {"--no-stats", "dump-flows", "br0"}), before);

  r = run("nvs-ofctl", {"add-flow", "nosuchbr", "actions=drop"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "nvs-ofctl: nosuchbr is not a bridge or a socket\n");
  r = run("nvs-ofctl", {"add-flows", "br0", (dir_ / "missing.txt").string()});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("open failed (No such file or directory)"), std::string::npos);
}

TEST_F(DaemonTest, AppctlErrorsAndExit) {
  start_daemon();
  RunResult r = run("nvs-appctl", {"foo"});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            "\"foo\" is not a valid command (use list-commands to see a list of valid commands)\n"
            "nvs-appctl: neutrino-vswitchd: server returned an error\n");
  EXPECT_EQ(ok("nvs-appctl", {"version"}), "neutrino-vswitchd (Neutrino) 0.1.0\n");
  // A second daemon on the same run directory refuses to start.
  r = run("neutrino-vswitchd", {"--rundir=" + dir_.string()});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("already"), std::string::npos);

  pid_t pid = std::atoi(slurp(pidfile()).c_str());
  ok("nvs-appctl", {"exit"});
  for (int i = 0; i < 200 && ::kill(pid, 0) == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_NE(::kill(pid, 0), 0) << "the daemon is still running";
  EXPECT_FALSE(fs::exists(pidfile()));
  EXPECT_FALSE(fs::exists(dir_ / "neutrino-vswitchd.ctl"));
  std::string log = slurp(dir_ / "neutrino-vswitchd.log");
  EXPECT_NE(log.find("|00001|vswitchd|INFO|"), std::string::npos) << log;
}

// other_config:rx-coalesce-us (Open_vSwitch table): a value in range is taken and logged, a
// bad one is kept in the database (OVSDB does not know the key) but logged as ignored.
// A bridge with datapath_type=dummy makes no kernel device, its LOCAL port and internal ports
// included (they are dummy netdevs, as in Open vSwitch's dummy datapath), so nothing leaves
// its ports that was not injected: no IPv6 router/neighbour solicitations or MLD reports from
// a kernel interface flooding through NORMAL. ovs-ofctl show prints LOCAL up (config 0).
TEST_F(DaemonTest, DummyBridgeMakesNoKernelDeviceAndStaysSilent) {
  start_daemon();
  std::string br = "ntdmy" + std::to_string(::getpid() % 1000000);
  std::string internal = br + "i";
  ok("nvs-vsctl", {"add-br",
                   br,
                   "--",
                   "set",
                   "bridge",
                   br,
                   "datapath_type=dummy",
                   "--",
                   "add-port",
                   br,
                   "p1",
                   "--",
                   "set",
                   "Interface",
                   "p1",
                   "type=dummy",
                   "ofport_request=1",
                   "options:tx_pcap=" + (dir_ / "p1.pcap").string(),
                   "--",
                   "add-port",
                   br,
                   internal,
                   "--",
                   "set",
                   "Interface",
                   internal,
                   "type=internal"});
  EXPECT_EQ(::if_nametoindex(br.c_str()), 0u) << br << " exists in the kernel";
  EXPECT_EQ(::if_nametoindex(internal.c_str()), 0u) << internal << " exists in the kernel";
  std::this_thread::sleep_for(std::chrono::seconds(3));
  EXPECT_TRUE(fs::exists(dir_ / "p1.pcap"));
  EXPECT_TRUE(pcap_frames("p1.pcap").empty()) << pcap_frames("p1.pcap").size() << " frames";
  std::string show = ok("nvs-ofctl", {"show", br});
  size_t local = show.find(" LOCAL(" + br + "): addr:");
  ASSERT_NE(local, std::string::npos) << show;
  EXPECT_NE(show.find("     config:     0\n     state:      0\n", local), std::string::npos)
      << show;
}

TEST_F(DaemonTest, RxCoalesceFromOtherConfig) {
  start_daemon();
  ok("nvs-vsctl", {"set", "Open_vSwitch", ".", "other_config:rx-coalesce-us=0"});
  ok("nvs-vsctl", {"set", "Open_vSwitch", ".", "other_config:rx-coalesce-us=fast"});
  ok("nvs-vsctl", {"set", "Open_vSwitch", ".", "other_config:rx-coalesce-us=5000"});
  ok("nvs-vsctl", {"remove", "Open_vSwitch", ".", "other_config", "rx-coalesce-us"});
  std::string log = slurp(dir_ / "neutrino-vswitchd.log");
  size_t off = log.find("|vswitchd|INFO|rx-coalesce-us: 0");
  ASSERT_NE(off, std::string::npos) << log;
  size_t bad = log.find("|vswitchd|WARN|other_config:rx-coalesce-us=fast is not 0..1000; using 30");
  ASSERT_NE(bad, std::string::npos) << log;
  EXPECT_LT(off, bad);
  EXPECT_NE(log.find("other_config:rx-coalesce-us=5000 is not 0..1000; using 30"),
            std::string::npos)
      << log;
  EXPECT_EQ(ok("nvs-vsctl", {"get", "Open_vSwitch", ".", "other_config"}), "{}\n");
}

// A port's frames are counted once in dump-ports (the port counts them, the datapath does not
// count them again), and the ports' drops show in coverage/show by reason: output to a port
// whose device does not exist is netdev_tx_down.
TEST_F(DaemonTest, PortCountersOnceAndNetdevDropsInCoverage) {
  start_daemon();
  ok("nvs-vsctl", {"add-br", "br0", "--", "set-fail-mode", "br0", "secure"});
  for (const char* p : {"p1", "p2"}) {
    ok("nvs-vsctl", {"add-port", "br0", p, "--", "set", "Interface", p, "type=dummy"});
  }
  ok("nvs-vsctl", {"add-port", "br0", "ntmissing0"});
  ok("nvs-ofctl", {"add-flow", "br0", "in_port=1 actions=output:2,output:3"});
  for (int i = 0; i < 3; ++i) ok("nvs-appctl", {"netdev-dummy/receive", "p1", kBroadcast});
  std::string ports = ok("nvs-ofctl", {"dump-ports", "br0", "1"});
  EXPECT_NE(ports.find("port  1: rx pkts=3, bytes=126,"), std::string::npos) << ports;
  ports = ok("nvs-ofctl", {"dump-ports", "br0", "2"});
  EXPECT_NE(ports.find("tx pkts=3, bytes=126,"), std::string::npos) << ports;
  ports = ok("nvs-ofctl", {"dump-ports", "br0", "3"});
  EXPECT_NE(ports.find("tx pkts=0, bytes=0, drop=3,"), std::string::npos) << ports;
  std::string cov = ok("nvs-appctl", {"coverage/show"});
  EXPECT_NE(cov.find("Event coverage (netdev):\n"
                     "netdev_tx_down                       total: 3\n"),
            std::string::npos)
      << cov;
}

// nvs-ofctl --bundle: traffic runs while bundles swap 10,000 flows back and forth, and no
// packet is dropped, misrouted or sees half a swap. The two flow sets forward the same traffic
// through different structures: A outputs to p2 from table 0 (table 1 holds traps to p4); B
// resubmits from table 0 at another priority to table 1, which outputs to p3. A half-applied
// swap drops (A's table 0 gone, B's not there yet) or hits a trap (B's table 0 with A's table
// 1); a cache not revalidated sends some packets the old way after others went the new way. So
// each packet must leave exactly once, through p2 or p3, and in packet order the output port
// may change only once per swap.
TEST_F(DaemonTest, BundleSwapsTenThousandFlowsUnderTrafficAtomically) {
  constexpr int kKeys = 5000;  // flows per table: 10,000 per set
  start_daemon();
  ok("nvs-vsctl", {"add-br", "br0", "--", "set-fail-mode", "br0", "secure"});
  for (int i = 1; i <= 4; ++i) {
    std::string p = "p" + std::to_string(i);
    ok("nvs-vsctl", {"add-port", "br0", p, "--", "set", "Interface", p, "type=dummy",
                     "ofport_request=" + std::to_string(i),
                     "options:tx_pcap=" + (dir_ / (p + ".pcap")).string()});
  }
  std::string set_a, set_b;
  for (int k = 1; k <= kKeys; ++k) {
    std::string tp = std::to_string(k);
    set_a += "priority=100,udp,in_port=1,tp_dst=" + tp + " actions=output:2\n";
    set_a += "table=1,priority=100,udp,tp_dst=" + tp + " actions=output:4\n";
    set_b += "priority=200,udp,in_port=1,tp_dst=" + tp + " actions=resubmit(,1)\n";
    set_b += "table=1,priority=100,udp,tp_dst=" + tp + " actions=output:3\n";
  }
  ok("nvs-ofctl", {"add-flows", "br0", "-"}, set_a);

  // The traffic: one packet per request, straight to the control socket; packet n carries n in
  // its IPv4 source address and cycles through the flows' destination ports.
  std::atomic<bool> stop{false}, failed{false};
  std::atomic<int> sent{0};
  std::thread traffic([&] {
    std::string sock = control_socket_path(dir_.string());
    for (int n = 0; !stop; ++n) {
      char flow[128];
      std::snprintf(flow, sizeof flow, "in_port=1,udp,nw_src=10.%d.%d.%d,tp_dst=%d",
                    (n >> 16) & 255, (n >> 8) & 255, n & 255, n % kKeys + 1);
      auto r = control_call(sock, {"appctl", {"netdev-dummy/receive", "p1", flow}, ""});
      if (!r.ok() || r->status != 0) {
        ADD_FAILURE() << "receive failed: " << (r.ok() ? r->err : r.error().message);
        failed = true;
        return;
      }
      sent = n + 1;
    }
  });
  auto wait_for_traffic = [&](int packets) {
    int target = sent + packets;
    while (sent < target && !failed) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  };
  wait_for_traffic(20);
  for (const std::string* set : {&set_b, &set_a, &set_b}) {
    RunResult r = run_threaded("nvs-ofctl", {"--bundle", "replace-flows", "br0", "-"}, *set);
    EXPECT_EQ(r.status, 0) << r.err;
    wait_for_traffic(20);
  }
  stop = true;
  traffic.join();
  ASSERT_FALSE(failed);

  // Where each packet went, in packet order.
  std::vector<int> port_of(sent, 0);
  for (int port : {2, 3, 4}) {
    for (const auto& f : pcap_frames("p" + std::to_string(port) + ".pcap")) {
      FlowKey k;
      ASSERT_EQ(flow_extract(f.data(), f.size(), k), ParseError::kOk);
      int n = static_cast<int>(k.nw_src & 0xffffff);
      ASSERT_LT(n, sent);
      EXPECT_EQ(port_of[n], 0) << "packet " << n << " left twice";
      port_of[n] = port;
    }
  }
  int changes = 0;
  for (int n = 0; n < sent; ++n) {
    ASSERT_TRUE(port_of[n] == 2 || port_of[n] == 3)
        << "packet " << n << (port_of[n] ? " misrouted to p4" : " dropped");
    if (n > 0 && port_of[n] != port_of[n - 1]) ++changes;
  }
  EXPECT_EQ(port_of[0], 2);
  EXPECT_EQ(port_of[sent - 1], 3);
  EXPECT_EQ(changes, 3) << "three swaps, each seen at one point by the packet stream";
}

}  // namespace
}  // namespace nt
