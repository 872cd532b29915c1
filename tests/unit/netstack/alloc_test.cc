// The resolved data path does not allocate: this file replaces the global operator new for
// the unit_netstack binary to count allocations while a flag is on.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "netstack_test_util.h"
#include "packet/build.h"

namespace {
std::atomic<bool> g_counting{false};
std::atomic<uint64_t> g_allocations{0};
}  // namespace

// GCC cannot see that this operator new pairs with the malloc-based deletes below.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t n) {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1);
  return std::malloc(n ? n : 1);
}
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

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
