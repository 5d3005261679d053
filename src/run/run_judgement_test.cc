// The failure judgement over runs, with a FakeClock and no server (docs/failure-model.md): users
// are judged, not requests; a handful of always-failing users never degrade a run or slow the
// others; a daemon's shared circuit breaker recovers by itself once the API answers again; a
// failure of our side (configuration, the store) never ends a run ok nor backs anybody off.
#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <string>

#include "failure/circuit_breaker.h"
#include "run/refresh_run.h"
#include "testing/fault_injection_store.h"
#include "testing/run_test_support.h"

namespace tc {
namespace {

using namespace testing_run;  // NOLINT(google-build-using-namespace)
using namespace std::chrono_literals;

bool IsExpiredList(const HttpRequest& request) {
  return request.url.find("/v4.0/") != std::string::npos;
}

Result<HttpResponse> HealthyApi(const HttpRequest& request, int) {
  return PassesResponse(UserOf(request), IsExpiredList(request));
}

Result<HttpResponse> OutageAnswer(const HttpRequest&, int) {
  return Reply(503, R"({"errors":["service unavailable"]})");
}

class RunJudgementTest : public RefreshRunTest {
 protected:
  // One run of `users` users 1..N sharing `breaker` (a daemon's), or with the run's own.
  RunSummary Run(FakeTransport& transport, int64_t users, CircuitBreaker* breaker = nullptr,
                 RunRequest request = {}) {
    std::vector<UserToken> tokens;
    for (int64_t user = 1; user <= users; ++user) tokens.push_back({user, Token(user)});
    VectorTokenSource source(tokens);
    RunEnvironment env{config_, source, *store_, transport, clock_, nullptr, nullptr};
    env.shared_breaker = breaker;
    return ExecuteRun(env, request);
  }

  Duration RunTime(const RunSummary& summary) const {
    return Duration(summary.finished_at_ms - summary.started_at_ms);
  }
  // The bound a run with a few broken users stays under. The defect made such runs last until the
  // breaker's give-up time (60 s); they take the broken users' own retries (about 1.4 s). The
  // FakeTransport also advances the clock while it waits for the store workers (real threads),
  // so a run's fake time varies with the machine's load (more under sanitizers): the bound sits
  // halfway, not at the retries' sum.
  Duration FarBelowGiveUp() const { return config_.refresh.breaker.give_up_after / 2; }

