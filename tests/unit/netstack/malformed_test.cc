// Malformed and unexpected frames: each is dropped under its own counter, nothing crashes.
#include <gtest/gtest.h>

#include <random>

#include "netstack_test_util.h"
#include "packet/build.h"
#include "packet/checksum.h"

namespace nt::test {
namespace {

class MalformedTest : public NetstackTest {
 protected:
  MalformedTest() : lan(sched) {
    h = &add_host("h", lan, "10.0.0.1/24", 1);
    run_secs(1);
    lan.log.clear();
  }

  // A UDP datagram from 10.0.0.2 to h, as a Packet to tamper with.
  void udp(Packet& p, uint16_t dport = 7, uint32_t dst = 0) {
    const char* data = "payload!";
    ASSERT_TRUE(build_udp(p, mac(2), mac(1), ip("10.0.0.2"), dst ? dst : ip("10.0.0.1"), 1234,
                          dport, reinterpret_cast<const uint8_t*>(data), 8));
  }
  void echo(Packet& p, uint32_t dst = 0) {
    ASSERT_TRUE(build_icmp_echo(p, mac(2), mac(1), ip("10.0.0.2"), dst ? dst : ip("10.0.0.1"),
                                false, 1, 1));
  }
  void rx(const Packet& p) { h->receive(0, p.data(), p.size()); }
  void fix_ip_checksum(Packet& p) {
    store_be16(p.data() + 24, 0);
    store_be16(p.data() + 24, ipv4_header_checksum(p.data() + 14, 20));
  }

