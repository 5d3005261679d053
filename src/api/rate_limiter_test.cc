#include "api/rate_limiter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
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

// Answers `count` requests, `every`-th of them a 429 (0: none), `gap` apart.
void Answer(RateLimiter& limiter, FakeClock& clock, int count, int every, Duration gap) {
  for (int i = 1; i <= count; ++i) {
    clock.Advance(gap);
    limiter.OnAnswer(clock.SteadyNow(), every > 0 && i % every == 0);
  }
}

// One user's 429s among many good answers concern that user only: the run keeps its rate.
// A continuous pass's pace (15/s) under the daemon's limit (20/s), with an on-demand caller
// drawing from the daemon's limiter directly: both greedy for 30 s. Together they stay within the
// daemon's limit; the pace within its own. (A paced request starts when both its slots are due,
// at most one pace interval after its daemon slot, so a window may hold one start more than the
// daemon limiter alone would allow.)
TEST(RateLimiterTest, ACeilingHoldsThePaceAndOtherCallersToItsRate) {
  FakeClock clock;
  const SteadyTime begin = clock.SteadyNow();
  RateLimiter daemon(20, begin);
  RateLimiter pace(15, begin);
  pace.SetCeiling(&daemon);
  std::vector<SteadyTime> paced, on_demand, all;
  SteadyTime next_paced = begin, next_on_demand = begin;
  while (clock.SteadyNow() - begin < 30s) {
    const bool paced_turn = next_paced <= next_on_demand;
    const SteadyTime now = paced_turn ? next_paced : next_on_demand;
    clock.Advance(std::chrono::duration_cast<Duration>(now - clock.SteadyNow()));
    RateLimiter& limiter = paced_turn ? pace : daemon;
    const SteadyTime start = now + limiter.DelayForNext(now);
    (paced_turn ? paced : on_demand).push_back(start);
    all.push_back(start);
    (paced_turn ? next_paced : next_on_demand) = start;
  }
  EXPECT_LE(MaxStartsInAnySecond(all), 20 + daemon.burst());
  EXPECT_LE(MaxStartsInAnySecond(paced), 15 + pace.burst() - 1);
  EXPECT_GE(paced.size(), 30U * 5);  // the pace is not starved by the other caller
  EXPECT_GE(on_demand.size(), 30U * 5);
  EXPECT_LE(all.size(), 30U * 20 + daemon.burst() + 2);
}

TEST(RateLimiterTest, AnswersReachTheCeilingToo) {
  FakeClock clock;
  RateLimiter daemon(100, clock.SteadyNow());
  RateLimiter pace(50, clock.SteadyNow());
  pace.SetCeiling(&daemon);
  for (int i = 0; i < 40; ++i) pace.OnAnswer(clock.SteadyNow(), /*rate_limited=*/true);
  EXPECT_EQ(daemon.slowdowns(), 1);
  EXPECT_LT(daemon.effective_rate(), 100);
  EXPECT_LT(pace.effective_rate(), 50);
}

TEST(RateLimiterTest, AFewRateLimitedAnswersDoNotSlowEverybody) {
  FakeClock clock;
  RateLimiter limiter(100, clock.SteadyNow());
  Answer(limiter, clock, 3000, 50, 10ms);  // 2 % are 429s
  EXPECT_EQ(limiter.effective_rate(), 100);
  EXPECT_EQ(limiter.slowdowns(), 0);
  // Even a run of them, as long as they stay under a quarter of the recent answers.
  Answer(limiter, clock, 400, 5, 10ms);  // 20 %
  EXPECT_EQ(limiter.effective_rate(), 100);
}

