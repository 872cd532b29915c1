// A thousand hosts on one scheduler: each pings its neighbour. Checks it completes with
// bounded memory and reports the cost (wall time, resident memory growth).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

#include "netstack/ping.h"
#include "netstack_test_util.h"

namespace nt::test {
namespace {

long rss_kib() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

TEST_F(NetstackTest, ThousandHostsPingTheirNeighbours) {
  constexpr int kSegments = 10;
  constexpr int kPerSegment = 100;
  using WallClock = std::chrono::steady_clock;
  long rss0 = rss_kib();
  auto t0 = WallClock::now();
  std::vector<std::unique_ptr<TestBridge>> segments;
  for (int s = 0; s < kSegments; ++s) {
    segments.push_back(std::make_unique<TestBridge>(sched));
    for (int i = 0; i < kPerSegment; ++i) {
      Host& h = add_host("vm-" + std::to_string(s) + "-" + std::to_string(i));
      uint64_t low = static_cast<uint64_t>(s) << 8 | static_cast<uint64_t>(i + 1);
      segments.back()->attach(h, h.add_nic("eth0", mac(low)));
    }
  }
  long rss_hosts = rss_kib();  // hosts, NICs and wiring, before any traffic
  for (int n = 0; n < kSegments * kPerSegment; ++n) {
    std::string cidr = "10." + std::to_string(n / kPerSegment) + ".0." +
                       std::to_string(n % kPerSegment + 1) + "/24";
    ASSERT_TRUE(hosts[n]->add_address(0, cidr).ok());
  }
  run_secs(1);  // gratuitous ARPs
  auto t1 = WallClock::now();
  std::vector<std::unique_ptr<Ping>> pings;
  for (int n = 0; n < kSegments * kPerSegment; ++n) {
    int s = n / kPerSegment, i = n % kPerSegment;
    uint32_t dst = (10u << 24) | uint32_t(s) << 16 | uint32_t((i + 1) % kPerSegment + 1);
    pings.push_back(std::make_unique<Ping>(*hosts[n], dst, PingOptions{.count = 1}));
    pings.back()->start();
  }
  size_t events = sched.run_until_us(sched.now_us() + 5 * kUsPerSec);
  auto t2 = WallClock::now();
  long rss1 = rss_kib();
  for (const auto& p : pings) {
    ASSERT_TRUE(p->done());
    ASSERT_EQ(p->result().received, 1u);
  }
  for (const auto& h : hosts) {
    EXPECT_EQ(h->drops(HostDrop::kArpUnresolved), 0u);
    EXPECT_LE(h->nic(0).arp().size(), 2u);  // its neighbour and the one pinging it
  }
  EXPECT_EQ(sched.pending(), 1u * kSegments * kPerSegment);  // one ARP aging timer per NIC
  auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
  std::printf(
      "[ scale    ] 1000 hosts: build %.1f ms (RSS +%ld KiB before traffic); 1000 pings %.1f ms "
      "(%zu events); RSS +%ld KiB in all, the test bridge's in-flight frame copies included\n",
      ms(t1 - t0), rss_hosts - rss0, ms(t2 - t1), events, rss1 - rss0);
  EXPECT_LT(rss1 - rss0, 512 * 1024);  // generous: sanitizer builds inflate memory
}

}  // namespace
}  // namespace nt::test
