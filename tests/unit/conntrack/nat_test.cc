// NAT: bytes rewritten with valid checksums (checked by recomputing them), replies and
// related ICMP errors un-NATed, allocation that never collides.
#include <set>

#include "ct_test_util.h"

namespace nt::testing {
namespace {

const Ip kHostA = v4(10, 0, 0, 5), kHostB = v4(8, 8, 8, 8), kPub = v4(172, 24, 4, 10);

std::vector<uint8_t> udp_with_csum(const Ip& s, const Ip& d, uint16_t sp, uint16_t dp) {
  auto u = udp_l4(sp, dp);
  store_be16(&u[6], l4_checksum_ipv4(s.v4, d.v4, kIpProtoUdp, u.data(), u.size()));
  return u;
}

uint32_t l3_word(const Packet& p, int ofs) { return load_be32(p.data() + 14 + ofs); }
uint16_t l4_port(const Packet& p, int ofs) { return load_be16(p.data() + 34 + ofs); }

TEST(ConntrackNat, SnatRewritesAndReplyIsUnNated) {
  CtRun r;
  EXPECT_EQ(r.udp(kHostA, kHostB, 33333, 53, with_nat(commit(10), snat(kPub, kPub))),
            kCsNew | kCsTrk | kCsSnat);
  EXPECT_EQ(l3_word(r.pkt, 12), kPub.v4);
  EXPECT_EQ(l4_port(r.pkt, 0), 33333);
  EXPECT_EQ(r.key.nw_src, kPub.v4);
  EXPECT_TRUE(checksums_ok(r.pkt));
  EXPECT_EQ(r.meta.orig_src, ct_addr(kHostA));  // the ct_nw_src is before NAT
  r.clock.advance_ms(500);
  EXPECT_EQ(r.ct.dump(10, false, true),
            "udp,orig=(src=10.0.0.5,dst=8.8.8.8,sport=33333,dport=53),reply=(src=8.8.8.8,"
            "dst=172.24.4.10,sport=53,dport=33333),zone=10,timeout=59\n");
  EXPECT_EQ(r.udp(kHostB, kPub, 53, 33333, nat_only(10)), kCsEst | kCsRpl | kCsTrk | kCsSnat);
  EXPECT_EQ(l3_word(r.pkt, 16), kHostA.v4);
  EXPECT_EQ(r.key.nw_dst, kHostA.v4);
  EXPECT_TRUE(checksums_ok(r.pkt));
  // Without `nat` the reply is tracked but left alone.
  EXPECT_EQ(r.udp(kHostB, kPub, 53, 33333, track(10)), kCsEst | kCsRpl | kCsTrk);
  EXPECT_EQ(l3_word(r.pkt, 16), kPub.v4);
  // Later original-direction packets are SNATed by a bare `nat`.
  EXPECT_EQ(r.udp(kHostA, kHostB, 33333, 53, nat_only(10)), kCsEst | kCsTrk | kCsSnat);
  EXPECT_EQ(l3_word(r.pkt, 12), kPub.v4);
  EXPECT_TRUE(checksums_ok(r.pkt));
}

TEST(ConntrackNat, DnatTcpWithPort) {
  CtRun r;
  Ip vip = v4(10, 9, 9, 9), srv = v4(10, 0, 0, 6);
  EXPECT_EQ(r.tcp(kHostA, vip, 45000, 80, kSyn, 1000, 0, with_nat(commit(10), dnat(srv, 8080))),
            kCsNew | kCsTrk | kCsDnat);
  EXPECT_EQ(l3_word(r.pkt, 16), srv.v4);
  EXPECT_EQ(l4_port(r.pkt, 2), 8080);
  EXPECT_EQ(r.key.tp_dst, 8080);
  EXPECT_TRUE(checksums_ok(r.pkt));
  EXPECT_EQ(r.ct.dump(10),
            "tcp,orig=(src=10.0.0.5,dst=10.9.9.9,sport=45000,dport=80),reply=(src=10.0.0.6,"
            "dst=10.0.0.5,sport=8080,dport=45000),zone=10,protoinfo=(state=SYN_SENT)\n");
  EXPECT_EQ(r.tcp(srv, kHostA, 8080, 45000, kSyn | kAck, 7000, 1001, nat_only(10)),
            kCsEst | kCsRpl | kCsTrk | kCsDnat);
  EXPECT_EQ(l3_word(r.pkt, 12), vip.v4);
  EXPECT_EQ(l4_port(r.pkt, 0), 80);
  EXPECT_TRUE(checksums_ok(r.pkt));
}

TEST(ConntrackNat, RelatedIcmpErrorHasItsInnerHeaderUnNated) {
  CtRun r;
  r.udp(kHostA, kHostB, 33333, 53, with_nat(commit(10), snat(kPub, kPub, 5000, 5000)));
  EXPECT_EQ(l4_port(r.pkt, 0), 5000);
  // A router says TTL exceeded to the public address, quoting the translated datagram.
  Ip router = v4(9, 9, 9, 9);
  frame(r.pkt, router, kPub, kIpProtoIcmp,
        icmp_error(11, 0, kPub, kHostB, kIpProtoUdp, udp_with_csum(kPub, kHostB, 5000, 53)));
  EXPECT_EQ(r.run(nat_only(10)), kCsRel | kCsRpl | kCsTrk | kCsSnat);
  const uint8_t* ip = r.pkt.data() + 14;
  EXPECT_EQ(load_be32(ip + 12), router.v4);
  EXPECT_EQ(load_be32(ip + 16), kHostA.v4);
  EXPECT_TRUE(checksums_ok(r.pkt));  // outer IPv4 header and ICMP checksum
  const uint8_t* inner = ip + 20 + 8;
  EXPECT_EQ(load_be32(inner + 12), kHostA.v4);
  EXPECT_EQ(load_be16(inner + 20), 33333);
  EXPECT_TRUE(ipv4_header_checksum_ok(inner, 20));
  std::vector<uint8_t> udp(inner + 20, inner + 36);
  uint16_t stored = load_be16(&udp[6]);
  store_be16(&udp[6], 0);
  EXPECT_EQ(stored, l4_checksum_ipv4(kHostA.v4, kHostB.v4, kIpProtoUdp, udp.data(), udp.size()));
}

TEST(ConntrackNat, RelatedIcmpv6ErrorAndDnatOriginalDirection) {
  CtRun r;
  Ip a = v6(5), b = v6(6, 0x2001), pub = v6(0x10, 0x2001), router = v6(1, 0x2001);
  r.udp(a, b, 1000, 53, with_nat(commit(), snat(pub, pub)));
  frame(r.pkt, router, pub, kIpProtoIcmpv6,
        icmp_error(3, 0, pub, b, kIpProtoUdp, udp_l4(1000, 53)));
  EXPECT_EQ(r.run(nat_only()), kCsRel | kCsRpl | kCsTrk | kCsSnat);
  const uint8_t* ip = r.pkt.data() + 14;
  EXPECT_TRUE(std::equal(a.a6.begin(), a.a6.end(), ip + 24));
  EXPECT_TRUE(std::equal(a.a6.begin(), a.a6.end(), ip + 40 + 8 + 8));  // inner source
  EXPECT_TRUE(checksums_ok(r.pkt));  // ICMPv6 checksum over the new pseudo-header
  // DNAT: the client's host answers the server's reply with an error (original direction).
  Ip vip = v4(10, 9, 9, 9), srv = v4(10, 0, 0, 6);
  r.udp(kHostA, vip, 7000, 53, with_nat(commit(), dnat(srv)));
  // The server's reply was un-DNATed to come from the VIP; the error goes back to it.
  frame(r.pkt, kHostA, vip, kIpProtoIcmp,
        icmp_error(3, 3, vip, kHostA, kIpProtoUdp, udp_l4(53, 7000)));
  EXPECT_EQ(r.run(nat_only()), kCsRel | kCsTrk | kCsDnat);
  ip = r.pkt.data() + 14;
  EXPECT_EQ(load_be32(ip + 16), srv.v4);       // outer destination: the real server
  EXPECT_EQ(load_be32(ip + 28 + 12), srv.v4);  // quoted source: the real server
  EXPECT_TRUE(checksums_ok(r.pkt));
  EXPECT_TRUE(ipv4_header_checksum_ok(ip + 28, 20));
}

TEST(ConntrackNat, PortRangeAllocationNeverCollides) {
  CtRun r;
  CtArgs a = with_nat(commit(), snat(kPub, kPub, 10000, 11999));
  std::set<uint16_t> ports;
  for (int i = 0; i < 2000; ++i) {
    Ip src = v4(10, 0, 1 + i / 250, 1 + i % 250);
    EXPECT_EQ(r.udp(src, kHostB, 5555, 53, a), kCsNew | kCsTrk | kCsSnat);
    uint16_t p = l4_port(r.pkt, 0);
    EXPECT_GE(p, 10000);
    EXPECT_LE(p, 11999);
    ports.insert(p);
  }
  EXPECT_EQ(ports.size(), 2000u);
  EXPECT_EQ(r.ct.count(), 2000u);
  // The range is used up: the next commit fails closed.
  r.udp(v4(10, 0, 99, 1), kHostB, 5555, 53, a);
  EXPECT_EQ(r.drop, CtDrop::kNatExhausted);
  EXPECT_EQ(r.ct.count(), 2000u);
  EXPECT_EQ(r.ct.counter(CtCounter::kNatExhausted), 1u);
}

TEST(ConntrackNat, PortKeptUnlessItCollides) {
  CtRun r;
  CtArgs a = with_nat(commit(), snat(kPub, kPub));
  r.udp(v4(10, 0, 0, 5), kHostB, 5000, 53, a);
  EXPECT_EQ(l4_port(r.pkt, 0), 5000);
  r.udp(v4(10, 0, 0, 7), kHostB, 5000, 53, a);
  uint16_t p = l4_port(r.pkt, 0);
  EXPECT_NE(p, 5000);
  EXPECT_GE(p, 1024);
  r.udp(v4(10, 0, 0, 8), kHostB, 53, 53, a);  // a privileged port stays privileged
  EXPECT_EQ(l4_port(r.pkt, 0), 53);
  r.udp(v4(10, 0, 0, 9), kHostB, 53, 53, a);
  EXPECT_LT(l4_port(r.pkt, 0), 1024);
  // The second client's reply reaches it.
  EXPECT_EQ(r.udp(kHostB, kPub, 53, p, nat_only()), kCsEst | kCsRpl | kCsTrk | kCsSnat);
  EXPECT_EQ(l3_word(r.pkt, 16), v4(10, 0, 0, 7).v4);
  EXPECT_EQ(l4_port(r.pkt, 2), 5000);
  // nat(src) (all-zero address) keeps the address.
  CtNat keep = snat(v4(0, 0, 0, 0), v4(0, 0, 0, 0));
  r.udp(v4(10, 0, 0, 10), kHostB, 6000, 53, with_nat(commit(), keep));
  EXPECT_EQ(l3_word(r.pkt, 12), v4(10, 0, 0, 10).v4);
  EXPECT_EQ(l4_port(r.pkt, 0), 6000);
}

TEST(ConntrackNat, IcmpIdsAreTranslatedOnCollision) {
  CtRun r;
  CtArgs a = with_nat(commit(), snat(kPub, kPub));
  frame(r.pkt, v4(10, 0, 0, 5), kHostB, kIpProtoIcmp, icmp_echo(8, 77));
  EXPECT_EQ(r.run(a), kCsNew | kCsTrk | kCsSnat);
  EXPECT_EQ(load_be16(r.pkt.data() + 34 + 4), 77);
  EXPECT_TRUE(checksums_ok(r.pkt));
  frame(r.pkt, v4(10, 0, 0, 6), kHostB, kIpProtoIcmp, icmp_echo(8, 77));
  r.run(a);
  uint16_t id = load_be16(r.pkt.data() + 34 + 4);
  EXPECT_NE(id, 77);
  EXPECT_TRUE(checksums_ok(r.pkt));
  frame(r.pkt, kHostB, kPub, kIpProtoIcmp, icmp_echo(0, id));
  EXPECT_EQ(r.run(nat_only()), kCsEst | kCsRpl | kCsTrk | kCsSnat);
  EXPECT_EQ(load_be32(r.pkt.data() + 30), v4(10, 0, 0, 6).v4);
  EXPECT_EQ(load_be16(r.pkt.data() + 34 + 4), 77);
  EXPECT_TRUE(checksums_ok(r.pkt));
}

TEST(ConntrackNat, AddressRangePersistentAndRandom) {
  CtRun r;
  CtNat n = snat(v4(172, 24, 4, 10), v4(172, 24, 4, 20));
  n.persistent = true;
  std::set<uint32_t> addrs;
  for (int i = 0; i < 5; ++i) {
    r.udp(kHostA, kHostB, static_cast<uint16_t>(4000 + i), 53, with_nat(commit(), n));
    addrs.insert(l3_word(r.pkt, 12));
  }
  EXPECT_EQ(addrs.size(), 1u);  // persistent: one client, one address
  EXPECT_GE(*addrs.begin(), v4(172, 24, 4, 10).v4);
  EXPECT_LE(*addrs.begin(), v4(172, 24, 4, 20).v4);
  n.persistent = false;
  n.random = true;
  for (int i = 0; i < 50; ++i) {
    r.udp(v4(10, 1, 0, 1 + i), kHostB, 4000, 53, with_nat(commit(), n));
    uint32_t s = l3_word(r.pkt, 12);
    EXPECT_GE(s, v4(172, 24, 4, 10).v4);
    EXPECT_LE(s, v4(172, 24, 4, 20).v4);
    EXPECT_TRUE(checksums_ok(r.pkt));
  }
}

TEST(ConntrackNat, Ipv6SnatAndDnat) {
  CtRun r;
  Ip a = v6(5), b = v6(6, 0x2001), pub = v6(0x10, 0x2001);
  EXPECT_EQ(r.udp(a, b, 1000, 53, with_nat(commit(), snat(pub, pub))), kCsNew | kCsTrk | kCsSnat);
  EXPECT_TRUE(std::equal(pub.a6.begin(), pub.a6.end(), r.pkt.data() + 14 + 8));
  EXPECT_EQ(r.key.ipv6_src, pub.a6);
  EXPECT_TRUE(checksums_ok(r.pkt));
  EXPECT_EQ(r.udp(b, pub, 53, 1000, nat_only()), kCsEst | kCsRpl | kCsTrk | kCsSnat);
  EXPECT_TRUE(std::equal(a.a6.begin(), a.a6.end(), r.pkt.data() + 14 + 24));
  EXPECT_TRUE(checksums_ok(r.pkt));
  Ip srv = v6(7);
  EXPECT_EQ(r.tcp(a, pub, 2000, 80, kSyn, 1, 0, with_nat(commit(), dnat(srv, 0))),
            kCsNew | kCsTrk | kCsDnat);
  EXPECT_TRUE(std::equal(srv.a6.begin(), srv.a6.end(), r.pkt.data() + 14 + 24));
  EXPECT_TRUE(checksums_ok(r.pkt));
}

TEST(ConntrackNat, ForceRecommitsInThisDirection) {
  CtRun r;
  r.udp(kHostA, kHostB, 1, 2, commit());
  CtArgs f = commit();
  f.force = true;
  EXPECT_EQ(r.udp(kHostB, kHostA, 2, 1, f), kCsNew | kCsTrk);
  EXPECT_EQ(r.ct.dump(0),
            "udp,orig=(src=8.8.8.8,dst=10.0.0.5,sport=2,dport=1),reply=(src=10.0.0.5,dst=8.8.8.8,"
            "sport=1,dport=2)\n");
}

// The fast path trusts the connection in the packet's metadata only for a packet of its
// protocol: a stale pointer (the fuzzer found one: a GRE connection's metadata on a TCP
// packet) must not rewrite the addresses without the TCP checksum.
TEST(ConntrackNat, StaleMetadataOfAnotherProtocolIsNotTheFastPath) {
  CtRun r;
  frame(r.pkt, kHostA, kHostB, 47, std::vector<uint8_t>(8, 0));
  EXPECT_EQ(r.run(with_nat(commit(3), snat(kPub, kPub))), kCsNew | kCsTrk | kCsSnat);
  ASSERT_NE(r.meta.conn, nullptr);
  uint64_t fast = r.ct.counter(CtCounter::kFastPath);
  frame(r.pkt, v4(10, 0, 0, 7), kHostB, kIpProtoTcp, tcp_l4(40000, 80, kSyn, 1, 0));
  EXPECT_EQ(r.run(nat_only(3), true), kCsNew | kCsTrk);
  EXPECT_EQ(r.ct.counter(CtCounter::kFastPath), fast);
  EXPECT_EQ(l3_word(r.pkt, 12), ip4(10, 0, 0, 7));
  EXPECT_TRUE(checksums_ok(r.pkt));
}

}  // namespace
}  // namespace nt::testing
