// DhcpServer: the netstack DhcpClient (and hand-made messages) against the real server.
#include "netstack/dhcp_server.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "netstack/dhcp_client.h"
#include "netstack_test_util.h"

namespace nt::test {
namespace {

// A client port-68 socket on an address-less host that sends hand-made messages and keeps
// every reply (with its IP destination).
class RawClient {
 public:
  RawClient(Host& host, const MacAddr& mac) : mac_(mac) {
    auto s = host.udp_open(kDhcpClientPort, 0, 0);
    EXPECT_TRUE(s.ok());
    sock_ = std::move(*s);
    sock_->set_accept_unconfigured(true);
    sock_->on_receive([this](const UdpDatagram& d) {
      auto m = dhcp_parse(d.data, d.len);
      if (!m) return;
      got.push_back(*m);
      dst.push_back(d.dst);
    });
  }
  DhcpMessage message(DhcpType type) const {
    DhcpMessage m;
    m.type = type;
    m.xid = 0x1234;
    m.chaddr = mac_;
    return m;
  }
  void send(const DhcpMessage& m) {
    uint8_t buf[kDhcpMaxMessage];
    auto len = dhcp_encode(m, buf, sizeof buf);
    ASSERT_TRUE(len.ok());
    send_bytes(buf, *len);
  }
  void send_bytes(const uint8_t* data, size_t len) {
    ASSERT_TRUE(sock_->sendto(kIpv4Broadcast, kDhcpServerPort, data, len).ok());
  }
  std::vector<DhcpMessage> got;
  std::vector<uint32_t> dst;

 private:
  MacAddr mac_;
  std::unique_ptr<UdpSocket> sock_;
};

class DhcpServerTest : public NetstackTest {
 protected:
  DhcpServerTest() : lan(sched) {
    server_host = &add_host("dhcp", lan, "10.0.0.2/24", 2);
    cfg.server_address = ip("10.0.0.2");
    cfg.prefix_len = 24;
    cfg.pool_first = ip("10.0.0.10");
    cfg.pool_last = ip("10.0.0.20");
    cfg.routers = {ip("10.0.0.1")};
    cfg.dns_servers = {ip("8.8.8.8")};
    cfg.lease_secs = 100;
  }
  void start_server() {
    server = std::make_unique<DhcpServer>(*server_host, 0, cfg);
    ASSERT_TRUE(server->start().ok());
  }
  Host& add_bare_host(uint64_t n) {
    Host& h = add_host("vm" + std::to_string(n));
    lan.attach(h, h.add_nic("eth0", mac(n)));
    return h;
  }
  DhcpClient& add_client(uint64_t n, std::string hostname = "") {
    Host& h = add_bare_host(n);
    clients.push_back(std::make_unique<DhcpClient>(h, 0, DhcpClientConfig{.hostname = hostname}));
    EXPECT_TRUE(clients.back()->start().ok());
    return *clients.back();
  }
  RawClient& add_raw(uint64_t n) {
    raws.push_back(std::make_unique<RawClient>(add_bare_host(n), mac(n)));
    return *raws.back();
  }
  static uint32_t address(const DhcpClient& c) { return c.lease() ? c.lease()->address : 0; }

