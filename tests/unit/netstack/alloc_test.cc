// The resolved data path does not allocate: this file replaces the global operator new for
// the unit_netstack binary to count allocations while a flag is on.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "../alloc_counter.h"
#include "netstack_test_util.h"
#include "packet/build.h"

namespace nt::test {
namespace {

// Two hosts wired directly (transmit calls the peer's receive synchronously, no copy).
TEST_F(NetstackTest, ResolvedPathDoesNotAllocate) {
  Host& a = add_host("a");
  Host& b = add_host("b");
  NicId na = a.add_nic("eth0", mac(1));
  NicId nb = b.add_nic("eth0", mac(2));
  a.set_transmit(na, [&](const uint8_t* f, size_t n) { b.receive(nb, f, n); });
  b.set_transmit(nb, [&](const uint8_t* f, size_t n) { a.receive(na, f, n); });
  ASSERT_TRUE(a.add_address(na, "10.0.0.1/24").ok());
  ASSERT_TRUE(b.add_address(nb, "10.0.0.2/24").ok());
  auto rx = b.udp_open(5000);
  auto tx = a.udp_open(5001);
  ASSERT_TRUE(rx.ok() && tx.ok());
  uint64_t got = 0;
  (*rx)->on_receive([&](const UdpDatagram& d) { got += d.len; });
  uint8_t data[100] = {};
  ASSERT_TRUE((*tx)->sendto(ip("10.0.0.2"), 5000, data, sizeof data).ok());  // resolves ARP
  Packet echo;
  ASSERT_TRUE(build_icmp_echo(echo, mac(1), mac(2), ip("10.0.0.1"), ip("10.0.0.2"), false, 7, 1));
  g_allocations = 0;
  g_counting = true;
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE((*tx)->sendto(ip("10.0.0.2"), 5000, data, sizeof data).ok());
    b.receive(nb, echo.data(), echo.size());  // b answers; a has no pinger (counted drop)
  }
  g_counting = false;
  EXPECT_EQ(g_allocations.load(), 0u);
  EXPECT_EQ(got, 1001u * sizeof data);
  EXPECT_EQ(a.drops(HostDrop::kIcmpNoListener), 1000u);
  EXPECT_EQ(b.total_drops(), b.drops(HostDrop::kArpOtherTarget));  // a's announcement
}

}  // namespace
}  // namespace nt::test