TEST(RateLimiterTest, BroadPushBackHalvesTheRateAtMostOnceASecond) {
  FakeClock clock;
  RateLimiter limiter(100, clock.SteadyNow());
  Answer(limiter, clock, 48, 2, 10ms);  // 24 429s: not yet
  EXPECT_EQ(limiter.slowdowns(), 0);
  Answer(limiter, clock, 2, 2, 10ms);  // the 25th of the last 100 answers (here 50) is a 429
  EXPECT_EQ(limiter.effective_rate(), 50);
  EXPECT_EQ(limiter.slowdowns(), 1);
  Answer(limiter, clock, 40, 1, 10ms);  // within the same second: no second halving
  EXPECT_EQ(limiter.effective_rate(), 50);
  Answer(limiter, clock, 100, 1, 100ms);  // 10 s of nothing but 429s: every 25 answers
  EXPECT_GE(limiter.slowdowns(), 4);
  EXPECT_LE(limiter.slowdowns(), 6);
  // Repeated 429s never stop the run entirely.
  Answer(limiter, clock, 1000, 1, 100ms);
  EXPECT_EQ(limiter.effective_rate(), 1.0);
  // And the slower pace holds: 1 request/s.
  const SteadyTime now = clock.SteadyNow();
  limiter.DelayForNext(now);
  EXPECT_GE(limiter.DelayForNext(now), 999ms);
}

TEST(RateLimiterTest, RecoversQuicklyOnceTheApiStopsRefusing) {
  FakeClock clock;
  RateLimiter limiter(100, clock.SteadyNow());
  Answer(limiter, clock, 25, 1, 10ms);
  ASSERT_EQ(limiter.effective_rate(), 50);
  // No recovery within the second of the slowdown (answers to requests sent before it).
  Answer(limiter, clock, 9, 0, 100ms);
  EXPECT_EQ(limiter.effective_rate(), 50);
  // Then, with no 429 at all, the rate doubles every 250 ms up to the configured rate.
  Answer(limiter, clock, 1, 0, 100ms);
  EXPECT_EQ(limiter.effective_rate(), 100);
}

TEST(RateLimiterTest, DoublesFromTheFloorEveryQuarterSecondOfCleanAnswers) {
  FakeClock clock;
  RateLimiter limiter(100, clock.SteadyNow());
  Answer(limiter, clock, 1000, 1, 100ms);  // nothing but 429s for 100 s
  ASSERT_EQ(limiter.effective_rate(), 1.0);
  std::vector<double> seen{limiter.effective_rate()};
  for (int i = 0; i < 100; ++i) {
    Answer(limiter, clock, 1, 0, 50ms);
    if (seen.back() != limiter.effective_rate()) seen.push_back(limiter.effective_rate());
  }
  // +10 % of the target while that is more than doubling, then doubling, capped at the target.
  EXPECT_EQ(seen, (std::vector<double>{1, 11, 22, 44, 88, 100}));
}

// 429s that go on at the same share after a slowdown do not depend on the rate: the limiter
// climbs straight back instead of sitting below the limit under them.
TEST(RateLimiterTest, ClimbsFastWhenThe429sDoNotFallWithTheRate) {
  FakeClock clock;
  RateLimiter limiter(100, clock.SteadyNow());
  Answer(limiter, clock, 75, 3, 10ms);  // a third are 429s: down to the two thirds accepted
  ASSERT_NEAR(limiter.effective_rate(), 66.7, 0.1);
  std::vector<double> seen{limiter.effective_rate()};
  for (int i = 0; i < 300; ++i) {
    // Still some 429s at the lower rate (a sixth: under the push-back mark, over a third of the
    // share that caused the slowdown).
    Answer(limiter, clock, 1, i % 6 == 5 ? 1 : 0, 10ms);
    if (seen.back() != limiter.effective_rate()) seen.push_back(limiter.effective_rate());
  }
  // One step, 1 s after the slowdown: twice the rate, capped at the configured one.
  EXPECT_EQ(seen, (std::vector<double>{seen.front(), 100}));
}

