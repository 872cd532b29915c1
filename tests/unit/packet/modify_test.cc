#include "packet/modify.h"

#include <gtest/gtest.h>

#include <random>

#include "packet/build.h"
#include "packet/bytes.h"
#include "packet/checksum.h"
#include "packet/offload.h"
#include "packet/parse.h"
#include "packet_test_util.h"

namespace nt {
namespace {

using testing::bytes_of;
using testing::ip4;
using testing::mac;

FlowKey ipv4_key(uint8_t proto, uint16_t tci = 0) {
  FlowKey k;
  k.dl_src = mac(0xfa163e000001);
  k.dl_dst = mac(0xfa163e000002);
  k.vlan_tci = tci ? (tci | kVlanCfi) : 0;
  k.dl_type = kEthTypeIp;
  k.nw_src = ip4(10, 0, 0, 1);
  k.nw_dst = ip4(10, 0, 0, 2);
  k.nw_proto = proto;
  k.nw_ttl = 64;
  k.tp_src = proto == kIpProtoIcmp ? 8 : 1234;
  k.tp_dst = proto == kIpProtoIcmp ? 0 : 80;
  return k;
}

FlowKey extract(const Packet& p) {
  FlowKey k;
  EXPECT_EQ(flow_extract(p, k), ParseError::kOk);
  return k;
}

// The incremental checksums the edit left must be exactly what a full recompute writes.
void expect_checksums_match_recompute(const Packet& p) {
  EXPECT_TRUE(verify_checksums(p));
  Packet copy;
  copy.assign(p.data(), p.size());
  ASSERT_TRUE(recompute_checksums(copy));
  EXPECT_EQ(bytes_of(copy), bytes_of(p));
}

TEST(Modify, PushPopVlan) {
  Packet p;
  ASSERT_TRUE(compose_packet(ipv4_key(kIpProtoUdp), p, 10));
  auto orig = bytes_of(p);
  ASSERT_TRUE(push_vlan(p, kEthTypeVlan, 0x2064));
  EXPECT_EQ(p.size(), orig.size() + 4);
  FlowKey k = extract(p);
  EXPECT_EQ(k.vlan_tci, 0x2064 | kVlanCfi);
  EXPECT_EQ(k.dl_type, kEthTypeIp);
  EXPECT_EQ(k.tp_dst, 80);
  EXPECT_EQ(load_be16(p.data() + 12), kEthTypeVlan);
  ASSERT_TRUE(pop_vlan(p));
  EXPECT_EQ(bytes_of(p), orig);
  EXPECT_FALSE(pop_vlan(p));
  EXPECT_FALSE(set_vlan_tci(p, 5));
  EXPECT_EQ(bytes_of(p), orig);
}

TEST(Modify, QinQPushMakesANewOuterTag) {
  Packet p;
  ASSERT_TRUE(compose_packet(ipv4_key(kIpProtoTcp, 100), p));
  auto orig = bytes_of(p);
  ASSERT_TRUE(push_vlan(p, kEthTypeQinQ, 200));
  FlowKey k = extract(p);
  EXPECT_EQ(k.vlan_tci, 200 | kVlanCfi);
  EXPECT_EQ(k.vlan_tci2, 100 | kVlanCfi);
  EXPECT_EQ(k.dl_type, kEthTypeIp);
  EXPECT_EQ(load_be16(p.data() + 12), kEthTypeQinQ);
  ASSERT_TRUE(set_vlan_tci(p, 300 | 7 << 13));
  k = extract(p);
  EXPECT_EQ(k.vlan_tci, (300 | 7 << 13) | kVlanCfi);
  EXPECT_EQ(k.vlan_tci2, 100 | kVlanCfi);
  ASSERT_TRUE(pop_vlan(p));
  EXPECT_EQ(bytes_of(p), orig);
  ASSERT_TRUE(pop_vlan(p));
  k = extract(p);
  EXPECT_EQ(k.vlan_tci, 0);
  EXPECT_EQ(k.dl_type, kEthTypeIp);
}

TEST(Modify, VlanEditsOnRuntFrames) {
  Packet p;
  uint8_t b[13] = {};
  p.assign(b, sizeof b);
  EXPECT_FALSE(push_vlan(p, kEthTypeVlan, 1));
  uint8_t t[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x81, 0x00, 0, 1};  // tag cut short
  p.assign(t, sizeof t);
  EXPECT_FALSE(pop_vlan(p));
  EXPECT_FALSE(set_vlan_tci(p, 2));
  EXPECT_EQ(p.size(), 16u);
}

TEST(Modify, EthAddresses) {
  Packet p;
  ASSERT_TRUE(compose_packet(ipv4_key(kIpProtoIcmp), p));
  ASSERT_TRUE(set_eth_src(p, mac(0x020000000001)));
  ASSERT_TRUE(set_eth_dst(p, mac(0x020000000002)));
  FlowKey k = extract(p);
  EXPECT_EQ(k.dl_src, mac(0x020000000001));
  EXPECT_EQ(k.dl_dst, mac(0x020000000002));
  Packet runt;
  EXPECT_FALSE(set_eth_src(runt, mac(1)));
}

class ModifyL4 : public ::testing::TestWithParam<uint8_t> {};

TEST_P(ModifyL4, Ipv4AddressesPatchBothChecksums) {
  Packet p;
  ASSERT_TRUE(compose_packet(ipv4_key(GetParam(), 10), p, 33));
  ASSERT_TRUE(set_ipv4_src(p, ip4(192, 168, 1, 77)));
  expect_checksums_match_recompute(p);
  ASSERT_TRUE(set_ipv4_dst(p, ip4(8, 8, 4, 4)));
  expect_checksums_match_recompute(p);
  FlowKey k = extract(p);
  EXPECT_EQ(k.nw_src, ip4(192, 168, 1, 77));
  EXPECT_EQ(k.nw_dst, ip4(8, 8, 4, 4));
}

TEST_P(ModifyL4, TosAndTtl) {
  Packet p;
  ASSERT_TRUE(compose_packet(ipv4_key(GetParam()), p, 7));
  ASSERT_TRUE(set_ipv4_tos(p, 0xb8));
  ASSERT_TRUE(set_ipv4_ttl(p, 1));
  expect_checksums_match_recompute(p);
  FlowKey k = extract(p);
  EXPECT_EQ(k.nw_tos, 0xb8);
  EXPECT_EQ(k.nw_ttl, 1);
  EXPECT_EQ(k.nw_proto, GetParam());
}

TEST_P(ModifyL4, Ports) {
  Packet p;
  ASSERT_TRUE(compose_packet(ipv4_key(GetParam()), p, 20));
  bool ports = GetParam() == kIpProtoTcp || GetParam() == kIpProtoUdp;
  EXPECT_EQ(set_l4_src(p, 40000), ports);
  EXPECT_EQ(set_l4_dst(p, 8080), ports);
  expect_checksums_match_recompute(p);
  FlowKey k = extract(p);
  if (ports) {
    EXPECT_EQ(k.tp_src, 40000);
    EXPECT_EQ(k.tp_dst, 8080);
  } else {
    EXPECT_EQ(k.tp_src, 8);  // ICMP type untouched
  }
}

INSTANTIATE_TEST_SUITE_P(Protocols, ModifyL4,
                         ::testing::Values(kIpProtoTcp, kIpProtoUdp, kIpProtoIcmp));

TEST(Modify, UdpChecksumZeroStaysZero) {
  Packet p;
  ASSERT_TRUE(compose_packet(ipv4_key(kIpProtoUdp), p, 12));
  store_be16(p.data() + 34 + 6, 0);
  ASSERT_TRUE(set_ipv4_src(p, ip4(1, 2, 3, 4)));
  ASSERT_TRUE(set_l4_dst(p, 53));
  EXPECT_EQ(load_be16(p.data() + 34 + 6), 0);
  EXPECT_TRUE(verify_checksums(p));
}

TEST(Modify, FragmentsOnlyPatchTheTransportWhenItIsThere) {
  FlowKey k = ipv4_key(kIpProtoTcp);
  k.nw_frag = kFragAny | kFragLater;
  k.tp_src = k.tp_dst = 0;
  Packet p;
  ASSERT_TRUE(compose_packet(k, p, 40));
  auto payload = std::vector<uint8_t>(p.data() + 34, p.data() + p.size());
  ASSERT_TRUE(set_ipv4_dst(p, ip4(3, 3, 3, 3)));
  EXPECT_FALSE(set_l4_src(p, 1));
  EXPECT_TRUE(verify_checksums(p));
  EXPECT_EQ(std::vector<uint8_t>(p.data() + 34, p.data() + p.size()), payload);
}

TEST(Modify, Ipv6Ports) {
  FlowKey k;
  k.dl_type = kEthTypeIpv6;
  k.ipv6_src = testing::ip6(0x2001, 1);
  k.ipv6_dst = testing::ip6(0x2001, 2);
  k.nw_proto = kIpProtoUdp;
  k.nw_ttl = 64;
  k.tp_src = 1;
  k.tp_dst = 2;
  Packet p;
  ASSERT_TRUE(compose_packet(k, p, 9));
  ASSERT_TRUE(set_l4_src(p, 5353));
  expect_checksums_match_recompute(p);
  EXPECT_EQ(extract(p).tp_src, 5353);
  EXPECT_FALSE(set_ipv4_src(p, 1));
  EXPECT_FALSE(set_ipv4_ttl(p, 1));
}

TEST(Modify, Arp) {
  Packet p;
  ASSERT_TRUE(build_arp_request(p, mac(0xfa163e000001), ip4(10, 0, 0, 1), ip4(10, 0, 0, 2)));
  EXPECT_FALSE(set_ipv4_src(p, 1));
  EXPECT_FALSE(set_l4_src(p, 1));
  ASSERT_TRUE(set_arp_op(p, 2));
  ASSERT_TRUE(set_arp_sha(p, mac(0xfa163e000002)));
  ASSERT_TRUE(set_arp_spa(p, ip4(10, 0, 0, 2)));
  ASSERT_TRUE(set_arp_tha(p, mac(0xfa163e000001)));
  ASSERT_TRUE(set_arp_tpa(p, ip4(10, 0, 0, 1)));
  FlowKey k = extract(p);
  EXPECT_EQ(k.nw_proto, 2);
  EXPECT_EQ(k.arp_sha, mac(0xfa163e000002));
  EXPECT_EQ(k.nw_src, ip4(10, 0, 0, 2));
  EXPECT_EQ(k.arp_tha, mac(0xfa163e000001));
  EXPECT_EQ(k.nw_dst, ip4(10, 0, 0, 1));
  Packet ip;
  ASSERT_TRUE(compose_packet(ipv4_key(kIpProtoUdp), ip));
  auto before = bytes_of(ip);
  EXPECT_FALSE(set_arp_op(ip, 1));
  EXPECT_FALSE(set_arp_sha(ip, mac(1)));
  EXPECT_FALSE(set_arp_spa(ip, 1));
  EXPECT_FALSE(set_arp_tha(ip, mac(1)));
  EXPECT_FALSE(set_arp_tpa(ip, 1));
  EXPECT_EQ(bytes_of(ip), before);
}

TEST(Modify, TruncatedIpv4IsNotTouched) {
  Packet p;
  ASSERT_TRUE(compose_packet(ipv4_key(kIpProtoTcp), p, 4));
  p.set_size(p.size() - 1);  // total length now exceeds the frame
  auto before = bytes_of(p);
  EXPECT_FALSE(set_ipv4_src(p, 1));
  EXPECT_FALSE(set_ipv4_ttl(p, 1));
  EXPECT_FALSE(set_l4_dst(p, 1));
  EXPECT_EQ(bytes_of(p), before);
}

TEST(Modify, RandomEditsKeepChecksumsExact) {
  std::mt19937_64 rng(11);
  int edited = 0;
  for (int i = 0; i < 2000; ++i) {
    FlowKey k = testing::random_key(rng);
    Packet p;
    ASSERT_TRUE(compose_packet(k, p, rng() % 64));
    switch (rng() % 6) {
      case 0:
        edited += set_ipv4_src(p, static_cast<uint32_t>(rng()));
        break;
      case 1:
        edited += set_ipv4_dst(p, static_cast<uint32_t>(rng()));
        break;
      case 2:
        edited += set_ipv4_ttl(p, static_cast<uint8_t>(rng()));
        break;
      case 3:
        edited += set_ipv4_tos(p, static_cast<uint8_t>(rng()));
        break;
      case 4:
        edited += set_l4_src(p, static_cast<uint16_t>(rng()));
        break;
      default:
        edited += set_l4_dst(p, static_cast<uint16_t>(rng()));
    }
    ASSERT_TRUE(verify_checksums(p)) << i;
    if (!k.nw_frag) {
      Packet copy;
      copy.assign(p.data(), p.size());
      recompute_checksums(copy);
      ASSERT_EQ(bytes_of(copy), bytes_of(p)) << i;
    }
  }
  EXPECT_GT(edited, 400);
}

}  // namespace
}  // namespace nt

