// Encapsulated traffic: a node's IP stack as a VTEP. VXLAN/GRE to one of its addresses goes
// whole to the encap hook; output_ip_frame() routes, ARP-resolves and addresses a tunnel's
// outer frame; errors are counted.
#include <gtest/gtest.h>

#include "netstack_test_util.h"
#include "packet/build.h"
#include "packet/checksum.h"
#include "packet/tunnel.h"

namespace nt::test {
namespace {

struct Received {
  NicId nic;
  std::vector<uint8_t> frame;
};

// An outer frame as a vxlan/gre vport builds it: zero MACs, the tunnel's addresses.
std::vector<uint8_t> outer_frame(TunnelKind kind, uint32_t src, uint32_t dst, uint64_t key,
                                 uint16_t udp_dst = kVxlanPort) {
  Packet p;
  EXPECT_TRUE(build_arp_request(p, mac(0x77), ip("172.16.100.3"), ip("172.16.100.4")));
  TunnelEncap e;
  e.ip_src = src;
  e.ip_dst = dst;
  e.key = key;
  e.udp_dst = udp_dst;
  EXPECT_TRUE(kind == TunnelKind::kVxlan ? vxlan_encap(p, e) : gre_encap(p, e));
  return {p.data(), p.data() + p.size()};
}

class EncapTest : public NetstackTest {
 protected:
  EncapTest()
      : bridge(sched),
        a(add_host("a", bridge, "166.66.16.10/24", 1)),
        b(add_host("b", bridge, "166.66.16.11/24", 2)) {
    b.set_encap_handler([this](NicId nic, const uint8_t* f, size_t n) {
      got.push_back({nic, std::vector<uint8_t>(f, f + n)});
    });
    run_secs(1);  // gratuitous ARPs land
    bridge.log.clear();
  }
  Status output(const std::vector<uint8_t>& f) { return a.output_ip_frame(f.data(), f.size()); }

  TestBridge bridge;
  Host& a;
  Host& b;
  std::vector<Received> got;
};

TEST_F(EncapTest, VxlanIsResolvedAddressedAndHandedWholeToTheHook) {
  auto f = outer_frame(TunnelKind::kVxlan, ip("166.66.16.10"), ip("166.66.16.11"), 100);
  ASSERT_TRUE(output(f).ok());
  run_secs(1);
  // A real ARP exchange on the wire first, then the outer frame.
  EXPECT_EQ(bridge.count(kEthTypeArp), 2u);
  ASSERT_EQ(got.size(), 1u);
  const std::vector<uint8_t>& r = got[0].frame;
  ASSERT_EQ(r.size(), f.size());
  EXPECT_EQ(load_mac(r.data()), mac(2));                             // b's eth0
  EXPECT_EQ(load_mac(r.data() + 6), mac(1));                         // a's eth0
  EXPECT_TRUE(std::equal(f.begin() + 12, f.end(), r.begin() + 12));  // the rest as built
  TunnelInfo info = tunnel_classify(r.data(), r.size());
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info.kind, TunnelKind::kVxlan);
  EXPECT_EQ(info.key, 100u);
  EXPECT_EQ(b.encap_received(), 1u);
  EXPECT_EQ(b.total_drops(), 0u);
  // Resolved now: the next one goes at once, no ARP.
  ASSERT_TRUE(output(f).ok());
  run_secs(1);
  EXPECT_EQ(got.size(), 2u);
  EXPECT_EQ(bridge.count(kEthTypeArp), 2u);
}

TEST_F(EncapTest, GreGoesToTheHook) {
  ASSERT_TRUE(
      output(outer_frame(TunnelKind::kGre, ip("166.66.16.10"), ip("166.66.16.11"), 5)).ok());
  run_secs(1);
  ASSERT_EQ(got.size(), 1u);
  TunnelInfo info = tunnel_classify(got[0].frame.data(), got[0].frame.size());
  EXPECT_EQ(info.kind, TunnelKind::kGre);
  EXPECT_EQ(info.key, 5u);
}

TEST_F(EncapTest, OtherUdpPortsAreNotDiverted) {
  auto f = outer_frame(TunnelKind::kVxlan, ip("166.66.16.10"), ip("166.66.16.11"), 100, 4790);
  ASSERT_TRUE(output(f).ok());
  run_secs(1);
  EXPECT_TRUE(got.empty());
  EXPECT_EQ(b.drops(HostDrop::kUdpNoSocket), 1u);
}

TEST_F(EncapTest, OnlyToOurOwnAddresses) {
  auto f = outer_frame(TunnelKind::kVxlan, ip("166.66.16.10"), ip("166.66.16.99"), 100);
  store_mac(f.data(), mac(2));  // delivered to b's MAC, but not b's address
  store_mac(f.data() + 6, mac(1));
  b.receive(0, f.data(), f.size());
  EXPECT_TRUE(got.empty());
  EXPECT_EQ(b.drops(HostDrop::kIpNotForUs), 1u);
  b.set_encap_handler(nullptr);  // no hook: VXLAN is just UDP nobody listens on
  auto g = outer_frame(TunnelKind::kVxlan, ip("166.66.16.10"), ip("166.66.16.11"), 100);
  ASSERT_TRUE(output(g).ok());
  run_secs(1);
  EXPECT_EQ(b.drops(HostDrop::kUdpNoSocket), 1u);
}

TEST_F(EncapTest, ZeroSourceIsChosenFromTheRoute) {
  auto f = outer_frame(TunnelKind::kVxlan, 0, ip("166.66.16.11"), 100);
  ASSERT_TRUE(output(f).ok());
  run_secs(1);
  ASSERT_EQ(got.size(), 1u);
  const uint8_t* outer_ip = got[0].frame.data() + kEthHeaderLen;
  EXPECT_EQ(load_be32(outer_ip + 12), ip("166.66.16.10"));
  EXPECT_TRUE(ipv4_header_checksum_ok(outer_ip, kIpv4HeaderLen));
}

TEST_F(EncapTest, OutputErrorsAreCounted) {
  auto foreign = outer_frame(TunnelKind::kVxlan, ip("166.66.16.12"), ip("166.66.16.11"), 1);
  EXPECT_FALSE(output(foreign).ok());
  EXPECT_EQ(a.drops(HostDrop::kIpBadSource), 1u);
  auto unroutable = outer_frame(TunnelKind::kVxlan, ip("166.66.16.10"), ip("10.9.9.9"), 1);
  EXPECT_FALSE(output(unroutable).ok());
  EXPECT_EQ(a.drops(HostDrop::kIpNoRoute), 1u);
  std::vector<uint8_t> runt(20, 0);
  EXPECT_FALSE(output(runt).ok());
  auto truncated = outer_frame(TunnelKind::kVxlan, ip("166.66.16.10"), ip("166.66.16.11"), 1);
  truncated.resize(truncated.size() - 10);  // shorter than its IP total length
  EXPECT_FALSE(output(truncated).ok());
  EXPECT_EQ(a.drops(HostDrop::kMalformed), 2u);
  ASSERT_TRUE(a.set_mtu(0, kMinMtu).ok());  // 68 < the 78-byte outer packet
  auto big = outer_frame(TunnelKind::kVxlan, ip("166.66.16.10"), ip("166.66.16.11"), 1);
  EXPECT_FALSE(output(big).ok());
  EXPECT_EQ(a.drops(HostDrop::kIpTooBig), 1u);
  run_secs(1);
  EXPECT_TRUE(got.empty());
  EXPECT_TRUE(bridge.log.empty());
}

}  // namespace
}  // namespace nt::test
