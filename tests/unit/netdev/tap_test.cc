#include <gtest/gtest.h>

#include "frames.h"
#include "netdev/netdev_tap.h"
#include "netns.h"

namespace nt {
namespace {

using testing::drain;
using testing::NetnsScope;
using testing::TestNetns;

const MacAddr kTapMac = MacAddr::from_u64(0x02aa00000001);
const MacAddr kPeerMac = MacAddr::from_u64(0x02bb00000002);

PortSpec tap_spec(const std::string& name, PortType type = PortType::kTap) {
  PortSpec s;
  s.name = name;
  s.type = type;
  s.mac = kTapMac;
  return s;
}

TEST(TapNetdev, RejectsNamesLinuxCannotHave) {
  auto r = netdev_open(tap_spec("a-name-that-is-too-long"), std::nullopt);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("not a valid Linux interface name"), std::string::npos);
}

// We play a host behind the tap: the kernel answers our ARP request and our ping.
TEST(TapNetdev, ExchangesArpAndPingWithTheKernel) {
  NT_REQUIRE_NETNS();
  TestNetns ns;
  ASSERT_TRUE(ns.ok()) << ns.error();
  NetnsScope in(ns);
  ASSERT_TRUE(in.ok());
  auto nd = netdev_open(tap_spec("nttap0"), std::nullopt);
  ASSERT_TRUE(nd.ok()) << nd.error().message;
  Netdev& tap = **nd;
  EXPECT_EQ(tap.type(), "tap");
  EXPECT_TRUE(tap.is_up());
  std::string out;
  ASSERT_EQ(ns.sh("ip -o link show nttap0", &out), 0) << out;
  EXPECT_NE(out.find(",UP"), std::string::npos) << out;
  EXPECT_NE(out.find("02:aa:00:00:00:01"), std::string::npos) << out;
  ASSERT_EQ(ns.sh("ip addr add 10.9.0.1/24 dev nttap0"), 0);

  PacketPool pool(64);
  PacketBatch b;
  b.add(pool.get());
  ASSERT_TRUE(build_arp_request(*b.pkts[0], kPeerMac, 0x0a090002, 0x0a090001));
  tap.send(b, pool);
  EXPECT_EQ(tap.tx_packets, 1u);
  bool got_reply = false;
  testing::wait_until(3000, [&] {
    drain(tap, pool, 50, [&](const Packet& p) {
      FlowKey k;
      if (flow_extract(p, k) == ParseError::kOk && k.is_arp() && k.nw_proto == 2) {
        got_reply = k.dl_src == kTapMac && k.nw_src == 0x0a090001 && k.nw_dst == 0x0a090002 &&
                    k.arp_tha == kPeerMac;
      }
    });
    return got_reply;
  });
  ASSERT_TRUE(got_reply) << "no ARP reply from the kernel through the tap";

  b.add(pool.get());
  ASSERT_TRUE(build_icmp_echo(*b.pkts[0], kPeerMac, kTapMac, 0x0a090002, 0x0a090001, false, 7, 1));
  tap.send(b, pool);
  bool got_echo = false;
  testing::wait_until(3000, [&] {
    drain(tap, pool, 50, [&](const Packet& p) {
      FlowKey k;
      if (flow_extract(p, k) == ParseError::kOk && k.is_ip() && k.nw_proto == kIpProtoIcmp &&
          k.tp_src == 0) {
        got_echo = k.nw_src == 0x0a090001 && k.nw_dst == 0x0a090002 && verify_checksums(p) &&
                   p.in_port == tap.odp_port;
      }
    });
    return got_echo;
  });
  EXPECT_TRUE(got_echo) << "no echo reply";
  EXPECT_GE(tap.rx_packets, 2u);
  EXPECT_EQ(tap.rx_dropped, 0u);
  EXPECT_EQ(pool.available(), 64u);
}

TEST(TapNetdev, InternalPortIsATapUnderItsOwnTypeAndGoesAwayWithIt) {
  NT_REQUIRE_NETNS();
  TestNetns ns;
  ASSERT_TRUE(ns.ok()) << ns.error();
  NetnsScope in(ns);
  ASSERT_TRUE(in.ok());
  {
    PortSpec s = tap_spec("br-int", PortType::kInternal);
    s.options["mtu_request"] = "1450";
    auto nd = netdev_open(s, std::nullopt);
    ASSERT_TRUE(nd.ok()) << nd.error().message;
    EXPECT_EQ((*nd)->type(), "internal");
    std::string out;
    ASSERT_EQ(ns.sh("ip -o link show br-int", &out), 0) << out;
    EXPECT_NE(out.find("mtu 1450"), std::string::npos) << out;
  }
  EXPECT_NE(ns.sh("ip link show br-int"), 0) << "the tap should vanish with its port";
}

// A TCP connection from the kernel to a peer we play behind the tap: the kernel's first burst
// comes as TSO super-frames (we accept them with TUNSETOFFLOAD) and leaves receive() as
// MTU-sized segments with correct checksums carrying exactly the bytes written.
TEST(TapNetdev, KernelTsoBurstIsSegmentedInSoftware) {
  NT_REQUIRE_NETNS();
  TestNetns ns;
  ASSERT_TRUE(ns.ok()) << ns.error();
  NetnsScope in(ns);
  ASSERT_TRUE(in.ok());
  auto nd = netdev_open(tap_spec("nttap1"), std::nullopt);
  ASSERT_TRUE(nd.ok()) << nd.error().message;
  Netdev& tap = **nd;
  ASSERT_EQ(ns.sh("ip addr add 10.9.1.1/24 dev nttap1 && "
                  "ip neigh add 10.9.1.2 lladdr 02:bb:00:00:00:02 dev nttap1"),
            0);
  PacketPool pool(256);
  constexpr uint16_t kMss = 1400;
  auto r = testing::tcp_first_flight(tap, pool, kPeerMac, kTapMac, 0x0a090101, 0x0a090102, kMss);
  ASSERT_GE(r.contiguous, 10u * kMss) << "the first flight did not arrive";
  EXPECT_TRUE(r.data_matches);
  EXPECT_FALSE(r.bad_checksum);
  EXPECT_LE(r.max_frame, 14u + 1500u) << "a frame larger than the MTU left the tap";
  EXPECT_GE(tap.rx_gso_frames, 1u) << "the kernel never handed us a super-frame";
  EXPECT_GT(tap.rx_gso_segments, tap.rx_gso_frames);
  EXPECT_EQ(pool.available(), 256u);
}

// With large packets in the pool the tap hands the kernel's super-frames on whole, offloads
// in Packet::offload, and declares that it sends them back the same way.
TEST(TapNetdev, KernelTsoBurstKeepsItsOffloadsWithLargePackets) {
  NT_REQUIRE_NETNS();
  TestNetns ns;
  ASSERT_TRUE(ns.ok()) << ns.error();
  NetnsScope in(ns);
  ASSERT_TRUE(in.ok());
  auto nd = netdev_open(tap_spec("nttap2"), std::nullopt);
  ASSERT_TRUE(nd.ok()) << nd.error().message;
  Netdev& tap = **nd;
  EXPECT_TRUE(tap.accepts_offload());
  ASSERT_EQ(ns.sh("ip addr add 10.9.2.1/24 dev nttap2 && "
                  "ip neigh add 10.9.2.2 lladdr 02:bb:00:00:00:02 dev nttap2"),
            0);
  PacketPool pool(256, 2048, 16);
  constexpr uint16_t kMss = 1400;
  auto r = testing::tcp_first_flight(tap, pool, kPeerMac, kTapMac, 0x0a090201, 0x0a090202, kMss);
  ASSERT_GE(r.contiguous, 10u * kMss) << "the first flight did not arrive";
  EXPECT_TRUE(r.data_matches);
  EXPECT_FALSE(r.bad_checksum);
  EXPECT_GT(r.max_frame, 14u + 1500u) << "no super-frame arrived whole";
  EXPECT_GE(tap.rx_offload_passed, 1u);
  EXPECT_EQ(tap.rx_gso_frames, 0u);
  EXPECT_EQ(pool.available(), 256u);
  EXPECT_EQ(pool.large_available(), 16u);
}

}  // namespace
}  // namespace nt
