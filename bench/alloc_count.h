// Counting allocations in a benchmark binary (its "allocs_per_pkt" counters).
//
// This header REPLACES the global operator new/delete of the binary it is compiled into, so it
// must be included by exactly one source file of that binary. Every call to operator new
// increments g_allocs; a benchmark reads it before and after its timed loop.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>

namespace {
std::atomic<uint64_t> g_allocs{0};
}  // namespace

// GCC pairs the replaced operator new's malloc with std::free wrongly (inlined into callers).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t n) {
  g_allocs.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
