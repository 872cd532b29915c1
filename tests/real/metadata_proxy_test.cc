// The metadata path of a real router (agent/metadata_proxy.h, metadata_http.h): haproxy with
// Neutron's configuration in a scratch namespace, the metadata agent's UNIX socket served by
// UnixHttpServer, and busybox wget in the namespace asking port 9697: the request must arrive
// with X-Neutron-Router-ID set, X-Neutron-Network-ID dropped and X-Forwarded-For the client,
// and the answer must come back. Then stop() ends haproxy. An isolated network's proxy (the DHCP
// namespace's) listens on 169.254.169.254:80 and sets X-Neutron-Network-ID instead. Needs root, ip,
// haproxy and busybox (else skipped). The namespace carries the test's pid and is deleted at the
// end, pass or fail.
#include "agent/metadata_proxy.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>

#include "agent/metadata_http.h"
#include "common/process.h"

namespace nt::agent {
namespace {

bool usable() {
  if (::geteuid() != 0) return false;
  for (const char* tool : {"ip", "haproxy", "busybox"}) {
    auto r = run_process({"sh", "-c", std::string("command -v ") + tool});
    if (!r || r->exit_code != 0) return false;
  }
  return true;
}

class MetadataProxyTest : public ::testing::Test {
 protected:
  // busybox wget in the namespace, retried while haproxy binds (right after it forks).
  Result<ProcessResult> wget(const std::string& header, const std::string& url) {
    Result<ProcessResult> got = make_error("not run");
    for (int i = 0; i < 50; ++i) {
      got = run_process(
          {"ip", "netns", "exec", ns_, "busybox", "wget", "-qO-", "--header", header, url});
      if (got && got->exit_code == 0) break;
      ::usleep(100000);
    }
    return got;
  }
  void SetUp() override {
    if (!usable()) GTEST_SKIP() << "needs root, ip, haproxy, busybox";
    std::string tag = std::to_string(::getpid());
    ns_ = "ntmd-" + tag;
    router_ = "ntmd-router-" + tag;
    dir_ = ::testing::TempDir() + "/ntmd-" + tag;
    std::filesystem::create_directories(dir_);
    ASSERT_EQ(run_process({"ip", "netns", "add", ns_})->exit_code, 0);
    created_ = true;
    ASSERT_EQ(run_process({"ip", "-n", ns_, "link", "set", "lo", "up"})->exit_code, 0);
  }
  void TearDown() override {
    if (created_) (void)run_process({"ip", "netns", "delete", ns_});
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }
  // The metadata agent's socket, answering `body` and keeping the request in seen_.
  std::string serve(const std::string& body) {
    agent_ = std::make_unique<UnixHttpServer>([this, body](const MetadataRequest& r) {
      seen_ = r;
      return MetadataResponse{200, "text/plain", body};
    });
    std::string socket = dir_ + "/metadata_proxy";
    EXPECT_TRUE(agent_->start(socket));
    return socket;
  }
  // Stops the proxy of `id`: its haproxy must be gone.
  void expect_stopped(HaproxyMetadataProxy& proxy, const std::string& id) {
    int pid = proxy.running_pid(id);
    EXPECT_NE(pid, 0);
    proxy.stop(id);
    EXPECT_EQ(proxy.running_pid(id), 0);
    EXPECT_NE(::kill(pid, 0), 0);
  }
  std::string ns_, router_, dir_;
  bool created_ = false;
  std::unique_ptr<UnixHttpServer> agent_;
  MetadataRequest seen_;
};

TEST_F(MetadataProxyTest, HaproxyAddsTheRouterAndTheClient) {
  HaproxyMetadataProxy proxy(serve("i-00000001"));
  auto s = proxy.start(ns_, router_metadata_proxy(router_, 9697));
  ASSERT_TRUE(s) << s.error().message;
  int pid = proxy.running_pid(router_);
  EXPECT_NE(pid, 0);
  EXPECT_TRUE(
      proxy.start(ns_, router_metadata_proxy(router_, 9697)));  // the same configuration: kept
  EXPECT_EQ(proxy.running_pid(router_), pid);
  auto got =
      wget("X-Neutron-Network-ID: forged", "http://127.0.0.1:9697/latest/meta-data/instance-id");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->exit_code, 0) << got->output;
  EXPECT_EQ(got->output, "i-00000001");
  EXPECT_EQ(seen_.path, "/latest/meta-data/instance-id");
  EXPECT_EQ(seen_.header("x-neutron-router-id"), router_);
  EXPECT_EQ(seen_.header("x-neutron-network-id"), "");
  EXPECT_EQ(seen_.header("x-forwarded-for"), "127.0.0.1");
  expect_stopped(proxy, router_);
}

TEST_F(MetadataProxyTest, IsolatedNetworksHaproxyAddsTheNetwork) {
  HaproxyMetadataProxy proxy(serve("i-00000002"));
  // The DHCP port's metadata address (on lo here: the namespace has no other device).
  ASSERT_EQ(
      run_process({"ip", "-n", ns_, "addr", "add", "169.254.169.254/32", "dev", "lo"})->exit_code,
      0);
  std::string network = "ntmd-net-" + std::to_string(::getpid());
  auto s = proxy.start(ns_, network_metadata_proxy(network));
  ASSERT_TRUE(s) << s.error().message;
  auto got = wget("X-Neutron-Router-ID: forged", "http://169.254.169.254/latest/meta-data/");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->exit_code, 0) << got->output;
  EXPECT_EQ(got->output, "i-00000002");
  EXPECT_EQ(seen_.header("x-neutron-network-id"), network);
  EXPECT_EQ(seen_.header("x-neutron-router-id"), "");
  EXPECT_EQ(seen_.header("x-forwarded-for"), "169.254.169.254");
  expect_stopped(proxy, network);
}

}  // namespace
}  // namespace nt::agent
