#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/socket.h>

#include <set>

#include "frames.h"
#include "netdev/netdev_afpacket.h"
#include "netns.h"
#include "packet/build.h"

namespace nt {
namespace {

using testing::NetnsScope;
using testing::TestNetns;

constexpr uint16_t kTestEthType = 0x88b5;  // IEEE local experimental: nothing else sends it
const MacAddr kA = MacAddr::from_u64(0x02aa00000001);
const MacAddr kB = MacAddr::from_u64(0x02bb00000002);

bool is_test_frame(const uint8_t* f, size_t n) {
  return n >= 14 && load_be16(f + 12) == kTestEthType;
}

// Every test runs with both receive modes: the TPACKET_V2 ring and recvmmsg.
class AfPacketNetdevTest : public ::testing::TestWithParam<const char*> {
 protected:
  PortSpec system_spec(const std::string& name) const {
    PortSpec s;
    s.name = name;
    s.type = PortType::kSystem;
    s.options["rx_mode"] = GetParam();
    return s;
  }
  // The TSO tests' set-up, inside the veth namespace: ntb is 10.8.0.1 with a static neighbour
  // for 10.8.0.2 (the TCP peer tcp_first_flight plays on nta), nta opened as a system port.
  ::testing::AssertionResult open_tso_peer(TestNetns& ns, std::unique_ptr<Netdev>& port,
                                           MacAddr& ntb_mac) const {
    if (ns.sh("ip addr add 10.8.0.1/24 dev ntb && "
              "ip neigh add 10.8.0.2 lladdr 02:aa:00:00:00:01 dev ntb") != 0) {
      return ::testing::AssertionFailure() << "cannot address ntb";
    }
    auto nd = netdev_open(system_spec("nta"), std::nullopt);
    if (!nd.ok()) return ::testing::AssertionFailure() << nd.error().message;
    auto mac = if_get_mac("ntb");
    if (!mac.ok()) return ::testing::AssertionFailure() << "no MAC for ntb";
    port = std::move(*nd);
    ntb_mac = *mac;
    return ::testing::AssertionSuccess();
  }
};

// A test frame: our ethertype, a sequence number, `len` bytes in all.
std::vector<uint8_t> test_frame(uint32_t seq, size_t len, const MacAddr& src, const MacAddr& dst) {
  std::vector<uint8_t> f(len);
  store_mac(f.data(), dst);
  store_mac(f.data() + 6, src);
  store_be16(f.data() + 12, kTestEthType);
  store_be32(f.data() + 14, seq);
  for (size_t i = 18; i < len; ++i) f[i] = static_cast<uint8_t>(seq + i);
  return f;
}

struct VethNs {
  TestNetns ns;
  bool ok = false;
  VethNs() {
    ok = ns.ok() &&
         ns.sh(
             "sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1"
             " && ip link add nta type veth peer name ntb && ip link set ntb up") == 0;
  }
};

TEST_P(AfPacketNetdevTest, SendsBatchesOutOfTheInterface) {
  NT_REQUIRE_NETNS();
  VethNs v;
  ASSERT_TRUE(v.ok) << v.ns.error();
  NetnsScope in(v.ns);
  ASSERT_TRUE(in.ok());
  auto nd = netdev_open(system_spec("nta"), std::nullopt);
  ASSERT_TRUE(nd.ok()) << nd.error().message;
  Netdev& port = **nd;
  ASSERT_TRUE(port.is_up()) << port.error();
  EXPECT_EQ(port.type(), "system");
  std::string out;
  v.ns.sh("ip -d -o link show nta", &out);
  EXPECT_NE(out.find("promiscuity 1"), std::string::npos) << out;
  EXPECT_NE(out.find(",UP"), std::string::npos) << out;
  testing::RawSocket wire("ntb");
  ASSERT_TRUE(wire.ok());

  PacketPool pool(64);
  std::vector<std::vector<uint8_t>> sent;
  for (uint32_t round = 0; round < 2; ++round) {
    PacketBatch b;
    size_t n = round == 0 ? PacketBatch::kMax : 8;
    for (size_t i = 0; i < n; ++i) {
      auto f = test_frame(static_cast<uint32_t>(sent.size()), 60 + sent.size() * 36, kA, kB);
      b.add(pool.get());
      b.pkts[i]->assign(f.data(), f.size());
      sent.push_back(f);
    }
    port.send(b, pool);
    EXPECT_EQ(b.count, 0u);
  }
  EXPECT_EQ(pool.available(), 64u);
  EXPECT_EQ(port.tx_packets, 40u);
  EXPECT_EQ(port.tx_dropped, 0u);
  auto got = wire.collect(40, 3000, is_test_frame);
  ASSERT_EQ(got.size(), 40u);
  EXPECT_EQ(got, sent);  // every frame, in order, byte for byte

  // A frame larger than the MTU in the middle of a batch is dropped and counted; the rest go.
  PacketBatch b;
  for (size_t len : {100, 1600, 120}) {
    auto f = test_frame(static_cast<uint32_t>(len), len, kA, kB);
    b.add(pool.get());
    b.pkts[b.count - 1]->assign(f.data(), f.size());
  }
  port.send(b, pool);
  EXPECT_EQ(port.counter(NetdevCounter::kTxTooBig), 1u);
  EXPECT_EQ(port.tx_packets, 42u);
  got = wire.collect(2, 2000, is_test_frame);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].size(), 100u);
  EXPECT_EQ(got[1].size(), 120u);
}

