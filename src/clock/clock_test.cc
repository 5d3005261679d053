#include "clock/clock.h"

#include <gtest/gtest.h>

namespace tc {
namespace {

using namespace std::chrono_literals;

TEST(FakeClockTest, SleepAdvancesBothTimesAndCountsTheWait) {
  FakeClock clock(1'000'000);
  const SteadyTime start = clock.SteadyNow();
  clock.SleepFor(1500ms);
  EXPECT_EQ(clock.NowUnixMillis(), 1'001'500);
  EXPECT_EQ(clock.SteadyNow() - start, 1500ms);
  EXPECT_EQ(clock.slept(), 1500ms);
  clock.SleepFor(-5ms);  // a wait in the past is no wait
  EXPECT_EQ(clock.slept(), 1500ms);
}

TEST(FakeClockTest, WaitUntilReachesTheDeadlineExactly) {
  FakeClock clock;
  const SteadyTime deadline = clock.SteadyNow() + 250ms;
  clock.WaitUntil(deadline);
  EXPECT_EQ(clock.SteadyNow(), deadline);
  clock.WaitUntil(deadline - 1s);  // already passed: returns at once
  EXPECT_EQ(clock.SteadyNow(), deadline);
  EXPECT_EQ(clock.slept(), 250ms);
}

TEST(SystemClockTest, SleepForWaitsAtLeastTheDuration) {
  SystemClock clock;
  const SteadyTime start = clock.SteadyNow();
  clock.SleepFor(5ms);
  EXPECT_GE(clock.SteadyNow() - start, 5ms);
  clock.WaitUntil(start);  // passed: no wait
}

}  // namespace
}  // namespace tc
