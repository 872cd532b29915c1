#include "netstack/scheduler.h"

#include <memory>
#include <utility>

namespace nt {

Timer::~Timer() { cancel(); }

void Timer::cancel() {
  if (sched_ && armed()) sched_->cancel(*this);
}

Scheduler::Scheduler(ManualClock& clock) : clock_(&clock), manual_(&clock) {
  now_us_ = clock.now_ms() * kUsPerMs;
}

Scheduler::Scheduler(const Clock& clock) : clock_(&clock) {}

Scheduler::~Scheduler() {
  for (Timer* t : heap_) {
    t->index_ = Timer::kNotQueued;
    if (t->owned_) delete t;
  }
}

TimeUs Scheduler::now_us() const {
  TimeUs clock_us = clock_->now_ms() * kUsPerMs;
  return clock_us > now_us_ ? clock_us : now_us_;
}

TimeMs Scheduler::next_event_time() const {
  TimeUs t = next_event_us();
  if (t == kNever) return std::numeric_limits<TimeMs>::max();
  return (t + kUsPerMs - 1) / kUsPerMs;
}

bool Scheduler::before(const Timer* a, const Timer* b) const {
  return a->when_ != b->when_ ? a->when_ < b->when_ : a->seq_ < b->seq_;
}

void Scheduler::place(size_t i, Timer* t) {
  heap_[i] = t;
  t->index_ = i;
}

void Scheduler::sift_up(size_t i) {
  Timer* t = heap_[i];
  while (i > 0) {
    size_t parent = (i - 1) / 2;
    if (!before(t, heap_[parent])) break;
    place(i, heap_[parent]);
    i = parent;
  }
  place(i, t);
}

void Scheduler::sift_down(size_t i) {
  Timer* t = heap_[i];
  size_t n = heap_.size();
  for (;;) {
    size_t child = 2 * i + 1;
    if (child >= n) break;
    if (child + 1 < n && before(heap_[child + 1], heap_[child])) ++child;
    if (!before(heap_[child], t)) break;
    place(i, heap_[child]);
    i = child;
  }
  place(i, t);
}

void Scheduler::remove_at(size_t i) {
  Timer* gone = heap_[i];
  Timer* last = heap_.back();
  heap_.pop_back();
  gone->index_ = Timer::kNotQueued;
  if (last == gone) return;
  place(i, last);
  sift_up(i);
  sift_down(last->index_);
}

void Scheduler::arm_at(Timer& t, TimeUs when) {
  if (t.armed()) t.sched_->cancel(t);
  t.sched_ = this;
  TimeUs now = now_us();
  t.when_ = when < now ? now : when;
  t.seq_ = next_seq_++;
  heap_.push_back(&t);
  t.index_ = heap_.size() - 1;
  sift_up(t.index_);
}

void Scheduler::cancel(Timer& t) {
  if (t.sched_ != this || !t.armed()) return;
  remove_at(t.index_);
}

void Scheduler::post_at(TimeUs when, std::function<void()> fn) {
  auto* t = new Timer(std::move(fn));
  t->owned_ = true;
  arm_at(*t, when);
}

void Scheduler::set_now(TimeUs t) {
  if (t <= now_us_) return;
  now_us_ = t;
  if (manual_ && manual_->now_ms() < t / kUsPerMs) manual_->set_ms(t / kUsPerMs);
}

size_t Scheduler::run_until_us(TimeUs t, size_t max_events) {
  size_t fired = 0;
  while (!heap_.empty() && fired < max_events) {
    Timer* next = heap_[0];
    if (next->when_ > t) break;
    if (!manual_ && next->when_ > now_us()) break;  // real mode: not due yet
    remove_at(0);
    if (manual_) set_now(next->when_);
    ++fired;
    if (next->owned_) {
      std::unique_ptr<Timer> owned(next);
      owned->fn_();
    } else {
      next->fn_();
    }
  }
  bool caught_up = heap_.empty() || heap_[0]->when_ > t;
  if (manual_ && t != kNever && caught_up) set_now(t);
  return fired;
}

}  // namespace nt
