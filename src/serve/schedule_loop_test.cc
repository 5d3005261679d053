#include "serve/schedule_loop.h"

#include <gtest/gtest.h>

#include <vector>

#include "schedule/cron_schedule.h"

namespace tc {
namespace {

using std::chrono::seconds;
using FireTime = ScheduleLoop::FireTime;

// 2023-11-14T22:13:20Z, FakeClock's default start.
constexpr int64_t kStartMillis = 1'700'000'000'000;
FireTime At(int64_t seconds_after_start) {
  return FireTime(seconds(kStartMillis / 1000 + seconds_after_start));
}
int64_t MillisOf(FireTime time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

class ScheduleLoopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto parsed = CronExpression::Parse("*/5 * * * * *");  // :25, :30, :35 ... after the start
    ASSERT_TRUE(parsed.ok());
    cron_.emplace(*parsed);
    auto zone = LocateTimeZone("UTC");
    ASSERT_TRUE(zone.ok());
    zone_ = *zone;
  }
  std::optional<CronExpression> cron_;
  const date::time_zone* zone_ = nullptr;
  std::atomic<bool> stop_{false};
};

TEST_F(ScheduleLoopTest, RunsAtTheCronTimesWaitingThroughTheClock) {
  FakeClock clock(kStartMillis);
  std::vector<FireTime> ticks, nexts;
  std::vector<int64_t> ran_at;
  ScheduleLoop::Callbacks callbacks;
  callbacks.on_next = [&](FireTime next) { nexts.push_back(next); };
  callbacks.run = [&](FireTime tick) {
    ticks.push_back(tick);
    ran_at.push_back(clock.NowUnixMillis());
    if (ticks.size() == 3) stop_ = true;
  };
  ScheduleLoop loop(clock, *cron_, *zone_, stop_, callbacks);
  EXPECT_TRUE(loop.Run().ok());
  EXPECT_EQ(ticks, (std::vector<FireTime>{At(5), At(10), At(15)}));
  EXPECT_EQ(ran_at, (std::vector<int64_t>{MillisOf(At(5)), MillisOf(At(10)), MillisOf(At(15))}));
  EXPECT_EQ(nexts, (std::vector<FireTime>{At(5), At(10), At(15)}));
  EXPECT_EQ(clock.slept(), seconds(15));  // every wait went through the clock, none too long
  EXPECT_EQ(loop.runs(), 3);
  EXPECT_EQ(loop.skipped_ticks(), 0);
}

// "Start a run now" from the status page: the waiting loop runs at once, then keeps the schedule.
TEST_F(ScheduleLoopTest, RunNowRunsAtOnceThenTheScheduleGoesOn) {
  FakeClock clock(kStartMillis + 2'000);  // 2 s after the start: the next fire time is At(5)
  std::atomic<bool> run_now{true};
  std::vector<FireTime> ticks;
  std::vector<int64_t> ran_at;
  ScheduleLoop::Callbacks callbacks;
  callbacks.run_now = &run_now;
  callbacks.run = [&](FireTime tick) {
    ticks.push_back(tick);
    ran_at.push_back(clock.NowUnixMillis());
    if (ticks.size() == 2) stop_ = true;
  };
  ScheduleLoop loop(clock, *cron_, *zone_, stop_, callbacks);
  EXPECT_TRUE(loop.Run().ok());
  EXPECT_EQ(ticks, (std::vector<FireTime>{At(2), At(5)}));
  EXPECT_EQ(ran_at, (std::vector<int64_t>{kStartMillis + 2'000, MillisOf(At(5))}));
  EXPECT_FALSE(run_now.load());  // taken
  EXPECT_EQ(loop.runs(), 2);
  EXPECT_EQ(loop.skipped_ticks(), 0);
}

TEST_F(ScheduleLoopTest, TicksDuringALongRunAreSkippedAndCountedNeverOverlapped) {
  FakeClock clock(kStartMillis);
  std::vector<FireTime> ticks, skipped;
  int in_run = 0, max_in_run = 0;
  ScheduleLoop::Callbacks callbacks;
  callbacks.run = [&](FireTime tick) {
    max_in_run = std::max(max_in_run, ++in_run);
    ticks.push_back(tick);
    if (ticks.size() == 1) clock.Advance(seconds(12));  // :25 → :37, past :30 and :35
    if (ticks.size() == 2) stop_ = true;
    --in_run;
  };
  callbacks.on_skip = [&](FireTime tick) { skipped.push_back(tick); };
  ScheduleLoop loop(clock, *cron_, *zone_, stop_, callbacks);
  EXPECT_TRUE(loop.Run().ok());
  EXPECT_EQ(ticks, (std::vector<FireTime>{At(5), At(20)}));
  EXPECT_EQ(skipped, (std::vector<FireTime>{At(10), At(15)}));
  EXPECT_EQ(loop.skipped_ticks(), 2);
  EXPECT_EQ(max_in_run, 1);
}

TEST_F(ScheduleLoopTest, RunEndingExactlyOnATickSkipsIt) {
  FakeClock clock(kStartMillis);
  std::vector<FireTime> ticks;
  ScheduleLoop::Callbacks callbacks;
  callbacks.run = [&](FireTime tick) {
    ticks.push_back(tick);
    if (ticks.size() == 1) clock.Advance(seconds(5));
    if (ticks.size() == 2) stop_ = true;
  };
  ScheduleLoop loop(clock, *cron_, *zone_, stop_, callbacks);
  EXPECT_TRUE(loop.Run().ok());
  EXPECT_EQ(ticks, (std::vector<FireTime>{At(5), At(15)}));
  EXPECT_EQ(loop.skipped_ticks(), 1);
}

// A clock whose n-th sleep is when the stop request (a SIGTERM) arrives.
class StopDuringSleepClock final : public Clock {
 public:
  StopDuringSleepClock(std::atomic<bool>& stop, int stop_on_sleep)
      : stop_(stop), stop_on_(stop_on_sleep) {}
  int64_t NowUnixSeconds() const override { return inner_.NowUnixSeconds(); }
  int64_t NowUnixMillis() const override { return inner_.NowUnixMillis(); }
  SteadyTime SteadyNow() const override { return inner_.SteadyNow(); }
  void SleepFor(Duration duration) const override {
    inner_.SleepFor(duration);
    if (++sleeps_ == stop_on_) stop_ = true;
  }
  Duration slept() const { return inner_.slept(); }

 private:
  FakeClock inner_{kStartMillis};
  std::atomic<bool>& stop_;
  int stop_on_;
  mutable int sleeps_ = 0;
};

TEST_F(ScheduleLoopTest, StopWhileWaitingEndsTheLoopWithinOneSlice) {
  auto yearly = CronExpression::Parse("0 0 1 1 *");
  ASSERT_TRUE(yearly.ok());
  StopDuringSleepClock clock(stop_, 3);
  int runs = 0;
  ScheduleLoop::Callbacks callbacks;
  callbacks.run = [&](FireTime) { ++runs; };
  ScheduleLoop loop(clock, *yearly, *zone_, stop_, callbacks, std::chrono::milliseconds(250));
  EXPECT_TRUE(loop.Run().ok());
  EXPECT_EQ(runs, 0);
  EXPECT_EQ(clock.slept(), std::chrono::milliseconds(750));  // three slices, not a year
}

TEST_F(ScheduleLoopTest, StopBeforeRunReturnsAtOnce) {
  FakeClock clock(kStartMillis);
  stop_ = true;
  ScheduleLoop loop(clock, *cron_, *zone_, stop_, {});
  EXPECT_TRUE(loop.Run().ok());
  EXPECT_EQ(loop.runs(), 0);
  EXPECT_EQ(clock.slept(), Duration(0));
}

}  // namespace
}  // namespace tc
