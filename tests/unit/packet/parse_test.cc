#include "packet/parse.h"

#include <gtest/gtest.h>

#include "packet/build.h"
#include "packet_test_util.h"

namespace nt {
namespace {

using testing::Bytes;
using testing::exact_copy;
using testing::ip4;

constexpr uint64_t kDst = 0x0a0000000001ULL;
constexpr uint64_t kSrc = 0x0a0000000002ULL;

ParseError extract(const std::vector<uint8_t>& b, FlowKey& k, HeaderOffsets* o = nullptr) {
  auto c = exact_copy(b.data(), b.size());
  return flow_extract(c.get(), b.size(), k, o);
}

std::vector<uint8_t> tcp_frame() {
  Bytes b;
  b.eth(kDst, kSrc, kEthTypeIp)
      .ipv4(ip4(10, 0, 0, 1), ip4(10, 0, 0, 2), kIpProtoTcp, 24, 0, 0xb8, 63);
  b.u16(12345).u16(80).u32(1).u32(0).u8(0x50).u8(0x02).u16(1000).u16(0).u16(0).u32(0xdeadbeef);
  return b.v;
}

TEST(ParseErrorName, ComesFromTheTable) {
  EXPECT_EQ(parse_error_name(ParseError::kOk), "ok");
  EXPECT_EQ(parse_error_name(ParseError::kTruncatedEth), "drop_truncated_eth");
  EXPECT_EQ(parse_error_name(ParseError::kBadIpv4Header), "drop_bad_ipv4_header");
  EXPECT_EQ(parse_error_name(ParseError::kTruncatedL4), "drop_truncated_l4");
  EXPECT_EQ(parse_error_name(ParseError::kCount), "unknown");
}

TEST(Parse, EthernetOnly) {
  Bytes b;
  b.eth(kDst, kSrc, 0x88cc).zeros(10);
  FlowKey k;
  HeaderOffsets o;
  ASSERT_EQ(extract(b.v, k, &o), ParseError::kOk);
  EXPECT_EQ(k.dl_dst.to_u64(), kDst);
  EXPECT_EQ(k.dl_src.to_u64(), kSrc);
  EXPECT_EQ(k.dl_type, 0x88cc);
  EXPECT_EQ(k.vlan_tci, 0);
  EXPECT_EQ(o.l3, 0xffff);
  EXPECT_EQ(o.l2_5, 0xffff);
}

TEST(Parse, Ieee8023LengthFrameIsEthTypeNone) {
  Bytes b;
  b.eth(kDst, kSrc, 46).u8(0x42).u8(0x42).u8(0x03).zeros(43);
  FlowKey k;
  ASSERT_EQ(extract(b.v, k), ParseError::kOk);
  EXPECT_EQ(k.dl_type, kEthTypeNone);
}

TEST(Parse, SingleVlanTag) {
  Bytes b;
  b.eth(kDst, kSrc, kEthTypeVlan).u16(0xa064).u16(kEthTypeArp);  // pcp 5, vid 100
  b.u16(1)
      .u16(kEthTypeIp)
      .u8(6)
      .u8(4)
      .u16(1)
      .mac(kSrc)
      .u32(ip4(1, 2, 3, 4))
      .mac(0)
      .u32(ip4(1, 2, 3, 5));
  FlowKey k;
  HeaderOffsets o;
  ASSERT_EQ(extract(b.v, k, &o), ParseError::kOk);
  EXPECT_EQ(k.vlan_tci, 0xa064 | kVlanCfi);
  EXPECT_EQ(k.vlan_tci & kVlanVidMask, 100);
  EXPECT_EQ(k.vlan_tci2, 0);
  EXPECT_EQ(k.dl_type, kEthTypeArp);
  EXPECT_EQ(o.l2_5, 14);
  EXPECT_EQ(o.l3, 18);
  EXPECT_EQ(k.nw_src, ip4(1, 2, 3, 4));
}

TEST(Parse, QinQBothTpids) {
  for (uint16_t outer : {kEthTypeQinQ, kEthTypeVlan}) {
    Bytes b;
    b.eth(kDst, kSrc, outer).u16(0x0123).u16(kEthTypeVlan).u16(0x0456).u16(kEthTypeIpv6);
    b.ipv6(59, 0);
    FlowKey k;
    HeaderOffsets o;
    ASSERT_EQ(extract(b.v, k, &o), ParseError::kOk);
    EXPECT_EQ(k.vlan_tci, 0x0123 | kVlanCfi);
    EXPECT_EQ(k.vlan_tci2, 0x0456 | kVlanCfi);
    EXPECT_EQ(k.dl_type, kEthTypeIpv6);
    EXPECT_EQ(o.l3, 22);
    EXPECT_EQ(k.nw_proto, 59);
  }
}

TEST(Parse, ThirdTagIsNotParsed) {
  Bytes b;
  b.eth(kDst, kSrc, kEthTypeQinQ)
      .u16(1)
      .u16(kEthTypeVlan)
      .u16(2)
      .u16(kEthTypeVlan)
      .u16(3)
      .u16(kEthTypeIp);
  FlowKey k;
  ASSERT_EQ(extract(b.v, k), ParseError::kOk);
  EXPECT_EQ(k.dl_type, kEthTypeVlan);
  EXPECT_EQ(k.vlan_tci2, 2 | kVlanCfi);
}

TEST(Parse, DeiBitIsFoldedIntoPresent) {
  Bytes b;
  b.eth(kDst, kSrc, kEthTypeVlan).u16(0x1000 | 7).u16(0x88cc);
  FlowKey k;
  ASSERT_EQ(extract(b.v, k), ParseError::kOk);
  EXPECT_EQ(k.vlan_tci, kVlanCfi | 7);
}

TEST(Parse, ArpRequestAndReply) {
  Bytes b;
  b.eth(0xffffffffffffULL, kSrc, kEthTypeArp);
  b.u16(1)
      .u16(kEthTypeIp)
      .u8(6)
      .u8(4)
      .u16(2)
      .mac(kSrc)
      .u32(ip4(192, 168, 0, 1))
      .mac(kDst)
      .u32(ip4(192, 168, 0, 2));
  FlowKey k;
  HeaderOffsets o;
  ASSERT_EQ(extract(b.v, k, &o), ParseError::kOk);
  EXPECT_EQ(k.dl_type, kEthTypeArp);
  EXPECT_EQ(k.nw_proto, 2);
  EXPECT_EQ(k.arp_sha.to_u64(), kSrc);
  EXPECT_EQ(k.arp_tha.to_u64(), kDst);
  EXPECT_EQ(k.nw_src, ip4(192, 168, 0, 1));
  EXPECT_EQ(k.nw_dst, ip4(192, 168, 0, 2));
  EXPECT_EQ(o.l3, 14);
  EXPECT_EQ(o.l4, 0xffff);
  EXPECT_EQ(k.tp_src, 0);
}

TEST(Parse, ArpOpcodeLowByte) {
  Bytes b;
  b.eth(kDst, kSrc, kEthTypeArp).u16(1).u16(kEthTypeIp).u8(6).u8(4).u16(0x0103).zeros(20);
  FlowKey k;
  ASSERT_EQ(extract(b.v, k), ParseError::kOk);
  EXPECT_EQ(k.nw_proto, 3);
}

TEST(Parse, ArpNotEthernetIpv4IsBad) {
  for (int field = 0; field < 4; ++field) {
    Bytes b;
    b.eth(kDst, kSrc, kEthTypeArp);
    b.u16(field == 0 ? 6 : 1).u16(field == 1 ? kEthTypeIpv6 : kEthTypeIp);
    b.u8(field == 2 ? 8 : 6).u8(field == 3 ? 16 : 4).u16(1).zeros(20);
    FlowKey k;
    EXPECT_EQ(extract(b.v, k), ParseError::kBadArp) << field;
    EXPECT_EQ(k.dl_type, kEthTypeArp);  // L2 stays filled
    EXPECT_EQ(k.dl_src.to_u64(), kSrc);
  }
}

TEST(Parse, Ipv4Tcp) {
  FlowKey k;
  HeaderOffsets o;
  ASSERT_EQ(extract(tcp_frame(), k, &o), ParseError::kOk);
  EXPECT_EQ(k.dl_type, kEthTypeIp);
  EXPECT_EQ(k.nw_src, ip4(10, 0, 0, 1));
  EXPECT_EQ(k.nw_dst, ip4(10, 0, 0, 2));
  EXPECT_EQ(k.nw_proto, kIpProtoTcp);
  EXPECT_EQ(k.nw_tos, 0xb8);
  EXPECT_EQ(k.nw_ttl, 63);
  EXPECT_EQ(k.nw_frag, 0);
  EXPECT_EQ(k.tp_src, 12345);
  EXPECT_EQ(k.tp_dst, 80);
  EXPECT_EQ(k.tcp_flags, 0x002);  // SYN
  EXPECT_EQ(o.l3, 14);
  EXPECT_EQ(o.l4, 34);
}

// tcp_flags are the low 12 bits of the data-offset/flags word: NS (0x100) included, the data
// offset never; frames built from a key carry its flags back.
TEST(Parse, TcpFlagsTwelveBitsAndRoundTrip) {
  auto f = tcp_frame();
  f[14 + 20 + 12] = 0x51;  // offset 5, NS
  f[14 + 20 + 13] = 0x12;  // SYN|ACK
  FlowKey k;
  ASSERT_EQ(extract(f, k), ParseError::kOk);
  EXPECT_EQ(k.tcp_flags, 0x112);
  Packet p;
  ASSERT_TRUE(compose_packet(k, p));
  FlowKey back;
  ASSERT_EQ(flow_extract(p.data(), p.size(), back), ParseError::kOk);
  EXPECT_EQ(back.tcp_flags, 0x112);
}

TEST(Parse, Ipv4UdpAndIcmp) {
  Bytes u;
  u.eth(kDst, kSrc, kEthTypeIp).ipv4(1, 2, kIpProtoUdp, 8).u16(68).u16(67).u16(8).u16(0);
  FlowKey k;
  ASSERT_EQ(extract(u.v, k), ParseError::kOk);
  EXPECT_EQ(k.tp_src, 68);
  EXPECT_EQ(k.tp_dst, 67);
  Bytes i;
  i.eth(kDst, kSrc, kEthTypeIp).ipv4(1, 2, kIpProtoIcmp, 8).u8(3).u8(4).u16(0).u32(0);
  ASSERT_EQ(extract(i.v, k), ParseError::kOk);
  EXPECT_EQ(k.nw_proto, kIpProtoIcmp);
  EXPECT_EQ(k.tp_src, 3);
  EXPECT_EQ(k.tp_dst, 4);
}

TEST(Parse, Ipv4OptionsAreSkipped) {
  Bytes b;
  b.eth(kDst, kSrc, kEthTypeIp);
  b.u8(0x47).u8(0).u16(28 + 8).u16(0).u16(0).u8(64).u8(kIpProtoUdp).u16(0).u32(1).u32(2);
  b.u32(0x01010101).u32(0x01010100);  // 8 bytes of options (IHL 7)
  b.u16(1111).u16(2222).u16(8).u16(0);
  FlowKey k;
  HeaderOffsets o;
  ASSERT_EQ(extract(b.v, k, &o), ParseError::kOk);
  EXPECT_EQ(o.l4, 14 + 28);
  EXPECT_EQ(k.tp_src, 1111);
  EXPECT_EQ(k.tp_dst, 2222);
}

TEST(Parse, Ipv4PaddingAfterTotalLengthIsIgnored) {
  Bytes b;
  b.eth(kDst, kSrc, kEthTypeIp).ipv4(1, 2, kIpProtoUdp, 8).u16(5).u16(6).u16(8).u16(0).zeros(18);
  FlowKey k;
  ASSERT_EQ(extract(b.v, k), ParseError::kOk);
  EXPECT_EQ(k.tp_dst, 6);
  // The L4 bound is the IP total length, not the frame: a UDP header cut by the IP length
  // is truncated even though the frame has padding bytes after it.
  Bytes c;
  c.eth(kDst, kSrc, kEthTypeIp).ipv4(1, 2, kIpProtoUdp, 4).u16(5).u16(6).zeros(20);
  EXPECT_EQ(extract(c.v, k), ParseError::kTruncatedL4);
  EXPECT_EQ(k.nw_proto, kIpProtoUdp);  // L3 filled as far as valid
  EXPECT_EQ(k.tp_src, 0);
}

TEST(Parse, Ipv4Fragments) {
  Bytes first;
  first.eth(kDst, kSrc, kEthTypeIp)
      .ipv4(1, 2, kIpProtoUdp, 8, 0x2000)
      .u16(7)
      .u16(9)
      .u16(100)
      .u16(0);
  FlowKey k;
  HeaderOffsets o;
  ASSERT_EQ(extract(first.v, k, &o), ParseError::kOk);
  EXPECT_EQ(k.nw_frag, kFragAny);
  EXPECT_EQ(k.tp_src, 7);
  EXPECT_EQ(o.l4, 34);
  for (uint16_t frag : {0x0001, 0x2010, 0x1fff}) {
    Bytes later;
    later.eth(kDst, kSrc, kEthTypeIp).ipv4(1, 2, kIpProtoUdp, 8, frag).u16(7).u16(9).u32(0);
    ASSERT_EQ(extract(later.v, k, &o), ParseError::kOk);
    EXPECT_EQ(k.nw_frag, kFragAny | kFragLater);
    EXPECT_EQ(k.nw_proto, kIpProtoUdp);
    EXPECT_EQ(k.tp_src, 0);
    EXPECT_EQ(k.tp_dst, 0);
    EXPECT_EQ(o.l4, 0xffff);
  }
  // DF alone is not a fragment.
  Bytes df;
  df.eth(kDst, kSrc, kEthTypeIp).ipv4(1, 2, kIpProtoUdp, 8, 0x4000).u16(7).u16(9).u32(0);
  ASSERT_EQ(extract(df.v, k), ParseError::kOk);
  EXPECT_EQ(k.nw_frag, 0);
  // A later fragment shorter than an L4 header is fine: nothing is read there.
  Bytes tiny;
  tiny.eth(kDst, kSrc, kEthTypeIp).ipv4(1, 2, kIpProtoTcp, 2, 0x0003).u16(0);
  EXPECT_EQ(extract(tiny.v, k), ParseError::kOk);
}

TEST(Parse, Ipv4BadHeaders) {
  FlowKey k;
  auto with = [](uint8_t vihl, uint16_t total) {
    Bytes b;
    b.eth(kDst, kSrc, kEthTypeIp).u8(vihl).u8(0).u16(total).zeros(16).zeros(40);
    return b.v;
  };
  EXPECT_EQ(extract(with(0x65, 40), k), ParseError::kBadIpv4Header);  // version 6
  EXPECT_EQ(extract(with(0x44, 40), k), ParseError::kBadIpv4Header);  // IHL 4
  EXPECT_EQ(extract(with(0x45, 19), k), ParseError::kBadIpv4Header);  // total < IHL
  EXPECT_EQ(extract(with(0x46, 22), k), ParseError::kBadIpv4Header);  // total < IHL (24)
  EXPECT_EQ(extract(with(0x45, 61), k), ParseError::kTruncatedIpv4);  // total > frame
  EXPECT_EQ(extract(with(0x4f, 60), k), ParseError::kOk);             // IHL 15 fits exactly
  EXPECT_EQ(extract(with(0x4f, 61), k), ParseError::kTruncatedIpv4);
  EXPECT_EQ(k.dl_type, kEthTypeIp);
  EXPECT_EQ(k.nw_proto, 0);  // L3 fields not filled from an invalid header
}

TEST(Parse, Ipv6TcpUdpIcmpv6) {
  Bytes t;
  t.eth(kDst, kSrc, kEthTypeIpv6).ipv6(kIpProtoTcp, 20, 0xa5, 255).u16(443).u16(50000).zeros(16);
  FlowKey k;
  HeaderOffsets o;
  ASSERT_EQ(extract(t.v, k, &o), ParseError::kOk);
  EXPECT_EQ(k.dl_type, kEthTypeIpv6);
  EXPECT_EQ(k.nw_proto, kIpProtoTcp);
  EXPECT_EQ(k.nw_tos, 0xa5);
  EXPECT_EQ(k.nw_ttl, 255);
  EXPECT_EQ(k.ipv6_src[0], 0x20);
  EXPECT_EQ(k.ipv6_src[15], 0x2f);
  EXPECT_EQ(k.ipv6_dst[0], 0x40);
  EXPECT_EQ(k.tp_src, 443);
  EXPECT_EQ(k.tp_dst, 50000);
  EXPECT_EQ(o.l4, 54);
  EXPECT_EQ(k.nw_src, 0u);
  Bytes u;
  u.eth(kDst, kSrc, kEthTypeIpv6).ipv6(kIpProtoUdp, 8).u16(546).u16(547).u16(8).u16(0);
  ASSERT_EQ(extract(u.v, k), ParseError::kOk);
  EXPECT_EQ(k.tp_src, 546);
  Bytes i;
  i.eth(kDst, kSrc, kEthTypeIpv6).ipv6(kIpProtoIcmpv6, 24).u8(135).u8(0).u16(0).zeros(20);
  ASSERT_EQ(extract(i.v, k), ParseError::kOk);
  EXPECT_EQ(k.nw_proto, kIpProtoIcmpv6);
  EXPECT_EQ(k.tp_src, 135);
  EXPECT_EQ(k.tp_dst, 0);
}

TEST(Parse, Ipv6ExtensionHeadersAreWalked) {
  Bytes b;
  b.eth(kDst, kSrc, kEthTypeIpv6).ipv6(0, 8 + 16 + 8);
  b.u8(60).u8(0).zeros(6);            // hop-by-hop, 8 bytes
  b.u8(kIpProtoUdp).u8(1).zeros(14);  // destination options, 16 bytes
  b.u16(1).u16(2).u16(8).u16(0);      // UDP
  FlowKey k;
  HeaderOffsets o;
  ASSERT_EQ(extract(b.v, k, &o), ParseError::kOk);
  EXPECT_EQ(k.nw_proto, kIpProtoUdp);
  EXPECT_EQ(k.tp_dst, 2);
  EXPECT_EQ(o.l4, 14 + 40 + 24);
  EXPECT_EQ(k.nw_frag, 0);
}

TEST(Parse, Ipv6Fragments) {
  Bytes first;
  first.eth(kDst, kSrc, kEthTypeIpv6).ipv6(44, 16);
  first.u8(kIpProtoUdp).u8(0).u16(0x0001).u32(77).u16(5).u16(6).u16(100).u16(0);
  FlowKey k;
  ASSERT_EQ(extract(first.v, k), ParseError::kOk);
  EXPECT_EQ(k.nw_frag, kFragAny);
  EXPECT_EQ(k.nw_proto, kIpProtoUdp);
  EXPECT_EQ(k.tp_src, 5);
  Bytes later;
  later.eth(kDst, kSrc, kEthTypeIpv6).ipv6(44, 12);
  later.u8(kIpProtoTcp).u8(0).u16(185 << 3).u32(77).u32(0);
  ASSERT_EQ(extract(later.v, k), ParseError::kOk);
  EXPECT_EQ(k.nw_frag, kFragAny | kFragLater);
  EXPECT_EQ(k.nw_proto, kIpProtoTcp);
  EXPECT_EQ(k.tp_src, 0);
}

TEST(Parse, Ipv6BadAndTruncated) {
  Bytes b;
  b.eth(kDst, kSrc, kEthTypeIpv6).ipv6(kIpProtoTcp, 0);
  b.v[14] = 0x45;
  FlowKey k;
  EXPECT_EQ(extract(b.v, k), ParseError::kBadIpv6Header);
  Bytes plen;
  plen.eth(kDst, kSrc, kEthTypeIpv6).ipv6(kIpProtoTcp, 21).zeros(20);
  EXPECT_EQ(extract(plen.v, k), ParseError::kTruncatedIpv6);
  Bytes ext;  // extension header longer than the payload
  ext.eth(kDst, kSrc, kEthTypeIpv6).ipv6(0, 8).u8(kIpProtoTcp).u8(1).zeros(6);
  EXPECT_EQ(extract(ext.v, k), ParseError::kTruncatedIpv6);
  Bytes l4;
  l4.eth(kDst, kSrc, kEthTypeIpv6).ipv6(kIpProtoTcp, 19).zeros(19);
  EXPECT_EQ(extract(l4.v, k), ParseError::kTruncatedL4);
  EXPECT_EQ(k.nw_proto, kIpProtoTcp);
}

TEST(Parse, PacketMetadataGoesIntoTheKey) {
  auto f = tcp_frame();
  Packet p;
  p.assign(f.data(), f.size());
  p.in_port = 42;
  FlowKey k;
  ASSERT_EQ(flow_extract(p, k), ParseError::kOk);
  EXPECT_EQ(k.in_port, 42u);
  EXPECT_EQ(k.tun_id, 0u);
  p.tunnel.valid = true;
  p.tunnel.tun_id = 100;
  p.tunnel.ip_src = ip4(192, 0, 2, 1);
  p.tunnel.ip_dst = ip4(192, 0, 2, 2);
  k.regs[3] = 99;  // stale contents are cleared
  ASSERT_EQ(flow_extract(p, k), ParseError::kOk);
  EXPECT_EQ(k.tun_id, 100u);
  EXPECT_EQ(k.tun_src, ip4(192, 0, 2, 1));
  EXPECT_EQ(k.tun_dst, ip4(192, 0, 2, 2));
  EXPECT_EQ(k.regs[3], 0u);
  EXPECT_EQ(k.tp_dst, 80);
}

// What each truncation point of a frame must report, given where its headers start.
struct Layout {
  const char* name;
  std::vector<uint8_t> frame;
  std::vector<std::pair<size_t, ParseError>> below;  // len < first -> error
};

ParseError expected_for(const Layout& l, size_t len) {
  for (auto& [limit, err] : l.below) {
    if (len < limit) return err;
  }
  return ParseError::kOk;
}

std::vector<Layout> layouts() {
  std::vector<Layout> out;
  using E = ParseError;
  out.push_back({"tcp",
                 tcp_frame(),
                 {{14, E::kTruncatedEth}, {34, E::kTruncatedIpv4}, {78, E::kTruncatedIpv4}}});
  Bytes arp;
  arp.eth(kDst, kSrc, kEthTypeQinQ).u16(5).u16(kEthTypeVlan).u16(6).u16(kEthTypeArp);
  arp.u16(1).u16(kEthTypeIp).u8(6).u8(4).u16(1).mac(kSrc).u32(1).mac(0).u32(2);
  out.push_back({"qinq-arp",
                 arp.v,
                 {{14, E::kTruncatedEth}, {22, E::kTruncatedVlan}, {50, E::kTruncatedArp}}});
  Bytes v6;
  v6.eth(kDst, kSrc, kEthTypeVlan).u16(9).u16(kEthTypeIpv6).ipv6(0, 8 + 8 + 8);
  v6.u8(44).u8(0).zeros(6).u8(kIpProtoIcmpv6).u8(0).u16(1).u32(5).u8(128).u8(0).zeros(6);
  out.push_back({"vlan-ipv6-ext-icmpv6",
                 v6.v,
                 {{14, E::kTruncatedEth}, {18, E::kTruncatedVlan}, {18 + 64, E::kTruncatedIpv6}}});
  Bytes icmp;
  icmp.eth(kDst, kSrc, kEthTypeIp).u8(0x46).u8(0).u16(24 + 8).u16(0).u16(0).u8(1).u8(1);
  icmp.u16(0).u32(1).u32(2).u32(0x94040000).u8(8).u8(0).zeros(6);
  out.push_back({"ipv4-options-icmp",
                 icmp.v,
                 {{14, E::kTruncatedEth}, {34, E::kTruncatedIpv4}, {46, E::kTruncatedIpv4}}});
  return out;
}

TEST(Parse, EveryTruncationIsAnErrorAndNeverReadsPastTheEnd) {
  for (const Layout& l : layouts()) {
    FlowKey full;
    ASSERT_EQ(extract(l.frame, full), ParseError::kOk) << l.name;
    for (size_t len = 0; len < l.frame.size(); ++len) {
      auto c = exact_copy(l.frame.data(), len);
      FlowKey k;
      ParseError err = flow_extract(c.get(), len, k);
      EXPECT_EQ(err, expected_for(l, len)) << l.name << " len " << len;
      EXPECT_NE(err, ParseError::kOk) << l.name << " len " << len;
      if (len >= 14) {
        EXPECT_EQ(k.dl_src, full.dl_src) << l.name << " len " << len;
      }
    }
  }
}

TEST(Parse, ArbitraryLengthIpv4InsideLongerFrameUsesTotalLength) {
  // The same IPv4 packet, truncated by its own total length field instead of the frame.
  auto f = tcp_frame();
  for (uint16_t total = 0; total < 64; ++total) {
    auto g = f;
    g[16] = static_cast<uint8_t>(total >> 8);
    g[17] = static_cast<uint8_t>(total);
    FlowKey k;
    ParseError err = extract(g, k);
    if (total < 20) {
      EXPECT_EQ(err, ParseError::kBadIpv4Header) << total;
    } else if (total < 40) {
      EXPECT_EQ(err, ParseError::kTruncatedL4) << total;
    } else if (total <= f.size() - 14) {
      EXPECT_EQ(err, ParseError::kOk) << total;
    } else {
      EXPECT_EQ(err, ParseError::kTruncatedIpv4) << total;
    }
  }
}

}  // namespace
}  // namespace nt