TEST_P(AfPacketNetdevTest, ReceivesWhatTheWireSendsButNotItsOwnFrames) {
  NT_REQUIRE_NETNS();
  VethNs v;
  ASSERT_TRUE(v.ok) << v.ns.error();
  NetnsScope in(v.ns);
  ASSERT_TRUE(in.ok());
  auto nd = netdev_open(system_spec("nta"), std::nullopt);
  ASSERT_TRUE(nd.ok()) << nd.error().message;
  Netdev& port = **nd;
  port.odp_port = 3;
  testing::RawSocket wire("ntb");
  ASSERT_TRUE(wire.ok());
  PacketPool pool(256);

  // Our own send must not come back.
  PacketBatch b;
  auto mine = test_frame(999, 100, kA, kB);
  b.add(pool.get());
  b.pkts[0]->assign(mine.data(), mine.size());
  port.send(b, pool);

  std::vector<std::vector<uint8_t>> sent;
  for (uint32_t i = 0; i < 100; ++i) {
    sent.push_back(test_frame(i, 64 + i * 13, kB, kA));
    ASSERT_TRUE(wire.send(sent.back()));
  }
  // A tagged frame: the kernel moves the tag into metadata, we must put it back.
  std::vector<uint8_t> tagged = test_frame(500, 80, kB, kA);
  uint8_t tag[4] = {0x81, 0x00, 0x20, 0x64};  // PCP 1, VID 100
  tagged.insert(tagged.begin() + 12, tag, tag + 4);
  ASSERT_TRUE(wire.send(tagged));
  sent.push_back(tagged);

  std::vector<std::vector<uint8_t>> got;
  bool wrong_port = false;
  testing::wait_until(3000, [&] {
    testing::drain(port, pool, 20, [&](const Packet& p) {
      wrong_port |= p.in_port != 3;
      auto f = testing::bytes_of(p);
      size_t type_at = (f.size() > 16 && load_be16(f.data() + 12) == 0x8100) ? 16 : 12;
      if (f.size() > type_at + 2 && load_be16(f.data() + type_at) == kTestEthType) {
        got.push_back(f);
      }
    });
    return got.size() >= sent.size();
  });
  ASSERT_EQ(got.size(), sent.size());
  EXPECT_EQ(got, sent);
  EXPECT_FALSE(wrong_port);
  EXPECT_EQ(port.rx_dropped, 0u);
  EXPECT_EQ(pool.available(), 256u);
}

// Frames the kernel had to drop because nobody read the port in time are counted, not lost
// silently: more frames than the ring (or, for mmsg, the socket) holds, none read.
TEST_P(AfPacketNetdevTest, KernelDropsAreCounted) {
  NT_REQUIRE_NETNS();
  VethNs v;
  ASSERT_TRUE(v.ok) << v.ns.error();
  NetnsScope in(v.ns);
  ASSERT_TRUE(in.ok());
  auto nd = netdev_open(system_spec("nta"), std::nullopt);
  ASSERT_TRUE(nd.ok()) << nd.error().message;
  Netdev& port = **nd;
  testing::RawSocket wire("ntb");
  ASSERT_TRUE(wire.ok());
  port.poll_stats();
  EXPECT_EQ(port.counter(NetdevCounter::kRxKernelDropped), 0u);
  const uint32_t n = AfPacketNetdev::kFrameCount + 30000;  // > ring slots and > 8 MiB queue
  for (uint32_t i = 0; i < n; ++i) ASSERT_TRUE(wire.send(test_frame(i, 1000, kB, kA)));
  port.poll_stats();
  uint64_t dropped = port.counter(NetdevCounter::kRxKernelDropped);
  EXPECT_GT(dropped, 0u);
  EXPECT_EQ(port.rx_dropped, dropped);
  port.poll_stats();  // the kernel's count was reset by the first read: nothing counted twice
  EXPECT_EQ(port.counter(NetdevCounter::kRxKernelDropped), dropped);
}

