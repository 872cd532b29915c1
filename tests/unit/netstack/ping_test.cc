// IPv4 + ICMP through the programs: ping, traceroute across a forwarding host, TTL,
// unreachable destinations, and the `ip` views.
#include "netstack/ping.h"

#include <gtest/gtest.h>

#include "netstack/traceroute.h"
#include "netstack_test_util.h"

namespace nt::test {
namespace {

class PingTest : public NetstackTest {
 protected:
  PingTest() : lan(sched) {}
  TestBridge lan;  // 100 us each way
};

TEST_F(PingTest, BusyboxOutputWithVirtualRoundTrips) {
  Host& vm2 = add_host("cirros-vm2", lan, "172.16.1.4/24", 4);
  add_host("cirros-vm1", lan, "172.16.1.3/24", 3);
  // Let the gratuitous ARPs pass first: vm1's would otherwise resolve vm2's pending
  // request (RFC 826 merge) and shorten the first round trip.
  run_secs(1);
  Ping ping(vm2, ip("172.16.1.3"));
  ping.start();
  run_secs(5);
  ASSERT_TRUE(ping.done());
  // seq 0 pays for ARP (two extra 100 us crossings); busybox ends once all 3 replies are in.
  EXPECT_EQ(ping.output(),
            "PING 172.16.1.3 (172.16.1.3): 56 data bytes\n"
            "64 bytes from 172.16.1.3: seq=0 ttl=64 time=0.400 ms\n"
            "64 bytes from 172.16.1.3: seq=1 ttl=64 time=0.200 ms\n"
            "64 bytes from 172.16.1.3: seq=2 ttl=64 time=0.200 ms\n"
            "\n"
            "--- 172.16.1.3 ping statistics ---\n"
            "3 packets transmitted, 3 packets received, 0% packet loss\n"
            "round-trip min/avg/max = 0.200/0.266/0.400 ms\n");
  const PingResult& r = ping.result();
  EXPECT_EQ(r.transmitted, 3u);
  EXPECT_EQ(r.received, 3u);
  EXPECT_EQ(r.rtt_max, 400);
  ASSERT_EQ(r.replies.size(), 3u);
  EXPECT_EQ(r.replies[2].seq, 2);
  EXPECT_EQ(r.replies[2].ttl, 64);
  EXPECT_EQ(vm2.total_drops(), vm2.drops(HostDrop::kArpOtherTarget));  // vm1's announcement
}

TEST_F(PingTest, SizeTtlAndPingingOneself) {
  Host& a = add_host("a", lan, "10.0.0.1/24", 1);
  add_host("b", lan, "10.0.0.2/24", 2);
  Ping big(a, ip("10.0.0.2"), PingOptions{.count = 1, .size = 1000, .ttl = 5});
  big.start();
  run_secs(1);
  ASSERT_EQ(big.result().received, 1u);
  EXPECT_EQ(big.result().replies[0].bytes, 1008u);
  EXPECT_EQ(big.result().replies[0].ttl, 64);  // the reply's own TTL
  Ping self(a, ip("10.0.0.1"), PingOptions{.count = 2});
  self.start();
  run_secs(3);
  EXPECT_EQ(self.result().received, 2u);
  EXPECT_NE(self.output().find("64 bytes from 10.0.0.1: seq=1 ttl=64 time=0.000 ms"),
            std::string::npos);
  Ping too_big(a, ip("10.0.0.2"), PingOptions{.count = 1, .size = 1500});
  too_big.start();
  EXPECT_TRUE(too_big.done());
  EXPECT_EQ(too_big.output(),
            "PING 10.0.0.2 (10.0.0.2): 1500 data bytes\nping: sendto: Message too long\n");
  // Under 4 data bytes there is no timestamp: no time= and no round-trip line.
  Ping tiny(a, ip("10.0.0.2"), PingOptions{.count = 1, .size = 2});
  tiny.start();
  run_secs(1);
  EXPECT_NE(tiny.output().find("10 bytes from 10.0.0.2: seq=0 ttl=64\n"), std::string::npos);
  EXPECT_EQ(tiny.output().find("round-trip"), std::string::npos);
}

TEST_F(PingTest, NoRouteIsAnImmediateError) {
  Host& a = add_host("a", lan, "10.0.0.1/24", 1);
  Ping ping(a, ip("8.8.8.8"), PingOptions{.count = 3});
  ping.start();
  EXPECT_TRUE(ping.done());
  EXPECT_EQ(ping.result().send_error, "Network is unreachable");
  EXPECT_EQ(ping.output(),
            "PING 8.8.8.8 (8.8.8.8): 56 data bytes\nping: sendto: Network is unreachable\n");
  EXPECT_EQ(a.drops(HostDrop::kIpNoRoute), 1u);
}

TEST_F(PingTest, NoReplyWaitsTimeoutAfterLastRequest) {
  Host& a = add_host("a", lan, "10.0.0.1/24", 1);
  Host& b = add_host("b", lan, "10.0.0.2/24", 2);
  ASSERT_TRUE(a.add_static_arp(0, ip("10.0.0.3"), mac(3)).ok());  // resolvable, nobody home
  (void)b;
  TimeUs t0 = sched.now_us();
  TimeUs finished = 0;
  Ping ping(a, ip("10.0.0.3"), PingOptions{.count = 2, .timeout = 3 * kUsPerSec});
  ping.on_done([&] { finished = sched.now_us(); });
  ping.start();
  run_secs(10);
  ASSERT_TRUE(ping.done());
  EXPECT_EQ(finished - t0, 1 * kUsPerSec + 3 * kUsPerSec);
  EXPECT_EQ(ping.result().loss_percent, 100u);
  EXPECT_EQ(b.drops(HostDrop::kOtherMac), 2u);
}

// a (10.0.1.10) -- lan -- r (10.0.1.1 | 10.0.2.1, forwarding) -- lan2 -- b (10.0.2.20)
class RoutedTest : public NetstackTest {
 protected:
  RoutedTest() : lan1(sched), lan2(sched) {
    a = &add_host("a", lan1, "10.0.1.10/24", 0x10);
    b = &add_host("b", lan2, "10.0.2.20/24", 0x20);
    r = &add_host("r", lan1, "10.0.1.1/24", 0x01);
    NicId eth1 = r->add_nic("eth1", mac(0x02));
    lan2.attach(*r, eth1);
    EXPECT_TRUE(r->add_address(eth1, "10.0.2.1/24").ok());
    r->set_forwarding(true);
    EXPECT_TRUE(a->set_default_gateway(ip("10.0.1.1")).ok());
    EXPECT_TRUE(b->add_route("default", "10.0.2.1").ok());
    run_secs(1);
  }
  TestBridge lan1, lan2;
  Host* a;
  Host* b;
  Host* r;
};

TEST_F(RoutedTest, TracerouteShowsTheRouterThenTheDestination) {
  Traceroute tr(*a, ip("10.0.2.20"));
  ASSERT_TRUE(tr.start().ok());
  run_secs(10);
  ASSERT_TRUE(tr.done());
  EXPECT_EQ(tr.output(),
            "traceroute to 10.0.2.20 (10.0.2.20), 30 hops max, 46 byte packets\n"
            " 1  10.0.1.1 (10.0.1.1)  0.400 ms  0.200 ms  0.200 ms\n"
            " 2  10.0.2.20 (10.0.2.20)  0.600 ms  0.400 ms  0.400 ms\n");
  const TracerouteResult& res = tr.result();
  EXPECT_TRUE(res.reached);
  EXPECT_EQ(res.hop_addresses(), (std::vector<uint32_t>{ip("10.0.1.1"), ip("10.0.2.20")}));
  EXPECT_EQ(res.hops[0].probes[0].icmp_type, kIcmpTimeExceeded);
  EXPECT_EQ(res.hops[1].probes[2].icmp_code, kIcmpPortUnreachable);
  EXPECT_EQ(r->drops(HostDrop::kIpTtlExceeded), 3u);
  EXPECT_EQ(b->drops(HostDrop::kUdpNoSocket), 3u);
}

TEST_F(RoutedTest, ForwardingDecrementsTtlAndSilentHopsPrintStars) {
  Ping ping(*a, ip("10.0.2.20"), PingOptions{.count = 1});
  ping.start();
  run_secs(1);
  ASSERT_EQ(ping.result().received, 1u);
  EXPECT_EQ(ping.result().replies[0].ttl, 63);  // b's 64, minus r's hop
  Ping ttl1(*a, ip("10.0.2.20"), PingOptions{.count = 1, .timeout = kUsPerSec, .ttl = 1});
  ttl1.start();
  run_secs(2);
  EXPECT_EQ(ttl1.result().received, 0u);
  ASSERT_EQ(ttl1.result().errors.size(), 1u);
  EXPECT_EQ(ttl1.result().errors[0].type, kIcmpTimeExceeded);
  EXPECT_EQ(ttl1.result().errors[0].from, ip("10.0.1.1"));
  // A router that stops forwarding is just a host: it drops what is not for it, silently
  // (no time exceeded), so the path goes dark from the first hop.
  r->set_forwarding(false);
  Traceroute dead(*a, ip("10.0.2.20"), TracerouteOptions{.max_hops = 2, .wait = kUsPerSec});
  ASSERT_TRUE(dead.start().ok());
  run_secs(10);
  ASSERT_TRUE(dead.done());
  EXPECT_EQ(dead.output(),
            "traceroute to 10.0.2.20 (10.0.2.20), 2 hops max, 46 byte packets\n"
            " 1  *  *  *\n"
            " 2  *  *  *\n");
  EXPECT_FALSE(dead.result().reached);
  EXPECT_EQ(dead.result().hop_addresses(), (std::vector<uint32_t>{0, 0}));
  EXPECT_EQ(r->drops(HostDrop::kIpNotForUs), 6u);
}

TEST_F(RoutedTest, RouterReportsNoRouteAndFragmentationNeeded) {
  Traceroute tr(*a, ip("192.0.2.1"), TracerouteOptions{.numeric = true});
  ASSERT_TRUE(tr.start().ok());
  run_secs(60);
  ASSERT_TRUE(tr.done());
  EXPECT_EQ(tr.output(),
            "traceroute to 192.0.2.1 (192.0.2.1), 30 hops max, 46 byte packets\n"
            " 1  10.0.1.1  0.400 ms  0.200 ms  0.200 ms\n"
            " 2  10.0.1.1  0.200 ms !N  0.200 ms !N  0.200 ms !N\n");
  EXPECT_EQ(r->drops(HostDrop::kIpNoRoute), 3u);
  // A 1400-byte DF datagram into a 1300-byte link: "fragmentation needed, mtu 1300".
  ASSERT_TRUE(r->set_mtu(1, 1300).ok());
  auto sock = a->udp_open();
  ASSERT_TRUE(sock.ok());
  std::vector<IcmpError> errors;
  (*sock)->on_error([&](const IcmpError& e) { errors.push_back(e); });
  std::vector<uint8_t> data(1400 - 28);
  ASSERT_TRUE((*sock)
                  ->sendto(ip("10.0.2.20"), 7, data.data(), data.size(),
                           UdpSendOptions{.dont_fragment = true})
                  .ok());
  run_secs(1);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].type, kIcmpDestUnreachable);
  EXPECT_EQ(errors[0].code, kIcmpFragNeeded);
  EXPECT_EQ(errors[0].next_hop_mtu, 1300);
  EXPECT_EQ(r->drops(HostDrop::kIpTooBig), 1u);
}

