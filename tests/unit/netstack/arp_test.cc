// ARP: resolution, answering, aging, retries and failure, gratuitous ARP, queue limits.
#include <gtest/gtest.h>

#include "netstack/ping.h"
#include "netstack_test_util.h"

namespace nt::test {
namespace {

class ArpTest : public NetstackTest {
 protected:
  ArpTest() : bridge(sched) {}
  TestBridge bridge;
};

TEST_F(ArpTest, GratuitousArpAnnouncesANewAddress) {
  Host& a = add_host("a", bridge, "172.16.1.3/24", 3);
  (void)a;
  ASSERT_EQ(bridge.log.size(), 1u);
  FlowKey k;
  ASSERT_EQ(flow_extract(bridge.log[0].data(), bridge.log[0].size(), k), ParseError::kOk);
  EXPECT_EQ(k.dl_type, kEthTypeArp);
  EXPECT_EQ(k.nw_proto, 1);  // request
  EXPECT_EQ(k.nw_src, ip("172.16.1.3"));
  EXPECT_EQ(k.nw_dst, ip("172.16.1.3"));
  EXPECT_TRUE(k.dl_dst.is_broadcast());
  EXPECT_EQ(k.arp_sha, mac(3));
}

TEST_F(ArpTest, ResolvesAndBothSidesLearn) {
  Host& a = add_host("a", bridge, "172.16.1.4/24", 4);
  Host& b = add_host("b", bridge, "172.16.1.3/24", 3);
  run_secs(1);  // b's gratuitous ARP reaches a, which learns nothing from it
  EXPECT_EQ(a.arp_text(), "");
  EXPECT_EQ(a.drops(HostDrop::kArpOtherTarget), 1u);
  Ping ping(a, ip("172.16.1.3"), PingOptions{.count = 1});
  ping.start();
  run_secs(1);
  ASSERT_TRUE(ping.done());
  EXPECT_EQ(ping.result().received, 1u);
  EXPECT_EQ(a.arp_text(), "? (172.16.1.3) at fa:16:3e:00:00:03 [ether]  on eth0\n");
  // b learned a from the request it answered (RFC 826: the target adds the sender).
  EXPECT_EQ(b.arp_text(), "? (172.16.1.4) at fa:16:3e:00:00:04 [ether]  on eth0\n");
  EXPECT_EQ(bridge.count(kEthTypeArp), 2u + 2u);  // 2 gratuitous, 1 request, 1 reply
}

TEST_F(ArpTest, EntriesAgeOutAndAreResolvedAgain) {
  Host& a = add_host("a", bridge, "10.0.0.1/24", 1);
  add_host("b", bridge, "10.0.0.2/24", 2);
  a.arp_config().reachable = 30 * kUsPerSec;
  Ping p1(a, ip("10.0.0.2"), PingOptions{.count = 1});
  p1.start();
  run_secs(1);
  ASSERT_EQ(a.nic(0).arp().size(), 1u);
  size_t arps = bridge.count(kEthTypeArp);
  run_secs(28);  // 29 s after resolution: still there, and no ARP traffic meanwhile
  EXPECT_EQ(a.nic(0).arp().size(), 1u);
  EXPECT_EQ(bridge.count(kEthTypeArp), arps);
  run_secs(2);  // past 30 s: swept by the aging timer
  EXPECT_EQ(a.nic(0).arp().size(), 0u);
  EXPECT_EQ(a.arp_text(), "");
  Ping p2(a, ip("10.0.0.2"), PingOptions{.count = 1});
  p2.start();
  run_secs(1);
  EXPECT_EQ(p2.result().received, 1u);
  EXPECT_EQ(bridge.count(kEthTypeArp), arps + 2);  // a new request and its reply
}

TEST_F(ArpTest, UnresolvedAddressRetriesThenFailsWithHostUnreachable) {
  Host& a = add_host("a", bridge, "10.0.0.1/24", 1);
  size_t before = bridge.count(kEthTypeArp);
  Ping ping(a, ip("10.0.0.99"), PingOptions{.count = 3});
  ping.start();
  run_secs(0.5);
  EXPECT_EQ(a.arp_text(), "? (10.0.0.99) at <incomplete>  on eth0\n");
  run_secs(20);
  ASSERT_TRUE(ping.done());
  EXPECT_EQ(bridge.count(kEthTypeArp) - before, 3u);  // max_probes requests, 1 s apart
  EXPECT_EQ(a.drops(HostDrop::kArpUnresolved), 3u);   // the three queued echo requests
  EXPECT_EQ(ping.result().received, 0u);
  EXPECT_EQ(ping.result().loss_percent, 100u);
  // The stack told the pinger, as a kernel does, with a local host-unreachable error.
  ASSERT_EQ(ping.result().errors.size(), 3u);
  EXPECT_EQ(ping.result().errors[0].type, kIcmpDestUnreachable);
  EXPECT_EQ(ping.result().errors[0].code, kIcmpHostUnreachable);
  EXPECT_TRUE(ping.result().errors[0].local);
  EXPECT_EQ(a.nic(0).arp().size(), 0u);
  EXPECT_EQ(ping.output(),
            "PING 10.0.0.99 (10.0.0.99): 56 data bytes\n"
            "\n"
            "--- 10.0.0.99 ping statistics ---\n"
            "3 packets transmitted, 0 packets received, 100% packet loss\n");
}

TEST_F(ArpTest, PendingQueueKeepsTheNewestFrames) {
  Host& a = add_host("a", bridge, "10.0.0.1/24", 1);
  bridge.cut = true;
  a.arp_config().queue_len = 2;
  Ping ping(a, ip("10.0.0.2"), PingOptions{.count = 5, .interval = 100 * kUsPerMs});
  ping.start();
  run_secs(0.45);
  const ArpEntry* e = a.nic(0).arp().find(ip("10.0.0.2"));
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->pending.size(), 2u);
  EXPECT_EQ(a.drops(HostDrop::kArpQueueFull), 3u);
  // The survivors are the last two echo requests (seq 3 and 4).
  EXPECT_EQ(load_be16(e->pending[0].data() + 14 + 20 + 6), 3);
  EXPECT_EQ(load_be16(e->pending[1].data() + 14 + 20 + 6), 4);
}

TEST_F(ArpTest, GratuitousArpUpdatesAKnownEntryAndStaticEntriesStay) {
  Host& a = add_host("a", bridge, "10.0.0.1/24", 1);
  Host& b = add_host("b", bridge, "10.0.0.2/24", 2);
  Ping ping(a, ip("10.0.0.2"), PingOptions{.count = 1});
  ping.start();
  run_secs(1);
  // b moves to a new NIC with another MAC and announces itself.
  NicId b1 = b.add_nic("eth1", mac(0x22));
  bridge.attach(b, b1);
  ASSERT_TRUE(b.del_address(0, ip("10.0.0.2")).ok());
  ASSERT_TRUE(b.add_address(b1, "10.0.0.2/24").ok());
  run_secs(1);
  EXPECT_EQ(a.arp_text(), "? (10.0.0.2) at fa:16:3e:00:00:22 [ether]  on eth0\n");
  ASSERT_TRUE(a.add_static_arp(0, ip("10.0.0.7"), mac(7)).ok());
  run_secs(600);
  EXPECT_EQ(a.arp_text(), "? (10.0.0.7) at fa:16:3e:00:00:07 [ether] PERM on eth0\n");
}

TEST_F(ArpTest, RequestsForOtherAddressesAreNotAnsweredAndBadSendersDropped) {
  Host& a = add_host("a", bridge, "10.0.0.1/24", 1);
  uint8_t f[42] = {};
  auto arp = [&](uint32_t spa, const MacAddr& sha, uint32_t tpa, uint16_t op) {
    for (int i = 0; i < 6; ++i) f[i] = 0xff;
    store_mac(f + 6, sha);
    store_be16(f + 12, kEthTypeArp);
    store_be16(f + 14, 1);
    store_be16(f + 16, kEthTypeIp);
    f[18] = 6;
    f[19] = 4;
    store_be16(f + 20, op);
    store_mac(f + 22, sha);
    store_be32(f + 28, spa);
    store_be32(f + 38, tpa);
    a.receive(0, f, sizeof f);
  };
  size_t sent = bridge.log.size();
  arp(ip("10.0.0.5"), mac(5), ip("10.0.0.9"), 1);
  EXPECT_EQ(a.drops(HostDrop::kArpOtherTarget), 1u);
  arp(ip("10.0.0.5"), MacAddr::from_u64(0x010000000001ULL), ip("10.0.0.1"), 1);
  arp(ip("224.0.0.5"), mac(5), ip("10.0.0.1"), 1);
  EXPECT_EQ(a.drops(HostDrop::kArpBadSender), 2u);
  arp(ip("10.0.0.5"), mac(5), ip("10.0.0.1"), 9);
  EXPECT_EQ(a.drops(HostDrop::kArpBadOp), 1u);
  EXPECT_EQ(bridge.log.size(), sent);  // none of those was answered
  arp(ip("10.0.0.5"), mac(5), ip("10.0.0.1"), 1);
  ASSERT_EQ(bridge.log.size(), sent + 1);  // this one was
  FlowKey k;
  ASSERT_EQ(flow_extract(bridge.log.back().data(), bridge.log.back().size(), k), ParseError::kOk);
  EXPECT_EQ(k.nw_proto, 2);
  EXPECT_EQ(k.dl_dst, mac(5));
  EXPECT_EQ(k.arp_tha, mac(5));
  EXPECT_EQ(k.nw_src, ip("10.0.0.1"));
  EXPECT_EQ(k.nw_dst, ip("10.0.0.5"));
}

}  // namespace
}  // namespace nt::test
