#include "common/parallel.h"

#include <algorithm>
#include <system_error>
#include <thread>
#include <vector>

namespace nt {

size_t parallel_shares() {
  unsigned cores = std::thread::hardware_concurrency();
  return std::clamp<size_t>(cores, 1, 4);
}

size_t shares_for(size_t items) { return items >= kShareMinItems ? parallel_shares() : 1; }

void run_shares(size_t n, const std::function<void(size_t)>& fn) {
  std::vector<std::thread> threads;
  std::vector<size_t> inline_shares;
  for (size_t i = 1; i < n; ++i) {
    try {
      threads.emplace_back(fn, i);
    } catch (const std::system_error&) {
      inline_shares.push_back(i);  // no thread to be had: the caller does this share too
    }
  }
  if (n > 0) fn(0);
  for (size_t i : inline_shares) fn(i);
  for (std::thread& t : threads) t.join();
}

void run_ranges(size_t count, size_t n, const std::function<void(size_t, size_t, size_t)>& fn) {
  run_shares(n, [&](size_t i) { fn(i, count * i / n, count * (i + 1) / n); });
}

}  // namespace nt
