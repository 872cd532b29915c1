// UDP and ICMP/ICMPv6 through the tracker: first/single/multiple timeouts, echo by id,
// related errors; expiry, limits, flush, mark and label.
#include "ct_test_util.h"

namespace nt::testing {
namespace {

const Ip kHostA = v4(10, 0, 0, 5), kHostB = v4(8, 8, 8, 8);
constexpr uint8_t kNewTrk = kCsNew | kCsTrk;
constexpr uint8_t kEstRplTrk = kCsEst | kCsRpl | kCsTrk;
constexpr uint8_t kInvTrk = kCsInv | kCsTrk;

const char* kUdp =
    "udp,orig=(src=10.0.0.5,dst=8.8.8.8,sport=33333,dport=53),reply=(src=8.8.8.8,dst=10.0.0.5,"
    "sport=53,dport=33333),zone=10";

TEST(ConntrackUdp, FirstSingleMultipleTimeouts) {
  CtRun r;
  EXPECT_EQ(r.udp(kHostA, kHostB, 33333, 53, commit(10)), kNewTrk);
  r.clock.advance_ms(500);
  EXPECT_EQ(r.ct.dump(10, false, true), std::string(kUdp) + ",timeout=59\n");
  EXPECT_EQ(r.udp(kHostA, kHostB, 33333, 53, commit(10)), kNewTrk);  // still one-way: +new
  r.clock.advance_ms(500);
  EXPECT_EQ(r.ct.dump(10, false, true), std::string(kUdp) + ",timeout=59\n");
  EXPECT_EQ(r.udp(kHostB, kHostA, 53, 33333, commit(10)), kEstRplTrk);
  r.clock.advance_ms(500);
  EXPECT_EQ(r.ct.dump(10, false, true), std::string(kUdp) + ",timeout=29\n");
  EXPECT_EQ(r.udp(kHostA, kHostB, 33333, 53, track(10)), kCsEst | kCsTrk);
  EXPECT_EQ(r.ct.dump(std::nullopt), std::string(kUdp) + "\n");
}

TEST(ConntrackUdp, ExpiresOnTheClock) {
  CtRun r;
  r.udp(kHostA, kHostB, 33333, 53, commit());
  r.clock.advance_ms(59'000);
  r.ct.sweep();
  EXPECT_EQ(r.ct.count(), 1u);
  r.clock.advance_ms(1'000);
  EXPECT_EQ(r.ct.dump(std::nullopt), "");  // expired: invisible before the sweep
  r.ct.sweep();
  EXPECT_EQ(r.ct.count(), 0u);
  EXPECT_EQ(r.ct.counter(CtCounter::kExpired), 1u);
  // A reply now is a new connection attempt, not +est.
  EXPECT_EQ(r.udp(kHostB, kHostA, 53, 33333, track()), kNewTrk);
}

TEST(ConntrackUdp, RefreshedConnectionSurvivesTheSweep) {
  CtRun r;
  r.udp(kHostA, kHostB, 1, 2, commit());  // expires at +60 s
  r.udp(kHostA, kHostB, 3, 4, commit());
  r.clock.advance_ms(30'000);
  r.udp(kHostA, kHostB, 1, 2, commit());  // "multiple" now: +90 s
  r.clock.advance_ms(10'000);
  r.udp(kHostA, kHostB, 1, 2, commit());  // refreshed in the same class: +100 s
  r.clock.advance_ms(51'000);             // +91 s: its list position says expired, it is not
  r.ct.sweep();
  EXPECT_EQ(r.ct.count(), 1u);
  // The reply makes it bidirectional: 30 s from now (+121 s), a class change.
  EXPECT_EQ(r.udp(kHostB, kHostA, 2, 1, track()), kEstRplTrk);
  r.clock.advance_ms(29'000);
  r.ct.sweep();
  EXPECT_EQ(r.ct.count(), 1u);
  r.clock.advance_ms(1'000);
  r.ct.sweep();
  EXPECT_EQ(r.ct.count(), 0u);
  EXPECT_EQ(r.ct.counter(CtCounter::kExpired), 2u);
}

TEST(ConntrackUdp, ExpiredEntryIsReplacedBeforeSweep) {
  CtRun r;
  r.udp(kHostA, kHostB, 1, 2, commit());
  r.clock.advance_ms(61'000);
  EXPECT_EQ(r.udp(kHostA, kHostB, 1, 2, commit()), kNewTrk);
  EXPECT_EQ(r.ct.count(), 1u);
  r.ct.sweep();
  EXPECT_EQ(r.ct.count(), 1u);
}

TEST(ConntrackUdp, MaxConnsFailsClosedWithACounter) {
  CtRun r;
  r.ct.set_max_conns(2);
  EXPECT_EQ(r.ct.max_conns(), 2u);
  r.udp(kHostA, kHostB, 1, 53, commit());
  r.udp(kHostA, kHostB, 2, 53, commit());
  EXPECT_EQ(r.udp(kHostA, kHostB, 3, 53, commit()), kNewTrk);
  EXPECT_EQ(r.drop, CtDrop::kFull);
  EXPECT_EQ(ct_drop_name(r.drop), "drop_conntrack_full");
  EXPECT_EQ(r.ct.count(), 2u);
  EXPECT_EQ(r.ct.counter(CtCounter::kFull), 1u);
  EXPECT_NE(r.ct.format_coverage().find("conntrack_full"), std::string::npos);
  // Existing connections still pass.
  EXPECT_EQ(r.udp(kHostB, kHostA, 53, 1, commit()), kEstRplTrk);
  EXPECT_EQ(r.drop, CtDrop::kNone);
  EXPECT_EQ(Conntrack(r.clock).max_conns(), 3'000'000u);
}

TEST(ConntrackUdp, FlushZoneAndTuple) {
  CtRun r;
  r.udp(kHostA, kHostB, 1, 53, commit(1));
  r.udp(kHostA, kHostB, 2, 53, commit(1));
  r.udp(kHostA, kHostB, 3, 53, commit(2));
  r.tcp(kHostA, kHostB, 4000, 22, kSyn, 1, 0, commit(2));
  auto n =
      r.ct.flush(1, "ct_nw_src=10.0.0.5,ct_nw_dst=8.8.8.8,ct_nw_proto=17,ct_tp_src=2,ct_tp_dst=53");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1u);
  EXPECT_EQ(r.ct.count(), 3u);
  // The reply-direction tuple finds the connection too.
  n = r.ct.flush(2,
                 "ct_nw_src=8.8.8.8,ct_nw_dst=10.0.0.5,ct_nw_proto=6,ct_tp_src=22,ct_tp_dst=4000");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(r.ct.flush(2, "ct_nw_src=1.2.3.4,ct_nw_proto=6").error().message,
            "at least one of the conntrack 5-tuple fields is missing.");
  EXPECT_EQ(r.ct.flush(2, "bogus=1").error().message, "invalid conntrack tuple field: bogus");
  EXPECT_EQ(r.ct.flush(2, "ct_nw_src=1.2.3").error().message, "failed to parse field ct_nw_src");
  EXPECT_EQ(r.ct.flush(2, "ct_nw_dst=1.2.3.4,ct_nw_proto=1,icmp_type=8,icmp_id=1").error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(*r.ct.flush(2), 1u);
  EXPECT_EQ(r.ct.count(), 1u);
  EXPECT_EQ(*r.ct.flush(std::nullopt), 1u);
  EXPECT_EQ(r.ct.count(), 0u);
}

TEST(ConntrackUdp, MarkAndLabelWithMasks) {
  CtRun r;
  CtArgs a = commit(10);
  a.set_mark = true;
  a.mark = 0x1;
  a.mark_mask = 0xffffffff;
  a.set_label = true;
  a.label = 0xabc;
  a.label_mask = ~u128{0};
  r.udp(kHostA, kHostB, 33333, 53, a);
  EXPECT_EQ(r.meta.mark, 1u);
  EXPECT_EQ(r.meta.label, u128{0xabc});
  EXPECT_EQ(r.ct.dump(10), std::string(kUdp) + ",mark=1,labels=0xabc\n");
  a.mark = 0x10;
  a.mark_mask = 0xf0;
  a.label = u128{1} << 100;
  a.label_mask = u128{1} << 100;
  r.udp(kHostA, kHostB, 33333, 53, a);
  EXPECT_EQ(r.meta.mark, 0x11u);
  EXPECT_EQ(r.meta.label, (u128{1} << 100) | 0xabc);
  EXPECT_EQ(r.ct.dump(10), std::string(kUdp) + ",mark=17,labels=0x10000000000000000000000abc\n");
  // Without commit nothing is set.
  CtArgs t = track(10);
  t.set_mark = true;
  t.mark = 0;
  t.mark_mask = 0xffffffff;
  r.udp(kHostA, kHostB, 33333, 53, t);
  EXPECT_EQ(r.meta.mark, 0x11u);
}

TEST(ConntrackIcmp, EchoById) {
  CtRun r;
  Ip one = v4(1, 1, 1, 1);
  frame(r.pkt, kHostA, one, kIpProtoIcmp, icmp_echo(8, 77));
  EXPECT_EQ(r.run(commit(10)), kNewTrk);
  EXPECT_EQ(r.meta.orig_tp_src, 8);
  frame(r.pkt, kHostA, one, kIpProtoIcmp, icmp_echo(8, 78));
  EXPECT_EQ(r.run(commit(10)), kNewTrk);
  EXPECT_EQ(r.ct.count(), 2u);
  frame(r.pkt, one, kHostA, kIpProtoIcmp, icmp_echo(0, 77));
  EXPECT_EQ(r.run(commit(10)), kEstRplTrk);
  r.clock.advance_ms(500);
  std::string d = r.ct.dump(10, false, true);
  EXPECT_NE(d.find("icmp,orig=(src=10.0.0.5,dst=1.1.1.1,id=77,type=8,code=0),reply=(src=1.1.1.1,"
                   "dst=10.0.0.5,id=77,type=0,code=0),zone=10,timeout=29\n"),
            std::string::npos)
      << d;
  EXPECT_NE(d.find("id=78,type=8,code=0),reply=(src=1.1.1.1,dst=10.0.0.5,id=78,type=0,code=0),"
                   "zone=10,timeout=59\n"),
            std::string::npos)
      << d;
}

TEST(ConntrackIcmp, UnsolicitedEchoReplyAndUnknownTypesAreInvalid) {
  CtRun r;
  frame(r.pkt, kHostB, kHostA, kIpProtoIcmp, icmp_echo(0, 5));
  EXPECT_EQ(r.run(commit()), kInvTrk);
  frame(r.pkt, kHostB, kHostA, kIpProtoIcmp, icmp_echo(9, 5));  // router advertisement
  EXPECT_EQ(r.run(commit()), kInvTrk);
  EXPECT_EQ(r.ct.count(), 0u);
}

TEST(ConntrackIcmp, ErrorRelatedToAConnection) {
  CtRun r;
  r.udp(kHostA, kHostB, 33333, 53, commit());
  // 8.8.8.8 says port unreachable, quoting the datagram.
  frame(r.pkt, kHostB, kHostA, kIpProtoIcmp,
        icmp_error(3, 3, kHostA, kHostB, kIpProtoUdp, udp_l4(33333, 53)));
  EXPECT_EQ(r.run(track()), kCsRel | kCsRpl | kCsTrk);
  EXPECT_EQ(r.meta.orig_tp_dst, 53);  // the parent's tuple
  // A router on the way (not the peer) may send it too.
  frame(r.pkt, v4(9, 9, 9, 9), kHostA, kIpProtoIcmp,
        icmp_error(11, 0, kHostA, kHostB, kIpProtoUdp, udp_l4(33333, 53)));
  EXPECT_EQ(r.run(track()), kCsRel | kCsRpl | kCsTrk);
  // Nothing matches: invalid.
  frame(r.pkt, kHostB, kHostA, kIpProtoIcmp,
        icmp_error(3, 3, kHostA, kHostB, kIpProtoUdp, udp_l4(1, 53)));
  EXPECT_EQ(r.run(track()), kInvTrk);
  EXPECT_EQ(r.ct.counter(CtCounter::kRelatedNoConn), 1u);
  // The quoted packet must come from the error's destination.
  frame(r.pkt, kHostB, v4(10, 0, 0, 7), kIpProtoIcmp,
        icmp_error(3, 3, kHostA, kHostB, kIpProtoUdp, udp_l4(33333, 53)));
  EXPECT_EQ(r.run(track()), kInvTrk);
}

TEST(ConntrackIcmp, Icmpv6EchoAndUdp) {
  CtRun r;
  Ip a = v6(5), b = v6(6);
  frame(r.pkt, a, b, kIpProtoIcmpv6, icmp_echo(128, 9));
  EXPECT_EQ(r.run(commit()), kNewTrk);
  frame(r.pkt, b, a, kIpProtoIcmpv6, icmp_echo(129, 9));
  EXPECT_EQ(r.run(commit()), kEstRplTrk);
  frame(r.pkt, b, a, kIpProtoIcmpv6, icmp_echo(129, 10));
  EXPECT_EQ(r.run(commit()), kInvTrk);
  EXPECT_EQ(r.ct.dump(0),
            "icmpv6,orig=(src=fd00::5,dst=fd00::6,id=9,type=128,code=0),reply=(src=fd00::6,"
            "dst=fd00::5,id=9,type=129,code=0)\n");
  EXPECT_EQ(r.udp(a, b, 1000, 2000, commit()), kNewTrk);
  EXPECT_EQ(r.udp(b, a, 2000, 1000, commit()), kEstRplTrk);
  // An ICMPv6 error quoting the UDP datagram.
  frame(r.pkt, b, a, kIpProtoIcmpv6, icmp_error(1, 4, a, b, kIpProtoUdp, udp_l4(1000, 2000)));
  EXPECT_EQ(r.run(track()), kCsRel | kCsRpl | kCsTrk);
  EXPECT_EQ(r.ct.stats_show(), "Connections Stats:\n    Total: 2\n  UDP: 1\n");
  r.tcp(a, b, 1, 2, kSyn, 1, 0, commit());
  EXPECT_EQ(r.ct.stats_show(true),
            "Connections Stats:\n    Total: 3\n  TCP: 1\n    Conn per TCP states:\n"
            "\t  [SYN_SENT]=1\n  UDP: 1\n");
}

}  // namespace
}  // namespace nt::testing
