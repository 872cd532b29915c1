// The real lab's plumbing that needs no root: running programs (output, exit codes, stdin,
// timeouts, quoting) and the lab state file that `lab exec` / `lab down` read back.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "common/process.h"
#include "lab/emulated_lab.h"
#include "lab/lab_state.h"
#include "lab/real_lab.h"

namespace nt::lab {
namespace {

TEST(Process, CapturesStdoutAndStderrAndExitCode) {
  auto r = run_process({"sh", "-c", "echo out; echo err >&2; exit 3"});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_NE(r->output.find("out\n"), std::string::npos);
  EXPECT_NE(r->output.find("err\n"), std::string::npos);
}

TEST(Process, FeedsStdin) {
  std::string big(200000, 'x');  // larger than a pipe buffer: must not deadlock
  auto r = run_process({"wc", "-c"}, big);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::stoul(r->output), big.size());
}

TEST(Process, MissingProgramExits127WithItsName) {
  auto r = run_process({"no-such-program-nt"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exit_code, 127);
  EXPECT_NE(r->output.find("no-such-program-nt"), std::string::npos);
}

TEST(Process, TimeoutIsAnErrorAndKillsTheChild) {
  auto r = run_process({"sleep", "30"}, "", 1);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("did not finish within 1 s"), std::string::npos);
}

TEST(Process, RunCheckedSaysWhatFailed) {
  auto r = run_checked({"sh", "-c", "echo 'Cannot find device \"eth9\"'; exit 1"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message,
            "`sh -c 'echo '\\''Cannot find device \"eth9\"'\\''; exit 1'` failed (exit 1): "
            "Cannot find device \"eth9\"");
  EXPECT_EQ(*run_checked({"echo", "fine"}), "fine\n");
}

TEST(Process, BackgroundProgramIsStoppedBySignal) {
  std::string log = "/tmp/nt-lab-test-" + std::to_string(::getpid()) + ".log";
  auto pid = spawn_background({"sh", "-c", "echo started; exec sleep 30"}, log);
  ASSERT_TRUE(pid.ok());
  for (int i = 0; i < 100 && std::filesystem::file_size(log) == 0; ++i) ::usleep(10000);
  stop_process(*pid, SIGTERM, 1000);
  EXPECT_NE(::kill(*pid, 0), 0);  // gone (and reaped)
  std::filesystem::remove(log);
}

TEST(Process, CommandLineQuotesOnlyWhatNeedsIt) {
  EXPECT_EQ(command_line({"nvs-ofctl", "add-flow", "br-int", "priority=0 actions=NORMAL"}),
            "nvs-ofctl add-flow br-int 'priority=0 actions=NORMAL'");
  EXPECT_EQ(command_line({"set", "Interface", "p", "mac=\"fa:16:3e:00:00:01\""}),
            "set Interface p 'mac=\"fa:16:3e:00:00:01\"'");
}

class LabStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = "/tmp/nt-labstate-" + std::to_string(::getpid());
    ::setenv("NT_LAB_DIR", dir_.c_str(), 1);
  }
  void TearDown() override {
    std::filesystem::remove_all(dir_);
    ::unsetenv("NT_LAB_DIR");
  }
  std::string dir_;
};

TEST_F(LabStateTest, RoundTrips) {
  LabState s;
  s.name = "seed";
  s.prefix = "nl42";
  s.tools_dir = "/opt/nt";
  s.namespaces = {"nl42-underlay", "nl42-n-ctl"};
  s.rundirs = {"/tmp/nl42-ctl.abc"};
  s.pids = {1234};
  s.pidfiles = {"/tmp/nl42-cloud.abc/neutrino-server.pid",
                "/tmp/nl42-cloud.abc/neutrino-agent-ctl.pid"};
  s.files = {"/tmp/nl42-cap0.pcap"};
  s.targets["cirros-vm1"] = {"instance", "nl42-i-cirros-vm1", "", "eth0"};
  s.targets["ctl"] = {"node", "nl42-n-ctl", "/tmp/nl42-ctl.abc", ""};
  ASSERT_TRUE(save_lab_state(s).ok());
  EXPECT_EQ(list_labs(), std::vector<std::string>{"seed"});
  auto back = load_lab_state("seed");
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->prefix, "nl42");
  EXPECT_EQ(back->namespaces, s.namespaces);
  EXPECT_EQ(back->pids, s.pids);
  EXPECT_EQ(back->pidfiles, s.pidfiles);
  EXPECT_EQ(back->targets.at("ctl").rundir, "/tmp/nl42-ctl.abc");
  EXPECT_EQ(back->targets.at("cirros-vm1").ifname, "eth0");
}

TEST_F(LabStateTest, MissingAndCorruptStateAreClearErrors) {
  auto none = load_lab_state("nope");
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message.find("no lab named 'nope' is up"), std::string::npos);
  std::filesystem::create_directories(dir_);
  FILE* f = std::fopen((dir_ + "/bad.json").c_str(), "w");
  std::fputs("{\"name\": 3", f);
  std::fclose(f);
  auto bad = load_lab_state("bad");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("not a lab state file"), std::string::npos);
}