  TestBridge lan;
  Host* h;
};

TEST_F(MalformedTest, EachDefectHasItsCounter) {
  Packet p;
  uint8_t tiny[5] = {1, 2, 3, 4, 5};
  h->receive(0, tiny, sizeof tiny);
  EXPECT_EQ(h->parse_drops(ParseError::kTruncatedEth), 1u);
  EXPECT_EQ(h->drops(HostDrop::kMalformed), 1u);

  udp(p);
  p.set_size(p.size() - 4);  // total length now claims more than the frame holds
  rx(p);
  EXPECT_EQ(h->parse_drops(ParseError::kTruncatedIpv4), 1u);

  udp(p);
  p.data()[14] = 0x55;  // IPv5
  rx(p);
  EXPECT_EQ(h->parse_drops(ParseError::kBadIpv4Header), 1u);

  udp(p);
  p.data()[24] ^= 0xff;
  rx(p);
  EXPECT_EQ(h->drops(HostDrop::kIpBadChecksum), 1u);

  udp(p);
  store_be16(p.data() + 20, 0x2000);  // more fragments
  fix_ip_checksum(p);
  rx(p);
  EXPECT_EQ(h->drops(HostDrop::kIpFragment), 1u);

  udp(p);
  store_be32(p.data() + 26, ip("224.0.0.9"));  // multicast source
  fix_ip_checksum(p);
  rx(p);
  EXPECT_EQ(h->drops(HostDrop::kIpMartian), 1u);

  udp(p);
  p.data()[14 + 20 + 8] ^= 1;  // payload changed under the checksum
  rx(p);
  EXPECT_EQ(h->drops(HostDrop::kUdpBadChecksum), 1u);

  udp(p);
  store_be16(p.data() + 14 + 20 + 4, 200);  // UDP length beyond the IP payload
  rx(p);
  EXPECT_EQ(h->drops(HostDrop::kUdpBadLength), 1u);

  echo(p);
  p.data()[14 + 20 + 9] ^= 1;
  rx(p);
  EXPECT_EQ(h->drops(HostDrop::kIcmpBadChecksum), 1u);

  echo(p, ip("10.0.0.255"));
  store_mac(p.data(), MacAddr::from_u64(0xffffffffffffULL));
  rx(p);
  EXPECT_EQ(h->drops(HostDrop::kIcmpBroadcastEcho), 1u);

  echo(p);
  p.data()[14 + 20] = 13;  // timestamp request
  store_be16(p.data() + 14 + 22, 0);
  store_be16(p.data() + 14 + 22, inet_checksum(p.data() + 34, p.size() - 34));
  rx(p);
  EXPECT_EQ(h->drops(HostDrop::kIcmpUnhandledType), 1u);

  echo(p);
  store_mac(p.data(), mac(9));
  rx(p);
  EXPECT_EQ(h->drops(HostDrop::kOtherMac), 1u);

  FlowKey k;
  k.dl_src = mac(2);
  k.dl_dst = mac(1);
  k.dl_type = 0x88cc;  // LLDP
  ASSERT_TRUE(compose_packet(k, p, 20));
  rx(p);
  EXPECT_EQ(h->drops(HostDrop::kUnknownEthertype), 1u);
  k.dl_type = kEthTypeIp;
  k.vlan_tci = kVlanCfi | 100;
  k.nw_src = ip("10.0.0.2");
  k.nw_dst = ip("10.0.0.1");
  k.nw_proto = kIpProtoUdp;
  k.nw_ttl = 64;
  ASSERT_TRUE(compose_packet(k, p, 8));
  rx(p);
  EXPECT_EQ(h->drops(HostDrop::kVlanTagged), 1u);
  k.vlan_tci = 0;
  k.dl_type = kEthTypeIpv6;
  ASSERT_TRUE(compose_packet(k, p, 8));
  rx(p);
  EXPECT_EQ(h->drops(HostDrop::kIpv6), 1u);
  k.dl_type = kEthTypeIp;
  k.nw_proto = 47;  // GRE, no handler: protocol unreachable goes back
  ASSERT_TRUE(compose_packet(k, p, 8));
  rx(p);
  EXPECT_EQ(h->drops(HostDrop::kIpUnknownProtocol), 1u);

  h->set_link_up(0, false);
  udp(p);
  rx(p);
  EXPECT_EQ(h->drops(HostDrop::kNicDown), 1u);
  h->receive(7, p.data(), p.size());  // no such NIC: ignored
  EXPECT_EQ(h->total_drops(), 17u);
  EXPECT_NE(h->counters_text().find("udp_bad_checksum: 1\n"), std::string::npos);
  EXPECT_NE(h->counters_text().find("drop_truncated_eth: 1\n"), std::string::npos);
  // The only thing h said was the ICMP protocol unreachable (queued behind ARP for 10.0.0.2).
  EXPECT_EQ(lan.count(kEthTypeArp), 1u);
}

TEST_F(MalformedTest, ProtocolHandlersSeeTheirPackets) {
  std::vector<IpPacketView> seen;
  h->set_protocol_handler(47, [&](const IpPacketView& v) { seen.push_back(v); });
  FlowKey k;
  k.dl_src = mac(2);
  k.dl_dst = mac(1);
  k.dl_type = kEthTypeIp;
  k.nw_src = ip("10.0.0.2");
  k.nw_dst = ip("10.0.0.1");
  k.nw_proto = 47;
  k.nw_ttl = 9;
  Packet p;
  ASSERT_TRUE(compose_packet(k, p, 12));
  h->receive(0, p.data(), p.size());
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].src, ip("10.0.0.2"));
  EXPECT_EQ(seen[0].ttl, 9);
  EXPECT_EQ(seen[0].len, 12u);
  EXPECT_EQ(h->total_drops(), 0u);
}

TEST_F(MalformedTest, RandomFramesNeverCrash) {
  std::mt19937 rng(42);
  Packet p;
  uint64_t frames = 0;
  for (int i = 0; i < 20000; ++i) {
    // Start from a valid frame of some kind, then flip, truncate or extend it.
    int kind = i % 3;
    if (kind == 0) udp(p, static_cast<uint16_t>(rng()));
    if (kind == 1) echo(p);
    if (kind == 2) {
      ASSERT_TRUE(build_arp_request(p, mac(2), ip("10.0.0.2"), ip("10.0.0.1")));
    }
    std::vector<uint8_t> f(p.data(), p.data() + p.size());
    int flips = 1 + rng() % 4;
    for (int j = 0; j < flips; ++j) f[rng() % f.size()] ^= static_cast<uint8_t>(1 + rng() % 255);
    if (rng() % 4 == 0) f.resize(rng() % (f.size() + 1));
    if (rng() % 8 == 0) f.resize(f.size() + rng() % 64, static_cast<uint8_t>(rng()));
    h->receive(0, f.data(), f.size());
    ++frames;
    if (i % 1000 == 0) run_secs(5);  // let ARP timers and queued replies run too
  }
  run_secs(60);
  EXPECT_EQ(h->nic(0).stats().rx_packets, frames);
  EXPECT_GT(h->total_drops(), 1000u);
}

}  // namespace
}  // namespace nt::test
