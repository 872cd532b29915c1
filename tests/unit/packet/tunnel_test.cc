#include "packet/tunnel.h"

#include <gtest/gtest.h>

#include <set>

#include "packet/build.h"
#include "packet/bytes.h"
#include "packet/checksum.h"
#include "packet/parse.h"
#include "packet_test_util.h"

namespace nt {

void PrintTo(TunnelError e, std::ostream* os) { *os << tunnel_error_name(e); }

namespace {

using testing::bytes_of;
using testing::exact_copy;
using testing::ip4;
using testing::mac;

TunnelEncap encap(uint64_t key) {
  TunnelEncap e;
  e.eth_src = mac(0x020000000a01);
  e.eth_dst = mac(0x020000000a02);
  e.ip_src = ip4(192, 168, 100, 1);
  e.ip_dst = ip4(192, 168, 100, 2);
  e.ttl = 63;
  e.tos = 0x10;
  e.key = key;
  return e;
}

void inner_ping(Packet& p, uint16_t seq = 1) {
  ASSERT_TRUE(build_icmp_echo(p, mac(0xfa163e000001), mac(0xfa163e000002), ip4(10, 0, 0, 3),
                              ip4(10, 0, 0, 4), false, 1, seq));
}

TEST(Tunnel, VxlanEncapBuildsTheOuterHeaders) {
  Packet p;
  inner_ping(p);
  auto inner = bytes_of(p);
  ASSERT_TRUE(vxlan_encap(p, encap(100)));
  ASSERT_EQ(p.size(), inner.size() + kVxlanEncapLen);
  const uint8_t* d = p.data();
  EXPECT_EQ(load_mac(d), mac(0x020000000a02));
  EXPECT_EQ(load_mac(d + 6), mac(0x020000000a01));
  EXPECT_EQ(load_be16(d + 12), kEthTypeIp);
  const uint8_t* ip = d + 14;
  EXPECT_EQ(ip[0], 0x45);
  EXPECT_EQ(ip[1], 0x10);
  EXPECT_EQ(load_be16(ip + 2), inner.size() + 36);
  EXPECT_EQ(load_be16(ip + 6), 0x4000);  // DF
  EXPECT_EQ(ip[8], 63);
  EXPECT_EQ(ip[9], kIpProtoUdp);
  EXPECT_TRUE(ipv4_header_checksum_ok(ip, 20));
  const uint8_t* udp = ip + 20;
  EXPECT_GE(load_be16(udp), kTunnelSrcPortMin);
  EXPECT_LE(load_be16(udp), kTunnelSrcPortMax);
  EXPECT_EQ(load_be16(udp + 2), kVxlanPort);
  EXPECT_EQ(load_be16(udp + 4), inner.size() + 16);
  EXPECT_EQ(load_be16(udp + 6), 0);
  const uint8_t* vx = udp + 8;
  EXPECT_EQ(vx[0], 0x08);
  EXPECT_EQ(load_be32(vx + 4), 100u << 8);
  EXPECT_EQ(std::vector<uint8_t>(d + 50, d + p.size()), inner);
  FlowKey k;
  ASSERT_EQ(flow_extract(p, k), ParseError::kOk);
  EXPECT_EQ(k.nw_src, ip4(192, 168, 100, 1));
  EXPECT_EQ(k.tp_dst, kVxlanPort);
}

TEST(Tunnel, VxlanRoundTrip) {
  Packet p;
  inner_ping(p);
  auto inner = bytes_of(p);
  p.in_port = 3;
  ASSERT_TRUE(vxlan_encap(p, encap(0xabcdef)));
  TunnelInfo c = tunnel_classify(p);
  EXPECT_EQ(c.kind, TunnelKind::kVxlan);
  EXPECT_EQ(c.error, TunnelError::kOk);
  EXPECT_EQ(c.key, 0xabcdefu);
  EXPECT_EQ(c.ip_src, ip4(192, 168, 100, 1));
  EXPECT_EQ(c.ip_dst, ip4(192, 168, 100, 2));
  EXPECT_EQ(c.outer_len, kVxlanEncapLen);
  EXPECT_EQ(c.inner_len, inner.size());
  EXPECT_EQ(c.udp_dst, kVxlanPort);
  TunnelInfo info;
  ASSERT_EQ(tunnel_decap(p, &info), TunnelError::kOk);
  EXPECT_EQ(bytes_of(p), inner);
  EXPECT_TRUE(p.tunnel.valid);
  EXPECT_EQ(p.tunnel.tun_id, 0xabcdefu);
  EXPECT_EQ(p.tunnel.ip_src, ip4(192, 168, 100, 1));
  EXPECT_EQ(p.tunnel.ip_dst, ip4(192, 168, 100, 2));
  EXPECT_EQ(p.tunnel.ip_tos, 0x10);
  EXPECT_EQ(p.tunnel.ip_ttl, 63);
  EXPECT_EQ(p.tunnel.tp_dst, kVxlanPort);
  FlowKey k;
  ASSERT_EQ(flow_extract(p, k), ParseError::kOk);
  EXPECT_EQ(k.tun_id, 0xabcdefu);
  EXPECT_EQ(k.tun_src, ip4(192, 168, 100, 1));
  EXPECT_EQ(k.in_port, 3u);
  EXPECT_EQ(k.nw_proto, kIpProtoIcmp);
}

TEST(Tunnel, VniIs24Bits) {
  Packet p;
  inner_ping(p);
  ASSERT_TRUE(vxlan_encap(p, encap(0x1ffffff)));
  EXPECT_EQ(tunnel_classify(p).key, 0xffffffu);
}

TEST(Tunnel, GreRoundTrip) {
  Packet p;
  inner_ping(p);
  auto inner = bytes_of(p);
  ASSERT_TRUE(gre_encap(p, encap(0x12345678)));
  ASSERT_EQ(p.size(), inner.size() + kGreEncapLen);
  const uint8_t* ip = p.data() + 14;
  EXPECT_EQ(ip[9], kIpProtoGre);
  EXPECT_EQ(load_be16(ip + 2), inner.size() + 28);
  EXPECT_TRUE(ipv4_header_checksum_ok(ip, 20));
  EXPECT_EQ(load_be16(ip + 20), 0x2000);
  EXPECT_EQ(load_be16(ip + 22), kEthTypeTeb);
  TunnelInfo c = tunnel_classify(p);
  EXPECT_EQ(c.kind, TunnelKind::kGre);
  EXPECT_EQ(c.key, 0x12345678u);
  ASSERT_EQ(tunnel_decap(p), TunnelError::kOk);
  EXPECT_EQ(bytes_of(p), inner);
  EXPECT_EQ(p.tunnel.tun_id, 0x12345678u);
  EXPECT_EQ(p.tunnel.tp_dst, 0);
  EXPECT_TRUE(p.tunnel.valid);
}

TEST(Tunnel, GreOptionalFields) {
  Packet inner;
  inner_ping(inner);
  // C + K + S: checksum/reserved, key, sequence.
  testing::Bytes b;
  b.eth(2, 1, kEthTypeIp).ipv4(1, 2, kIpProtoGre, static_cast<uint16_t>(16 + inner.size()));
  b.u16(0xb000).u16(kEthTypeTeb).u32(0).u32(777).u32(9);
  b.raw(bytes_of(inner));
  Packet p;
  testing::load(p, b.v);
  TunnelInfo c = tunnel_classify(p);
  EXPECT_EQ(c.error, TunnelError::kOk);
  EXPECT_EQ(c.key, 777u);
  EXPECT_EQ(c.outer_len, 14 + 20 + 16);
  // No key at all: tun_id 0.
  testing::Bytes nk;
  nk.eth(2, 1, kEthTypeIp).ipv4(1, 2, kIpProtoGre, static_cast<uint16_t>(4 + inner.size()));
  nk.u16(0).u16(kEthTypeTeb).raw(bytes_of(inner));
  testing::load(p, nk.v);
  ASSERT_EQ(tunnel_decap(p), TunnelError::kOk);
  EXPECT_EQ(p.tunnel.tun_id, 0u);
  EXPECT_EQ(bytes_of(p), bytes_of(inner));
}

TEST(Tunnel, SourcePortFollowsTheInnerFlow) {
  std::set<uint16_t> ports;
  for (uint16_t seq = 0; seq < 4; ++seq) {
    Packet p;
    inner_ping(p, seq);  // same addresses: same port
    ports.insert(tunnel_src_port(p.data(), p.size()));
  }
  EXPECT_EQ(ports.size(), 1u);
  ports.clear();
  for (uint16_t sport = 0; sport < 64; ++sport) {
    Packet p;
    uint8_t payload[4] = {};
    ASSERT_TRUE(build_udp(p, mac(1), mac(2), ip4(10, 0, 0, 1), ip4(10, 0, 0, 2), 1000 + sport, 53,
                          payload, sizeof payload));
    uint16_t port = tunnel_src_port(p.data(), p.size());
    EXPECT_GE(port, kTunnelSrcPortMin);
    EXPECT_LE(port, kTunnelSrcPortMax);
    ports.insert(port);
  }
  EXPECT_GT(ports.size(), 50u);  // flows spread
  EXPECT_EQ(tunnel_src_port(nullptr, 0), kTunnelSrcPortMin);
}

TEST(Tunnel, NotATunnel) {
  Packet p;
  ASSERT_TRUE(build_arp_request(p, mac(1), 1, 2));
  TunnelInfo c = tunnel_classify(p);
  EXPECT_EQ(c.kind, TunnelKind::kNone);
  EXPECT_EQ(c.error, TunnelError::kNotTunnel);
  uint8_t payload[8] = {0x08};
  ASSERT_TRUE(build_udp(p, mac(1), mac(2), 1, 2, 1000, 4790, payload, 8));
  c = tunnel_classify(p);
  EXPECT_EQ(c.kind, TunnelKind::kNone);
  EXPECT_EQ(c.error, TunnelError::kNotTunnel);
  EXPECT_EQ(c.ip_src, 1u);  // outer addresses are still reported
  inner_ping(p);
  auto before = bytes_of(p);
  EXPECT_EQ(tunnel_decap(p), TunnelError::kNotTunnel);
  EXPECT_EQ(bytes_of(p), before);
  EXPECT_FALSE(p.tunnel.valid);
}

TEST(Tunnel, CustomVxlanPort) {
  Packet p;
  inner_ping(p);
  TunnelEncap e = encap(5);
  e.udp_dst = 8472;
  ASSERT_TRUE(vxlan_encap(p, e));
  EXPECT_EQ(tunnel_classify(p).kind, TunnelKind::kNone);
  EXPECT_EQ(tunnel_classify(p, 8472).kind, TunnelKind::kVxlan);
  ASSERT_EQ(tunnel_decap(p, nullptr, 8472), TunnelError::kOk);
  EXPECT_EQ(p.tunnel.tp_dst, 8472);
}

TEST(Tunnel, OuterPaddingAndVlanTag) {
  Packet p;
  ASSERT_TRUE(build_arp_request(p, mac(7), 1, 2));
  auto inner = bytes_of(p);
  ASSERT_TRUE(vxlan_encap(p, encap(9)));
  uint8_t* pad = p.data() + p.size();
  p.set_size(p.size() + 6);
  for (int i = 0; i < 6; ++i) pad[i] = 0xee;
  uint8_t tag[4] = {0x81, 0x00, 0x00, 0x0a};
  uint8_t* gap = p.insert_at(12, 4);
  for (int i = 0; i < 4; ++i) gap[i] = tag[i];
  ASSERT_EQ(tunnel_decap(p), TunnelError::kOk);
  EXPECT_EQ(bytes_of(p), inner);
}

// Builds a VXLAN frame, lets `mutate` break it, and checks the verdict and that decap left
// the packet untouched.
void expect_bad(void (*mutate)(Packet&), TunnelError want, TunnelKind kind) {
  Packet p;
  inner_ping(p);
  ASSERT_TRUE(vxlan_encap(p, encap(100)));
  mutate(p);
  auto before = bytes_of(p);
  TunnelInfo c = tunnel_classify(p);
  EXPECT_EQ(c.error, want);
  EXPECT_EQ(c.kind, kind);
  EXPECT_EQ(tunnel_decap(p), want);
  EXPECT_EQ(bytes_of(p), before);
  EXPECT_FALSE(p.tunnel.valid);
}

TEST(Tunnel, MalformedOuterHeaders) {
  using E = TunnelError;
  using K = TunnelKind;
  expect_bad([](Packet& p) { p.data()[50 - 8] = 0x00; }, E::kBadVxlan, K::kVxlan);  // no I flag
  expect_bad([](Packet& p) { p.data()[14] = 0x65; }, E::kBadOuterIpv4, K::kNone);
  expect_bad([](Packet& p) { p.data()[14] = 0x44; }, E::kBadOuterIpv4, K::kNone);
  expect_bad([](Packet& p) { store_be16(p.data() + 16, 19); }, E::kBadOuterIpv4, K::kNone);
  expect_bad([](Packet& p) { store_be16(p.data() + 16, 2000); }, E::kTruncatedOuter, K::kNone);
  expect_bad([](Packet& p) { store_be16(p.data() + 20, 0x2000); }, E::kOuterFragment, K::kVxlan);
  expect_bad([](Packet& p) { store_be16(p.data() + 20, 0x0010); }, E::kNotTunnel, K::kNone);
  expect_bad([](Packet& p) { store_be16(p.data() + 38, 7); }, E::kBadUdp, K::kVxlan);
  expect_bad([](Packet& p) { store_be16(p.data() + 38, 2000); }, E::kBadUdp, K::kVxlan);
  expect_bad([](Packet& p) { store_be16(p.data() + 38, 8 + 7); }, E::kTruncatedOuter, K::kVxlan);
  // A VXLAN header with fewer than 14 bytes of inner frame.
  expect_bad(
      [](Packet& p) {
        store_be16(p.data() + 38, 8 + 8 + 13);
        store_be16(p.data() + 16, 20 + 8 + 8 + 13);
        p.set_size(50 + 13);
      },
      E::kTruncatedInner, K::kVxlan);
}

TEST(Tunnel, MalformedGre) {
  Packet inner;
  inner_ping(inner);
  auto make = [&](uint16_t flags, uint16_t proto) {
    testing::Bytes b;
    b.eth(2, 1, kEthTypeIp).ipv4(1, 2, kIpProtoGre, static_cast<uint16_t>(8 + inner.size()));
    b.u16(flags).u16(proto).u32(5).raw(bytes_of(inner));
    return b.v;
  };
  Packet p;
  testing::load(p, make(0x2000, kEthTypeTeb));
  EXPECT_EQ(tunnel_classify(p).error, TunnelError::kOk);
  testing::load(p, make(0x6000, kEthTypeTeb));  // routing present
  EXPECT_EQ(tunnel_classify(p).error, TunnelError::kBadGre);
  testing::load(p, make(0x2001, kEthTypeTeb));  // version 1 (PPTP)
  EXPECT_EQ(tunnel_classify(p).error, TunnelError::kBadGre);
  testing::load(p, make(0x2000, kEthTypeIp));  // L3 GRE, not bridging
  TunnelInfo c = tunnel_classify(p);
  EXPECT_EQ(c.error, TunnelError::kBadGre);
  EXPECT_EQ(c.kind, TunnelKind::kGre);
}

TEST(Tunnel, EveryTruncationIsRejectedWithoutOverread) {
  for (bool gre : {false, true}) {
    Packet p;
    inner_ping(p);
    ASSERT_TRUE(gre ? gre_encap(p, encap(1)) : vxlan_encap(p, encap(1)));
    auto full = bytes_of(p);
    for (size_t len = 0; len < full.size(); ++len) {
      auto c = exact_copy(full.data(), len);
      TunnelInfo t = tunnel_classify(c.get(), len);
      EXPECT_NE(t.error, TunnelError::kOk) << len;
      Packet q;
      q.assign(c.get(), len);
      EXPECT_NE(tunnel_decap(q), TunnelError::kOk) << len;
      EXPECT_EQ(q.size(), len);
    }
  }
}

TEST(Tunnel, EncapFailsWithoutRoom) {
  Packet p(100);
  uint8_t frame[100] = {};
  p.assign(frame, sizeof frame);
  ASSERT_NE(p.push_front(100), nullptr);  // 28 bytes of headroom left, no tailroom
  EXPECT_FALSE(vxlan_encap(p, encap(1)));
  EXPECT_FALSE(gre_encap(p, encap(1)));
  EXPECT_EQ(p.size(), 200u);
}

TEST(Tunnel, NamesComeFromTheTable) {
  EXPECT_EQ(tunnel_error_name(TunnelError::kOk), "ok");
  EXPECT_EQ(tunnel_error_name(TunnelError::kBadVxlan), "drop_tunnel_bad_vxlan");
  EXPECT_EQ(tunnel_kind_name(TunnelKind::kGre), "gre");
  EXPECT_EQ(tunnel_kind_name(TunnelKind::kVxlan), "vxlan");
}

}  // namespace
}  // namespace nt
