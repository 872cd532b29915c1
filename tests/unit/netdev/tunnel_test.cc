#include "packet/tunnel.h"

#include <gtest/gtest.h>

#include "frames.h"
#include "netdev/netdev_tunnel.h"
#include "netns.h"
#include "ofproto/port_spec.h"

namespace nt {
namespace {

using testing::NetnsScope;
using testing::RawSocket;
using testing::TestNetns;

const MacAddr kOurInner = MacAddr::from_u64(0x02aa00000001);
const MacAddr kKernelInner = MacAddr::from_u64(0x02cc00000002);
constexpr uint32_t kA = 0x0a000001, kB = 0x0a000002, kB2 = 0x0a000003;  // 10.0.0.x

// Two "nodes": namespace a (ours, 10.0.0.1 on ua) and b (10.0.0.2 on ub) joined by a veth.
struct Underlay {
  TestNetns a, b;
  bool ok = false;
  Underlay() {
    const char* no_v6 =
        "sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1";
    ok = a.ok() && b.ok() && a.sh(no_v6) == 0 && b.sh(no_v6) == 0 &&
         a.sh("ip link add ua type veth peer name ub netns " + b.name() +
              " && ip addr add 10.0.0.1/24 dev ua && ip link set ua up") == 0 &&
         b.sh("ip addr add 10.0.0.2/24 dev ub && ip link set ub up") == 0;
  }
};

PortSpec tunnel_spec(const std::string& type, const std::string& name,
                     std::map<std::string, std::string> options) {
  PortSpec s;
  s.name = name;
  s.type = port_type_from_name(type).value();
  s.options = std::move(options);
  return s;
}

Result<std::unique_ptr<Netdev>> open_tunnel(const PortSpec& spec) {
  auto cfg = parse_tunnel_config(spec);
  if (!cfg.ok()) return cfg.error();
  return netdev_open(spec, *cfg);
}

// Sends one frame with the given tunnel key through `nd`.
void send_frame(Netdev& nd, PacketPool& pool, const Packet& frame, uint64_t tun_id) {
  PacketBatch b;
  b.add(pool.get());
  b.pkts[0]->assign(frame.data(), frame.size());
  b.pkts[0]->tunnel.tun_id = tun_id;
  nd.send(b, pool);
}

// Waits for a packet on `nd` that `want` accepts; copies it (bytes and tunnel) into `got`.
template <typename Want>
bool receive_match(Netdev& nd, PacketPool& pool, Packet& got, Want&& want, int ms = 3000) {
  bool found = false;
  testing::wait_until(ms, [&] {
    testing::drain(nd, pool, 20, [&](const Packet& p) {
      if (found || !want(p)) return;
      got.assign(p.data(), p.size());
      got.tunnel = p.tunnel;
      got.in_port = p.in_port;
      found = true;
    });
    return found;
  });
  return found;
}

bool is_arp_reply_from(const Packet& p, uint32_t spa) {
  FlowKey k;
  return flow_extract(p, k) == ParseError::kOk && k.is_arp() && k.nw_proto == 2 && k.nw_src == spa;
}

bool is_udp_vxlan(const uint8_t* f, size_t n) {
  return tunnel_classify(f, n).kind == TunnelKind::kVxlan;
}

bool is_gre(const uint8_t* f, size_t n) { return tunnel_classify(f, n).kind == TunnelKind::kGre; }

TEST(TunnelNetdev, RejectsWhatItCannotDo) {
  auto r = netdev_open(tunnel_spec("vxlan", "vx", {}), std::nullopt);
  ASSERT_FALSE(r.ok());
  TunnelConfig cfg;
  cfg.remote_ip = 0;
  auto f = netdev_open(tunnel_spec("vxlan", "vxlan-flow", {}), cfg);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().message, "vxlan-flow: remote_ip=flow is not supported");
}

// Our vxlan port against the Linux kernel's own vxlan device on another node: what we send
// leaves as VXLAN with VNI 100 and the kernel answers ARP and ping inside the tunnel; what it
// sends reaches us with tun_id 100 and the outer addresses.
TEST(TunnelNetdev, VxlanInteroperatesWithTheKernelVxlanDevice) {
  NT_REQUIRE_NETNS();
  Underlay u;
  ASSERT_TRUE(u.ok) << u.a.error() << u.b.error();
  ASSERT_EQ(u.b.sh("ip link add vx0 type vxlan id 100 local 10.0.0.2 remote 10.0.0.1 dstport "
                   "4789 && ip link set vx0 address 02:cc:00:00:00:02 && "
                   "ip addr add 192.168.100.2/24 dev vx0 && ip link set vx0 up"),
            0);
  std::unique_ptr<RawSocket> wire;
  {
    NetnsScope in_b(u.b);
    wire = std::make_unique<RawSocket>("ub");
    ASSERT_TRUE(wire->ok());
  }
  NetnsScope in(u.a);
  ASSERT_TRUE(in.ok());
  auto nd = open_tunnel(tunnel_spec("vxlan", "vxlan-0a000002",
                                    {{"remote_ip", "10.0.0.2"}, {"local_ip", "10.0.0.1"}}));
  ASSERT_TRUE(nd.ok()) << nd.error().message;
  Netdev& port = **nd;
  port.odp_port = 4;
  EXPECT_EQ(port.type(), "vxlan");
  ASSERT_TRUE(port.is_up()) << port.error();

  PacketPool pool(128);
  Packet arp;
  ASSERT_TRUE(build_arp_request(arp, kOurInner, 0xc0a86401, 0xc0a86402));
  send_frame(port, pool, arp, 100);
  EXPECT_EQ(port.tx_packets, 1u);
  auto seen = wire->collect(1, 2000, is_udp_vxlan);
  ASSERT_EQ(seen.size(), 1u);
  TunnelInfo ti = tunnel_classify(seen[0].data(), seen[0].size());
  EXPECT_TRUE(ti.ok()) << tunnel_error_name(ti.error);
  EXPECT_EQ(ti.key, 100u);
  EXPECT_EQ(ti.ip_src, kA);
  EXPECT_EQ(ti.ip_dst, kB);
  EXPECT_EQ(ti.udp_dst, 4789);
  EXPECT_EQ(std::vector<uint8_t>(seen[0].begin() + ti.outer_len, seen[0].end()),
            testing::bytes_of(arp));

  Packet got;
  ASSERT_TRUE(receive_match(port, pool, got, [](const Packet& p) {
    return is_arp_reply_from(p, 0xc0a86402);
  })) << "no ARP reply from the kernel's vxlan device";
  EXPECT_TRUE(got.tunnel.valid);
  EXPECT_EQ(got.tunnel.tun_id, 100u);
  EXPECT_EQ(got.tunnel.ip_src, kB);
  EXPECT_EQ(got.tunnel.ip_dst, kA);
  EXPECT_EQ(got.tunnel.tp_dst, 4789);
  EXPECT_EQ(got.in_port, 4u);
  FlowKey k;
  ASSERT_EQ(flow_extract(got, k), ParseError::kOk);
  EXPECT_EQ(k.dl_src, kKernelInner);
  EXPECT_EQ(k.arp_tha, kOurInner);

  Packet echo;
  ASSERT_TRUE(build_icmp_echo(echo, kOurInner, kKernelInner, 0xc0a86401, 0xc0a86402, false, 9, 1));
  send_frame(port, pool, echo, 100);
  ASSERT_TRUE(receive_match(port, pool, got, [](const Packet& p) {
    FlowKey k;
    return flow_extract(p, k) == ParseError::kOk && k.nw_proto == kIpProtoIcmp && k.tp_src == 0 &&
           k.nw_src == 0xc0a86402 && verify_checksums(p);
  })) << "no echo reply through the tunnel";
  EXPECT_EQ(port.rx_dropped, 0u);
  EXPECT_EQ(pool.available(), 128u);
}

// Two vxlan ports on one local endpoint share the socket; a datagram goes to the port of its
// sender whichever port reads it. Unknown senders are counted and dropped.
TEST(TunnelNetdev, VxlanPortsShareTheSocketAndDemultiplexBySender) {
  NT_REQUIRE_NETNS();
  Underlay u;
  ASSERT_TRUE(u.ok);
  ASSERT_EQ(u.b.sh("ip addr add 10.0.0.3/24 dev ub && "
                   "ip link add vx0 type vxlan id 100 local 10.0.0.2 remote 10.0.0.1 dstport 4789"
                   " && ip link set vx0 address 02:cc:00:00:00:02 && "
                   "ip addr add 192.168.100.2/24 dev vx0 && ip link set vx0 up && "
                   "ip link add vx1 type vxlan id 200 local 10.0.0.3 remote 10.0.0.1 dstport 4789"
                   " && ip addr add 192.168.200.3/24 dev vx1 && ip link set vx1 up"),
            0);
  NetnsScope in(u.a);
  auto p1 = open_tunnel(tunnel_spec("vxlan", "vxlan-0a000002", {{"remote_ip", "10.0.0.2"}}));
  auto p2 = open_tunnel(
      tunnel_spec("vxlan", "vxlan-0a000003", {{"remote_ip", "10.0.0.3"}, {"key", "200"}}));
  ASSERT_TRUE(p1.ok()) << p1.error().message;
  ASSERT_TRUE(p2.ok()) << p2.error().message;
  EXPECT_NE((*p1)->rx_fd(), (*p2)->rx_fd());
  auto dup = open_tunnel(tunnel_spec("vxlan", "vxlan-again", {{"remote_ip", "10.0.0.2"}}));
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, ErrorCode::kConflict);
  EXPECT_NE(dup.error().message.find("vxlan-0a000002 already receives from remote_ip 10.0.0.2"),
            std::string::npos)
      << dup.error().message;

