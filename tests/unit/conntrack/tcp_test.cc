// TCP through the tracker: states and dump lines as Open vSwitch 3.1 prints them
// (neutron-services.md §1.5), window checks, invalid flags, pickup, IPv6.
#include "ct_test_util.h"

namespace nt::testing {
namespace {

const Ip kHostA = v4(10, 0, 0, 5), kHostB = v4(10, 0, 0, 6);
constexpr uint8_t kNewTrk = kCsNew | kCsTrk;
constexpr uint8_t kEstTrk = kCsEst | kCsTrk;
constexpr uint8_t kEstRplTrk = kCsEst | kCsRpl | kCsTrk;
constexpr uint8_t kInvTrk = kCsInv | kCsTrk;

const std::string kTuple =
    "tcp,orig=(src=10.0.0.5,dst=10.0.0.6,sport=40000,dport=22),"
    "reply=(src=10.0.0.6,dst=10.0.0.5,sport=22,dport=40000)";

std::string verbose(const char* o, const char* r) {
  return kTuple + ",id=0,zone=1,status=0,protoinfo=(state_orig=" + o + ",state_reply=" + r +
         ",flags_orig=0,flags_reply=0)\n";
}

TEST(ConntrackTcp, HandshakeAndCloseStatesAndDump) {
  CtRun r;
  CtArgs c = commit(1);
  EXPECT_EQ(r.tcp(kHostA, kHostB, 40000, 22, kSyn, 1000, 0, c), kNewTrk);
  EXPECT_EQ(r.ct.dump(std::nullopt), kTuple + ",zone=1,protoinfo=(state=SYN_SENT)\n");
  EXPECT_EQ(r.ct.dump(1, true), verbose("SYN_SENT", "CLOSED"));
  EXPECT_EQ(r.tcp(kHostB, kHostA, 22, 40000, kSyn | kAck, 5000, 1001, c), kEstRplTrk);
  EXPECT_EQ(r.ct.dump(1, true), verbose("ESTABLISHED", "SYN_SENT"));
  EXPECT_EQ(r.tcp(kHostA, kHostB, 40000, 22, kAck, 1001, 5001, c), kEstTrk);
  EXPECT_EQ(r.ct.dump(1, true), verbose("ESTABLISHED", "ESTABLISHED"));
  EXPECT_EQ(r.ct.dump(1), kTuple + ",zone=1,protoinfo=(state=ESTABLISHED)\n");
  EXPECT_EQ(r.tcp(kHostA, kHostB, 40000, 22, kAck | kPsh, 1001, 5001, c, 100), kEstTrk);
  EXPECT_EQ(r.tcp(kHostA, kHostB, 40000, 22, kFin | kAck, 1101, 5001, c), kEstTrk);
  EXPECT_EQ(r.ct.dump(1, true), verbose("CLOSING", "ESTABLISHED"));
  EXPECT_EQ(r.tcp(kHostB, kHostA, 22, 40000, kFin | kAck, 5001, 1102, c), kEstRplTrk);
  EXPECT_EQ(r.ct.dump(1, true), verbose("FIN_WAIT_2", "CLOSING"));
  EXPECT_EQ(r.tcp(kHostA, kHostB, 40000, 22, kAck, 1102, 5002, c), kEstTrk);
  EXPECT_EQ(r.ct.dump(1, true), verbose("FIN_WAIT_2", "FIN_WAIT_2"));
  r.clock.advance_ms(500);
  EXPECT_EQ(r.ct.dump(1, false, true), kTuple + ",zone=1,timeout=29,protoinfo=(state=TIME_WAIT)\n");
  EXPECT_EQ(r.ct.dump(2), "");
  EXPECT_EQ(r.ct.count(), 1u);
}

TEST(ConntrackTcp, EstablishedTimeoutAndSynRetransmitStaysNew) {
  CtRun r;
  EXPECT_EQ(r.tcp(kHostA, kHostB, 40000, 22, kSyn, 1000, 0, commit()), kNewTrk);
  EXPECT_EQ(r.tcp(kHostA, kHostB, 40000, 22, kSyn, 1000, 0, commit()), kNewTrk);  // retransmit
  r.clock.advance_ms(500);
  EXPECT_NE(r.ct.dump(0, false, true).find("timeout=29"), std::string::npos);
  r.tcp(kHostB, kHostA, 22, 40000, kSyn | kAck, 5000, 1001, commit());
  r.tcp(kHostA, kHostB, 40000, 22, kAck, 1001, 5001, commit());
  r.clock.advance_ms(500);
  EXPECT_NE(r.ct.dump(0, false, true).find("timeout=86399"), std::string::npos);
}

TEST(ConntrackTcp, OutOfWindowIsInvalidAndCounted) {
  CtRun r;
  r.tcp(kHostA, kHostB, 40000, 22, kSyn, 1000, 0, commit());
  r.tcp(kHostB, kHostA, 22, 40000, kSyn | kAck, 5000, 1001, commit());
  r.tcp(kHostA, kHostB, 40000, 22, kAck, 1001, 5001, commit());
  // A pure ACK's sequence number is not checked (pf); data far outside the window is.
  EXPECT_EQ(r.tcp(kHostA, kHostB, 40000, 22, kAck, 900000000, 5001, commit()), kEstTrk);
  EXPECT_EQ(r.tcp(kHostA, kHostB, 40000, 22, kAck, 900000000, 5001, commit(), 100), kInvTrk);
  EXPECT_EQ(r.ct.counter(CtCounter::kTcpSeq), 1u);
  EXPECT_NE(r.ct.format_coverage().find("conntrack_tcp_seq_chk_failed"), std::string::npos);
  EXPECT_EQ(r.meta.conn, nullptr);
  r.ct.set_tcp_seq_check(false);
  EXPECT_FALSE(r.ct.tcp_seq_check());
  EXPECT_EQ(r.tcp(kHostA, kHostB, 40000, 22, kAck, 900000000, 5001, commit(), 100), kEstTrk);
}

TEST(ConntrackTcp, NonsenseFlagsAreInvalid) {
  CtRun r;
  EXPECT_EQ(r.tcp(kHostA, kHostB, 1, 2, kFin, 1, 0, commit()), kInvTrk);         // FIN without ACK
  EXPECT_EQ(r.tcp(kHostA, kHostB, 1, 2, kSyn | kFin, 1, 0, commit()), kInvTrk);  // SYN+FIN
  EXPECT_EQ(r.tcp(kHostA, kHostB, 1, 2, 0, 1, 0, commit()), kInvTrk);            // no flags
  EXPECT_EQ(r.ct.count(), 0u);
  r.tcp(kHostA, kHostB, 40000, 22, kSyn, 1000, 0, commit());
  EXPECT_EQ(r.tcp(kHostB, kHostA, 22, 40000, kSyn | kRst, 5000, 1001, commit()), kInvTrk);
  EXPECT_GE(r.ct.counter(CtCounter::kTcpFlags), 1u);
  EXPECT_GE(r.ct.counter(CtCounter::kInvalid), 4u);
}

TEST(ConntrackTcp, BareAckPicksUpAsNew) {
  CtRun r;
  EXPECT_EQ(r.tcp(kHostA, kHostB, 40000, 22, kAck, 777, 888, commit(1)), kNewTrk);
  EXPECT_EQ(r.ct.dump(1), kTuple + ",zone=1,protoinfo=(state=SYN_SENT)\n");
  // The other side answers mid-stream: the connection is established.
  EXPECT_EQ(r.tcp(kHostB, kHostA, 22, 40000, kAck, 888, 777, commit(1)), kEstRplTrk);
}

TEST(ConntrackTcp, SynAckWithoutEntryIsInvalid) {
  CtRun r;
  EXPECT_EQ(r.tcp(kHostB, kHostA, 22, 40000, kSyn | kAck, 5000, 1001, commit()), kInvTrk);
  EXPECT_EQ(r.ct.count(), 0u);
  EXPECT_EQ(r.ct.counter(CtCounter::kNoNew), 1u);
}

TEST(ConntrackTcp, RstClosesAndSynReopens) {
  CtRun r;
  r.tcp(kHostA, kHostB, 40000, 22, kSyn, 1000, 0, commit());
  r.tcp(kHostB, kHostA, 22, 40000, kSyn | kAck, 5000, 1001, commit());
  EXPECT_EQ(r.tcp(kHostA, kHostB, 40000, 22, kRst | kAck, 1001, 5001, commit()), kEstTrk);
  EXPECT_NE(r.ct.dump(0, true).find("state_orig=TIME_WAIT,state_reply=TIME_WAIT"),
            std::string::npos);
  // Both sides closed: a new SYN replaces the entry.
  EXPECT_EQ(r.tcp(kHostA, kHostB, 40000, 22, kSyn, 90000, 0, commit()), kNewTrk);
  EXPECT_NE(r.ct.dump(0, true).find("state_orig=SYN_SENT,state_reply=CLOSED"), std::string::npos);
  EXPECT_EQ(r.ct.count(), 1u);
}

TEST(ConntrackTcp, UncommittedIsAlwaysNew) {
  CtRun r;
  EXPECT_EQ(r.tcp(kHostA, kHostB, 40000, 22, kSyn, 1000, 0, track()), kNewTrk);
  EXPECT_EQ(r.ct.count(), 0u);
  EXPECT_EQ(r.meta.orig_tp_dst, 22);
  EXPECT_EQ(r.meta.orig_proto, kIpProtoTcp);
  EXPECT_EQ(r.tcp(kHostB, kHostA, 22, 40000, kSyn | kAck, 5000, 1001, track()), kInvTrk);
}

TEST(ConntrackTcp, BadChecksumsAreInvalid) {
  CtRun r;
  frame(r.pkt, kHostA, kHostB, kIpProtoTcp, tcp_l4(1, 2, kSyn, 1, 0));
  r.pkt.data()[14 + 20 + 16] ^= 0x55;  // TCP checksum
  EXPECT_EQ(r.run(commit()), kInvTrk);
  EXPECT_EQ(r.ct.counter(CtCounter::kL4Csum), 1u);
  // The same packet with an offload partial checksum is not checked.
  r.pkt.offload.flags = kVnetNeedsCsum;
  r.pkt.offload.csum_start = 34;
  r.pkt.offload.csum_offset = 16;
  EXPECT_EQ(r.run(commit()), kNewTrk);
  r.pkt.offload = VnetHdr{};
  frame(r.pkt, kHostA, kHostB, kIpProtoTcp, tcp_l4(3, 4, kSyn, 1, 0));
  r.pkt.data()[14 + 10] ^= 0x01;  // IPv4 header checksum
  EXPECT_EQ(r.run(commit()), kInvTrk);
  EXPECT_EQ(r.ct.counter(CtCounter::kL3Csum), 1u);
}

TEST(ConntrackTcp, FragmentsAreInvalidAndCounted) {
  CtRun r;
  frame(r.pkt, kHostA, kHostB, kIpProtoTcp, tcp_l4(1, 2, kSyn, 1, 0));
  uint8_t* ip = r.pkt.data() + 14;
  store_be16(ip + 6, 0x2000);  // more fragments
  store_be16(ip + 10, 0);
  store_be16(ip + 10, ipv4_header_checksum(ip, 20));
  EXPECT_EQ(r.run(commit()), kInvTrk);
  EXPECT_EQ(r.ct.counter(CtCounter::kFragment), 1u);
}

TEST(ConntrackTcp, Ipv6Handshake) {
  CtRun r;
  Ip a = v6(5), b = v6(6);
  EXPECT_EQ(r.tcp(a, b, 40000, 80, kSyn, 1000, 0, commit(3)), kNewTrk);
  EXPECT_EQ(r.tcp(b, a, 80, 40000, kSyn | kAck, 5000, 1001, commit(3)), kEstRplTrk);
  EXPECT_EQ(r.tcp(a, b, 40000, 80, kAck, 1001, 5001, commit(3)), kEstTrk);
  EXPECT_EQ(
      r.ct.dump(3),
      "tcp,orig=(src=fd00::5,dst=fd00::6,sport=40000,dport=80),reply=(src=fd00::6,dst=fd00::5,"
      "sport=80,dport=40000),zone=3,protoinfo=(state=ESTABLISHED)\n");
  EXPECT_TRUE(r.meta.orig_ipv6);
}

TEST(ConntrackTcp, SameZoneSecondCtTakesTheFastPath) {
  CtRun r;
  r.tcp(kHostA, kHostB, 40000, 22, kSyn, 1000, 0, commit(1));
  r.tcp(kHostB, kHostA, 22, 40000, kSyn | kAck, 5000, 1001, commit(1));
  EXPECT_NE(r.meta.conn, nullptr);
  uint64_t fast = r.ct.counter(CtCounter::kFastPath);
  EXPECT_EQ(r.run(commit(1), true), kEstRplTrk);
  EXPECT_EQ(r.ct.counter(CtCounter::kFastPath), fast + 1);
  // Another zone: looked up again, and unknown there.
  EXPECT_EQ(r.run(track(2), true), kInvTrk);
}

}  // namespace
}  // namespace nt::testing