TEST_P(AfPacketNetdevTest, VethPeerTsoBurstIsSegmentedInSoftware) {
  NT_REQUIRE_NETNS();
  VethNs v;
  ASSERT_TRUE(v.ok) << v.ns.error();
  NetnsScope in(v.ns);
  ASSERT_TRUE(in.ok());
  std::unique_ptr<Netdev> nd;
  MacAddr ntb_mac;
  ASSERT_TRUE(open_tso_peer(v.ns, nd, ntb_mac));
  Netdev& port = *nd;
  PacketPool pool(256);
  constexpr uint16_t kMss = 1400;
  auto r = testing::tcp_first_flight(port, pool, kA, ntb_mac, 0x0a080001, 0x0a080002, kMss);
  ASSERT_GE(r.contiguous, 10u * kMss) << "the first flight did not arrive";
  EXPECT_TRUE(r.data_matches);
  EXPECT_FALSE(r.bad_checksum);
  EXPECT_LE(r.max_frame, 14u + 1500u);
  EXPECT_GE(port.rx_gso_frames, 1u) << "the veth never passed us a super-frame";
  EXPECT_EQ(pool.available(), 256u);
}

// With large packets in the pool (the daemon's), the super-frames stay whole: one packet
// each, its virtio-net header in Packet::offload, checksum partial; and a super-frame sent
// with its header leaves the port as one frame (the veth takes it whole).
TEST_P(AfPacketNetdevTest, VethPeerTsoBurstKeepsItsOffloadsWithLargePackets) {
  NT_REQUIRE_NETNS();
  VethNs v;
  ASSERT_TRUE(v.ok) << v.ns.error();
  NetnsScope in(v.ns);
  ASSERT_TRUE(in.ok());
  std::unique_ptr<Netdev> nd;
  MacAddr ntb_mac;
  ASSERT_TRUE(open_tso_peer(v.ns, nd, ntb_mac));
  Netdev& port = *nd;
  EXPECT_TRUE(port.accepts_offload());
  PacketPool pool(256, 2048, 16);
  constexpr uint16_t kMss = 1400;
  auto r = testing::tcp_first_flight(port, pool, kA, ntb_mac, 0x0a080001, 0x0a080002, kMss);
  ASSERT_GE(r.contiguous, 10u * kMss) << "the first flight did not arrive";
  EXPECT_TRUE(r.data_matches);
  EXPECT_FALSE(r.bad_checksum);
  EXPECT_GT(r.max_frame, 14u + 1500u) << "no super-frame arrived whole";
  EXPECT_GE(port.rx_offload_passed, 1u);
  EXPECT_EQ(port.rx_gso_frames, 0u) << "nothing should have been segmented";
  EXPECT_EQ(port.rx_dropped, 0u);
  EXPECT_EQ(pool.available(), 256u);
  EXPECT_EQ(pool.large_available(), 16u);

  // Our own super-frame out of the port: accepted whole (no EMSGSIZE), seen whole by the peer.
  testing::RawSocket wire("ntb");
  ASSERT_TRUE(wire.ok());
  Packet* sf = pool.get_large();
  FlowKey k;
  k.dl_src = kA;
  k.dl_dst = kB;
  k.dl_type = kEthTypeIp;
  k.nw_src = 0x0a080002;
  k.nw_dst = 0x0a080003;
  k.nw_proto = kIpProtoTcp;
  k.nw_ttl = 64;
  k.tp_src = 5001;
  k.tp_dst = 40000;
  ASSERT_TRUE(compose_packet(k, *sf, 8000));
  const size_t l4 = 34, len = sf->size();
  uint32_t pseudo =
      ipv4_pseudo_header_sum(k.nw_src, k.nw_dst, kIpProtoTcp, static_cast<uint16_t>(len - l4));
  store_be16(sf->data() + l4 + 16, static_cast<uint16_t>(~csum_finish(pseudo)));
  sf->offload = VnetHdr{kVnetNeedsCsum,
                        kVnetGsoTcpv4,
                        static_cast<uint16_t>(l4 + 20),
                        kMss,
                        static_cast<uint16_t>(l4),
                        16};
  PacketBatch b;
  b.add(sf);
  uint64_t sent_before = port.tx_packets;
  port.send(b, pool);
  EXPECT_EQ(port.tx_dropped, 0u);
  EXPECT_EQ(port.tx_packets, sent_before + 1);
  auto got = wire.collect(1, 2000, [&](const uint8_t* f, size_t n) {
    return n > 14 + 20 && load_be16(f + 12) == kEthTypeIp && load_be32(f + 30) == k.nw_dst;
  });
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].size(), len);
}