  PacketPool pool(128);
  Packet arp1, arp2;
  ASSERT_TRUE(build_arp_request(arp1, kOurInner, 0xc0a86401, 0xc0a86402));
  ASSERT_TRUE(build_arp_request(arp2, kOurInner, 0xc0a8c801, 0xc0a8c803));
  send_frame(**p1, pool, arp1, 100);
  send_frame(**p2, pool, arp2, 0);  // p2's key is fixed: 200
  // Both answers are in the shared socket; p1 reads them all.
  ASSERT_TRUE(testing::wait_until(3000, [&] {
    return testing::wait_readable((*p1)->rx_fd(), 10) && (::usleep(100000), true);
  }));
  Packet got;
  ASSERT_TRUE(receive_match(**p1, pool, got,
                            [](const Packet& p) { return is_arp_reply_from(p, 0xc0a86402); }));
  EXPECT_EQ(got.tunnel.tun_id, 100u);
  ASSERT_TRUE(receive_match(**p2, pool, got,
                            [](const Packet& p) { return is_arp_reply_from(p, 0xc0a8c803); }));
  EXPECT_EQ(got.tunnel.tun_id, 200u);
  EXPECT_EQ(got.tunnel.ip_src, kB2);
  EXPECT_EQ((*p1)->rx_packets, 1u);
  EXPECT_EQ((*p2)->rx_packets, 1u);

