// DHCP: the message codec, and the client against a tiny server through a real exchange.
#include <gtest/gtest.h>

#include "netstack/dhcp_client.h"
#include "netstack/ping.h"
#include "netstack_test_util.h"

namespace nt::test {
namespace {

// The bytes of option `code` in an encoded message (empty if absent).
std::vector<uint8_t> find_option(const uint8_t* buf, size_t len, uint8_t code) {
  for (size_t i = 240; i < len && buf[i] != dhcp_opt::kEnd;) {
    if (buf[i] == dhcp_opt::kPad) {
      ++i;
      continue;
    }
    if (buf[i] == code) return {buf + i + 2, buf + i + 2 + buf[i + 1]};
    i += 2 + buf[i + 1];
  }
  return {};
}

TEST(DhcpMessageTest, ClasslessRoutesEncodeAsRfc3442) {
  DhcpMessage m;
  m.type = DhcpType::kAck;
  m.has_classless_routes = true;
  m.classless_routes = {{ip("10.17.0.0"), 16, ip("10.0.0.1")},
                        {0, 0, ip("10.0.0.1")},
                        {ip("10.229.0.128"), 25, ip("10.0.0.1")},
                        {ip("169.254.169.254"), 32, 0}};
  uint8_t buf[kDhcpMaxMessage];
  auto len = dhcp_encode(m, buf, sizeof buf);
  ASSERT_TRUE(len.ok());
  EXPECT_EQ(*len, 300u);  // padded to BOOTP's minimum
  std::vector<uint8_t> want = {16, 10,  17, 10, 0, 0, 1,  0,   10,  0,   0,   1, 25, 10, 229,
                               0,  128, 10, 0,  0, 1, 32, 169, 254, 169, 254, 0, 0,  0,  0};
  EXPECT_EQ(find_option(buf, *len, dhcp_opt::kClasslessRoute), want);
  auto back = dhcp_parse(buf, *len);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->classless_routes, m.classless_routes);
}

TEST(DhcpMessageTest, RoundTripsEveryField) {
  DhcpMessage m;
  m.op = 2;
  m.type = DhcpType::kOffer;
  m.xid = 0xdeadbeef;
  m.secs = 3;
  m.flags = kDhcpBroadcastFlag;
  m.yiaddr = ip("172.16.1.3");
  m.siaddr = ip("172.16.1.2");
  m.chaddr = mac(0x8a);
  m.server_id = ip("172.16.1.2");
  m.lease_time = 86400;
  m.t1 = 100;
  m.t2 = 200;
  m.subnet_mask = 0xffffff00;
  m.has_subnet_mask = true;
  m.routers = {ip("172.16.1.1")};
  m.dns = {ip("8.8.8.8"), ip("8.8.4.4")};
  m.mtu = 1450;
  m.hostname = "cirros-vm1";
  m.domain_name = std::string(300, 'd');  // longer than one option: split and rejoined
  m.param_request = {1, 3, 6};
  uint8_t buf[1024];  // more than the 576 every client must take: the domain is long
  auto len = dhcp_encode(m, buf, sizeof buf);
  ASSERT_TRUE(len.ok());
  auto b = dhcp_parse(buf, *len);
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_EQ(b->op, 2);
  EXPECT_EQ(b->type, DhcpType::kOffer);
  EXPECT_EQ(b->xid, 0xdeadbeefu);
  EXPECT_EQ(b->flags, kDhcpBroadcastFlag);
  EXPECT_EQ(b->yiaddr, m.yiaddr);
  EXPECT_EQ(b->chaddr, m.chaddr);
  EXPECT_EQ(b->server_id, m.server_id);
  EXPECT_EQ(b->lease_time, 86400u);
  EXPECT_EQ(b->t1, 100u);
  EXPECT_EQ(b->t2, 200u);
  EXPECT_TRUE(b->has_subnet_mask);
  EXPECT_EQ(b->subnet_mask, 0xffffff00u);
  EXPECT_EQ(b->routers, m.routers);
  EXPECT_EQ(b->dns, m.dns);
  EXPECT_EQ(b->mtu, 1450);
  EXPECT_EQ(b->hostname, "cirros-vm1");
  EXPECT_EQ(b->domain_name, m.domain_name);
  EXPECT_EQ(b->param_request, m.param_request);
  EXPECT_FALSE(b->has_classless_routes);
  EXPECT_EQ(dhcp_type_name(b->type), "DHCPOFFER");
}

TEST(DhcpMessageTest, MalformedMessagesAreErrors) {
  DhcpMessage m;
  m.type = DhcpType::kDiscover;
  uint8_t buf[kDhcpMaxMessage];
  size_t len = *dhcp_encode(m, buf, sizeof buf);
  EXPECT_FALSE(dhcp_parse(buf, 200).ok());  // shorter than the fixed part
  uint8_t bad[kDhcpMaxMessage];
  std::copy(buf, buf + len, bad);
  bad[236] = 0;  // cookie
  EXPECT_FALSE(dhcp_parse(bad, len).ok());
  std::copy(buf, buf + len, bad);
  bad[240] = dhcp_opt::kHostname;  // replaces the type option: one byte claims 200 more
  bad[241] = 200;
  EXPECT_FALSE(dhcp_parse(bad, 250).ok());
  std::copy(buf, buf + len, bad);
  bad[242] = 9;  // message type out of range
  EXPECT_FALSE(dhcp_parse(bad, len).ok());
  std::copy(buf, buf + len, bad);
  uint8_t route[] = {dhcp_opt::kClasslessRoute, 5, 33, 10, 0, 0, 1};  // a /33
  std::copy(route, route + sizeof route, bad + 243);
  EXPECT_FALSE(dhcp_parse(bad, len).ok());
  bad[245] = 24;  // a /24 needs 3 + 4 bytes, only 4 follow
  EXPECT_FALSE(dhcp_parse(bad, len).ok());
  EXPECT_FALSE(dhcp_encode(m, buf, 100).ok());
}

class DhcpTest : public NetstackTest {
 protected:
  DhcpTest() : lan(sched) {
    server_host = &add_host("dhcp", lan, "10.0.0.2/24", 2);
    server = std::make_unique<MiniDhcpServer>(*server_host, 0, ip("10.0.0.2"), ip("10.0.0.3"));
    server->lease_time = 100;
    server->routers = {ip("10.0.0.1")};
    server->dns = {ip("8.8.8.8")};
    client_host = &add_host("cirros-vm1");
    lan.attach(*client_host, client_host->add_nic("eth0", mac(3)));
    client = std::make_unique<DhcpClient>(*client_host, 0);
  }
  TestBridge lan;
  Host* server_host;
  Host* client_host;
  std::unique_ptr<MiniDhcpServer> server;
  std::unique_ptr<DhcpClient> client;
};

TEST_F(DhcpTest, FullExchangeConfiguresTheHost) {
  server->mtu = 1450;
  ASSERT_TRUE(client->start().ok());
  EXPECT_FALSE(client->start().ok());
  run_secs(1);
  ASSERT_EQ(client->state(), DhcpState::kBound);
  ASSERT_EQ(server->received.size(), 2u);
  EXPECT_EQ(server->received[0].type, DhcpType::kDiscover);
  EXPECT_EQ(server->received_dst[0], kIpv4Broadcast);
  EXPECT_EQ(server->received[1].type, DhcpType::kRequest);
  EXPECT_EQ(server->received[1].requested_ip, ip("10.0.0.3"));
  EXPECT_EQ(server->received[1].server_id, ip("10.0.0.2"));
  EXPECT_EQ(server->received[1].xid, server->received[0].xid);
  const DhcpLease& l = *client->lease();
  EXPECT_EQ(l.address, ip("10.0.0.3"));
  EXPECT_EQ(l.prefix_len, 24);
  EXPECT_EQ(l.lease_secs, 100u);
  EXPECT_EQ(l.t1, l.obtained + 50 * kUsPerSec);
  EXPECT_EQ(l.t2, l.obtained + 87'500'000);
  EXPECT_EQ(client_host->nic(0).mtu(), 1450);
  EXPECT_EQ(client_host->dns_servers(), std::vector<uint32_t>{ip("8.8.8.8")});
  EXPECT_EQ(client_host->ip_route_text(),
            "default via 10.0.0.1 dev eth0\n"
            "10.0.0.0/24 dev eth0  src 10.0.0.3\n");
  EXPECT_NE(client_host->ip_addr_text().find(
                "    inet 10.0.0.3/24 brd 10.0.0.255 scope global dynamic eth0\n"
                "       valid_lft 99sec preferred_lft 99sec\n"),
            std::string::npos);
  EXPECT_EQ(client->log(),
            "udhcpc (v1.23.2) started\n"
            "Sending discover...\n"
            "Sending select for 10.0.0.3...\n"
            "Lease of 10.0.0.3 obtained, lease time 100\n");
  // The leased address works.
  Ping ping(*server_host, ip("10.0.0.3"), PingOptions{.count = 1});
  ping.start();
  run_secs(1);
  EXPECT_EQ(ping.result().received, 1u);
}

TEST_F(DhcpTest, RenewsAtT1ByUnicast) {
  ASSERT_TRUE(client->start().ok());
  run_secs(1);
  ASSERT_EQ(client->state(), DhcpState::kBound);
  TimeUs t1 = client->lease()->t1;
  sched.run_until_us(t1 - 1);
  EXPECT_EQ(server->received.size(), 2u);
  sched.run_until_us(t1 + 10'000);
  ASSERT_EQ(server->received.size(), 3u);
  const DhcpMessage& renew = server->received[2];
  EXPECT_EQ(renew.type, DhcpType::kRequest);
  EXPECT_EQ(renew.ciaddr, ip("10.0.0.3"));
  EXPECT_EQ(renew.requested_ip, 0u);  // RFC 2131 table 5: not in RENEWING
  EXPECT_EQ(renew.server_id, 0u);
  EXPECT_EQ(server->received_dst[2], ip("10.0.0.2"));  // unicast to the server
  EXPECT_EQ(server->received_at[2], t1 + 300);         // ARP for the server, then the request
  EXPECT_EQ(client->state(), DhcpState::kBound);
  EXPECT_EQ(client->lease()->t1, t1 + 50 * kUsPerSec);  // the lease moved on
  EXPECT_EQ(client->stats().acks, 2u);
  EXPECT_EQ(client_host->nic(0).addresses().size(), 1u);
  // And again, for as long as the server answers.
  run_secs(200);
  EXPECT_EQ(server->count(DhcpType::kRequest), 1u + 5u);
  EXPECT_EQ(client->state(), DhcpState::kBound);
}

TEST_F(DhcpTest, SilentServerMeansRebindThenExpiryThenStartOver) {
  ASSERT_TRUE(client->start().ok());
  run_secs(1);
  const DhcpLease l = *client->lease();
  server->silent = true;
  sched.run_until_us(l.t1 + 1'000);
  EXPECT_EQ(client->state(), DhcpState::kRenewing);
  sched.run_until_us(l.t2 + 1'000);
  EXPECT_EQ(client->state(), DhcpState::kRebinding);
  ASSERT_EQ(server->received.size(), 4u);  // renew at T1 (unicast), rebind at T2
  EXPECT_EQ(server->received_dst[2], ip("10.0.0.2"));
  EXPECT_EQ(server->received_dst[3], kIpv4Broadcast);
  EXPECT_EQ(server->received_at[3], l.t2 + 100);
  EXPECT_EQ(server->received[3].ciaddr, ip("10.0.0.3"));
  sched.run_until_us(l.expires + 10'000);
  EXPECT_EQ(client->state(), DhcpState::kInit);
  EXPECT_FALSE(client->lease().has_value());
  EXPECT_TRUE(client_host->nic(0).addresses().empty());
  EXPECT_EQ(client_host->ip_route_text(), "");
  EXPECT_NE(client->log().find("Lease lost, entering init state\n"), std::string::npos);
  server->silent = false;
  run_secs(10);
  EXPECT_EQ(client->state(), DhcpState::kBound);
  EXPECT_EQ(client->lease()->address, ip("10.0.0.3"));
}

TEST_F(DhcpTest, DiscoverRetransmissionsBackOff) {
  server->silent = true;
  TimeUs t0 = sched.now_us();
  ASSERT_TRUE(client->start().ok());
  run_secs(70);
  ASSERT_EQ(server->count(DhcpType::kDiscover), 5u);
  TimeUs expect = 4 * kUsPerSec;
  for (size_t i = 1; i < 5; ++i) {
    TimeUs gap = server->received_at[i] - server->received_at[i - 1];
    EXPECT_GE(gap, expect - kUsPerSec) << i;
    EXPECT_LE(gap, expect + kUsPerSec) << i;
    expect *= 2;
  }
  EXPECT_EQ(server->received_at[0], t0 + 100);
  // Same transaction throughout, and the same run replays identically.
  EXPECT_EQ(server->received[4].xid, server->received[0].xid);
  EXPECT_GE(server->received[4].secs, 59);
}

TEST_F(DhcpTest, ClasslessRoutesOverrideTheRouterOption) {
  server->routers = {ip("10.0.0.254")};
  server->has_classless = true;
  server->classless = {{ip("169.254.169.254"), 32, ip("10.0.0.2")},
                       {0, 0, ip("10.0.0.1")},
                       {ip("192.168.50.0"), 24, 0},
                       {ip("172.31.0.0"), 16, ip("192.168.50.1")},  // via the on-link route
                       {ip("172.30.0.0"), 16, ip("203.0.113.1")}};  // unreachable gateway
  ASSERT_TRUE(client->start().ok());
  run_secs(1);
  ASSERT_EQ(client->state(), DhcpState::kBound);
  EXPECT_EQ(client_host->ip_route_text(),
            "default via 10.0.0.1 dev eth0\n"
            "10.0.0.0/24 dev eth0  src 10.0.0.3\n"
            "169.254.169.254 via 10.0.0.2 dev eth0\n"
            "172.31.0.0/16 via 192.168.50.1 dev eth0\n"
            "192.168.50.0/24 dev eth0\n");
  EXPECT_NE(client->log().find("udhcpc: route 172.30.0.0/16 via 203.0.113.1: Nexthop has "
                               "invalid gateway\n"),
            std::string::npos);
  // The metadata route is used: the next hop for 169.254.169.254 is the DHCP server.
  const Route* r = client_host->routes().lookup(ip("169.254.169.254"));
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->gateway, ip("10.0.0.2"));
  // Release takes everything back and tells the server.
  client->release();
  EXPECT_EQ(client->state(), DhcpState::kStopped);
  EXPECT_EQ(client_host->ip_route_text(), "");
  EXPECT_EQ(client_host->nic(0).mtu(), 1500);
  run_secs(1);
  EXPECT_EQ(server->count(DhcpType::kRelease), 1u);
}

TEST_F(DhcpTest, NakSendsTheClientBackToInit) {
  server->nak_all = true;
  ASSERT_TRUE(client->start().ok());
  run_secs(0.5);
  EXPECT_EQ(client->stats().naks, 1u);
  EXPECT_NE(client->state(), DhcpState::kBound);
  server->nak_all = false;
  run_secs(2);
  ASSERT_EQ(client->state(), DhcpState::kBound);
  // A NAK while renewing drops the address at once.
  server->nak_all = true;
  sched.run_until_us(client->lease()->t1 + 1'000);
  EXPECT_EQ(client->stats().naks, 2u);
  EXPECT_FALSE(client->lease().has_value());
  EXPECT_TRUE(client_host->nic(0).addresses().empty());
  EXPECT_NE(client->log().find("Received DHCP NAK\n"), std::string::npos);
}

TEST_F(DhcpTest, UnansweredRequestsStartOver) {
  server->ignore_requests = true;
  DhcpClientConfig cfg;
  cfg.jitter = false;
  client = std::make_unique<DhcpClient>(*client_host, 0, cfg);
  TimeUs t0 = sched.now_us();
  ASSERT_TRUE(client->start().ok());
  run_secs(0.5);
  EXPECT_EQ(client->state(), DhcpState::kRequesting);
  run_secs(61);
  // REQUESTs at 0, 4, 12, 28 s; at 60 s the client gives up, and 1 s later discovers anew.
  ASSERT_GE(server->received.size(), 6u);
  for (size_t i = 1; i <= 4; ++i) EXPECT_EQ(server->received[i].type, DhcpType::kRequest);
  EXPECT_EQ(server->received_at[4], t0 + 28 * kUsPerSec + 300);
  EXPECT_EQ(server->received[5].type, DhcpType::kDiscover);
  EXPECT_EQ(server->received_at[5], t0 + 61 * kUsPerSec + 300);
  EXPECT_NE(server->received[5].xid, server->received[0].xid);
  EXPECT_NE(client->log().find("No lease, failing\n"), std::string::npos);
}

TEST_F(DhcpTest, RepliesForOtherTransactionsAreIgnored) {
  ASSERT_TRUE(client->start().ok());
  run_secs(1);
  ASSERT_EQ(client->state(), DhcpState::kBound);
  DhcpMessage stray;
  stray.op = 2;
  stray.type = DhcpType::kNak;
  stray.xid = 12345;
  stray.chaddr = mac(3);
  uint8_t buf[kDhcpMaxMessage];
  size_t len = *dhcp_encode(stray, buf, sizeof buf);
  auto s = server_host->udp_open(6767);
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE((*s)->sendto(ip("10.0.0.3"), kDhcpClientPort, buf, len).ok());
  ASSERT_TRUE((*s)->sendto(ip("10.0.0.3"), kDhcpClientPort, buf, 10).ok());  // garbage
  run_secs(1);
  EXPECT_EQ(client->stats().ignored, 2u);
  EXPECT_EQ(client->state(), DhcpState::kBound);
}

}  // namespace
}  // namespace nt::test
