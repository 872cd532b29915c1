// Scheduler: the one event queue that drives every emulated host on a virtual clock.
//
// A lab of a thousand instances must not spend a thread, or a poll per tick, on each host.
// Instead every host (and anything else that waits: a wire with latency, a ping's interval, a
// DHCP lease) arms Timers on one shared Scheduler, and the lab asks next_event_us() and jumps
// the virtual clock straight to it. Nothing happens between events, so an idle host costs
// nothing at all and `ping -c 3` takes no wall time.
//
// Time here is in microseconds (ping and traceroute print sub-millisecond round trips), kept
// in step with the millisecond nt::Clock the rest of the code reads. With a ManualClock the
// scheduler *is* the time source: run_until_us() moves the clock event by event. With any other
// clock it only fires what is already due (real mode).
//
// The queue is an intrusive binary heap: a Timer remembers its slot, so arming, re-arming
// and cancelling are O(log n) with no allocation, and a destroyed Timer leaves the heap.
// Events due at the same microsecond fire in the order they were armed: runs are
// deterministic.
//
// Rule: a callback may re-arm or cancel its own Timer, arm others and destroy other Timers,
// but must not destroy the Timer (or the object owning it) that is running it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <utility>
#include <vector>

#include "common/clock.h"

namespace nt {

using TimeUs = int64_t;
inline constexpr TimeUs kNever = std::numeric_limits<TimeUs>::max();
inline constexpr TimeUs kUsPerMs = 1000;
inline constexpr TimeUs kUsPerSec = 1'000'000;

class Scheduler;

class Timer {
 public:
  Timer() = default;
  explicit Timer(std::function<void()> fn) : fn_(std::move(fn)) {}
  ~Timer();
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  void set_callback(std::function<void()> fn) { fn_ = std::move(fn); }
  bool armed() const { return index_ != kNotQueued; }
  TimeUs deadline() const { return armed() ? when_ : kNever; }
  void cancel();

 private:
  friend class Scheduler;
  static constexpr size_t kNotQueued = std::numeric_limits<size_t>::max();

  Scheduler* sched_ = nullptr;
  TimeUs when_ = 0;
  uint64_t seq_ = 0;
  size_t index_ = kNotQueued;
  bool owned_ = false;  // allocated by Scheduler::post_at(), freed after it fires
  std::function<void()> fn_;
};

class Scheduler {
 public:
  // Virtual time: run_until_us() advances `clock` as events fire.
  explicit Scheduler(ManualClock& clock);
  // Real time: only events whose time has come (per `clock`) fire.
  explicit Scheduler(const Clock& clock);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  TimeUs now_us() const;
  const Clock& clock() const { return *clock_; }

  // (Re)arms `t` to fire at `when` (clamped to now) / after `delay`.
  void arm_at(Timer& t, TimeUs when);
  void arm_in(Timer& t, TimeUs delay) { arm_at(t, now_us() + delay); }
  void cancel(Timer& t);
  // A one-shot callback the scheduler owns (allocates; for wires and tests, not per packet).
  void post_at(TimeUs when, std::function<void()> fn);
  void post_in(TimeUs delay, std::function<void()> fn) { post_at(now_us() + delay, std::move(fn)); }

  // Earliest armed deadline, kNever when idle. The millisecond form rounds up.
  TimeUs next_event_us() const { return heap_.empty() ? kNever : heap_[0]->when_; }
  TimeMs next_event_time() const;

  // Fires, in order, every event due at or before `t`, advancing virtual time to each event
  // and finally to `t` (never backwards). Returns the number fired. `max_events` bounds a run
  // whose callbacks keep arming events in the past (a livelock guard).
  size_t run_until_us(TimeUs t, size_t max_events = std::numeric_limits<size_t>::max());
  size_t run_until(TimeMs t) { return run_until_us(t * kUsPerMs); }
  // Fires what is due now (real mode).
  size_t run_due() { return run_until_us(now_us()); }

  size_t pending() const { return heap_.size(); }

 private:
  bool before(const Timer* a, const Timer* b) const;
  void place(size_t i, Timer* t);
  void sift_up(size_t i);
  void sift_down(size_t i);
  void remove_at(size_t i);
  void set_now(TimeUs t);

  const Clock* clock_;
  ManualClock* manual_ = nullptr;
  TimeUs now_us_ = 0;
  uint64_t next_seq_ = 0;
  std::vector<Timer*> heap_;
};

}  // namespace nt