  // Without p2, what 10.0.0.3 sends is from an unknown remote.
  p2 = make_error("closed");
  send_frame(**p1, pool, arp1, 100);  // keeps p1 busy while vx1 speaks up
  u.b.sh("ping -c1 -W1 -I vx1 192.168.200.1 > /dev/null 2>&1 &");
  testing::wait_until(3000, [&] {
    testing::drain(**p1, pool, 20, [](const Packet&) {});
    return (*p1)->counter(NetdevCounter::kRxUnknownRemote) > 0;
  });
  EXPECT_GE((*p1)->counter(NetdevCounter::kRxUnknownRemote), 1u);
  EXPECT_EQ(pool.available(), 128u);
}

TEST(TunnelNetdev, VxlanPortIsDownUntilItsLocalAddressExists) {
  NT_REQUIRE_NETNS();
  Underlay u;
  ASSERT_TRUE(u.ok);
  NetnsScope in(u.a);
  auto nd = open_tunnel(tunnel_spec("vxlan", "vxlan-0a000002",
                                    {{"remote_ip", "10.0.0.2"}, {"local_ip", "10.0.0.9"}}));
  ASSERT_TRUE(nd.ok()) << nd.error().message;
  EXPECT_FALSE((*nd)->is_up());
  EXPECT_EQ((*nd)->error(),
            "vxlan-0a000002: cannot bind 10.0.0.9:4789: Cannot assign requested address");
  EXPECT_EQ((*nd)->rx_fd(), -1);
  ASSERT_EQ(u.a.sh("ip addr add 10.0.0.9/24 dev ua"), 0);
  ASSERT_TRUE((*nd)->retry().ok());
  EXPECT_TRUE((*nd)->is_up());
  EXPECT_GE((*nd)->rx_fd(), 0);
}

TEST(TunnelNetdev, VxlanBindConflictIsAnError) {
  NT_REQUIRE_NETNS();
  Underlay u;
  ASSERT_TRUE(u.ok);
  ASSERT_EQ(u.b.sh("ip link add vx0 type vxlan id 100 local 10.0.0.2 dstport 4789 && "
                   "ip link set vx0 up"),
            0);
  NetnsScope in(u.b);  // the kernel's vxlan device holds port 4789 here
  auto nd = open_tunnel(tunnel_spec("vxlan", "vxlan-0a000001",
                                    {{"remote_ip", "10.0.0.1"}, {"local_ip", "10.0.0.2"}}));
  ASSERT_FALSE(nd.ok());
  EXPECT_EQ(nd.error().message,
            "vxlan-0a000001: cannot bind 10.0.0.2:4789: Address already in use");
}