namespace nt {
namespace {

// A frame whose transport checksum is partial, as the kernel hands it over with NEEDS_CSUM:
// the field holds the pseudo-header sum, csum_start is the transport header.
void make_partial(Packet& p, const FlowKey& k, size_t payload) {
  ASSERT_TRUE(compose_packet(k, p, payload));
  HeaderOffsets ofs;
  FlowKey parsed;
  ASSERT_EQ(flow_extract(p, parsed, &ofs), ParseError::kOk);
  size_t l4_len = p.size() - ofs.l4, field = k.nw_proto == kIpProtoTcp ? 16 : 6;
  uint32_t pseudo =
      ipv4_pseudo_header_sum(k.nw_src, k.nw_dst, k.nw_proto, static_cast<uint16_t>(l4_len));
  store_be16(p.data() + ofs.l4 + field, static_cast<uint16_t>(~csum_finish(pseudo)));
  p.offload.flags = kVnetNeedsCsum;
  p.offload.csum_start = ofs.l4;
  p.offload.csum_offset = static_cast<uint16_t>(field);
}

// Address and port rewrites on a partial checksum keep it a correct partial checksum, and
// VLAN push/pop keep csum_start on the transport header: completing it afterwards gives a
// valid frame.
TEST(Modify, PartialChecksumsStayPartialAndCorrectThroughEdits) {
  for (uint8_t proto : {kIpProtoTcp, kIpProtoUdp}) {
    Packet p(4096);
    make_partial(p, ipv4_key(proto, 7), 1000);
    uint16_t start = p.offload.csum_start;
    ASSERT_TRUE(push_vlan(p, kEthTypeQinQ, 300));
    EXPECT_EQ(p.offload.csum_start, start + 4);
    ASSERT_TRUE(set_ipv4_src(p, ip4(192, 168, 7, 7)));
    ASSERT_TRUE(set_ipv4_dst(p, ip4(172, 16, 1, 2)));
    ASSERT_TRUE(set_l4_src(p, 4321));
    ASSERT_TRUE(set_l4_dst(p, 8080));
    ASSERT_TRUE(set_ipv4_ttl(p, 3));
    ASSERT_TRUE(pop_vlan(p));
    ASSERT_TRUE(pop_vlan(p));
    EXPECT_EQ(p.offload.csum_start, start - 4);
    Packet done(4096);
    done.assign(p.data(), p.size());
    ASSERT_EQ(vnet_complete_csum(done.data(), done.size(), p.offload), VnetStatus::kOk);
    EXPECT_TRUE(verify_checksums(done)) << int{proto};
    FlowKey want = ipv4_key(proto);
    want.nw_src = ip4(192, 168, 7, 7);
    want.nw_dst = ip4(172, 16, 1, 2);
    want.tp_src = 4321;
    want.tp_dst = 8080;
    want.nw_ttl = 3;
    EXPECT_EQ(extract(done), want);
  }
}

TEST(Offload, CheckRejectsHeadersThatDoNotDescribeTheFrame) {
  Packet p(4096);
  FlowKey k = ipv4_key(kIpProtoTcp);
  make_partial(p, k, 3000);
  VnetHdr h = p.offload;
  EXPECT_EQ(vnet_check(p.data(), p.size(), h), VnetStatus::kOk);
  h.gso_type = kVnetGsoTcpv4;
  h.gso_size = 1448;
  EXPECT_EQ(vnet_check(p.data(), p.size(), h), VnetStatus::kOk);
  VnetHdr bad = h;
  bad.csum_start = static_cast<uint16_t>(p.size());  // outside the frame
  EXPECT_EQ(vnet_check(p.data(), p.size(), bad), VnetStatus::kBadHeader);
  bad = h;
  bad.csum_start = 20;  // not the transport header
  EXPECT_EQ(vnet_check(p.data(), p.size(), bad), VnetStatus::kBadHeader);
  bad = h;
  bad.gso_type = kVnetGsoTcpv6;  // an IPv4 frame
  EXPECT_EQ(vnet_check(p.data(), p.size(), bad), VnetStatus::kBadHeader);
  bad = h;
  bad.flags = 0;  // a super-frame must have its checksum partial
  EXPECT_EQ(vnet_check(p.data(), p.size(), bad), VnetStatus::kBadHeader);
  bad = h;
  bad.gso_size = 0;
  EXPECT_EQ(vnet_check(p.data(), p.size(), bad), VnetStatus::kBadHeader);
  bad = h;
  bad.gso_type = kVnetGsoUdp;  // UFO
  EXPECT_EQ(vnet_check(p.data(), p.size(), bad), VnetStatus::kUnsupportedGso);
}

}  // namespace
}  // namespace nt
