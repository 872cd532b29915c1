// A clock that tests can drive.
//
// Everything that ages (flow idle/hard timeouts, MAC learning entries, cache revalidation)
// reads time from a Clock rather than from the system, so a scenario can say "advance 301s"
// and watch a learned flow expire without waiting.
#pragma once

#include <chrono>
#include <cstdint>

namespace nt {

// Milliseconds since an arbitrary epoch.
using TimeMs = int64_t;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimeMs now_ms() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimeMs now_ms() const override {
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
  }
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimeMs start = 1'000'000) : now_(start) {}
  TimeMs now_ms() const override { return now_; }
  void advance_ms(TimeMs ms) { now_ += ms; }
  void set_ms(TimeMs ms) { now_ = ms; }

 private:
  TimeMs now_;
};

}  // namespace nt