TEST_F(RoutedTest, RouterThatCannotResolveTheNextHopSaysHostUnreachable) {
  Traceroute tr(*a, ip("10.0.2.99"), TracerouteOptions{.max_hops = 5});
  ASSERT_TRUE(tr.start().ok());
  run_secs(30);
  ASSERT_TRUE(tr.done());
  // r gives up on ARP after 3 s and reports host unreachable, from its side facing a.
  EXPECT_EQ(tr.output(),
            "traceroute to 10.0.2.99 (10.0.2.99), 5 hops max, 46 byte packets\n"
            " 1  10.0.1.1 (10.0.1.1)  0.400 ms  0.200 ms  0.200 ms\n"
            " 2  10.0.1.1 (10.0.1.1)  3000.200 ms !H  3000.200 ms !H  3000.200 ms !H\n");
  EXPECT_FALSE(tr.result().reached);
  EXPECT_EQ(r->drops(HostDrop::kArpUnresolved), 3u);
}

TEST_F(RoutedTest, IpAddrAndRouteViews) {
  EXPECT_EQ(a->ip_route_text(),
            "default via 10.0.1.1 dev eth0\n"
            "10.0.1.0/24 dev eth0  src 10.0.1.10\n");
  ASSERT_TRUE(r->add_route("192.168.7.0/24", "10.0.2.20").ok());
  ASSERT_TRUE(r->add_route("192.168.7.9/32", "10.0.1.10").ok());
  EXPECT_FALSE(r->add_route("192.168.8.0/24", "172.16.0.1").ok());  // gateway not on-link
  EXPECT_EQ(r->ip_route_text(),
            "10.0.1.0/24 dev eth0  src 10.0.1.1\n"
            "10.0.2.0/24 dev eth1  src 10.0.2.1\n"
            "192.168.7.0/24 via 10.0.2.20 dev eth1\n"
            "192.168.7.9 via 10.0.1.10 dev eth0\n");
  // Longest prefix wins.
  EXPECT_EQ(r->routes().lookup(ip("192.168.7.9"))->nic, 0u);
  EXPECT_EQ(r->routes().lookup(ip("192.168.7.8"))->nic, 1u);
  EXPECT_EQ(r->ip_addr_text(),
            "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue qlen 1000\n"
            "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n"
            "    inet 127.0.0.1/8 scope host lo\n"
            "       valid_lft forever preferred_lft forever\n"
            "2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc pfifo_fast qlen 1000\n"
            "    link/ether fa:16:3e:00:00:01 brd ff:ff:ff:ff:ff:ff\n"
            "    inet 10.0.1.1/24 brd 10.0.1.255 scope global eth0\n"
            "       valid_lft forever preferred_lft forever\n"
            "3: eth1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc pfifo_fast qlen 1000\n"
            "    link/ether fa:16:3e:00:00:02 brd ff:ff:ff:ff:ff:ff\n"
            "    inet 10.0.2.1/24 brd 10.0.2.255 scope global eth1\n"
            "       valid_lft forever preferred_lft forever\n");
  // Removing the address takes its connected route and the routes through it.
  ASSERT_TRUE(r->del_address(1, ip("10.0.2.1")).ok());
  EXPECT_EQ(r->ip_route_text(),
            "10.0.1.0/24 dev eth0  src 10.0.1.1\n"
            "192.168.7.9 via 10.0.1.10 dev eth0\n");
}

}  // namespace
}  // namespace nt::test