  TestBridge lan;
  Host* server_host;
  DhcpServerConfig cfg;
  std::unique_ptr<DhcpServer> server;
  std::vector<std::unique_ptr<DhcpClient>> clients;
  std::vector<std::unique_ptr<RawClient>> raws;
};

TEST_F(DhcpServerTest, ClientGetsAPoolLease) {
  start_server();
  DhcpClient& c = add_client(3, "cirros-vm1");
  run_secs(1);
  ASSERT_EQ(c.state(), DhcpState::kBound);
  const DhcpLease& l = *c.lease();
  EXPECT_EQ(l.address, ip("10.0.0.10"));
  EXPECT_EQ(l.prefix_len, 24);
  EXPECT_EQ(l.server_id, ip("10.0.0.2"));
  EXPECT_EQ(l.lease_secs, 100u);
  EXPECT_EQ(server->stats().discovers, 1u);
  EXPECT_EQ(server->stats().offers, 1u);
  EXPECT_EQ(server->stats().acks, 1u);
  EXPECT_EQ(server->total_drops(), 0u);
  const DhcpServerLease* sl = server->find_lease(mac(3));
  ASSERT_NE(sl, nullptr);
  EXPECT_TRUE(sl->bound);
  EXPECT_GT(sl->expires, sched.now_us() + 98 * kUsPerSec);
  EXPECT_LE(sl->expires, sched.now_us() + 100 * kUsPerSec);
  EXPECT_EQ(server->leases_text(), std::to_string(sl->expires / kUsPerSec) +
                                       " fa:16:3e:00:00:03 10.0.0.10 cirros-vm1 *\n");
  EXPECT_EQ(c.lease()->routers, std::vector<uint32_t>{ip("10.0.0.1")});
  EXPECT_EQ(hosts.back()->ip_route_text(),
            "default via 10.0.0.1 dev eth0\n"
            "10.0.0.0/24 dev eth0  src 10.0.0.10\n");
}

TEST_F(DhcpServerTest, StaticHostGetsItsFixedAddress) {
  cfg.static_hosts = {{mac(3), ip("10.0.0.77")}, {mac(9), ip("10.0.0.10")}};
  start_server();
  DhcpClient& fixed = add_client(3);
  DhcpClient& other = add_client(4);
  run_secs(2);
  EXPECT_EQ(address(fixed), ip("10.0.0.77"));  // outside the pool
  EXPECT_EQ(address(other), ip("10.0.0.11"));  // .10 is mac 9's, even though it is absent
}

// Neutron's dnsmasq: "static" range, only the ports' MACs get addresses; a changed port is
// NAKed at its renewal and takes its new address.
TEST_F(DhcpServerTest, StaticOnlyServesKnownMacsAndFollowsReconfigure) {
  cfg.static_only = true;
  cfg.pool_first = cfg.pool_last = 0;
  cfg.static_hosts = {{mac(3), ip("10.0.0.3")}};
  start_server();
  DhcpClient& known = add_client(3);
  DhcpClient& stranger = add_client(4);
  run_secs(3);
  EXPECT_EQ(address(known), ip("10.0.0.3"));
  EXPECT_NE(stranger.state(), DhcpState::kBound);
  EXPECT_GE(server->drops(DhcpServerDrop::kNoStaticHost), 1u);
  DhcpServerConfig next = cfg;
  next.static_hosts = {{mac(3), ip("10.0.0.33")}, {mac(4), ip("10.0.0.4")}};
  ASSERT_TRUE(server->reconfigure(next).ok());
  EXPECT_EQ(server->find_lease(mac(3)), nullptr);  // forgotten: the renewal gets a NAK
  run_secs(120);
  EXPECT_EQ(address(known), ip("10.0.0.33"));
  EXPECT_EQ(address(stranger), ip("10.0.0.4"));
  EXPECT_GE(server->stats().naks, 1u);
  next.server_address = ip("10.0.0.9");
  EXPECT_FALSE(server->reconfigure(next).ok());
}

TEST_F(DhcpServerTest, TwoClientsGetDifferentAddresses) {
  start_server();
  DhcpClient& a = add_client(3);
  DhcpClient& b = add_client(4);
  run_secs(2);
  ASSERT_EQ(a.state(), DhcpState::kBound);
  ASSERT_EQ(b.state(), DhcpState::kBound);
  EXPECT_NE(address(a), address(b));
  std::string text = server->leases_text();
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2);
}

TEST_F(DhcpServerTest, RenewKeepsTheAddress) {
  start_server();
  DhcpClient& c = add_client(3);
  run_secs(1);
  ASSERT_EQ(c.state(), DhcpState::kBound);
  TimeUs first_expiry = server->find_lease(mac(3))->expires;
  sched.run_until_us(c.lease()->t1 + kUsPerSec);
  EXPECT_EQ(server->stats().acks, 2u);
  EXPECT_EQ(address(c), ip("10.0.0.10"));
  EXPECT_GT(server->find_lease(mac(3))->expires, first_expiry);
  run_secs(300);  // many lease times, renewed every T1
  EXPECT_EQ(c.state(), DhcpState::kBound);
  EXPECT_EQ(address(c), ip("10.0.0.10"));
  EXPECT_GE(server->stats().acks, 7u);
  EXPECT_EQ(server->stats().naks, 0u);
}

TEST_F(DhcpServerTest, ReleaseFreesTheAddressForTheNextClient) {
  start_server();
  DhcpClient& a = add_client(3);
  run_secs(1);
  ASSERT_EQ(address(a), ip("10.0.0.10"));
  a.release();
  run_secs(1);
  EXPECT_EQ(server->stats().releases, 1u);
  EXPECT_EQ(server->leases_text(), "");
  DhcpClient& b = add_client(4);
  run_secs(1);
  EXPECT_EQ(address(b), ip("10.0.0.10"));
}

TEST_F(DhcpServerTest, LeasesExpireOnTheVirtualClock) {
  start_server();
  add_client(3);
  run_secs(1);
  ASSERT_NE(server->find_lease(mac(3)), nullptr);
  clients.clear();  // gone without a RELEASE
  run_secs(99.5);
  EXPECT_EQ(server->find_lease(mac(3)), nullptr);
  EXPECT_EQ(server->leases_text(), "");
  DhcpClient& b = add_client(4);
  run_secs(1);
  EXPECT_EQ(address(b), ip("10.0.0.10"));
}

TEST_F(DhcpServerTest, NakForAForeignAddress) {
  start_server();
  add_client(3);
  run_secs(1);
  RawClient& raw = add_raw(5);
  DhcpMessage req = raw.message(DhcpType::kRequest);  // INIT-REBOOT for mac 3's address
  req.requested_ip = ip("10.0.0.10");
  raw.send(req);
  run_secs(1);
  ASSERT_EQ(raw.got.size(), 1u);
  EXPECT_EQ(raw.got[0].type, DhcpType::kNak);
  EXPECT_EQ(raw.got[0].yiaddr, 0u);
  EXPECT_EQ(raw.got[0].server_id, ip("10.0.0.2"));
  EXPECT_EQ(raw.dst[0], kIpv4Broadcast);
  req.requested_ip = ip("192.168.7.5");  // another subnet
  raw.send(req);
  run_secs(1);
  ASSERT_EQ(raw.got.size(), 2u);
  EXPECT_EQ(raw.got[1].type, DhcpType::kNak);
  req.server_id = ip("10.0.0.99");  // selecting another server: not our business
  req.requested_ip = ip("10.0.0.12");
  raw.send(req);
  run_secs(1);
  EXPECT_EQ(raw.got.size(), 2u);
  EXPECT_EQ(server->drops(DhcpServerDrop::kOtherServer), 1u);
  EXPECT_EQ(server->stats().naks, 2u);
  EXPECT_NE(server->find_lease(mac(3)), nullptr);  // the owner keeps it
}

TEST_F(DhcpServerTest, OptionsReachTheClient) {
  cfg.mtu = 1450;
  cfg.dns_servers = {ip("8.8.8.8"), ip("8.8.4.4")};
  cfg.classless_routes = {{ip("169.254.169.254"), 32, ip("10.0.0.2")}, {0, 0, ip("10.0.0.1")}};
  start_server();
  DhcpClient& c = add_client(3);
  run_secs(1);
  ASSERT_EQ(c.state(), DhcpState::kBound);
  Host& h = *hosts.back();
  EXPECT_EQ(h.nic(0).mtu(), 1450);
  EXPECT_EQ(h.dns_servers(), (std::vector<uint32_t>{ip("8.8.8.8"), ip("8.8.4.4")}));
  EXPECT_EQ(c.lease()->routers, std::vector<uint32_t>{ip("10.0.0.1")});
  EXPECT_EQ(c.lease()->classless_routes, cfg.classless_routes);
  EXPECT_EQ(h.ip_route_text(),
            "default via 10.0.0.1 dev eth0\n"
            "10.0.0.0/24 dev eth0  src 10.0.0.10\n"
            "169.254.169.254 via 10.0.0.2 dev eth0\n");
}

TEST_F(DhcpServerTest, RepliesFollowTheBroadcastFlagAndRequestedAddress) {
  start_server();
  RawClient& raw = add_raw(5);
  DhcpMessage d = raw.message(DhcpType::kDiscover);
  d.requested_ip = ip("10.0.0.15");
  raw.send(d);
  run_secs(1);
  ASSERT_EQ(raw.got.size(), 1u);
  EXPECT_EQ(raw.got[0].type, DhcpType::kOffer);
  EXPECT_EQ(raw.got[0].yiaddr, ip("10.0.0.15"));
  EXPECT_EQ(raw.got[0].xid, 0x1234u);
  EXPECT_EQ(raw.got[0].lease_time, 100u);
  EXPECT_EQ(raw.dst[0], ip("10.0.0.15"));  // unicast to yiaddr at the client's MAC
  d.flags = kDhcpBroadcastFlag;
  raw.send(d);
  run_secs(1);
  ASSERT_EQ(raw.got.size(), 2u);
  EXPECT_EQ(raw.got[1].yiaddr, ip("10.0.0.15"));  // the same offer
  EXPECT_EQ(raw.dst[1], kIpv4Broadcast);
  // Nobody else is offered the held address.
  DhcpClient& c = add_client(3);
  run_secs(1);
  EXPECT_EQ(address(c), ip("10.0.0.10"));
}

TEST_F(DhcpServerTest, DeclineMakesTheAddressUnusable) {
  start_server();
  RawClient& raw = add_raw(5);
  raw.send(raw.message(DhcpType::kDiscover));
  run_secs(1);
  ASSERT_EQ(raw.got.size(), 1u);
  DhcpMessage req = raw.message(DhcpType::kRequest);
  req.server_id = ip("10.0.0.2");
  req.requested_ip = raw.got[0].yiaddr;
  raw.send(req);
  run_secs(1);
  ASSERT_EQ(raw.got.size(), 2u);
  EXPECT_EQ(raw.got[1].type, DhcpType::kAck);
  EXPECT_EQ(raw.got[1].yiaddr, ip("10.0.0.10"));
  DhcpMessage decline = raw.message(DhcpType::kDecline);
  decline.server_id = ip("10.0.0.2");
  decline.requested_ip = ip("10.0.0.10");
  raw.send(decline);
  run_secs(1);
  EXPECT_EQ(server->stats().declines, 1u);
  EXPECT_EQ(server->leases_text(), "");
  DhcpClient& c = add_client(3);
  run_secs(1);
  EXPECT_EQ(address(c), ip("10.0.0.11"));
}

TEST_F(DhcpServerTest, PoolExhaustionIsCounted) {
  cfg.pool_last = ip("10.0.0.11");
  start_server();
  add_client(3);
  add_client(4);
  DhcpClient& third = add_client(5);
  run_secs(2);
  EXPECT_NE(third.state(), DhcpState::kBound);
  EXPECT_GE(server->drops(DhcpServerDrop::kPoolExhausted), 1u);
}

TEST_F(DhcpServerTest, BadConfigIsRefused) {
  cfg.pool_last = ip("10.0.1.5");
  EXPECT_FALSE(DhcpServer(*server_host, 0, cfg).start().ok());
  cfg.pool_last = ip("10.0.0.20");
  cfg.static_hosts = {{mac(3), ip("192.168.0.3")}};
  EXPECT_FALSE(DhcpServer(*server_host, 0, cfg).start().ok());
  cfg.static_hosts.clear();
  start_server();
  EXPECT_FALSE(server->start().ok());
}

TEST_F(DhcpServerTest, MalformedInputIsCountedAndDropped) {
  start_server();
  RawClient& raw = add_raw(5);
  uint8_t garbage[10] = {1, 2, 3};
  raw.send_bytes(garbage, sizeof garbage);
  DhcpMessage reply = raw.message(DhcpType::kOffer);
  reply.op = 2;  // a BOOTREPLY sent to the server port
  raw.send(reply);
  raw.send(raw.message(DhcpType::kOffer));   // a BOOTREQUEST of a server's type
  raw.send(raw.message(DhcpType::kInform));  // not handled
  DhcpMessage relayed = raw.message(DhcpType::kDiscover);
  relayed.giaddr = ip("10.9.0.1");
  raw.send(relayed);
  raw.send(raw.message(DhcpType::kRequest));  // neither requested address nor ciaddr
  DhcpMessage release = raw.message(DhcpType::kRelease);
  release.ciaddr = ip("10.0.0.10");  // no such lease
  raw.send(release);
  run_secs(1);
  EXPECT_TRUE(raw.got.empty());
  EXPECT_EQ(server->drops(DhcpServerDrop::kMalformed), 1u);
  EXPECT_EQ(server->drops(DhcpServerDrop::kNotBootRequest), 1u);
  EXPECT_EQ(server->drops(DhcpServerDrop::kUnhandledType), 2u);
  EXPECT_EQ(server->drops(DhcpServerDrop::kRelayed), 1u);
  EXPECT_EQ(server->drops(DhcpServerDrop::kNoAddress), 1u);
  EXPECT_EQ(server->drops(DhcpServerDrop::kUnknownLease), 1u);
  EXPECT_NE(server->counters_text().find("dhcp_malformed: 1\n"), std::string::npos);
  EXPECT_EQ(dhcp_server_drop_name(DhcpServerDrop::kRelayed), "dhcp_relayed_unsupported");
  // Random corruption of a valid DISCOVER never crashes the server.
  uint8_t buf[kDhcpMaxMessage];
  size_t len = *dhcp_encode(raw.message(DhcpType::kDiscover), buf, sizeof buf);
  uint32_t seed = 7;
  for (int i = 0; i < 300; ++i) {
    uint8_t copy[kDhcpMaxMessage];
    std::copy(buf, buf + len, copy);
    for (int k = 0; k < 4; ++k) {
      seed = seed * 1103515245 + 12345;
      copy[240 + seed % (len - 240)] = static_cast<uint8_t>(seed >> 16);
    }
    raw.send_bytes(copy, 240 + seed % (len - 240));
  }
  run_secs(1);
  // And it still serves.
  DhcpClient& c = add_client(3);
  run_secs(1);
  EXPECT_EQ(c.state(), DhcpState::kBound);
}

}  // namespace
}  // namespace nt::test