  int64_t UsersInBackoff() {
    auto failing = store_->FailingUsers(100'000);
    EXPECT_TRUE(failing.ok());
    int64_t in_backoff = 0;
    for (const UserState& state : *failing) in_backoff += state.next_attempt_at > 0 ? 1 : 0;
    return in_backoff;
  }
  int64_t FailingUsers() {
    auto failing = store_->FailingUsers(100'000);
    EXPECT_TRUE(failing.ok());
    return failing.ok() ? static_cast<int64_t>(failing->size()) : -1;
  }
};

// Six consecutive users whose every call answers 500 among 300: each is one failed outcome, not
// eight failed requests, so the breaker never opens, the run ends ok, and it takes no longer
// than those users' own retries (far below the give-up time such runs took before). The next run,
// whose only work is those six, ends ok too.
TEST_F(RunJudgementTest, AHandfulOfAlways500UsersAmong300EndsOkAndCostsOnlyTheirOwnTime) {
  const std::set<int64_t> broken{100, 101, 102, 103, 104, 105};
  FakeTransport transport(clock_, [&](const HttpRequest& request, int attempt) {
    if (broken.contains(UserOf(request))) return Result<HttpResponse>(Reply(500));
    return HealthyApi(request, attempt);
  });
  const RunSummary first = Run(transport, 300);
  EXPECT_EQ(first.status, RunStatus::kOk) << first.ToJson().dump();
  EXPECT_EQ(first.ExitCode(), 0);
  EXPECT_EQ(first.built, 294);
  EXPECT_EQ(first.failed, 6);
  EXPECT_EQ(first.breaker_opened, 0);
  // Their retries (3, full jitter from 200 ms: at most 1.4 s) run beside the others' work.
  EXPECT_LT(RunTime(first), FarBelowGiveUp()) << first.ToJson().dump();

  clock_.Advance(1min);
  const RunSummary second = Run(transport, 300);
  EXPECT_EQ(second.status, RunStatus::kOk) << second.ToJson().dump();
  EXPECT_EQ(second.ExitCode(), 0);
  EXPECT_EQ(second.fresh, 294);
  EXPECT_EQ(second.failed, 6);
  EXPECT_LT(RunTime(second), FarBelowGiveUp()) << second.ToJson().dump();
  EXPECT_EQ(UsersInBackoff(), 0) << "a 500 is the API's, never the user's";
}

// Among three users (below the minimum number of users judged), two or all three always 500:
// not the API's, never degraded.
TEST_F(RunJudgementTest, AlwaysFailingUsersAmongThreeEndOk) {
  for (const int broken_count : {2, 3}) {
    SCOPED_TRACE(broken_count);
    TearDown();
    SetUp();
    FakeTransport transport(clock_, [&](const HttpRequest& request, int attempt) {
      if (UserOf(request) <= broken_count) return Result<HttpResponse>(Reply(500));
      return HealthyApi(request, attempt);
    });
    for (int run = 0; run < 3; ++run) {
      const RunSummary summary = Run(transport, 3);
      EXPECT_EQ(summary.status, RunStatus::kOk) << summary.ToJson().dump();
      EXPECT_EQ(summary.ExitCode(), 0);
      EXPECT_EQ(summary.failed, broken_count);
      EXPECT_LT(RunTime(summary), FarBelowGiveUp()) << summary.ToJson().dump();
      clock_.Advance(1h);
    }
  }
}

// The issue's mix: 6 users answered 500, 6 a truncated body, 6 a 401, among 300; then runs whose
// only work is those 18 (the 500s are retried each run, the others back off from the 2nd).
TEST_F(RunJudgementTest, EighteenBrokenUsersOfThreeKindsNeverDegradeARun) {
  FakeTransport transport(clock_, [&](const HttpRequest& request, int attempt) {
    const int64_t user = UserOf(request);
    if (user % 50 == 7) return Result<HttpResponse>(Reply(500));
    if (user % 50 == 8) return Result<HttpResponse>(Reply(200, R"({"errors":[],"data":{"pas)"));
    if (user % 50 == 9) return Result<HttpResponse>(Reply(401));
    return HealthyApi(request, attempt);
  });
  for (int run = 0; run < 3; ++run) {
    SCOPED_TRACE(run);
    const RunSummary summary = Run(transport, 300);
    EXPECT_EQ(summary.status, RunStatus::kOk) << summary.ToJson().dump();
    EXPECT_EQ(summary.ExitCode(), 0);
    EXPECT_EQ(summary.failed + summary.skipped_backoff, 18);
    // The 500 users' own retries (≤ 1.4 s each), far from the breaker's give-up time that ended
    // such runs before.
    EXPECT_LT(RunTime(summary), FarBelowGiveUp()) << summary.ToJson().dump();
    clock_.Advance(1h);
  }
}

// A daemon's breaker: the API is down for a run (degraded, correctly), then answers again. The
// next run starts with the breaker open, gives its probe time to answer, closes it and ends ok.
// Nobody was backed off for the outage.
TEST_F(RunJudgementTest, OutageThenRecoveryBetweenRunsCostsOneRun) {
  CircuitBreaker breaker(config_);
  bool down = true;
  FakeTransport transport(clock_, [&](const HttpRequest& request, int attempt) {
    return down ? OutageAnswer(request, attempt) : HealthyApi(request, attempt);
  });
  const RunSummary during = Run(transport, 300, &breaker);
  EXPECT_EQ(during.status, RunStatus::kDegraded) << during.ToJson().dump();
  EXPECT_NE(breaker.state(), BreakerState::kClosed);

  down = false;
  for (const Duration gap : {Duration(0), Duration(5s)}) {  // at once, and before open_for
    clock_.Advance(gap);
    const RunSummary after = Run(transport, 300, &breaker);
    EXPECT_EQ(after.status, RunStatus::kOk) << after.ToJson().dump();
    EXPECT_EQ(after.ExitCode(), 0);
    EXPECT_EQ(after.failed, 0);
    EXPECT_EQ(breaker.state(), BreakerState::kClosed);
  }
  EXPECT_EQ(FailingUsers(), 0);
}

// The next run begins while the API is still down: it degrades after give_up_after of its own
// (not at once, because of the earlier run's clock), and the one after the recovery ends ok.
TEST_F(RunJudgementTest, ALongerOutageDegradesEachRunItOverlapsThenRecovers) {
  CircuitBreaker breaker(config_);
  bool down = true;
  FakeTransport transport(clock_, [&](const HttpRequest& request, int attempt) {
    return down ? OutageAnswer(request, attempt) : HealthyApi(request, attempt);
  });
  EXPECT_EQ(Run(transport, 300, &breaker).status, RunStatus::kDegraded);
  clock_.Advance(1h);
  const RunSummary still_down = Run(transport, 300, &breaker);
  EXPECT_EQ(still_down.status, RunStatus::kDegraded) << still_down.ToJson().dump();
  EXPECT_GE(RunTime(still_down), config_.refresh.breaker.give_up_after);
  down = false;
  clock_.Advance(1h);
  const RunSummary after = Run(transport, 300, &breaker);
  EXPECT_EQ(after.status, RunStatus::kOk) << after.ToJson().dump();
  EXPECT_EQ(after.built, 300);
  EXPECT_EQ(UsersInBackoff(), 0);
}

// The API fails for 20 s in the middle of a run: the breaker opens, a probe after the recovery
// closes it, and the run goes on to the end: ok, and the users it failed are retried next run.
TEST_F(RunJudgementTest, RecoveryDuringARunEndsOk) {
  std::optional<SteadyTime> outage_from;
  int answered = 0;
  FakeTransport transport(clock_, [&](const HttpRequest& request, int attempt) {
    if (++answered == 100) outage_from = clock_.SteadyNow();
    if (outage_from && clock_.SteadyNow() - *outage_from < 20s)
      return OutageAnswer(request, attempt);
    return HealthyApi(request, attempt);
  });
  const RunSummary summary = Run(transport, 300);
  EXPECT_EQ(summary.status, RunStatus::kOk) << summary.ToJson().dump();
  EXPECT_EQ(summary.ExitCode(), 0);
  EXPECT_GE(summary.breaker_opened, 1) << summary.ToJson().dump();
  EXPECT_EQ(summary.built + summary.failed, 300);
  EXPECT_EQ(UsersInBackoff(), 0);
  clock_.Advance(1h);
  const RunSummary next = Run(transport, 300);
  EXPECT_EQ(next.status, RunStatus::kOk);
  EXPECT_EQ(next.built, summary.failed);
}

// The API flaps (30 s down, 30 s up) across several runs of one daemon: runs may end degraded,
// nobody is ever backed off, and once the API is steady the next run ends ok and builds everyone
// still missing.
TEST_F(RunJudgementTest, FlappingApiNeverBacksUsersOffAndTheSteadyRunEndsOk) {
  CircuitBreaker breaker(config_);
  const SteadyTime start = clock_.SteadyNow();
  bool steady = false;
  FakeTransport transport(clock_, [&](const HttpRequest& request, int attempt) {
    const auto phase = std::chrono::duration_cast<std::chrono::seconds>(clock_.SteadyNow() - start);
    if (!steady && (phase.count() / 30) % 2 == 0) return OutageAnswer(request, attempt);
    return HealthyApi(request, attempt);
  });
  for (int run = 0; run < 4; ++run) {
    const RunSummary summary = Run(transport, 200, &breaker);
    EXPECT_NE(summary.status, RunStatus::kAborted) << summary.ToJson().dump();
    EXPECT_EQ(summary.skipped_backoff, 0);
    clock_.Advance(17s);
  }
  EXPECT_EQ(UsersInBackoff(), 0);
  steady = true;
  clock_.Advance(1min);
  const RunSummary summary = Run(transport, 200, &breaker);
  EXPECT_EQ(summary.status, RunStatus::kOk) << summary.ToJson().dump();
  EXPECT_EQ(summary.failed, 0);
  EXPECT_EQ(summary.fresh + summary.built + summary.updated + summary.unchanged, 200);
}

// A failure no user can cause — the API URL libcurl refuses (configuration) — stops the run
// aborted at once, and no user's failure memory changes.
TEST_F(RunJudgementTest, AConfigurationFailureNeverEndsOkNorBlamesUsers) {
  FakeTransport transport(clock_, [](const HttpRequest&, int) {
    return Result<HttpResponse>(MakeError(ErrorClass::kConfig, "URL rejected: bad port number"));
  });
  for (int run = 0; run < 2; ++run) {
    const RunSummary summary = Run(transport, 300);
    EXPECT_EQ(summary.status, RunStatus::kAborted) << summary.ToJson().dump();
    EXPECT_NE(summary.ExitCode(), 0);
    EXPECT_NE(summary.abort_reason.find("config"), std::string::npos) << summary.abort_reason;
    EXPECT_LT(transport.total_requests(), 300) << "stopped instead of failing every user";
    EXPECT_EQ(FailingUsers(), 0);
    clock_.Advance(1h);
  }
}

// One user's write failing on the store is not that user's fault: no failure memory, and the run,
// which completes for everyone else, does not end ok.
TEST_F(RunJudgementTest, AStoreFailureNeverEndsOkNorBlamesTheUser) {
  FaultInjectionStore flaky(*store_);
  flaky.FailCall(FaultInjectionStore::Method::kReplace, 3);
  FakeTransport transport(clock_, HealthyApi);
  std::vector<UserToken> tokens;
  for (int64_t user = 1; user <= 30; ++user) tokens.push_back({user, Token(user)});
  VectorTokenSource source(tokens);
  RunEnvironment env{config_, source, flaky, transport, clock_, nullptr, nullptr};
  const RunSummary summary = ExecuteRun(env, {});
  EXPECT_EQ(summary.built, 29) << summary.ToJson().dump();
  EXPECT_EQ(summary.failed, 1);
  EXPECT_NE(summary.status, RunStatus::kOk) << summary.ToJson().dump();
  EXPECT_NE(summary.ExitCode(), 0);
  EXPECT_NE(summary.abort_reason.find("store"), std::string::npos) << summary.abort_reason;
  EXPECT_EQ(FailingUsers(), 0);
}

}  // namespace
}  // namespace tc
