// Traceroute: busybox `traceroute` (UDP probes) on an emulated host.
//
// For TTL = first_ttl .. max_hops it sends `probes` UDP datagrams to ports 33434, 33435, ...
// (one port per probe, so every answer names its probe), waits up to `wait` for each, and
// reads the ICMP error that comes back through its socket: time exceeded from a router on
// the way, port unreachable from the destination (the end), other unreachables as !H, !N,
// !P, !F. Output is busybox's:
//   traceroute to 10.10.10.1 (10.10.10.1), 30 hops max, 46 byte packets
//    1  172.16.101.1 (172.16.101.1)  0.735 ms  0.263 ms  0.216 ms
//    2  *  *  *
// with round trips from the virtual clock, and the same facts as data (TracerouteResult).
// Probes go one at a time, as busybox sends them; one Timer and one socket per run.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "netstack/host.h"

namespace nt {

struct TracerouteOptions {
  int first_ttl = 1;            // -f
  int max_hops = 30;            // -m
  int probes = 3;               // -q
  TimeUs wait = 5 * kUsPerSec;  // -w
  uint16_t port = 33434;        // -p: base destination port
  size_t packet_len = 46;       // total IP length of a probe (busybox's default)
  bool numeric = false;         // -n: "  10.0.0.1" instead of "  10.0.0.1 (10.0.0.1)"
  uint32_t source = 0;          // -s
};

struct TracerouteProbe {
  uint32_t from = 0;  // 0: no answer (*)
  TimeUs rtt = -1;
  uint8_t icmp_type = 0;
  uint8_t icmp_code = 0;
};

struct TracerouteHop {
  int ttl = 0;
  std::vector<TracerouteProbe> probes;
  // The first address that answered at this hop, 0 if none did.
  uint32_t address() const;
};

struct TracerouteResult {
  std::vector<TracerouteHop> hops;
  bool reached = false;                         // the destination answered (port unreachable)
  std::string error;                            // a send error ended the run
  std::vector<uint32_t> hop_addresses() const;  // address() of every hop
};

class Traceroute {
 public:
  Traceroute(Host& host, uint32_t dst, TracerouteOptions opts = {});
  ~Traceroute();
  Traceroute(const Traceroute&) = delete;
  Traceroute& operator=(const Traceroute&) = delete;

  // Error if no UDP port is free.
  Status start();
  bool done() const { return done_; }
  const TracerouteResult& result() const { return result_; }
  const std::string& output() const { return out_; }
  void on_done(std::function<void()> fn) { on_done_ = std::move(fn); }

 private:
  void send_probe();
  void on_timer();
  void on_error(const IcmpError& e);
  void probe_finished();
  void end_hop_line();
  void finish();

  Host& host_;
  uint32_t dst_;
  TracerouteOptions opts_;
  std::unique_ptr<UdpSocket> socket_;
  Timer timer_;
  std::vector<uint8_t> payload_;
  int ttl_ = 0;
  int probe_ = 0;          // within the hop
  uint32_t seq_ = 0;       // over the whole run: the port offset
  bool waiting_ = false;   // a probe is out
  bool next_now_ = false;  // the timer sends the next probe rather than timing one out
  TimeUs sent_at_ = 0;
  uint32_t last_printed_ = 0;
  bool got_there_ = false;
  int unreachable_ = 0;
  bool done_ = false;
  TracerouteResult result_;
  std::string out_;
  std::function<void()> on_done_;
};

}  // namespace nt
