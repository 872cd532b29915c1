// send() and receive() must not allocate (DESIGN.md §3). This file replaces the global
// operator new for the unit_netdev binary and counts allocations made inside those calls,
// over real devices in a private namespace (root).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "../alloc_counter.h"
#include "frames.h"
#include "netdev/netdev.h"
#include "netns.h"
#include "ofproto/port_spec.h"

namespace nt {
namespace {

using testing::NetnsScope;
using testing::TestNetns;

// Counts allocations while alive.
struct Counting {
  Counting() { g_counting = true; }
  ~Counting() { g_counting = false; }
};

// Sends `rounds` batches of 32 frames from `tx` and receives them on `rx`, counting
// allocations inside send() and receive() only. Returns the frames received.
size_t pump(Netdev& tx, Netdev& rx, PacketPool& pool, const Packet& frame, int rounds) {
  size_t received = 0;
  for (int r = 0; r < rounds; ++r) {
    PacketBatch b;
    for (size_t i = 0; i < PacketBatch::kMax; ++i) {
      b.add(pool.get());
      b.pkts[i]->assign(frame.data(), frame.size());
      b.pkts[i]->tunnel.tun_id = 100;
    }
    {
      Counting c;
      tx.send(b, pool);
    }
    size_t want = received + PacketBatch::kMax;
    testing::wait_until(2000, [&] {
      testing::wait_readable(rx.rx_fd(), 5);
      PacketBatch in;
      size_t n;
      {
        Counting c;
        n = rx.receive(pool, in);
      }
      for (Packet* p : in) pool.put(p);
      received += n;
      return received >= want;
    });
  }
  return received;
}

void make_frame(Packet& p) {
  FlowKey k;
  k.dl_src = MacAddr::from_u64(0x020000000001);
  k.dl_dst = MacAddr::from_u64(0x020000000002);
  k.dl_type = kEthTypeIp;
  k.nw_src = 0xc0a80001;
  k.nw_dst = 0xc0a80002;
  k.nw_proto = kIpProtoUdp;
  k.nw_ttl = 64;
  k.tp_src = 1000;
  k.tp_dst = 2000;
  compose_packet(k, p, 100);
}

PortSpec spec(const std::string& name, const std::string& type,
              std::map<std::string, std::string> options = {}) {
  PortSpec s;
  s.name = name;
  s.type = port_type_from_name(type).value();
  s.options = std::move(options);
  return s;
}

TEST(NetdevAllocation, SystemPortsSendAndReceiveWithoutAllocating) {
  NT_REQUIRE_NETNS();
  TestNetns ns;
  ASSERT_TRUE(ns.ok());
  ASSERT_EQ(ns.sh("sysctl -qw net.ipv6.conf.all.disable_ipv6=1 "
                  "net.ipv6.conf.default.disable_ipv6=1 && "
                  "ip link add nta type veth peer name ntb"),
            0);
  NetnsScope in(ns);
  auto pa = netdev_open(spec("nta", "system"), std::nullopt);
  auto pb = netdev_open(spec("ntb", "system"), std::nullopt);
  ASSERT_TRUE(pa.ok() && pb.ok());
  PacketPool pool(256);
  Packet f;
  make_frame(f);
  pump(**pa, **pb, pool, f, 2);  // warm up
  {
    Counting c;  // the counter itself works (a direct call: a new-expression may be elided)
    ::operator delete(::operator new(sizeof(int)));
  }
  EXPECT_EQ(g_allocations.load(), 1u);
  g_allocations = 0;
  EXPECT_EQ(pump(**pa, **pb, pool, f, 20), 20u * PacketBatch::kMax);
  EXPECT_EQ(g_allocations.load(), 0u);
}

// The kernel answers each ARP request we write into the tap.
TEST(NetdevAllocation, TapSendsAndReceivesWithoutAllocating) {
  NT_REQUIRE_NETNS();
  TestNetns ns;
  ASSERT_TRUE(ns.ok());
  NetnsScope in(ns);
  auto tap = netdev_open(spec("nttap0", "tap"), std::nullopt);
  ASSERT_TRUE(tap.ok()) << tap.error().message;
  ASSERT_EQ(ns.sh("sysctl -qw net.ipv6.conf.nttap0.disable_ipv6=1 && "
                  "ip addr add 10.9.0.1/24 dev nttap0"),
            0);
  PacketPool pool(256);
  Packet arp;
  ASSERT_TRUE(build_arp_request(arp, MacAddr::from_u64(0x02bb00000002), 0x0a090002, 0x0a090001));
  pump(**tap, **tap, pool, arp, 2);
  g_allocations = 0;
  EXPECT_GE(pump(**tap, **tap, pool, arp, 10), 10u * PacketBatch::kMax);
  EXPECT_EQ(g_allocations.load(), 0u);
}

TEST(NetdevAllocation, VxlanPortsSendAndReceiveWithoutAllocating) {
  NT_REQUIRE_NETNS();
  TestNetns a, b;
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(a.sh("ip link add ua type veth peer name ub netns " + b.name() +
                 " && ip addr add 10.0.0.1/24 dev ua && ip link set ua up"),
            0);
  ASSERT_EQ(b.sh("ip addr add 10.0.0.2/24 dev ub && ip link set ub up"), 0);
  auto open = [](const std::string& remote) {
    PortSpec s = spec("vxlan-x", "vxlan", {{"remote_ip", remote}});
    return netdev_open(s, *parse_tunnel_config(s));
  };
  Result<std::unique_ptr<Netdev>> at_b = make_error("unset");
  {
    NetnsScope in_b(b);
    at_b = open("10.0.0.1");
  }
  NetnsScope in(a);
  auto at_a = open("10.0.0.2");
  ASSERT_TRUE(at_a.ok() && at_b.ok());
  PacketPool pool(256);
  Packet f;
  make_frame(f);
  pump(**at_a, **at_b, pool, f, 2);
  g_allocations = 0;
  EXPECT_EQ(pump(**at_a, **at_b, pool, f, 20), 20u * PacketBatch::kMax);
  EXPECT_EQ(g_allocations.load(), 0u);
}

}  // namespace
}  // namespace nt