// GRE between our ports on two nodes: the wire carries GRE with the K bit and the key, and a
// port with a fixed key drops frames with another one.
TEST(TunnelNetdev, GreCarriesTheKeyBetweenTwoNodes) {
  NT_REQUIRE_NETNS();
  Underlay u;
  ASSERT_TRUE(u.ok);
  std::unique_ptr<RawSocket> wire;
  Result<std::unique_ptr<Netdev>> at_b = make_error("unset");
  {
    NetnsScope in_b(u.b);
    wire = std::make_unique<RawSocket>("ub");
    at_b = open_tunnel(
        tunnel_spec("gre", "gre-0a000001", {{"remote_ip", "10.0.0.1"}, {"local_ip", "10.0.0.2"}}));
  }
  ASSERT_TRUE(at_b.ok()) << at_b.error().message;
  NetnsScope in(u.a);
  auto at_a = open_tunnel(tunnel_spec(
      "gre", "gre-0a000002", {{"remote_ip", "10.0.0.2"}, {"local_ip", "10.0.0.1"}, {"key", "77"}}));
  ASSERT_TRUE(at_a.ok()) << at_a.error().message;
  EXPECT_EQ((*at_a)->type(), "gre");

  PacketPool pool(64);
  Packet frame;
  ASSERT_TRUE(build_arp_request(frame, kOurInner, 0xc0a86401, 0xc0a86402));
  send_frame(**at_a, pool, frame, 5);  // the port's fixed key wins over the packet's
  auto seen = wire->collect(1, 2000, is_gre);
  ASSERT_EQ(seen.size(), 1u);
  TunnelInfo ti = tunnel_classify(seen[0].data(), seen[0].size());
  EXPECT_TRUE(ti.ok()) << tunnel_error_name(ti.error);
  EXPECT_EQ(ti.key, 77u);
  EXPECT_EQ(ti.ip_src, kA);
  EXPECT_EQ(ti.ip_dst, kB);
  EXPECT_EQ(std::vector<uint8_t>(seen[0].begin() + ti.outer_len, seen[0].end()),
            testing::bytes_of(frame));

  Packet got;
  ASSERT_TRUE(receive_match(**at_b, pool, got, [](const Packet&) { return true; }));
  EXPECT_EQ(testing::bytes_of(got), testing::bytes_of(frame));
  EXPECT_TRUE(got.tunnel.valid);
  EXPECT_EQ(got.tunnel.tun_id, 77u);
  EXPECT_EQ(got.tunnel.ip_src, kA);
  EXPECT_EQ(got.tunnel.ip_dst, kB);

  send_frame(**at_b, pool, frame, 5);  // key 5: not what the port at a accepts
  testing::wait_until(1000, [&] {
    testing::drain(**at_a, pool, 20, [](const Packet&) {});
    return (*at_a)->counter(NetdevCounter::kRxBadKey) > 0;
  });
  EXPECT_EQ((*at_a)->counter(NetdevCounter::kRxBadKey), 1u);
  EXPECT_EQ((*at_a)->rx_packets, 0u);
  send_frame(**at_b, pool, frame, 77);
  ASSERT_TRUE(receive_match(**at_a, pool, got, [](const Packet&) { return true; }));
  EXPECT_EQ(got.tunnel.tun_id, 77u);
  EXPECT_EQ(got.tunnel.ip_src, kB);
  EXPECT_EQ(pool.available(), 64u);
}

// Against the kernel's gretap device, where the kernel has one (skipped otherwise).
TEST(TunnelNetdev, GreInteroperatesWithTheKernelGretapDevice) {
  NT_REQUIRE_NETNS();
  Underlay u;
  ASSERT_TRUE(u.ok);
  if (u.b.sh("ip link add gt0 type gretap local 10.0.0.2 remote 10.0.0.1 key 100") != 0) {
    GTEST_SKIP() << "this kernel has no gretap devices";
  }
  ASSERT_EQ(u.b.sh("ip link set gt0 address 02:cc:00:00:00:02 && "
                   "ip addr add 192.168.100.2/24 dev gt0 && ip link set gt0 up"),
            0);
  NetnsScope in(u.a);
  auto nd = open_tunnel(
      tunnel_spec("gre", "gre-0a000002",
                  {{"remote_ip", "10.0.0.2"}, {"local_ip", "10.0.0.1"}, {"key", "100"}}));
  ASSERT_TRUE(nd.ok()) << nd.error().message;
  PacketPool pool(64);
  Packet arp, got;
  ASSERT_TRUE(build_arp_request(arp, kOurInner, 0xc0a86401, 0xc0a86402));
  send_frame(**nd, pool, arp, 0);
  ASSERT_TRUE(receive_match(**nd, pool, got,
                            [](const Packet& p) { return is_arp_reply_from(p, 0xc0a86402); }));
  EXPECT_EQ(got.tunnel.tun_id, 100u);
  EXPECT_EQ(got.tunnel.ip_src, kB);
}

}  // namespace
}  // namespace nt
