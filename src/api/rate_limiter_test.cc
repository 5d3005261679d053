#include "api/rate_limiter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <thread>
#include <vector>

namespace tc {
namespace {

using namespace std::chrono_literals;

// The most starts in any window [s, s + 1 s) over the sorted start times.
int MaxStartsInAnySecond(std::vector<SteadyTime> starts) {
  std::sort(starts.begin(), starts.end());
  int best = 0;
  size_t end = 0;
  for (size_t begin = 0; begin < starts.size(); ++begin) {
    while (end < starts.size() && starts[end] < starts[begin] + 1s) ++end;
    best = std::max(best, static_cast<int>(end - begin));
  }
  return best;
}

TEST(RateLimiterTest, UnlimitedNeverWaits) {
  FakeClock clock;
  RateLimiter limiter(0, clock.SteadyNow());
  for (int i = 0; i < 10'000; ++i) EXPECT_EQ(limiter.DelayForNext(clock.SteadyNow()), 0ms);
  EXPECT_EQ(limiter.effective_rate(), 0);
  EXPECT_EQ(limiter.burst(), 0);
}

TEST(RateLimiterTest, BurstThenPacedAtTheRate) {
  FakeClock clock;
  RateLimiter limiter(100, clock.SteadyNow());
  ASSERT_EQ(limiter.burst(), 4);
  const SteadyTime now = clock.SteadyNow();
  for (int i = 0; i < 4; ++i) EXPECT_EQ(limiter.DelayForNext(now), 0ms) << i;
  EXPECT_EQ(limiter.DelayForNext(now), 10ms);
  EXPECT_EQ(limiter.DelayForNext(now), 20ms);
  // All reserved at once: the 1000th request starts about 10 s later.
  Duration last{};
  for (int i = 6; i < 1000; ++i) last = limiter.DelayForNext(now);
  EXPECT_EQ(last, 9960ms);
}

// A saturated caller that asks for the next slot as soon as the previous one is granted, over
// many simulated seconds: no 1-second window ever holds more than rate + burst - 1 starts, and
// the rate is actually reached.
TEST(RateLimiterTest, SaturatedCallerNeverExceedsRatePlusBurst) {
  for (double rate : {1.0, 7.5, 50.0, 100.0, 1000.0, 4000.0}) {
    FakeClock clock;
    RateLimiter limiter(rate, clock.SteadyNow());
    const SteadyTime begin = clock.SteadyNow();
    std::vector<SteadyTime> starts;
    while (clock.SteadyNow() - begin < 60s) {
      const Duration wait = limiter.DelayForNext(clock.SteadyNow());
      clock.Advance(wait);
      starts.push_back(clock.SteadyNow());
    }
    const int limit = static_cast<int>(std::ceil(rate)) + limiter.burst() - 1;
    EXPECT_LE(MaxStartsInAnySecond(starts), limit) << "rate " << rate;
    EXPECT_GE(static_cast<double>(starts.size()), rate * 60 * 0.98) << "rate " << rate;
    EXPECT_LE(static_cast<double>(starts.size()), rate * 60 + limiter.burst() + 1)
        << "rate " << rate;
  }
}

// Many callers arriving at random times (seeded), reserving slots ahead: the same bound holds.
TEST(RateLimiterTest, RandomArrivalsNeverExceedRatePlusBurst) {
  FakeClock clock;
  const double rate = 200;
  RateLimiter limiter(rate, clock.SteadyNow());
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<int> gap_ms(0, 9);  // ~220 arrivals/s on average, bursty
  std::vector<SteadyTime> starts;
  for (int i = 0; i < 20'000; ++i) {
    clock.Advance(Duration(gap_ms(rng)));
    const SteadyTime now = clock.SteadyNow();
    starts.push_back(now + limiter.DelayForNext(now));
  }
  EXPECT_LE(MaxStartsInAnySecond(starts), static_cast<int>(rate) + limiter.burst() - 1);
}

TEST(RateLimiterTest, RateLimitedPausesEveryRequestUntilRetryAfter) {
  FakeClock clock;
  RateLimiter limiter(100, clock.SteadyNow());
  clock.Advance(10s);
  const SteadyTime now = clock.SteadyNow();
  limiter.OnRateLimited(now, 2s);
  EXPECT_EQ(limiter.PausedFor(now), 2000ms);
  EXPECT_GE(limiter.DelayForNext(now), 2000ms);
  EXPECT_GE(limiter.DelayForNext(now + 500ms), 1500ms);
  EXPECT_EQ(limiter.effective_rate(), 50);
}

TEST(RateLimiterTest, RateLimitedWithoutRetryAfterPausesOneSecond) {
  FakeClock clock;
  RateLimiter limiter(10, clock.SteadyNow());
  const SteadyTime now = clock.SteadyNow();
  limiter.OnRateLimited(now, std::nullopt);
  EXPECT_EQ(limiter.PausedFor(now), 1000ms);
  EXPECT_EQ(limiter.DelayForNext(now), 1000ms);
}

TEST(RateLimiterTest, SlowsDownOncePerPause) {
  FakeClock clock;
  RateLimiter limiter(100, clock.SteadyNow());
  SteadyTime now = clock.SteadyNow();
  limiter.OnRateLimited(now, 1s);
  // The other in-flight requests' 429s extend the pause but do not halve again.
  limiter.OnRateLimited(now + 100ms, 2s);
  limiter.OnRateLimited(now + 200ms, 1s);
  EXPECT_EQ(limiter.effective_rate(), 50);
  EXPECT_EQ(limiter.PausedFor(now), 2100ms);
  // A 429 after the pause is a new signal.
  limiter.OnRateLimited(now + 3s, 1s);
  EXPECT_EQ(limiter.effective_rate(), 25);
  // Repeated 429s never stop the run entirely.
  for (int i = 0; i < 20; ++i) limiter.OnRateLimited(now + 5s + i * 2s, 1s);
  EXPECT_EQ(limiter.effective_rate(), 1.0);
}

TEST(RateLimiterTest, RecoversGraduallyToTheConfiguredRate) {
  FakeClock clock;
  RateLimiter limiter(100, clock.SteadyNow());
  limiter.OnRateLimited(clock.SteadyNow(), 1s);
  ASSERT_EQ(limiter.effective_rate(), 50);
  // No recovery during the pause.
  clock.Advance(500ms);
  limiter.OnSuccess(clock.SteadyNow());
  EXPECT_EQ(limiter.effective_rate(), 50);
  // Then one step of 10 % of the configured rate per second of successes.
  std::vector<double> seen;
  for (int i = 0; i < 100; ++i) {
    clock.Advance(100ms);
    limiter.OnSuccess(clock.SteadyNow());
    if (seen.empty() || seen.back() != limiter.effective_rate()) {
      seen.push_back(limiter.effective_rate());
    }
  }
  EXPECT_EQ(seen, (std::vector<double>{50, 60, 70, 80, 90, 100}));
  EXPECT_EQ(limiter.effective_rate(), 100);
}

TEST(RateLimiterTest, WindowBoundHoldsThroughSlowdownAndRecovery) {
  FakeClock clock;
  const double rate = 100;
  RateLimiter limiter(rate, clock.SteadyNow());
  const SteadyTime begin = clock.SteadyNow();
  std::vector<SteadyTime> starts;
  int requests = 0;
  while (clock.SteadyNow() - begin < 120s) {
    clock.Advance(limiter.DelayForNext(clock.SteadyNow()));
    starts.push_back(clock.SteadyNow());
    // Every 1500th request draws a 429; the rest succeed.
    if (++requests % 1500 == 0) {
      limiter.OnRateLimited(clock.SteadyNow(), 500ms);
    } else {
      limiter.OnSuccess(clock.SteadyNow());
    }
  }
  EXPECT_LE(MaxStartsInAnySecond(starts), static_cast<int>(rate) + 4 - 1);
}

TEST(RateLimiterTest, UnlimitedDerivesARateFromWhatItObservedAndRecovers) {
  FakeClock clock;
  RateLimiter limiter(0, clock.SteadyNow());
  clock.Advance(5s);
  // 400 requests over the last second.
  for (int i = 0; i < 400; ++i) {
    clock.Advance(i % 2 == 0 ? 2ms : 3ms);
    EXPECT_EQ(limiter.DelayForNext(clock.SteadyNow()), 0ms);
  }
  limiter.OnRateLimited(clock.SteadyNow(), 1s);
  // Half the observed rate (the window is ten 100 ms buckets, so it sees 360 to 400 of them).
  EXPECT_GE(limiter.effective_rate(), 180);
  EXPECT_LE(limiter.effective_rate(), 200);
  EXPECT_GE(limiter.DelayForNext(clock.SteadyNow()), 1000ms);
  // Successes raise the rate by 10 % of twice the observed rate per second, then drop the limit.
  for (int i = 0; i < 200 && limiter.effective_rate() != 0; ++i) {
    clock.Advance(1s);
    limiter.OnSuccess(clock.SteadyNow());
  }
  EXPECT_EQ(limiter.effective_rate(), 0);
  clock.Advance(10s);
  EXPECT_EQ(limiter.DelayForNext(clock.SteadyNow()), 0ms);
}

TEST(RateLimiterTest, UnlimitedWithNothingObservedOnlyPauses) {
  FakeClock clock;
  RateLimiter limiter(0, clock.SteadyNow());
  limiter.OnRateLimited(clock.SteadyNow(), 3s);
  EXPECT_EQ(limiter.effective_rate(), 0);
  EXPECT_EQ(limiter.DelayForNext(clock.SteadyNow()), 3000ms);
  clock.Advance(3s);
  EXPECT_EQ(limiter.DelayForNext(clock.SteadyNow()), 0ms);
}

TEST(RateLimiterTest, ThreadsShareOneBucket) {
  FakeClock clock;
  RateLimiter limiter(1000, clock.SteadyNow());
  const SteadyTime now = clock.SteadyNow();
  std::vector<std::vector<Duration>> delays(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2500; ++i) delays[t].push_back(limiter.DelayForNext(now));
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::vector<Duration> all;
  for (const auto& list : delays) all.insert(all.end(), list.begin(), list.end());
  std::sort(all.begin(), all.end());
  // 10,000 slots at 1000/s with a burst of 40: exactly one bucket's worth of reservations.
  EXPECT_EQ(all.front(), 0ms);
  EXPECT_EQ(all.back(), 9960ms);
  EXPECT_EQ(std::count(all.begin(), all.end(), 0ms), 40);
}

}  // namespace
}  // namespace tc
