#include "failure/circuit_breaker.h"

#include <gtest/gtest.h>

#include <optional>
#include <thread>
#include <vector>

#include "failure/blame.h"

namespace tc {
namespace {

using namespace std::chrono_literals;

BreakerPolicy BreakerConfig() {
  BreakerPolicy config;
  config.failure_ratio = 0.5;
  config.window = 10;
  config.min_calls = 4;
  config.open_for = 10s;
  return config;
}

class CircuitBreakerTest : public ::testing::Test {
 protected:
  SteadyTime Now() const { return clock_.SteadyNow(); }
  // Opens the breaker with min_calls failures.
  void Open() {
    for (int i = 0; i < 4; ++i) breaker_.RecordFailure(Now(), ErrorClass::kTransient);
    ASSERT_EQ(breaker_.state(), BreakerState::kOpen);
  }

  // Admits the half-open probe and records its outcome.
  void Probe(std::optional<ErrorClass> failure) {
    ASSERT_EQ(breaker_.Admit(Now()), CircuitBreaker::Admission::kProbe);
    breaker_.RecordProbe(Now(), failure);
  }

  FakeClock clock_;
  CircuitBreaker breaker_{BreakerConfig(), 30s};
};

TEST_F(CircuitBreakerTest, StartsClosedAndAllowsEverything) {
  EXPECT_EQ(breaker_.state(), BreakerState::kClosed);
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(breaker_.Allow(Now()));
  EXPECT_EQ(breaker_.times_opened(), 0);
  EXPECT_FALSE(breaker_.NotClosedSince().has_value());
}

TEST_F(CircuitBreakerTest, NoDecisionBelowMinCalls) {
  for (int i = 0; i < 3; ++i) breaker_.RecordFailure(Now(), ErrorClass::kTimeout);
  EXPECT_EQ(breaker_.state(), BreakerState::kClosed);
  breaker_.RecordFailure(Now(), ErrorClass::kNetwork);
  EXPECT_EQ(breaker_.state(), BreakerState::kOpen);
  EXPECT_EQ(breaker_.times_opened(), 1);
  EXPECT_EQ(breaker_.NotClosedSince(), Now());
}

TEST_F(CircuitBreakerTest, OpensAtTheRatioOverTheWindow) {
  // 6 successes, then failures: opens when failures reach half of the calls seen.
  for (int i = 0; i < 6; ++i) breaker_.RecordSuccess(Now());
  for (int i = 0; i < 5; ++i) breaker_.RecordFailure(Now(), ErrorClass::kTransient);
  // Window (10): 5 successes + 5 failures = 0.5 -> open.
  EXPECT_EQ(breaker_.state(), BreakerState::kOpen);
}

TEST_F(CircuitBreakerTest, OldOutcomesLeaveTheWindow) {
  // Alternating failure/success keeps the ratio just under the threshold... with 4 failures in
  // 10 it stays closed forever.
  for (int round = 0; round < 50; ++round) {
    for (int i = 0; i < 6; ++i) breaker_.RecordSuccess(Now());
    for (int i = 0; i < 4; ++i) breaker_.RecordFailure(Now(), ErrorClass::kTransient);
    ASSERT_EQ(breaker_.state(), BreakerState::kClosed) << round;
  }
}

TEST_F(CircuitBreakerTest, UserFaultsAreHealthyCallsAndRateLimitIsNeutral) {
  for (int i = 0; i < 20; ++i) {
    breaker_.RecordFailure(Now(), ErrorClass::kRejectedToken);
    breaker_.RecordFailure(Now(), ErrorClass::kMalformed);
    breaker_.RecordFailure(Now(), ErrorClass::kRateLimited);
    breaker_.RecordFailure(Now(), ErrorClass::kStore);
  }
  EXPECT_EQ(breaker_.state(), BreakerState::kClosed);
  // Rejected tokens count as successes: 6 of them dilute 4 failures below the ratio.
  for (int i = 0; i < 4; ++i) breaker_.RecordFailure(Now(), ErrorClass::kTimeout);
  EXPECT_EQ(breaker_.state(), BreakerState::kClosed);
  EXPECT_TRUE(IsApiHealthFailure(ErrorClass::kTransient));
  EXPECT_FALSE(IsApiHealthFailure(ErrorClass::kRejectedToken));
  EXPECT_FALSE(IsApiHealthFailure(ErrorClass::kRateLimited));
}

TEST_F(CircuitBreakerTest, OpenRefusesUntilOpenForThenOneProbe) {
  Open();
  const SteadyTime opened = Now();
  EXPECT_FALSE(breaker_.Allow(Now()));
  clock_.Advance(9999ms);
  EXPECT_FALSE(breaker_.Allow(Now()));
  clock_.Advance(1ms);
  EXPECT_EQ(breaker_.Admit(Now()), CircuitBreaker::Admission::kProbe);
  EXPECT_EQ(breaker_.state(), BreakerState::kHalfOpen);
  EXPECT_FALSE(breaker_.Allow(Now()));  // only one
  EXPECT_FALSE(breaker_.Allow(Now()));
  EXPECT_EQ(breaker_.NotClosedSince(), opened);
}

TEST_F(CircuitBreakerTest, ProbeSuccessClosesAndClearsTheWindow) {
  Open();
  clock_.Advance(10s);
  Probe(std::nullopt);
  EXPECT_EQ(breaker_.state(), BreakerState::kClosed);
  EXPECT_FALSE(breaker_.NotClosedSince().has_value());
  EXPECT_EQ(breaker_.Admit(Now()), CircuitBreaker::Admission::kCall);
  // The window was cleared: three failures are below min_calls again.
  for (int i = 0; i < 3; ++i) breaker_.RecordFailure(Now(), ErrorClass::kTransient);
  EXPECT_EQ(breaker_.state(), BreakerState::kClosed);
  EXPECT_EQ(breaker_.times_opened(), 1);
}

TEST_F(CircuitBreakerTest, ProbeFailureOpensAgain) {
  Open();
  const SteadyTime first_opened = Now();
  clock_.Advance(10s);
  Probe(ErrorClass::kTimeout);
  EXPECT_EQ(breaker_.state(), BreakerState::kOpen);
  EXPECT_EQ(breaker_.times_opened(), 2);
  EXPECT_FALSE(breaker_.Allow(Now()));
  // Not closed since the FIRST opening: the engine's give-up clock keeps running.
  EXPECT_EQ(breaker_.NotClosedSince(), first_opened);
  clock_.Advance(10s);
  EXPECT_TRUE(breaker_.Allow(Now()));
}

TEST_F(CircuitBreakerTest, ProbeRejectedTokenCountsAsHealthy) {
  Open();
  clock_.Advance(10s);
  Probe(ErrorClass::kRejectedToken);
  EXPECT_EQ(breaker_.state(), BreakerState::kClosed);
}

TEST_F(CircuitBreakerTest, InconclusiveProbeLetsAnotherGo) {
  Open();
  clock_.Advance(10s);
  Probe(ErrorClass::kRateLimited);
  EXPECT_EQ(breaker_.state(), BreakerState::kHalfOpen);
  EXPECT_TRUE(breaker_.Allow(Now()));
  EXPECT_FALSE(breaker_.Allow(Now()));
}

// A probe is given the whole request timeout (30 s here, longer than open_for) before it is taken
// as lost; a run waits for it (ProbeUnderWay) instead of giving up.
TEST_F(CircuitBreakerTest, LostProbeIsReplacedAfterTheRequestTimeout) {
  Open();
  clock_.Advance(10s);
  ASSERT_EQ(breaker_.Admit(Now()), CircuitBreaker::Admission::kProbe);
  clock_.Advance(29s);
  EXPECT_TRUE(breaker_.ProbeUnderWay(Now()));
  EXPECT_TRUE(breaker_.Refusing(Now()));
  EXPECT_FALSE(breaker_.Allow(Now()));
  clock_.Advance(1s);
  EXPECT_FALSE(breaker_.ProbeUnderWay(Now()));
  EXPECT_EQ(breaker_.Admit(Now()), CircuitBreaker::Admission::kProbe);
}

// A caller that abandons its probe (a run that stops, an on-demand refresh that gives up) releases
// it: the next caller, e.g. the next run of a daemon, probes at once.
TEST_F(CircuitBreakerTest, ReleasedProbeLetsTheNextCallerProbeAtOnce) {
  Open();
  clock_.Advance(10s);
  ASSERT_EQ(breaker_.Admit(Now()), CircuitBreaker::Admission::kProbe);
  EXPECT_FALSE(breaker_.Allow(Now()));
  breaker_.ReleaseProbe();
  EXPECT_FALSE(breaker_.ProbeUnderWay(Now()));
  Probe(std::nullopt);
  EXPECT_EQ(breaker_.state(), BreakerState::kClosed);
}

// Users are judged, not requests: a user's outcome counts once whatever its retries and pages,
// and user outcomes are judged only while closed (probes decide otherwise).
TEST_F(CircuitBreakerTest, UserOutcomesAreJudgedWhileClosedOnly) {
  Open();
  clock_.Advance(10s);
  ASSERT_EQ(breaker_.Admit(Now()), CircuitBreaker::Admission::kProbe);
  for (int i = 0; i < 100; ++i) breaker_.RecordSuccess(Now());  // calls started before opening
  EXPECT_EQ(breaker_.state(), BreakerState::kHalfOpen);
  breaker_.RecordProbe(Now(), std::nullopt);
  EXPECT_EQ(breaker_.state(), BreakerState::kClosed);
}

TEST_F(CircuitBreakerTest, OutcomesRecordedWhileOpenAreIgnored) {
  Open();
  for (int i = 0; i < 100; ++i) breaker_.RecordSuccess(Now());
  EXPECT_EQ(breaker_.state(), BreakerState::kOpen);
  EXPECT_FALSE(breaker_.Allow(Now()));
}

// A run's worth of users whose tokens are rejected or whose answers are malformed, with the odd
// 5xx among them: the API answered, so the breaker stays closed.
TEST_F(CircuitBreakerTest, PersistentUserFaultsNeverOpenIt) {
  for (int i = 0; i < 10'000; ++i) {
    ASSERT_TRUE(breaker_.Allow(Now()));
    const ErrorClass fault = i % 2 == 0 ? ErrorClass::kRejectedToken : ErrorClass::kMalformed;
    breaker_.RecordUser(Now(), i % 7 == 0 ? ErrorClass::kTransient : fault);
  }
  EXPECT_EQ(breaker_.state(), BreakerState::kClosed);
  EXPECT_EQ(breaker_.times_opened(), 0);
}

TEST(CircuitBreakerConcurrencyTest, ConcurrentRecordsAndAllows) {
  FakeClock clock;
  BreakerPolicy config = BreakerConfig();
  config.window = 20;
  config.min_calls = 20;
  CircuitBreaker breaker(config, 30s);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&breaker, &clock, t] {
      for (int i = 0; i < 5000; ++i) {
        if (breaker.Allow(clock.SteadyNow())) {
          if ((i + t) % 10 == 0) {
            breaker.RecordFailure(clock.SteadyNow(), ErrorClass::kTransient);
          } else {
            breaker.RecordSuccess(clock.SteadyNow());
          }
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  // Each thread fails one call in ten: any 20 consecutive records, however the threads
  // interleave, hold at most 6 failures, under the ratio. It never opened.
  EXPECT_EQ(breaker.times_opened(), 0);
  EXPECT_EQ(breaker.state(), BreakerState::kClosed);
}

}  // namespace
}  // namespace tc