TEST(RealLab, CommandsNeedANodeAndKnownNames) {
  RealLab lab({"/nonexistent", "t", false});  // nothing is created until a command asks
  EXPECT_FALSE(lab.execute("add-br br-int", {}).ok());
  auto r = lab.execute("ping vm1 10.0.0.1", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "no instance named vm1");
  auto adv = lab.execute("advance 300", {});
  ASSERT_FALSE(adv.ok());
  EXPECT_NE(adv.error().message.find("wall clock"), std::string::npos);
  EXPECT_FALSE(lab.execute("frobnicate", {}).ok());
  EXPECT_TRUE(lab.state().namespaces.empty());
}

// The cloud lines are checked as the emulated lab checks them, before anything is started.
TEST(RealLab, CloudLinesNeedAServerFirstAndAreChecked) {
  RealLab lab({"/nonexistent", "t", false});
  for (const char* line :
       {"agent", "openstack network list", "instance vm1 node=n1 network=net1"}) {
    auto r = lab.execute(line, {});
    ASSERT_FALSE(r.ok()) << line;
    EXPECT_NE(r.error().message.find("the lab has no server (a `server` block comes first)"),
              std::string::npos)
        << line << ": " << r.error().message;
  }
  auto usage = lab.execute("server extra", {});
  ASSERT_FALSE(usage.ok());
  EXPECT_NE(usage.error().message.find("usage: server"), std::string::npos);
  auto bad = lab.execute("server", {"[ml2]", "tenant_network_types = token-ring"});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("unknown network type 'token-ring'"), std::string::npos)
      << bad.error().message;
  auto opt = lab.execute("instance vm1 node=n1 network=net1 flavor=m1.tiny", {});
  ASSERT_FALSE(opt.ok());
  EXPECT_NE(opt.error().message.find("unknown option 'flavor'"), std::string::npos);
  EXPECT_TRUE(lab.state().namespaces.empty());
  EXPECT_TRUE(lab.state().pidfiles.empty());
}

}  // namespace
}  // namespace nt::lab

namespace nt::lab {
namespace {

LabTopology seed_topology() {
  LabTopology t;
  t.nodes.push_back({"devstack-controller", {}, {}});
  t.instances.push_back({"cirros-vm1", "devstack-controller", "br-int", "qvo1", "", ""});
  return t;
}

TEST(TranslateExec, InstanceProgramsBecomeLabCommands) {
  auto t = seed_topology();
  auto ping = translate_exec(t, "cirros-vm1", {"ping", "-c", "3", "172.16.100.4"});
  ASSERT_TRUE(ping.ok()) << ping.error().message;
  EXPECT_EQ(*ping, std::vector<std::string>{"ping cirros-vm1 172.16.100.4 -c 3"});
  EXPECT_EQ(*translate_exec(t, "cirros-vm1", {"ip", "route"}),
            std::vector<std::string>{"ip cirros-vm1 route"});
  EXPECT_EQ(*translate_exec(t, "cirros-vm1", {"arp", "-n"}),
            std::vector<std::string>{"arp cirros-vm1"});
  auto bad = translate_exec(t, "cirros-vm1", {"curl", "x"});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("not 'curl'"), std::string::npos);
  EXPECT_FALSE(translate_exec(t, "cirros-vm1", {"ping", "-c", "3"}).ok());
}

TEST(TranslateExec, BusyboxNcBecomesTheTcpLines) {
  auto t = seed_topology();
  EXPECT_EQ(*translate_exec(t, "cirros-vm1", {"nc", "-ll", "-p", "22", "-e", "cat"}),
            std::vector<std::string>{"listen cirros-vm1 22"});
  EXPECT_EQ(*translate_exec(t, "cirros-vm1", {"nc", "-w", "2", "172.16.100.4", "22"}),
            std::vector<std::string>{"connect cirros-vm1 172.16.100.4 22 -W 2"});
  EXPECT_EQ(*translate_exec(t, "cirros-vm1", {"nc", "172.16.100.4", "80"}),
            std::vector<std::string>{"connect cirros-vm1 172.16.100.4 80"});
  EXPECT_FALSE(translate_exec(t, "cirros-vm1", {"nc", "-l"}).ok());
  EXPECT_FALSE(translate_exec(t, "cirros-vm1", {"nc", "172.16.100.4"}).ok());
}

TEST(TranslateExec, NodeToolsBecomeLabCommandsOnThatNode) {
  auto t = seed_topology();
  EXPECT_EQ(
      *translate_exec(t, "devstack-controller", {"nvs-ofctl", "dump-flows", "br-tun", "table=20"}),
      (std::vector<std::string>{"node devstack-controller", "dump-flows br-tun table=20"}));
  EXPECT_EQ(*translate_exec(t, "devstack-controller",
                            {"nvs-appctl", "ofproto/trace", "br-int", "in_port=1"}),
            (std::vector<std::string>{"node devstack-controller", "trace br-int in_port=1"}));
  EXPECT_EQ(*translate_exec(t, "devstack-controller", {"nvs-appctl", "fdb/show", "br-int"}),
            (std::vector<std::string>{"node devstack-controller", "fdb br-int"}));
  EXPECT_EQ(*translate_exec(t, "devstack-controller", {"nvs-vsctl", "get", "Port", "p", "tag"}),
            (std::vector<std::string>{"node devstack-controller", "vsctl get Port p tag"}));
  EXPECT_FALSE(translate_exec(t, "devstack-controller", {"nvs-ofctl", "snoop", "br-int"}).ok());
  auto none = translate_exec(t, "compute09", {"nvs-ofctl", "dump-flows", "br-int"});
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message.find("no node or instance named 'compute09'"), std::string::npos);
}

}  // namespace
}  // namespace nt::lab
