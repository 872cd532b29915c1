// Splitting one large, independent job into shares run side by side (a big bundle's parsing,
// its journal record's formatting).
//
// A bundle of 200,000 flows is parsed and formatted on the daemon's control path while the
// client waits; the machine's other cores are idle then. run_shares() runs share 0 on the
// calling thread and each other share on a thread of its own, and returns once all are done.
// Shares must not touch each other's output. Threads are made per call (tens of microseconds),
// so callers use it only for jobs of many milliseconds; if a thread cannot be started, its
// share runs on the caller, so the job is always done.
#pragma once

#include <cstddef>
#include <functional>

namespace nt {

// How many shares a large job is worth splitting into here: the machine's cores, at most 4.
size_t parallel_shares();

// Runs fn(0) .. fn(n - 1), fn(0) on the calling thread.
void run_shares(size_t n, const std::function<void(size_t)>& fn);

}  // namespace nt
