// Ping: busybox `ping` (as on a cirros image) on an emulated host.
//
// Sends `count` ICMP echo requests `interval` apart, prints each reply as busybox does
// ("64 bytes from 172.16.1.3: seq=0 ttl=64 time=0.584 ms") and the statistics block at the
// end, and keeps the same facts as data (PingResult) for tests and lab expectations. Times
// come from the scheduler's virtual clock, so output is deterministic. Like busybox, the
// send time rides in the first 4 data bytes (no per-sequence table), the program ends as
// soon as all replies are in, and after the last request waits `timeout` if nothing came
// back, else about two of the slowest round trips (at least 1 s). ICMP errors are counted
// (busybox prints nothing for them). One Timer and one preallocated packet per Ping.
// A Ping (like a Traceroute or a DhcpClient) must not outlive its Host.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "netstack/host.h"

namespace nt {

struct PingOptions {
  uint32_t count = 3;               // -c (0: until stopped)
  TimeUs interval = 1 * kUsPerSec;  // -i
  TimeUs timeout = 10 * kUsPerSec;  // -W: wait after the last request with no reply
  size_t size = 56;                 // -s: data bytes
  uint8_t ttl = 0;                  // -t (0: the host's default)
  uint32_t source = 0;              // -I address
};

struct PingReply {
  uint16_t seq = 0;
  uint32_t from = 0;
  uint8_t ttl = 0;
  size_t bytes = 0;
  TimeUs rtt = -1;  // -1 when the data was too short to carry a timestamp
  bool dup = false;
};

struct PingResult {
  uint32_t transmitted = 0;
  uint32_t received = 0;  // distinct sequence numbers answered
  uint32_t duplicates = 0;
  std::vector<PingReply> replies;
  std::vector<IcmpError> errors;
  TimeUs rtt_min = 0;
  TimeUs rtt_avg = 0;
  TimeUs rtt_max = 0;
  uint32_t loss_percent = 0;
  std::string send_error;  // set when sendto failed (ping then stops, as busybox exits)
};

class Ping final : public IcmpEchoListener {
 public:
  Ping(Host& host, uint32_t dst, PingOptions opts = {});
  ~Ping() override;
  Ping(const Ping&) = delete;
  Ping& operator=(const Ping&) = delete;

  void start();
  void stop();  // as Ctrl-C: print statistics now
  bool done() const { return done_; }
  const PingResult& result() const { return result_; }
  const std::string& output() const { return out_; }
  // Called once when finished (must not destroy the Ping).
  void on_done(std::function<void()> fn) { on_done_ = std::move(fn); }

  void on_echo_reply(const IcmpEchoReply& reply) override;
  void on_icmp_error(const IcmpError& error) override;

 private:
  void send_one();
  void on_timer();
  void finish();
  bool seen(uint16_t seq) const;

  Host& host_;
  uint32_t dst_;
  PingOptions opts_;
  uint16_t id_ = 0;
  Timer timer_;
  std::vector<uint8_t> packet_;  // ICMP header + data, built once, reused per request
  // Answered sequence numbers modulo kDupWindow (busybox keeps the same 1024-bit table).
  static constexpr uint16_t kDupWindow = 1024;
  std::array<uint64_t, kDupWindow / 64> seen_{};
  TimeUs rtt_sum_ = 0;
  uint32_t timed_ = 0;
  bool started_ = false;
  bool done_ = false;
  PingResult result_;
  std::string out_;
  std::function<void()> on_done_;
};

// "0.584" from 584 us (busybox's %u.%03u).
std::string format_ms(TimeUs us);

}  // namespace nt
