// Test helpers for real-device netdev tests: private network namespaces.
//
// TestNetns creates a uniquely named namespace ("nt-test-<pid>-<n>") with `ip netns add` and
// deletes it when it goes out of scope, whatever the test did (devices inside go with it).
// NetnsScope moves the calling thread into a namespace and back when it ends, so a test body
// runs with ordinary GoogleTest assertions while every socket, tap and veth it makes lives in
// the namespace; the host's interfaces and routes are never touched. Commands run with
// `ip netns exec`, naming the namespace explicitly.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sched.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>

namespace nt::testing {

// Why real-device tests cannot run here, or "" if they can.
inline std::string netns_unavailable() {
  if (::geteuid() != 0) return "needs root";
  if (std::system("ip -V > /dev/null 2>&1") != 0) return "needs the ip command (iproute2)";
  return "";
}

#define NT_REQUIRE_NETNS()                                              \
  do {                                                                  \
    std::string nt_why = ::nt::testing::netns_unavailable();            \
    if (!nt_why.empty()) GTEST_SKIP() << "real-device test " << nt_why; \
  } while (0)

// Runs a shell command; returns its exit status and, if `out` is given, its stdout.
inline int run_cmd(const std::string& cmd, std::string* out = nullptr) {
  std::FILE* f = ::popen((cmd + " 2>&1").c_str(), "r");
  if (!f) return -1;
  char buf[512];
  std::string text;
  while (std::fgets(buf, sizeof buf, f)) text += buf;
  int st = ::pclose(f);
  if (out) *out = text;
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

class TestNetns {
 public:
  TestNetns() {
    static std::atomic<int> counter{0};
    name_ = "nt-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
    std::string out;
    ok_ = run_cmd("ip netns add " + name_, &out) == 0;
    if (!ok_) error_ = "ip netns add " + name_ + ": " + out;
    if (ok_) ok_ = sh("ip link set lo up") == 0;
  }
  ~TestNetns() {
    if (ok_) run_cmd("ip netns del " + name_);
  }
  TestNetns(const TestNetns&) = delete;
  TestNetns& operator=(const TestNetns&) = delete;

  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }
  const std::string& name() const { return name_; }
  std::string path() const { return "/var/run/netns/" + name_; }
  // Runs `cmd` (a shell command line) inside the namespace.
  int sh(const std::string& cmd, std::string* out = nullptr) const {
    return run_cmd("ip netns exec " + name_ + " sh -c '" + cmd + "'", out);
  }

 private:
  std::string name_, error_;
  bool ok_ = false;
};

// Moves this thread into `ns` for the scope's lifetime.
class NetnsScope {
 public:
  explicit NetnsScope(const TestNetns& ns) {
    home_ = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    int fd = ::open(ns.path().c_str(), O_RDONLY | O_CLOEXEC);
    ok_ = home_ >= 0 && fd >= 0 && ::setns(fd, CLONE_NEWNET) == 0;
    if (fd >= 0) ::close(fd);
  }
  ~NetnsScope() {
    // Never leave a test thread in a namespace that is about to vanish.
    if (home_ >= 0 && ::setns(home_, CLONE_NEWNET) != 0) std::abort();
    if (home_ >= 0) ::close(home_);
  }
  NetnsScope(const NetnsScope&) = delete;
  NetnsScope& operator=(const NetnsScope&) = delete;
  bool ok() const { return ok_; }

 private:
  int home_ = -1;
  bool ok_ = false;
};

// Polls `fd` for input up to `ms` milliseconds.
inline bool wait_readable(int fd, int ms) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, ms) == 1 && (p.revents & POLLIN);
}

// Calls `step` until it returns true or `ms` milliseconds pass.
inline bool wait_until(int ms, const std::function<bool()>& step) {
  auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (std::chrono::steady_clock::now() < end) {
    if (step()) return true;
  }
  return false;
}

}  // namespace nt::testing
