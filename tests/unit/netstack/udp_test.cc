// UDP sockets: delivery, replies, binding rules, port unreachable back to the sender.
#include <gtest/gtest.h>

#include <string>

#include "netstack_test_util.h"

namespace nt::test {
namespace {

class UdpTest : public NetstackTest {
 protected:
  UdpTest() : lan(sched) {
    a = &add_host("a", lan, "10.0.0.1/24", 1);
    b = &add_host("b", lan, "10.0.0.2/24", 2);
  }
  TestBridge lan;
  Host* a;
  Host* b;
};

const uint8_t* bytes(const std::string& s) { return reinterpret_cast<const uint8_t*>(s.data()); }

TEST_F(UdpTest, EchoServerAnswersTheClient) {
  auto server = b->udp_open(7);
  ASSERT_TRUE(server.ok());
  UdpSocket* srv = server->get();
  std::vector<UdpDatagram> at_server;
  srv->on_receive([&](const UdpDatagram& d) {
    at_server.push_back(d);
    ASSERT_TRUE(srv->sendto(d.src, d.sport, d.data, d.len).ok());  // echo from the frame
  });
  auto client = a->udp_open();
  ASSERT_TRUE(client.ok());
  EXPECT_GE((*client)->port(), 32768);
  std::string got;
  uint16_t from_port = 0;
  (*client)->on_receive([&](const UdpDatagram& d) {
    got.assign(reinterpret_cast<const char*>(d.data), d.len);
    from_port = d.sport;
  });
  std::string msg = "hello, cirros";
  ASSERT_TRUE((*client)->sendto(ip("10.0.0.2"), 7, bytes(msg), msg.size()).ok());
  run_secs(1);
  ASSERT_EQ(at_server.size(), 1u);
  EXPECT_EQ(at_server[0].src, ip("10.0.0.1"));
  EXPECT_EQ(at_server[0].dst, ip("10.0.0.2"));
  EXPECT_EQ(at_server[0].sport, (*client)->port());
  EXPECT_EQ(at_server[0].src_mac, mac(1));
  EXPECT_EQ(got, msg);
  EXPECT_EQ(from_port, 7);
  EXPECT_EQ(a->total_drops() + b->total_drops(), 0u);
}

TEST_F(UdpTest, ClosedPortAnswersPortUnreachableToTheSendingSocket) {
  auto sock = a->udp_open(4000);
  ASSERT_TRUE(sock.ok());
  std::vector<IcmpError> errors;
  (*sock)->on_error([&](const IcmpError& e) { errors.push_back(e); });
  std::string msg = "anyone?";
  ASSERT_TRUE((*sock)->sendto(ip("10.0.0.2"), 9999, bytes(msg), msg.size()).ok());
  run_secs(1);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].type, kIcmpDestUnreachable);
  EXPECT_EQ(errors[0].code, kIcmpPortUnreachable);
  EXPECT_EQ(errors[0].from, ip("10.0.0.2"));
  EXPECT_EQ(errors[0].orig_dst, ip("10.0.0.2"));
  EXPECT_EQ(errors[0].orig_sport, 4000);
  EXPECT_EQ(errors[0].orig_dport, 9999);
  EXPECT_FALSE(errors[0].local);
  EXPECT_EQ(b->drops(HostDrop::kUdpNoSocket), 1u);
  // Closing the socket: the next error has nobody to go to and is counted.
  sock->reset();
  auto other = a->udp_open();
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(
      (*other)
          ->sendto(ip("10.0.0.2"), 9999, bytes(msg), msg.size(), UdpSendOptions{.sport = 4000})
          .ok());
  run_secs(1);
  EXPECT_EQ(a->drops(HostDrop::kIcmpNoListener), 1u);
}

TEST_F(UdpTest, BindingRules) {
  auto any = a->udp_open(53);
  ASSERT_TRUE(any.ok());
  auto dup = a->udp_open(53);
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, ErrorCode::kConflict);
  EXPECT_FALSE(a->udp_open(53, ip("10.0.0.9")).ok());  // not our address
  auto specific = a->udp_open(53, ip("10.0.0.1"));
  ASSERT_TRUE(specific.ok());
  // The socket bound to the exact address wins over the wildcard one.
  int any_hits = 0, specific_hits = 0;
  (*any)->on_receive([&](const UdpDatagram&) { ++any_hits; });
  (*specific)->on_receive([&](const UdpDatagram&) { ++specific_hits; });
  auto c = b->udp_open();
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE((*c)->sendto(ip("10.0.0.1"), 53, nullptr, 0).ok());
  run_secs(1);
  EXPECT_EQ(specific_hits, 1);
  EXPECT_EQ(any_hits, 0);
  // Broadcasts reach the wildcard socket.
  (*c)->bind_device(0);
  ASSERT_TRUE((*c)->sendto(kIpv4Broadcast, 53, nullptr, 0).ok());
  run_secs(1);
  EXPECT_EQ(any_hits, 1);
  // Two sockets on one port, one per device, are allowed.
  NicId eth1 = a->add_nic("eth1", mac(0x11));
  auto d0 = a->udp_open(68, 0, 0);
  auto d1 = a->udp_open(68, 0, eth1);
  EXPECT_TRUE(d0.ok());
  EXPECT_TRUE(d1.ok());
  EXPECT_FALSE(a->udp_open(68).ok());  // a device-less socket would overlap both
  EXPECT_FALSE(a->udp_open(68, 0, eth1).ok());
}

}  // namespace
}  // namespace nt::test