TEST_P(AfPacketNetdevTest, PortComesUpWhenItsInterfaceAppearsAndNoticesItGoing) {
  NT_REQUIRE_NETNS();
  TestNetns ns;
  ASSERT_TRUE(ns.ok()) << ns.error();
  NetnsScope in(ns);
  ASSERT_TRUE(in.ok());
  auto nd = netdev_open(system_spec("ntc"), std::nullopt);
  ASSERT_TRUE(nd.ok()) << nd.error().message;
  Netdev& port = **nd;
  EXPECT_FALSE(port.is_up());
  EXPECT_EQ(port.error(), "ntc: no such device");
  EXPECT_EQ(port.rx_fd(), -1);
  PacketPool pool(8);
  PacketBatch b;
  b.add(pool.get());
  b.pkts[0]->assign(test_frame(1, 60, kA, kB).data(), 60);
  port.send(b, pool);
  EXPECT_EQ(port.counter(NetdevCounter::kTxDown), 1u);
  EXPECT_EQ(pool.available(), 8u);
  auto r = port.retry();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "ntc: no such device");

  ASSERT_EQ(ns.sh("ip link add ntc type veth peer name ntd && ip link set ntd up"), 0);
  ASSERT_TRUE(port.retry().ok());
  EXPECT_TRUE(port.is_up());
  EXPECT_GE(port.rx_fd(), 0);
  testing::RawSocket wire("ntd");
  ASSERT_TRUE(wire.ok());
  b.add(pool.get());
  auto f = test_frame(2, 60, kA, kB);
  b.pkts[0]->assign(f.data(), f.size());
  port.send(b, pool);
  auto got = wire.collect(1, 2000, is_test_frame);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], f);

  ASSERT_EQ(ns.sh("ip link del ntc"), 0);
  testing::wait_until(2000, [&] {
    testing::drain(port, pool, 20, [](const Packet&) {});
    b.add(pool.get());
    b.pkts[0]->assign(f.data(), f.size());
    port.send(b, pool);
    return !port.is_up();
  });
  EXPECT_FALSE(port.is_up());
  EXPECT_EQ(port.error(), "ntc: device went away");
  EXPECT_EQ(pool.available(), 8u);
}

// A frame from the wire, echoed back by us: prints the median round trip (the ring adds up to
// its 1 ms block retire timeout in each direction it receives; recvmmsg adds nothing).
TEST_P(AfPacketNetdevTest, EchoRoundTrip) {
  NT_REQUIRE_NETNS();
  VethNs v;
  ASSERT_TRUE(v.ok) << v.ns.error();
  NetnsScope in(v.ns);
  auto nd = netdev_open(system_spec("nta"), std::nullopt);
  ASSERT_TRUE(nd.ok()) << nd.error().message;
  testing::RawSocket wire("ntb");
  ASSERT_TRUE(wire.ok());
  PacketPool pool(64);
  std::vector<double> rtts;
  for (uint32_t i = 0; i < 50; ++i) {
    auto f = test_frame(i, 64, kB, kA);
    auto t0 = std::chrono::steady_clock::now();
    ASSERT_TRUE(wire.send(f));
    PacketBatch b;
    testing::wait_until(3000, [&] {
      testing::wait_readable((*nd)->rx_fd(), 5);
      (*nd)->receive(pool, b);
      return b.count > 0;
    });
    ASSERT_GT(b.count, 0u);
    (*nd)->send(b, pool);
    auto back = wire.collect(1, 3000, [&](const uint8_t* d, size_t n) {
      return is_test_frame(d, n) && load_be32(d + 14) == i;
    });
    ASSERT_EQ(back.size(), 1u);
    rtts.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(rtts.begin(), rtts.end());
  std::printf("[ rx_mode=%s ] echo round trip: median %.0f us, max %.0f us\n", GetParam(),
              rtts[rtts.size() / 2], rtts.back());
}

INSTANTIATE_TEST_SUITE_P(RxModes, AfPacketNetdevTest, ::testing::Values("ring", "mmsg"));

TEST(AfPacketNetdev, RejectsAnUnknownRxMode) {
  PortSpec s;
  s.name = "eth0";
  s.type = PortType::kSystem;
  s.options["rx_mode"] = "turbo";
  auto r = netdev_open(s, std::nullopt);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "eth0: options:rx_mode must be ring or mmsg");
}

}  // namespace
}  // namespace nt
