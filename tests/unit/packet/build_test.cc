#include "packet/build.h"

#include <gtest/gtest.h>

#include <random>

#include "packet/bytes.h"
#include "packet/checksum.h"
#include "packet/parse.h"
#include "packet_test_util.h"

namespace nt {
namespace {

using testing::ip4;
using testing::mac;

// compose -> extract gives the key back: metadata/regs excluded (no wire form).
TEST(Compose, RandomKeysRoundTrip) {
  std::mt19937_64 rng(2024);
  int shapes[8] = {};
  for (int i = 0; i < 20000; ++i) {
    FlowKey k = testing::random_key(rng);
    Packet p;
    size_t payload = rng() % 80;
    ASSERT_TRUE(compose_packet(k, p, payload));
    FlowKey back;
    HeaderOffsets o;
    ASSERT_EQ(flow_extract(p, back, &o), ParseError::kOk) << i;
    ASSERT_EQ(back, k) << i << " dl_type " << k.dl_type << " proto " << int(k.nw_proto);
    ASSERT_TRUE(verify_checksums(p)) << i;
    shapes[k.is_arp() ? 0 : k.is_ip() ? 1 : k.is_ipv6() ? 2 : 3]++;
    shapes[4] += (k.vlan_tci2 != 0);
    shapes[5] += (k.nw_frag & kFragLater) != 0;
  }
  for (int s = 0; s < 6; ++s) EXPECT_GT(shapes[s], 500) << s;
}

TEST(Compose, Ipv4Layout) {
  FlowKey k;
  k.dl_src = mac(1);
  k.dl_dst = mac(2);
  k.dl_type = kEthTypeIp;
  k.nw_src = ip4(10, 1, 1, 1);
  k.nw_dst = ip4(10, 1, 1, 2);
  k.nw_proto = kIpProtoTcp;
  k.nw_ttl = 5;
  k.tp_src = 1;
  k.tp_dst = 2;
  Packet p;
  ASSERT_TRUE(compose_packet(k, p, 10));
  EXPECT_EQ(p.size(), 14u + 20 + 20 + 10);
  EXPECT_EQ(load_be16(p.data() + 16), 50);
  EXPECT_TRUE(ipv4_header_checksum_ok(p.data() + 14, 20));
  EXPECT_EQ(p.data()[p.size() - 1], 9);  // payload pattern 0..9
}

TEST(Compose, FragmentsAndIpv6FragmentHeader) {
  FlowKey k;
  k.dl_type = kEthTypeIpv6;
  k.nw_proto = kIpProtoUdp;
  k.nw_frag = kFragAny;
  k.tp_src = 10;
  k.tp_dst = 20;
  Packet p;
  ASSERT_TRUE(compose_packet(k, p));
  EXPECT_EQ(p.data()[14 + 6], 44);  // next header: fragment
  EXPECT_EQ(p.size(), 14u + 40 + 8 + 8);
  FlowKey back;
  ASSERT_EQ(flow_extract(p, back), ParseError::kOk);
  EXPECT_EQ(back, k);
  k.dl_type = kEthTypeIp;
  k.nw_frag = kFragAny | kFragLater;
  k.tp_src = k.tp_dst = 0;
  ASSERT_TRUE(compose_packet(k, p, 16));
  EXPECT_EQ(p.size(), 14u + 20 + 16);  // no UDP header in a later fragment
  EXPECT_NE(load_be16(p.data() + 20) & 0x1fff, 0);
}

TEST(Compose, MetadataRestored) {
  FlowKey k;
  k.dl_type = 0x88cc;
  k.in_port = 7;
  k.tun_id = 55;
  k.tun_dst = 9;
  Packet p;
  ASSERT_TRUE(compose_packet(k, p));
  EXPECT_EQ(p.in_port, 7u);
  EXPECT_TRUE(p.tunnel.valid);
  EXPECT_EQ(p.tunnel.tun_id, 55u);
  k.tun_id = k.tun_dst = 0;
  ASSERT_TRUE(compose_packet(k, p));
  EXPECT_FALSE(p.tunnel.valid);  // compose starts from a reset packet
}

TEST(Compose, TooBigFails) {
  FlowKey k;
  k.dl_type = kEthTypeIp;
  Packet p(256);
  EXPECT_FALSE(compose_packet(k, p, 200));
  EXPECT_TRUE(compose_packet(k, p, 100));
  Packet big(70000);
  EXPECT_FALSE(compose_packet(k, big, 65535));
}

TEST(Build, IcmpEcho) {
  Packet p;
  ASSERT_TRUE(build_icmp_echo(p, mac(0xfa163e000001), mac(0xfa163e000002), ip4(10, 0, 0, 3),
                              ip4(10, 0, 0, 4), false, 0x1234, 7));
  EXPECT_EQ(p.size(), 14u + 20 + 64);
  FlowKey k;
  ASSERT_EQ(flow_extract(p, k), ParseError::kOk);
  EXPECT_EQ(k.nw_proto, kIpProtoIcmp);
  EXPECT_EQ(k.tp_src, 8);
  EXPECT_EQ(k.tp_dst, 0);
  EXPECT_EQ(k.nw_ttl, 64);
  EXPECT_EQ(k.nw_src, ip4(10, 0, 0, 3));
  EXPECT_EQ(load_be16(p.data() + 38), 0x1234);
  EXPECT_EQ(load_be16(p.data() + 40), 7);
  EXPECT_TRUE(verify_checksums(p));
  EXPECT_EQ(inet_checksum(p.data() + 34, 64), 0);
  ASSERT_TRUE(build_icmp_echo(p, mac(2), mac(1), ip4(10, 0, 0, 4), ip4(10, 0, 0, 3), true, 0x1234,
                              7, 0, 255));
  ASSERT_EQ(flow_extract(p, k), ParseError::kOk);
  EXPECT_EQ(k.tp_src, 0);
  EXPECT_EQ(k.nw_ttl, 255);
  EXPECT_TRUE(verify_checksums(p));
}

TEST(Build, Arp) {
  Packet p;
  ASSERT_TRUE(build_arp_request(p, mac(0xfa163e000001), ip4(10, 0, 0, 1), ip4(10, 0, 0, 9)));
  EXPECT_EQ(p.size(), 42u);
  FlowKey k;
  ASSERT_EQ(flow_extract(p, k), ParseError::kOk);
  EXPECT_TRUE(k.dl_dst.is_broadcast());
  EXPECT_EQ(k.dl_src, mac(0xfa163e000001));
  EXPECT_EQ(k.nw_proto, 1);
  EXPECT_TRUE(k.arp_tha.is_zero());
  EXPECT_EQ(k.nw_dst, ip4(10, 0, 0, 9));
  ASSERT_TRUE(build_arp_reply(p, mac(0xfa163e000009), ip4(10, 0, 0, 9), mac(0xfa163e000001),
                              ip4(10, 0, 0, 1)));
  ASSERT_EQ(flow_extract(p, k), ParseError::kOk);
  EXPECT_EQ(k.nw_proto, 2);
  EXPECT_EQ(k.dl_dst, mac(0xfa163e000001));
  EXPECT_EQ(k.arp_sha, mac(0xfa163e000009));
  EXPECT_EQ(k.arp_tha, mac(0xfa163e000001));
  EXPECT_EQ(k.nw_src, ip4(10, 0, 0, 9));
}

TEST(Build, Udp) {
  const uint8_t payload[] = {'h', 'e', 'l', 'l', 'o'};
  Packet p;
  ASSERT_TRUE(build_udp(p, mac(1), mac(2), ip4(10, 0, 0, 1), ip4(10, 0, 0, 2), 68, 67, payload,
                        sizeof payload));
  FlowKey k;
  ASSERT_EQ(flow_extract(p, k), ParseError::kOk);
  EXPECT_EQ(k.tp_src, 68);
  EXPECT_EQ(k.tp_dst, 67);
  EXPECT_EQ(load_be16(p.data() + 38), 13);
  EXPECT_EQ(std::string(p.data() + 42, p.data() + 47), "hello");
  EXPECT_NE(load_be16(p.data() + 40), 0);
  EXPECT_TRUE(verify_checksums(p));
}

}  // namespace
}  // namespace nt
