#include "netstack/scheduler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

namespace nt {
namespace {

TEST(SchedulerTest, FiresInTimeOrderAndTiesInArmingOrder) {
  ManualClock clock(5'000);
  Scheduler s(clock);
  EXPECT_EQ(s.now_us(), 5'000'000);
  std::string order;
  Timer a([&] { order += "a"; }), b([&] { order += "b"; }), c([&] { order += "c"; });
  s.arm_at(a, 5'000'300);
  s.arm_at(b, 5'000'100);
  s.arm_at(c, 5'000'300);
  EXPECT_EQ(s.next_event_us(), 5'000'100);
  EXPECT_EQ(s.next_event_time(), 5'001);  // milliseconds, rounded up
  EXPECT_EQ(s.run_until_us(5'000'200), 1u);
  EXPECT_EQ(order, "b");
  EXPECT_EQ(s.now_us(), 5'000'200);
  EXPECT_EQ(s.run_until_us(6'000'000), 2u);
  EXPECT_EQ(order, "bac");
  EXPECT_EQ(clock.now_ms(), 6'000);  // the scheduler drove the manual clock
  EXPECT_EQ(s.next_event_us(), kNever);
}

TEST(SchedulerTest, CancelRearmAndDestroyLeaveTheHeap) {
  ManualClock clock;
  Scheduler s(clock);
  int fired = 0;
  Timer a([&] { ++fired; });
  s.arm_in(a, 10);
  s.arm_in(a, 50);  // re-arm moves it
  EXPECT_EQ(s.pending(), 1u);
  EXPECT_EQ(a.deadline(), s.now_us() + 50);
  a.cancel();
  EXPECT_FALSE(a.armed());
  {
    Timer gone([&] { fired += 100; });
    s.arm_in(gone, 20);
    EXPECT_EQ(s.pending(), 1u);
  }
  EXPECT_EQ(s.pending(), 0u);
  s.run_until_us(s.now_us() + 1'000);
  EXPECT_EQ(fired, 0);
}

TEST(SchedulerTest, CallbacksMayRearmThemselvesAndPostedEventsAreFreed) {
  ManualClock clock;
  Scheduler s(clock);
  std::vector<TimeUs> at;
  Timer tick;
  tick.set_callback([&] {
    at.push_back(s.now_us());
    if (at.size() < 3) s.arm_in(tick, 1'000);
  });
  TimeUs t0 = s.now_us();
  s.arm_in(tick, 1'000);
  auto shared = std::make_shared<int>(0);
  s.post_in(1'500, [shared] { ++*shared; });
  s.post_in(99'000'000, [shared] { ++*shared; });  // never fires; freed by ~Scheduler
  s.run_until_us(t0 + 10'000);
  EXPECT_EQ(at, (std::vector<TimeUs>{t0 + 1'000, t0 + 2'000, t0 + 3'000}));
  EXPECT_EQ(*shared, 1);
  EXPECT_EQ(shared.use_count(), 2);  // the pending post still holds a copy
}

TEST(SchedulerTest, PastDeadlinesClampToNowAndExternalClockMovesAreSeen) {
  ManualClock clock(1'000);
  Scheduler s(clock);
  Timer t([] {});
  s.arm_at(t, 0);
  EXPECT_EQ(t.deadline(), 1'000'000);
  clock.advance_ms(5);  // the lab moved the clock itself
  EXPECT_EQ(s.now_us(), 1'005'000);
  EXPECT_EQ(s.run_due(), 1u);
}

TEST(SchedulerTest, MaxEventsBoundsALivelock) {
  ManualClock clock;
  Scheduler s(clock);
  Timer t;
  t.set_callback([&] { s.arm_in(t, 0); });
  s.arm_in(t, 0);
  EXPECT_EQ(s.run_until_us(s.now_us() + 10, 100), 100u);
  EXPECT_TRUE(t.armed());
}

TEST(SchedulerTest, ThousandsOfTimersStayOrdered) {
  ManualClock clock;
  Scheduler s(clock);
  std::vector<std::unique_ptr<Timer>> timers;
  std::vector<TimeUs> fired;
  TimeUs t0 = s.now_us();
  for (int i = 0; i < 2000; ++i) {
    timers.push_back(std::make_unique<Timer>([&] { fired.push_back(s.now_us()); }));
    s.arm_at(*timers.back(), t0 + (i * 7919) % 1000);
  }
  for (int i = 0; i < 2000; i += 3) timers[i]->cancel();
  s.run_until_us(t0 + 1000);
  EXPECT_EQ(fired.size(), 2000u - 667u);
  EXPECT_TRUE(std::is_sorted(fired.begin(), fired.end()));
}

}  // namespace
}  // namespace nt
