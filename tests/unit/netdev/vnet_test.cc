#include "netdev/vnet.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "packet/build.h"
#include "packet/bytes.h"
#include "packet/checksum.h"
#include "packet/parse.h"

namespace nt {
namespace {

constexpr uint8_t kFin = 0x01, kPsh = 0x08, kAck = 0x10, kCwr = 0x80;

FlowKey tcp_key(bool ipv6, uint16_t vlan = 0) {
  FlowKey k;
  k.dl_src = MacAddr::from_u64(0x020000000001);
  k.dl_dst = MacAddr::from_u64(0x020000000002);
  if (vlan) k.vlan_tci = static_cast<uint16_t>(vlan | kVlanCfi);
  k.dl_type = ipv6 ? kEthTypeIpv6 : kEthTypeIp;
  k.nw_src = 0x0a000001;
  k.nw_dst = 0x0a000002;
  k.ipv6_src[0] = 0xfd;
  k.ipv6_src[15] = 1;
  k.ipv6_dst[0] = 0xfd;
  k.ipv6_dst[15] = 2;
  k.nw_proto = kIpProtoTcp;
  k.nw_ttl = 64;
  k.tp_src = 40000;
  k.tp_dst = 5201;
  return k;
}

// A TCP super-frame as the kernel hands it over: headers for the whole chunk, transport
// checksum partial (the pseudo-header sum in the field), IPv4 total length covering it all.
struct SuperFrame {
  Packet pkt{70000};
  VnetHdr hdr{};
  size_t l3 = 0, l4 = 0;
};

void make_super(SuperFrame& s, const FlowKey& k, size_t payload, uint16_t mss) {
  ASSERT_TRUE(compose_packet(k, s.pkt, payload));
  HeaderOffsets ofs;
  FlowKey parsed;
  ASSERT_EQ(flow_extract(s.pkt, parsed, &ofs), ParseError::kOk);
  s.l3 = ofs.l3;
  s.l4 = ofs.l4;
  uint8_t* f = s.pkt.data();
  if (!k.is_ipv6()) store_be16(f + s.l3 + 4, 0x1000);  // IP id
  store_be32(f + s.l4 + 4, 0xfffff000);                // seq (wraps during the chunk)
  f[s.l4 + 13] = kFin | kPsh | kAck | kCwr;
  size_t l4_len = s.pkt.size() - s.l4;
  uint32_t pseudo = k.is_ipv6() ? ipv6_pseudo_header_sum(k.ipv6_src, k.ipv6_dst, kIpProtoTcp,
                                                         static_cast<uint32_t>(l4_len))
                                : ipv4_pseudo_header_sum(k.nw_src, k.nw_dst, kIpProtoTcp,
                                                         static_cast<uint16_t>(l4_len));
  store_be16(f + s.l4 + 16, static_cast<uint16_t>(~csum_finish(pseudo)));
  s.hdr.flags = kVnetNeedsCsum;
  s.hdr.gso_type = k.is_ipv6() ? kVnetGsoTcpv6 : kVnetGsoTcpv4;
  s.hdr.gso_size = mss;
  s.hdr.hdr_len = static_cast<uint16_t>(s.l4 + 20);
  s.hdr.csum_start = static_cast<uint16_t>(s.l4);
  s.hdr.csum_offset = 16;
}

std::vector<Packet*> pop_all(PacketRing& ring) {
  std::vector<Packet*> v;
  while (Packet* p = ring.pop()) v.push_back(p);
  return v;
}

void check_tcp_segments(const SuperFrame& s, const std::vector<Packet*>& segs, size_t payload,
                        size_t mss, bool ipv6) {
  size_t hdr = s.l4 + 20;
  std::vector<uint8_t> joined;
  for (size_t i = 0; i < segs.size(); ++i) {
    const Packet& p = *segs[i];
    const uint8_t* f = p.data();
    size_t chunk = i + 1 < segs.size() ? mss : payload - mss * i;
    ASSERT_EQ(p.size(), hdr + chunk) << "segment " << i;
    EXPECT_TRUE(verify_checksums(p)) << "segment " << i;
    if (ipv6) {
      EXPECT_EQ(load_be16(f + s.l3 + 4), 20 + chunk);
    } else {
      EXPECT_EQ(load_be16(f + s.l3 + 2), 40 + chunk);
      EXPECT_EQ(load_be16(f + s.l3 + 4), 0x1000 + i);
    }
    EXPECT_EQ(load_be32(f + s.l4 + 4), static_cast<uint32_t>(0xfffff000u + i * mss));
    uint8_t flags = f[s.l4 + 13];
    bool last = i + 1 == segs.size();
    EXPECT_EQ((flags & (kFin | kPsh)) != 0, last) << "segment " << i;
    EXPECT_EQ((flags & kCwr) != 0, i == 0) << "segment " << i;
    EXPECT_TRUE(flags & kAck);
    joined.insert(joined.end(), f + hdr, f + p.size());
  }
  ASSERT_EQ(joined.size(), payload);
  EXPECT_TRUE(std::equal(joined.begin(), joined.end(), s.pkt.data() + hdr));
}

TEST(Vnet, SegmentsATcpv4SuperFrame) {
  SuperFrame s;
  make_super(s, tcp_key(false), 10000, 1448);
  PacketPool pool(16);
  PacketRing ring;
  ASSERT_EQ(vnet_segment(s.pkt.data(), s.pkt.size(), s.hdr, pool, ring), VnetStatus::kOk);
  auto segs = pop_all(ring);
  ASSERT_EQ(segs.size(), 7u);
  check_tcp_segments(s, segs, 10000, 1448, false);
  for (Packet* p : segs) pool.put(p);
}

TEST(Vnet, SegmentsATcpv6SuperFrameBehindAVlanTag) {
  SuperFrame s;
  make_super(s, tcp_key(true, 10), 4000, 1000);
  PacketPool pool(16);
  PacketRing ring;
  ASSERT_EQ(vnet_segment(s.pkt.data(), s.pkt.size(), s.hdr, pool, ring), VnetStatus::kOk);
  auto segs = pop_all(ring);
  ASSERT_EQ(segs.size(), 4u);
  EXPECT_EQ(s.l3, 18u);
  check_tcp_segments(s, segs, 4000, 1000, true);
  for (Packet* p : segs) pool.put(p);
}

TEST(Vnet, SegmentsAUdpL4SuperFrameIntoDatagrams) {
  FlowKey k = tcp_key(false);
  k.nw_proto = kIpProtoUdp;
  Packet big(70000);
  ASSERT_TRUE(compose_packet(k, big, 3000));
  VnetHdr h{};
  h.flags = kVnetNeedsCsum;
  h.gso_type = kVnetGsoUdpL4;
  h.gso_size = 1200;
  h.csum_start = 34;
  h.csum_offset = 6;
  PacketPool pool(8);
  PacketRing ring;
  ASSERT_EQ(vnet_segment(big.data(), big.size(), h, pool, ring), VnetStatus::kOk);
  auto segs = pop_all(ring);
  ASSERT_EQ(segs.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    size_t chunk = i < 2 ? 1200 : 600;
    EXPECT_EQ(segs[i]->size(), 42 + chunk);
    EXPECT_EQ(load_be16(segs[i]->data() + 38), 8 + chunk);  // UDP length
    EXPECT_TRUE(verify_checksums(*segs[i]));
    EXPECT_EQ(0, std::memcmp(segs[i]->data() + 42, big.data() + 42 + i * 1200, chunk));
  }
  for (Packet* p : segs) pool.put(p);
}

TEST(Vnet, CompletesPartialChecksums) {
  for (uint8_t proto : {kIpProtoTcp, kIpProtoUdp}) {
    FlowKey k = tcp_key(false);
    k.nw_proto = proto;
    Packet p;
    ASSERT_TRUE(compose_packet(k, p, 333));
    std::vector<uint8_t> good(p.data(), p.data() + p.size());
    uint16_t at = proto == kIpProtoTcp ? 16 : 6;
    uint32_t pseudo =
        ipv4_pseudo_header_sum(k.nw_src, k.nw_dst, proto, static_cast<uint16_t>(p.size() - 34));
    store_be16(p.data() + 34 + at, static_cast<uint16_t>(~csum_finish(pseudo)));
    EXPECT_FALSE(verify_checksums(p));
    VnetHdr h{};
    h.flags = kVnetNeedsCsum;
    h.csum_start = 34;
    h.csum_offset = at;
    ASSERT_EQ(vnet_complete_csum(p.data(), p.size(), h), VnetStatus::kOk);
    EXPECT_EQ(std::vector<uint8_t>(p.data(), p.data() + p.size()), good);
  }
}

TEST(Vnet, RejectsBadOffsetsUnsupportedGsoAndExhaustion) {
  SuperFrame s;
  make_super(s, tcp_key(false), 10000, 1448);
  PacketPool pool(4);
  PacketRing ring;
  VnetHdr h = s.hdr;
  h.csum_start = 60000;
  EXPECT_EQ(vnet_complete_csum(s.pkt.data(), s.pkt.size(), h), VnetStatus::kBadHeader);
  h = s.hdr;
  h.gso_type = kVnetGsoUdp;  // UFO
  EXPECT_EQ(vnet_segment(s.pkt.data(), s.pkt.size(), h, pool, ring), VnetStatus::kUnsupportedGso);
  h = s.hdr;
  h.gso_size = 0;
  EXPECT_EQ(vnet_segment(s.pkt.data(), s.pkt.size(), h, pool, ring), VnetStatus::kBadHeader);
  h = s.hdr;
  h.gso_size = 10;  // 1000 segments: more than the ring takes
  EXPECT_EQ(vnet_segment(s.pkt.data(), s.pkt.size(), h, pool, ring), VnetStatus::kTooBig);
  EXPECT_TRUE(ring.empty());
  EXPECT_EQ(vnet_segment(s.pkt.data(), s.pkt.size(), s.hdr, pool, ring), VnetStatus::kNoBuffer);
  EXPECT_EQ(ring.size(), 4u);  // what was produced before the pool ran dry
  ring.release(pool);
  EXPECT_EQ(pool.available(), 4u);
  PacketPool small(4, 1000);
  EXPECT_EQ(vnet_segment(s.pkt.data(), s.pkt.size(), s.hdr, small, ring), VnetStatus::kTooBig);
  EXPECT_EQ(small.available(), 4u);
}

TEST(Vnet, RingDrainsIntoTheBatchRoom) {
  PacketPool pool(40);
  PacketRing ring;
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(ring.push(pool.get()));
  PacketBatch b;
  EXPECT_EQ(ring.drain_into(b), PacketBatch::kMax);
  EXPECT_EQ(ring.size(), 8u);
  for (Packet* p : b) pool.put(p);
  ring.release(pool);
  EXPECT_EQ(pool.available(), 40u);
}

}  // namespace
}  // namespace nt
