// TCP: handshake, refusal, retransmission of lost segments, the echo service, FIN close, reset,
// and malformed segments counted and dropped.
#include "netstack/tcp.h"

#include <gtest/gtest.h>

#include <string>

#include "netstack_test_util.h"
#include "packet/checksum.h"

namespace nt::test {
namespace {

constexpr size_t kTcpAt = kEthHeaderLen + kIpv4HeaderLen;  // no IP options here

bool is_tcp(const std::vector<uint8_t>& f) {
  return f.size() >= kTcpAt + 20 && load_be16(f.data() + 12) == kEthTypeIp && f[23] == kIpProtoTcp;
}
uint8_t flags_of(const std::vector<uint8_t>& f) { return f[kTcpAt + 13] & 0x3f; }
size_t payload_of(const std::vector<uint8_t>& f) {
  size_t ip_len = load_be16(f.data() + kEthHeaderLen + 2);
  return ip_len - kIpv4HeaderLen - static_cast<size_t>(f[kTcpAt + 12] >> 4) * 4;
}

class TcpTest : public NetstackTest {
 protected:
  TcpTest() : lan(sched) {
    a = &add_host("a", lan, "10.0.0.1/24", 1);
    b = &add_host("b", lan, "10.0.0.2/24", 2);
  }
  // The TCP frames on the wire with exactly these flags.
  size_t segments(uint8_t flags) const {
    size_t n = 0;
    for (const auto& f : lan.log) n += is_tcp(f) && flags_of(f) == flags;
    return n;
  }
  std::unique_ptr<TcpListener> echo_on(uint16_t port) {
    auto l = b->tcp_listen(port);
    EXPECT_TRUE(l.ok());
    (*l)->set_echo(true);
    return std::move(*l);
  }
  std::unique_ptr<TcpConnection> connect(uint16_t port, const TcpOptions& o = {}) {
    auto c = a->tcp_connect(ip("10.0.0.2"), port, o);
    EXPECT_TRUE(c.ok());
    return std::move(*c);
  }
  TestBridge lan;
  Host* a;
  Host* b;
};

TEST_F(TcpTest, ThreeWayHandshake) {
  auto l = echo_on(22);
  auto c = connect(22);
  EXPECT_EQ(c->state(), TcpState::kSynSent);
  run_secs(1);
  EXPECT_EQ(c->state(), TcpState::kEstablished);
  EXPECT_EQ(l->connection_count(), 1u);
  EXPECT_EQ(segments(kTcpSyn), 1u);
  EXPECT_EQ(segments(kTcpSyn | kTcpAck), 1u);
  EXPECT_EQ(segments(kTcpAck), 1u);
  EXPECT_EQ(c->tuple().local_addr, ip("10.0.0.1"));
  EXPECT_GE(c->tuple().local_port, 32768);
  EXPECT_EQ(c->retransmissions(), 0u);
  // Every segment is well formed: its checksum verifies, the SYNs carry an MSS option.
  for (const auto& f : lan.log) {
    if (!is_tcp(f)) continue;
    size_t len = f.size() - kTcpAt;
    uint32_t sum = ipv4_pseudo_header_sum(load_be32(f.data() + 26), load_be32(f.data() + 30),
                                          kIpProtoTcp, static_cast<uint16_t>(len));
    EXPECT_EQ(csum_finish(csum_add(sum, f.data() + kTcpAt, len)), 0);
    EXPECT_GT(load_be16(f.data() + kTcpAt + 14), 0);  // window
    if (flags_of(f) & kTcpSyn) {
      EXPECT_EQ(f[kTcpAt + 12] >> 4, 6);  // 24 bytes: the MSS option
      EXPECT_EQ(f[kTcpAt + 20], 2);
      EXPECT_EQ(load_be16(f.data() + kTcpAt + 22), 1460);
    }
  }
  EXPECT_EQ(a->total_drops() + b->total_drops(), 0u);
}

TEST_F(TcpTest, SynToAClosedPortIsRefused) {
  auto l = echo_on(22);
  auto c = connect(23);
  run_secs(1);
  EXPECT_EQ(c->state(), TcpState::kClosed);
  EXPECT_EQ(c->error(), TcpError::kRefused);
  EXPECT_EQ(segments(kTcpRst | kTcpAck), 1u);
  EXPECT_EQ(b->drops(HostDrop::kTcpNoSocket), 1u);
  EXPECT_EQ(l->accepted(), 0u);
  EXPECT_EQ(c->send("late").ok(), false);
}

TEST_F(TcpTest, LostSynIsRetransmitted) {
  auto l = echo_on(22);
  bool dropped = false;
  lan.drop_if = [&](const std::vector<uint8_t>& f) {
    if (dropped || !is_tcp(f) || flags_of(f) != kTcpSyn) return false;
    return dropped = true;
  };
  auto c = connect(22);
  run_secs(0.9);
  EXPECT_EQ(c->state(), TcpState::kSynSent);
  run_secs(0.2);  // the first retransmission leaves after 1 s
  EXPECT_EQ(c->state(), TcpState::kEstablished);
  EXPECT_EQ(c->retransmissions(), 1u);
  EXPECT_EQ(segments(kTcpSyn), 2u);
}

TEST_F(TcpTest, ConnectGivesUpAfterItsRetries) {
  lan.cut = true;
  TcpOptions o;
  o.max_retries = 3;
  auto c = connect(22, o);
  run_secs(1 + 2 + 4 - 0.1);
  EXPECT_EQ(c->state(), TcpState::kSynSent);
  run_secs(8.2);  // the last try's timeout doubles too
  EXPECT_EQ(c->state(), TcpState::kClosed);
  EXPECT_EQ(c->error(), TcpError::kTimedOut);
  EXPECT_EQ(segments(kTcpSyn), 4u);
}

TEST_F(TcpTest, EchoServiceSendsTheDataBack) {
  auto l = echo_on(7);
  auto c = connect(7);
  std::string got;
  c->on_receive([&](std::span<const uint8_t> d) { got.append(d.begin(), d.end()); });
  run_secs(1);
  ASSERT_TRUE(c->send("hello, cirros").ok());
  run_secs(1);
  EXPECT_EQ(got, "hello, cirros");
  // More than one segment each way (the peer's MSS is 1460).
  std::string big(4000, 'x');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
  got.clear();
  ASSERT_TRUE(c->send(big).ok());
  run_secs(1);
  EXPECT_EQ(got, big);
  EXPECT_EQ(c->bytes_received(), 13u + 4000u);
  size_t largest = 0;
  for (const auto& f : lan.log) largest = std::max(largest, is_tcp(f) ? payload_of(f) : 0);
  EXPECT_EQ(largest, 1460u);
  EXPECT_EQ(c->retransmissions(), 0u);
  EXPECT_EQ(a->total_drops() + b->total_drops(), 0u);
}

TEST_F(TcpTest, LostDataIsRetransmitted) {
  auto l = echo_on(7);
  auto c = connect(7);
  std::string got;
  c->on_receive([&](std::span<const uint8_t> d) { got.append(d.begin(), d.end()); });
  run_secs(1);
  // The first data segment each way: the data, then (once retransmitted) its echo.
  int lost_to_a = 0, lost_to_b = 0;
  lan.drop_if = [&](const std::vector<uint8_t>& f) {
    if (!is_tcp(f) || payload_of(f) == 0) return false;
    return (f[5] == 1 ? lost_to_a : lost_to_b)++ == 0;  // f[5]: the destination MAC's last byte
  };
  ASSERT_TRUE(c->send("ping?").ok());
  run_secs(0.5);
  EXPECT_EQ(got, "");
  run_secs(4);
  EXPECT_EQ(got, "ping?");
  EXPECT_EQ(c->retransmissions(), 1u);
  EXPECT_EQ(lost_to_b, 2);  // the data twice
  EXPECT_EQ(lost_to_a, 2);  // the echo twice (b retransmitted it)
}

TEST_F(TcpTest, DataTimesOutWhenTheReturnPathIsCut) {
  auto l = echo_on(7);
  TcpOptions o;
  o.max_retries = 2;
  auto c = connect(7, o);
  run_secs(1);
  lan.drop_if = [&](const std::vector<uint8_t>& f) { return f[5] == 1; };  // b -> a
  ASSERT_TRUE(c->send("anyone?").ok());
  run_secs(1 + 2 + 4 + 0.5);
  EXPECT_EQ(c->bytes_received(), 0u);
  EXPECT_EQ(c->state(), TcpState::kClosed);
  EXPECT_EQ(c->error(), TcpError::kTimedOut);
}

TEST_F(TcpTest, FinCloseOnBothSides) {
  auto l = echo_on(7);
  auto c = connect(7);
  run_secs(1);
  ASSERT_TRUE(c->send("bye").ok());
  c->close();
  EXPECT_EQ(c->state(), TcpState::kFinWait1);
  EXPECT_FALSE(c->send("more").ok());
  run_secs(1);
  // The echo arrives after our FIN; the server closes in turn; we wait in TIME-WAIT.
  EXPECT_EQ(c->bytes_received(), 3u);
  EXPECT_EQ(c->state(), TcpState::kTimeWait);
  EXPECT_EQ(l->connection_count(), 0u);
  EXPECT_EQ(segments(kTcpFin | kTcpAck), 2u);
  run_secs(2);
  EXPECT_EQ(c->state(), TcpState::kClosed);
  EXPECT_EQ(c->error(), TcpError::kNone);
  EXPECT_EQ(segments(kTcpRst) + segments(kTcpRst | kTcpAck), 0u);
  EXPECT_EQ(a->total_drops() + b->total_drops(), 0u);
}

TEST_F(TcpTest, DestroyingAnOpenConnectionResetsThePeer) {
  auto l = b->tcp_listen(7);
  ASSERT_TRUE(l.ok());
  auto c = connect(7);
  run_secs(1);
  EXPECT_EQ((*l)->connection_count(), 1u);
  c.reset();
  run_secs(1);
  EXPECT_EQ(segments(kTcpRst | kTcpAck), 1u);
  EXPECT_EQ((*l)->connection_count(), 0u);
}

TEST_F(TcpTest, ListenerPortIsExclusive) {
  auto l = echo_on(22);
  EXPECT_FALSE(b->tcp_listen(22).ok());
  EXPECT_FALSE(b->tcp_listen(0).ok());
  EXPECT_FALSE(b->tcp_listen(80, ip("10.0.0.9")).ok());
  l.reset();
  EXPECT_TRUE(b->tcp_listen(22).ok());
}

TEST_F(TcpTest, MalformedSegmentsAreCountedAndDropped) {
  auto l = echo_on(22);
  std::vector<uint8_t> syn;
  lan.drop_if = [&](const std::vector<uint8_t>& f) {
    if (syn.empty() && is_tcp(f) && flags_of(f) == kTcpSyn) syn = f;
    return is_tcp(f);  // ARP goes through
  };
  auto c = connect(22);
  run_secs(0.5);
  ASSERT_FALSE(syn.empty());
  std::vector<uint8_t> bad = syn;
  bad[kTcpAt + 16] ^= 0xff;  // checksum
  b->receive(0, bad.data(), bad.size());
  EXPECT_EQ(b->drops(HostDrop::kTcpBadChecksum), 1u);
  bad = syn;
  bad[kTcpAt + 12] = 0xf0;  // data offset 60 bytes: beyond the segment
  b->receive(0, bad.data(), bad.size());
  EXPECT_EQ(b->drops(HostDrop::kTcpMalformed), 1u);
  bad = syn;
  bad[kTcpAt + 21] = 0;  // an option of length 0, checksum fixed up
  store_be16(bad.data() + kTcpAt + 16, 0);
  size_t len = bad.size() - kTcpAt;
  store_be16(bad.data() + kTcpAt + 16,
             l4_checksum_ipv4(load_be32(bad.data() + 26), load_be32(bad.data() + 30), kIpProtoTcp,
                              bad.data() + kTcpAt, len));
  b->receive(0, bad.data(), bad.size());
  EXPECT_EQ(b->drops(HostDrop::kTcpMalformed), 2u);
  EXPECT_EQ(l->accepted(), 0u);
  b->receive(0, syn.data(), syn.size());  // the original is fine
  EXPECT_EQ(l->accepted(), 1u);
}

}  // namespace
}  // namespace nt::test
