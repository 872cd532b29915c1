// A real ControlServer (vswitchd/control_server.h) on a Unix socket, driven by its own epoll loop
// in a thread, answering nvs-ofctl dump-flows with streamed replies from a node's commands: a
// client that reads slowly gets every byte of the reply (exactly encode_reply() of the whole
// reply), a client that never reads holds only a few slices and is still cut off by the idle
// timeout, and the counters say so.
#include <gtest/gtest.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "node/commands.h"
#include "vswitchd/control.h"
#include "vswitchd/control_server.h"

namespace nt {
namespace {

namespace fs = std::filesystem;
using Steady = std::chrono::steady_clock;

constexpr uint64_t kListenTag = uint64_t{1} << 32;
constexpr uint64_t kClientTag = uint64_t{2} << 32;

uint64_t steady_ms() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(Steady::now().time_since_epoch())
          .count());
}

class ControlStreamTest : public ::testing::Test {
 protected:
  ControlStreamTest() : sw_(clock_), host_(sw_) {}

  void SetUp() override {
    char tmpl[] = "/tmp/nvs-control-stream-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    ASSERT_TRUE(sw_.add_bridge("br0").ok());
  }

  void TearDown() override {
    stop();
    for (int fd : fds_) ::close(fd);
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  void add_flows(int n) {
    std::string file;
    for (int i = 1; i <= n; ++i) {
      file += "priority=" + std::to_string(i) + ",ip,nw_dst=10." + std::to_string(i / 65536) + "." +
              std::to_string(i / 256 % 256) + "." + std::to_string(i % 256) + " actions=output:1\n";
    }
    ASSERT_EQ(ofctl_execute(host_, {"add-flows", "br0", "-"}, file).status, 0);
  }

  // Starts the server and its loop (the switch belongs to the loop's thread until stop()).
  void start(ControlLimits limits) {
    epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
    server_ = std::make_unique<ControlServer>(
        limits,
        [this](const ControlRequest& req) {
          return ofctl_execute(host_, req.argv, req.stdin_data, /*allow_stream=*/true);
        },
        steady_ms);
    ASSERT_TRUE(server_->start(socket_path(), epoll_fd_, kListenTag, kClientTag).ok());
    loop_ = std::thread([this] { run_loop(); });
  }

  void run_loop() {
    uint64_t next_tick = steady_ms() + 50;
    while (!stopping_) {
      epoll_event events[16];
      int n = ::epoll_wait(epoll_fd_, events, 16, 10);
      for (int i = 0; i < n; ++i) {
        uint64_t tag = events[i].data.u64;
        if (tag == kListenTag) server_->on_listen();
        if ((tag >> 32) == (kClientTag >> 32)) {
          server_->on_client(static_cast<int>(tag & 0xffffffff), events[i].events);
        }
      }
      if (steady_ms() >= next_tick) {
        server_->tick();
        next_tick = steady_ms() + 50;
      }
    }
  }

  void stop() {
    if (!loop_.joinable()) return;
    stopping_ = true;
    loop_.join();
    server_->stop();
    ::close(epoll_fd_);
  }

  std::string socket_path() const { return (dir_ / "test.ctl").string(); }

  int connect_and_send(const std::vector<std::string>& argv) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::string path = socket_path();
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    int small = 4096;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    std::string req = encode_request({"ofctl", argv, ""});
    EXPECT_EQ(::send(fd, req.data(), req.size(), MSG_NOSIGNAL), static_cast<ssize_t>(req.size()));
    fds_.push_back(fd);
    return fd;
  }

  // Reads until the server closes, `chunk` bytes at a time with a pause after each.
  static std::string read_slowly(int fd, size_t chunk, std::chrono::microseconds pause) {
    std::string got;
    std::vector<char> buf(chunk);
    auto deadline = Steady::now() + std::chrono::seconds(60);
    while (Steady::now() < deadline) {
      ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
      if (n <= 0) break;
      got.append(buf.data(), static_cast<size_t>(n));
      std::this_thread::sleep_for(pause);
    }
    return got;
  }

