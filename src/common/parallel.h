// Splitting one large, independent job into shares run side by side (a big bundle's parsing,
// its rules, its journal record's formatting).
//
// A bundle of 200,000 flows is parsed and applied on the daemon's control path while the client
// waits; the machine's other cores are idle then. run_shares() runs share 0 on the calling
// thread and each other share on a thread of its own, and returns once all are done. Shares
// must not touch each other's output. Threads are made per call (tens of microseconds), so jobs
// of fewer than kShareMinItems items are not split (shares_for() gives them one share); if a
// thread cannot be started, its share runs on the caller, so the job is always done.
#pragma once

#include <cstddef>
#include <functional>

namespace nt {

// The smallest job worth splitting: 8,192 flows or rules.
inline constexpr size_t kShareMinItems = 8192;

// How many shares a large job is worth splitting into here: the machine's cores, at most 4.
size_t parallel_shares();
// The shares for a job of `items` items: parallel_shares(), or 1 below kShareMinItems.
size_t shares_for(size_t items);

// Runs fn(0) .. fn(n - 1), fn(0) on the calling thread.
void run_shares(size_t n, const std::function<void(size_t)>& fn);
// The same over the items [0, count) cut into n ranges of about equal size:
// fn(share, begin, end).
void run_ranges(size_t count, size_t n, const std::function<void(size_t, size_t, size_t)>& fn);

}  // namespace nt