// 429s that stop once the rate is down to the share the API accepted mean the API's own limit is
// near: the limiter approaches it by steps of 10 % of the target a second, not by doubling.
TEST(RateLimiterTest, ProbesGentlyWhenThe429sStoppedAtTheLowerRate) {
  FakeClock clock;
  RateLimiter limiter(100, clock.SteadyNow());
  Answer(limiter, clock, 75, 3, 10ms);
  ASSERT_NEAR(limiter.effective_rate(), 66.7, 0.1);
  std::vector<double> seen{limiter.effective_rate()};
  for (int i = 0; i < 1000; ++i) {
    Answer(limiter, clock, 1, 0, 10ms);
    if (seen.back() != limiter.effective_rate()) seen.push_back(limiter.effective_rate());
  }
  ASSERT_EQ(seen.size(), 5u);
  for (size_t i = 1; i + 1 < seen.size(); ++i) EXPECT_NEAR(seen[i] - seen[i - 1], 10, 1e-9);
  EXPECT_EQ(seen.back(), 100);
}

// A saturated caller paced by the limiter meets 5 s of nothing but 429s, then an API that
// accepts everything: over the next 10 s it starts at least 80 % of the configured rate.
TEST(RateLimiterTest, MeanRateAfterA429BurstIsNearTheLimit) {
  FakeClock clock;
  const double rate = 100;
  RateLimiter limiter(rate, clock.SteadyNow());
  const SteadyTime begin = clock.SteadyNow();
  int started_after_burst = 0;
  while (clock.SteadyNow() - begin < 15s) {
    clock.Advance(limiter.DelayForNext(clock.SteadyNow()));
    const bool refused = clock.SteadyNow() - begin < 5s;
    if (!refused) ++started_after_burst;
    limiter.OnAnswer(clock.SteadyNow(), refused);
  }
  EXPECT_GE(limiter.slowdowns(), 3);
  EXPECT_GE(started_after_burst, static_cast<int>(0.8 * rate * 10));
}

// A model of a run against an API: a saturated caller paced by the limiter, answers 50 ms after
// each start. The API refuses (429) the first request for `first_call_share` of the pages, and
// enforces a limit of its own (a token bucket of one second at `api_rate`): a start over it is
// refused too. Deterministic: a fixed seed, a fake clock.
struct ModelRun {
  int starts = 0;
  int refused_first_calls = 0;
  int refused_over_api_limit = 0;
  double mean_rate = 0;  // starts per second over the run
};

ModelRun RunModel(double limit, double api_rate, double first_call_share, Duration length) {
  FakeClock clock;
  RateLimiter limiter(limit, clock.SteadyNow());
  const SteadyTime begin = clock.SteadyNow();
  std::mt19937_64 random(7);
  std::bernoulli_distribution refused_first(first_call_share);
  double api_tokens = api_rate;
  SteadyTime api_last = begin;
  // Answers due: (time, rate limited), earliest first.
  std::multimap<SteadyTime, bool> answers;
  int retries_owed = 0;  // refused first calls whose retry has not started
  ModelRun run;
  while (clock.SteadyNow() - begin < length) {
    const SteadyTime start = clock.SteadyNow() + limiter.DelayForNext(clock.SteadyNow());
    while (!answers.empty() && answers.begin()->first <= start) {
      clock.Advance(
          std::chrono::duration_cast<Duration>(answers.begin()->first - clock.SteadyNow()));
      limiter.OnAnswer(clock.SteadyNow(), answers.begin()->second);
      answers.erase(answers.begin());
    }
    clock.Advance(std::chrono::duration_cast<Duration>(start - clock.SteadyNow()));
    ++run.starts;
    api_tokens = std::min(
        api_rate, api_tokens + std::chrono::duration<double>(start - api_last).count() * api_rate);
    api_last = start;
    bool rate_limited = false;
    if (api_tokens < 1) {
      rate_limited = true;
      ++run.refused_over_api_limit;
    } else {
      api_tokens -= 1;
      const bool retry = retries_owed > 0;
      if (retry) {
        --retries_owed;
      } else if (refused_first(random)) {
        rate_limited = true;
        ++run.refused_first_calls;
        ++retries_owed;
      }
    }
    answers.emplace(start + 50ms, rate_limited);
  }
  run.mean_rate = run.starts / std::chrono::duration<double>(length).count();
  return run;
}