  ManualClock clock_;  // the dump's durations do not move while it is streamed
  Switch sw_;
  CommandHost host_;
  fs::path dir_;
  int epoll_fd_ = -1;
  std::unique_ptr<ControlServer> server_;
  std::thread loop_;
  std::atomic<bool> stopping_{false};
  std::vector<int> fds_;
};

TEST_F(ControlStreamTest, SlowReaderGetsTheWholeDumpByteForByte) {
  add_flows(10000);
  clock_.advance_ms(1234);
  std::string whole =
      encode_reply(drain_reply(ofctl_execute(host_, {"dump-flows", "br0"}, "", false)));
  ASSERT_GT(whole.size(), size_t{1} << 20);
  start(ControlLimits{});
  int fd = connect_and_send({"dump-flows", "br0"});
  std::string got = read_slowly(fd, 16384, std::chrono::microseconds(500));
  stop();
  EXPECT_EQ(got.size(), whole.size());
  EXPECT_TRUE(got == whole) << "the streamed bytes differ from the whole reply";
  auto reply = decode_reply(got);
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->status, 0);
  EXPECT_EQ(server_->counter(ControlCounter::kReplyStreamed), 1u);
  uint64_t slices = server_->counter(ControlCounter::kStreamSlices);
  EXPECT_GE(slices, whole.size() / (64 * 1024) - 2);
  EXPECT_LE(slices, whole.size() / (64 * 1024) + 2);
  EXPECT_EQ(server_->counter(ControlCounter::kIdleTimeout), 0u);
}

TEST_F(ControlStreamTest, ErrorsAndSmallRepliesAreNotStreamed) {
  start(ControlLimits{});
  int bad = connect_and_send({"dump-flows", "nobridge"});
  std::string got = read_slowly(bad, 4096, std::chrono::microseconds(0));
  auto reply = decode_reply(got);
  ASSERT_TRUE(reply.ok()) << got;
  EXPECT_EQ(reply->status, 1);
  int empty = connect_and_send({"--no-stats", "dump-flows", "br0"});
  reply = decode_reply(read_slowly(empty, 4096, std::chrono::microseconds(0)));
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->out, " priority=0 actions=NORMAL\n");
  stop();
  EXPECT_EQ(server_->counter(ControlCounter::kReplyStreamed), 1u);  // the empty-ish dump
}

// A client that never reads: the server produces a few slices (what the socket and the
// low-water mark take), not the 250 of the whole reply, until the idle timeout closes the
// connection.
TEST_F(ControlStreamTest, StuckStreamHoldsAFewSlicesUntilTheIdleTimeout) {
  add_flows(8000);
  ControlLimits limits;
  limits.stream_slice = 4096;
  limits.stream_low_water = 16384;
  limits.idle_timeout_ms = 600;
  size_t whole = drain_reply(ofctl_execute(host_, {"dump-flows", "br0"}, "", false)).out.size();
  start(limits);
  int fd = connect_and_send({"dump-flows", "br0"});
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  stop();
  uint64_t slices = server_->counter(ControlCounter::kStreamSlices);
  EXPECT_GT(slices, 0u);
  EXPECT_LT(slices * limits.stream_slice, whole / 2) << slices << " slices of " << whole;
  EXPECT_EQ(server_->counter(ControlCounter::kIdleTimeout), 1u);
  EXPECT_EQ(server_->clients(), 0u);
  // What reached the client is the beginning of the reply, then the end of the stream.
  std::string got = read_slowly(fd, 65536, std::chrono::microseconds(0));
  EXPECT_EQ(got.rfind("{\"err\":\"\",\"out\":\"NXST_FLOW reply (xid=0x4):\\n", 0), 0u)
      << got.substr(0, 100);
  EXPECT_LT(got.size(), whole);
}

}  // namespace
}  // namespace nt
