#include "packet/checksum.h"

#include <gtest/gtest.h>

#include <random>

#include "packet/build.h"
#include "packet/bytes.h"
#include "packet_test_util.h"

namespace nt {
namespace {

using testing::ip4;

TEST(Checksum, Rfc1071Example) {
  // RFC 1071 §3: the words 0001 f203 f4f5 f6f7 sum to ddf2 (with end-around carry).
  const uint8_t d[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  EXPECT_EQ(csum_finish(csum_add(0, d, sizeof d)), static_cast<uint16_t>(~0xddf2));
  EXPECT_EQ(inet_checksum(d, sizeof d), 0x220d);
}

TEST(Checksum, KnownIpv4Header) {
  uint8_t h[] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                 0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
  EXPECT_EQ(ipv4_header_checksum(h, sizeof h), 0xb861);
  EXPECT_FALSE(ipv4_header_checksum_ok(h, sizeof h));
  store_be16(h + 10, 0xb861);
  EXPECT_EQ(ipv4_header_checksum(h, sizeof h), 0xb861);  // ignores the stored field
  EXPECT_TRUE(ipv4_header_checksum_ok(h, sizeof h));
}

TEST(Checksum, OddLengthPadsWithZero) {
  const uint8_t odd[] = {0x12, 0x34, 0x56};
  const uint8_t even[] = {0x12, 0x34, 0x56, 0x00};
  EXPECT_EQ(inet_checksum(odd, 3), inet_checksum(even, 4));
  EXPECT_EQ(inet_checksum(nullptr, 0), 0xffff);
}

TEST(Checksum, ChunksComposeLikeOneBuffer) {
  std::mt19937_64 rng(1);
  std::vector<uint8_t> d(1501);
  for (auto& b : d) b = static_cast<uint8_t>(rng());
  for (size_t cut = 0; cut < d.size(); cut += 2) {
    uint32_t s = csum_add(0, d.data(), cut);
    s = csum_add(s, d.data() + cut, d.size() - cut);
    ASSERT_EQ(csum_finish(s), inet_checksum(d.data(), d.size())) << cut;
  }
}

TEST(Checksum, LargeBufferDoesNotLoseCarries) {
  std::vector<uint8_t> d(65536, 0xff);
  // All-ones words are one's-complement zeros: the sum stays 0xffff, the checksum 0.
  EXPECT_EQ(inet_checksum(d.data(), d.size()), 0);
  d[0] = 0;
  EXPECT_EQ(inet_checksum(d.data(), d.size()), 0xff00);
}

TEST(Checksum, PseudoHeaderUdp) {
  // A UDP datagram checks out when the sum over pseudo-header + segment is all-ones.
  uint8_t udp[12] = {0x30, 0x39, 0x00, 0x35, 0x00, 0x0c, 0x00, 0x00, 'a', 'b', 'c', 'd'};
  uint32_t src = ip4(10, 0, 0, 1), dst = ip4(10, 0, 0, 2);
  uint16_t c = l4_checksum_ipv4(src, dst, kIpProtoUdp, udp, sizeof udp);
  store_be16(udp + 6, c);
  EXPECT_EQ(inet_checksum(udp, sizeof udp, ipv4_pseudo_header_sum(src, dst, kIpProtoUdp, 12)), 0);
}

TEST(Checksum, UdpZeroIsSentAsAllOnes) {
  // Pick a segment whose checksum computes to 0: solve for the last word.
  uint8_t udp[10] = {0x00, 0x01, 0x00, 0x02, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x00};
  uint32_t src = 1, dst = 2;
  uint16_t c = l4_checksum_ipv4(src, dst, kIpProtoUdp, udp, sizeof udp);
  store_be16(udp + 8, c);  // now the data sums to all-ones: checksum would be 0
  EXPECT_EQ(l4_checksum_ipv4(src, dst, kIpProtoUdp, udp, sizeof udp), 0xffff);
}

TEST(Checksum, PseudoHeaderIpv6) {
  auto s = testing::ip6(0xfe80, 1), d = testing::ip6(0xff02, 2);
  uint8_t icmp[8] = {133, 0, 0, 0, 0, 0, 0, 0};
  store_be16(icmp + 2, l4_checksum_ipv6(s, d, kIpProtoIcmpv6, icmp, sizeof icmp));
  EXPECT_EQ(inet_checksum(icmp, sizeof icmp, ipv6_pseudo_header_sum(s, d, kIpProtoIcmpv6, 8)), 0);
}

// One's-complement zero has two encodings; a full recompute and RFC 1624 may pick either.
bool same_checksum(uint16_t a, uint16_t b) {
  return a == b || ((a == 0 || a == 0xffff) && (b == 0 || b == 0xffff));
}

TEST(Checksum, Incremental16MatchesFullRecompute) {
  std::mt19937_64 rng(7);
  for (int iter = 0; iter < 20000; ++iter) {
    uint8_t d[40];
    for (auto& b : d) b = static_cast<uint8_t>(rng());
    size_t at = 2 * (rng() % 20);
    uint16_t before = inet_checksum(d, sizeof d);
    uint16_t old_v = load_be16(d + at), new_v = static_cast<uint16_t>(rng());
    if (iter % 5 == 0) new_v = static_cast<uint16_t>(~old_v);
    store_be16(d + at, new_v);
    uint16_t full = inet_checksum(d, sizeof d);
    ASSERT_TRUE(same_checksum(csum_update16(before, old_v, new_v), full)) << iter;
  }
}

TEST(Checksum, Incremental32MatchesFullRecompute) {
  std::mt19937_64 rng(8);
  for (int iter = 0; iter < 20000; ++iter) {
    uint8_t d[40];
    for (auto& b : d) b = static_cast<uint8_t>(rng());
    size_t at = 2 * (rng() % 19);  // 32-bit fields on 16-bit boundaries, as in IPv4
    uint16_t before = inet_checksum(d, sizeof d);
    uint32_t old_v = load_be32(d + at), new_v = static_cast<uint32_t>(rng());
    store_be32(d + at, new_v);
    uint16_t full = inet_checksum(d, sizeof d);
    ASSERT_TRUE(same_checksum(csum_update32(before, old_v, new_v), full)) << iter;
  }
}

TEST(Checksum, Rfc1624Example) {
  // RFC 1624 §4: HC = 0xdd2f, m = 0x5555 -> m' = 0x3285 gives HC' = 0x0000.
  EXPECT_EQ(csum_update16(0xdd2f, 0x5555, 0x3285), 0x0000);
}

TEST(Checksum, RecomputeAndVerifyWholePackets) {
  std::mt19937_64 rng(3);
  for (int i = 0; i < 300; ++i) {
    FlowKey k = testing::random_key(rng);
    Packet p;
    ASSERT_TRUE(compose_packet(k, p, rng() % 100));
    ASSERT_TRUE(verify_checksums(p));
    if (!k.is_ip()) continue;
    HeaderOffsets o;
    FlowKey tmp;
    ASSERT_EQ(flow_extract(p, tmp, &o), ParseError::kOk);
    p.data()[o.l3 + 10] ^= 0x40;  // corrupt the IPv4 header checksum
    EXPECT_FALSE(verify_checksums(p));
    EXPECT_TRUE(recompute_checksums(p));
    EXPECT_TRUE(verify_checksums(p));
  }
}

}  // namespace
}  // namespace nt