// 20 % of first calls refused (Retry-After concerns those requests only) while the API itself
// accepts the configured rate: such 429s do not fall when the rate does, so the limiter must not
// sit below the limit because of them, nor go over it.
TEST(RateLimiterTest, RateIndependent429sKeepTheRateNearTheLimit) {
  const ModelRun run = RunModel(100, 100, 0.2, 60s);
  EXPECT_GE(run.mean_rate, 90);
  EXPECT_LE(run.mean_rate, 100.5);
  EXPECT_LE(run.refused_over_api_limit, run.starts / 100);
  EXPECT_GE(run.refused_first_calls, run.starts / 10);  // the model did refuse first calls
}

// The API's own limit is below the configured one: the limiter settles near the API's rate,
// and most requests are accepted.
TEST(RateLimiterTest, SettlesNearALowerApiLimit) {
  const ModelRun run = RunModel(100, 60, 0, 60s);
  EXPECT_GE(run.mean_rate, 55);
  EXPECT_LE(run.mean_rate, 72);
  EXPECT_LE(run.refused_over_api_limit, run.starts / 10);
}

// From the floor back to the configured rate, with the pacing of the limiter itself.
TEST(RateLimiterTest, RecoversFromTheFloorWhileItPacesRequests) {
  FakeClock clock;
  RateLimiter limiter(200, clock.SteadyNow());
  for (int i = 0; i < 2000 && limiter.effective_rate() > 2; ++i) {
    clock.Advance(limiter.DelayForNext(clock.SteadyNow()));
    limiter.OnAnswer(clock.SteadyNow(), true);
  }
  ASSERT_EQ(limiter.effective_rate(), 2);
  for (int i = 0; i < 20'000 && limiter.effective_rate() != 200; ++i) {
    clock.Advance(limiter.DelayForNext(clock.SteadyNow()));
    limiter.OnAnswer(clock.SteadyNow(), false);
  }
  EXPECT_EQ(limiter.effective_rate(), 200);
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
    // Bursts of 30 429s every 1500 requests; the rest succeed.
    ++requests;
    limiter.OnAnswer(clock.SteadyNow(), requests % 1500 < 30);
  }
  EXPECT_GE(limiter.slowdowns(), 1);
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
  for (int i = 0; i < 25; ++i) limiter.OnAnswer(clock.SteadyNow(), true);
  // Half the observed rate (the window is ten 100 ms buckets, so it sees 360 to 400 of them).
  EXPECT_GE(limiter.effective_rate(), 180);
  EXPECT_LE(limiter.effective_rate(), 200);
  // Good answers raise the rate by 10 % of twice the observed rate per second, then drop the
  // limit.
  for (int i = 0; i < 200 && limiter.effective_rate() != 0; ++i) {
    clock.Advance(1s);
    limiter.OnAnswer(clock.SteadyNow(), false);
  }
  EXPECT_EQ(limiter.effective_rate(), 0);
  clock.Advance(10s);
  EXPECT_EQ(limiter.DelayForNext(clock.SteadyNow()), 0ms);
}

TEST(RateLimiterTest, UnlimitedWithNothingObservedStaysUnlimited) {
  FakeClock clock;
  RateLimiter limiter(0, clock.SteadyNow());
  for (int i = 0; i < 20; ++i) limiter.OnAnswer(clock.SteadyNow(), true);
  EXPECT_EQ(limiter.effective_rate(), 0);
  EXPECT_EQ(limiter.DelayForNext(clock.SteadyNow()), 0ms);
}

// Times at the far end of the clock's range never overflow (UBSan checks this build).
TEST(RateLimiterTest, ExtremeTimesDoNotOverflow) {
  RateLimiter limiter(1, SteadyTime::max() - 1s);
  const SteadyTime late = SteadyTime::max() - 500ms;
  EXPECT_EQ(limiter.DelayForNext(late), 0ms);
  limiter.OnAnswer(late, true);
  EXPECT_GE(limiter.DelayForNext(late), 0ms);
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
