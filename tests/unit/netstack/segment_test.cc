// Segment: delivery one latency later to every other attachment, NIC MAC filtering, promiscuous
// ports, VLAN transparency, runt frames, rewiring (enslaving) and the capture tap.
#include "netstack/segment.h"

#include <gtest/gtest.h>

#include "netstack/ping.h"
#include "netstack_test_util.h"

namespace nt::test {
namespace {

constexpr TimeUs kLatency = 50;

// A frame of `len` bytes to `dst` from `src` with ethertype 0x0800 and a marker byte.
std::vector<uint8_t> frame_to(uint64_t dst, uint64_t src, size_t len = 60, uint8_t mark = 0) {
  std::vector<uint8_t> f(len, 0);
  store_mac(f.data(), MacAddr::from_u64(dst));
  store_mac(f.data() + 6, MacAddr::from_u64(src));
  store_be16(f.data() + 12, kEthTypeIp);
  f[len - 1] = mark;
  return f;
}

class SegmentTest : public NetstackTest {
 protected:
  SegmentTest() : seg(sched, "tenant", "166.66.16.0/24", kLatency) {}

  // An attachment that records what it receives.
  Segment::AttachmentId recorder(std::optional<uint64_t> mac) {
    size_t i = got.size();
    got.emplace_back();
    auto fn = [this, i](const uint8_t* f, size_t n) { got[i].emplace_back(f, f + n); };
    return mac ? seg.attach_nic(MacAddr::from_u64(*mac), fn) : seg.attach_port(fn);
  }
  void send(Segment::AttachmentId from, const std::vector<uint8_t>& f) {
    seg.send(from, f.data(), f.size());
  }

  Segment seg;
  std::vector<std::vector<std::vector<uint8_t>>> got;
};

TEST_F(SegmentTest, BroadcastReachesEveryOtherAttachmentOneLatencyLater) {
  auto a = recorder(0x020000000001), b = recorder(0x020000000002), p = recorder(std::nullopt);
  send(a, frame_to(0xffffffffffff, 0x020000000001));
  EXPECT_EQ(seg.in_flight(), 1u);
  run_for(kLatency - 1);
  EXPECT_TRUE(got[b].empty());
  EXPECT_TRUE(got[p].empty());
  run_for(1);
  EXPECT_EQ(seg.in_flight(), 0u);
  EXPECT_TRUE(got[a].empty());  // never back to the sender
  EXPECT_EQ(got[b].size(), 1u);
  EXPECT_EQ(got[p].size(), 1u);
  EXPECT_EQ(seg.stats().frames, 1u);
  EXPECT_EQ(seg.stats().deliveries, 2u);
  EXPECT_EQ(seg.name(), "tenant");
  EXPECT_EQ(seg.cidr(), "166.66.16.0/24");
}

TEST_F(SegmentTest, NicsTakeOnlyTheirMacBroadcastAndMulticastPortsTakeAll) {
  auto a = recorder(0x020000000001), b = recorder(0x020000000002), c = recorder(0x020000000003);
  auto p = recorder(std::nullopt);
  send(a, frame_to(0x020000000002, 0x020000000001, 60, 1));  // unicast to b
  send(a, frame_to(0x01005e000001, 0x020000000001, 60, 2));  // IPv4 multicast
  run_for(kLatency);
  ASSERT_EQ(got[b].size(), 2u);
  EXPECT_EQ(got[b][0].back(), 1);
  ASSERT_EQ(got[c].size(), 1u);  // the multicast only
  EXPECT_EQ(got[c][0].back(), 2);
  EXPECT_EQ(got[p].size(), 2u);  // promiscuous
  EXPECT_EQ(seg.stats().filtered, 1u);
}

TEST_F(SegmentTest, TaggedFramesCrossUntouched) {
  auto a = recorder(std::nullopt), b = recorder(std::nullopt);
  std::vector<uint8_t> f = frame_to(0x020000000002, 0x020000000001, 64, 7);
  store_be16(f.data() + 12, kEthTypeVlan);  // 802.1Q, VID 100, then IPv4
  store_be16(f.data() + 14, 100);
  store_be16(f.data() + 16, kEthTypeIp);
  send(a, f);
  run_for(kLatency);
  ASSERT_EQ(got[b].size(), 1u);
  EXPECT_EQ(got[b][0], f);
}

TEST_F(SegmentTest, RuntFramesAreCountedAndDropped) {
  auto a = recorder(std::nullopt), b = recorder(std::nullopt);
  std::vector<uint8_t> runt(13, 0xff);
  send(a, runt);
  run_for(kLatency);
  EXPECT_TRUE(got[b].empty());
  EXPECT_EQ(seg.stats().malformed, 1u);
  EXPECT_EQ(seg.stats().frames, 0u);
  EXPECT_EQ(sched.pending(), 0u);
}

TEST_F(SegmentTest, RewiredNicBecomesPromiscuousAndDeliversElsewhere) {
  auto a = recorder(0x020000000001), b = recorder(0x020000000002);
  std::vector<std::vector<uint8_t>> bridge;
  seg.rewire(
      b, [&](const uint8_t* f, size_t n) { bridge.emplace_back(f, f + n); }, true);
  send(a, frame_to(0x020000000099, 0x020000000001));  // to nobody's MAC
  run_for(kLatency);
  EXPECT_TRUE(got[b].empty());
  EXPECT_EQ(bridge.size(), 1u);
}

TEST_F(SegmentTest, TapSeesEachFrameOnceWhenSent) {
  auto a = recorder(std::nullopt);
  recorder(std::nullopt);
  recorder(std::nullopt);
  std::vector<std::string> seen;
  seg.set_tap([&](const Segment& s, const uint8_t*, size_t n) {
    seen.push_back(s.name() + ":" + std::to_string(n));
  });
  send(a, frame_to(0xffffffffffff, 1, 60));
  EXPECT_EQ(seen, std::vector<std::string>{"tenant:60"});  // at send time, once
  run_for(kLatency);
  EXPECT_EQ(seen.size(), 1u);
}

// Two hosts' NICs on a segment: ARP and ping work across it.
TEST_F(SegmentTest, HostsOnASegmentResolveAndPing) {
  Host& h1 = add_host("h1");
  Host& h2 = add_host("h2");
  for (Host* h : {&h1, &h2}) {
    MacAddr m = mac(h == &h1 ? 1 : 2);
    NicId id = h->add_nic("eth1", m);
    auto att = seg.attach_nic(m, [h, id](const uint8_t* f, size_t n) { h->receive(id, f, n); });
    h->set_transmit(id, [this, att](const uint8_t* f, size_t n) { seg.send(att, f, n); });
  }
  ASSERT_TRUE(h1.add_address(0, "166.66.16.10/24").ok());
  ASSERT_TRUE(h2.add_address(0, "166.66.16.11/24").ok());
  Ping ping(h1, ip("166.66.16.11"), PingOptions{.count = 1});
  ping.start();
  run_secs(1);
  ASSERT_TRUE(ping.done());
  EXPECT_EQ(ping.result().received, 1u);
  EXPECT_EQ(h1.arp_text(), "? (166.66.16.11) at fa:16:3e:00:00:02 [ether]  on eth1\n");
  EXPECT_EQ(h1.drops(HostDrop::kOtherMac) + h2.drops(HostDrop::kOtherMac), 0u);
}

}  // namespace
}  // namespace nt::test
