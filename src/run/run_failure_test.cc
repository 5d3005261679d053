// The run's failure model (docs/failure-model.md), deterministic and without a server: API-wide
// failures versus per-user ones, a failing store, a lost lock, misbehaving token sources.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "run/refresh_run.h"
#include "testing/fault_injection_store.h"
#include "testing/run_test_support.h"

namespace tc {
namespace {

using namespace testing_run;  // NOLINT(google-build-using-namespace)
using Method = FaultInjectionStore::Method;

Result<HttpResponse> Healthy(const HttpRequest& request, int) {
  return PassesResponse(UserOf(request), request.url.find("/v4.0/") != std::string::npos);
}

class RunFailureTest : public RefreshRunTest {
 protected:
  int64_t FailingUserCount() {
    auto failing = store_->FailingUsers(100'000);
    EXPECT_TRUE(failing.ok());
    return failing.ok() ? static_cast<int64_t>(failing->size()) : -1;
  }
};

// One failure class for everyone is the API's: the run stops degraded naming the class, and no
// user's failure memory gains anything — so after the fix, the next run builds everyone.
TEST_F(RunFailureTest, ApiWideFailureEndsDegradedAndBacksNobodyOff) {
  struct Case {
    const char* what;
    HttpResponse answer;
    const char* error_class;
  };
  const Case cases[] = {
      {"wrong base path", Reply(404, "Not Found"), "malformed"},
      {"blanket 403", Reply(403), "rejected_token"},
      {"proxy HTML error page", Reply(200, "<html><body>Bad gateway</body></html>"), "malformed"},
      {"redirect to a login page", Reply(302, ""), "malformed"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    TearDown();
    SetUp();
    FakeTransport broken(clock_,
                         [&](const HttpRequest&, int) { return Result<HttpResponse>(c.answer); });
    for (int run = 0; run < 2; ++run) {  // twice: a second failure would start a backoff
      const RunSummary summary = RunOnce(broken, 300);
      EXPECT_EQ(summary.status, RunStatus::kDegraded) << summary.ToJson().dump();
      EXPECT_EQ(summary.ExitCode(), 3);
      EXPECT_NE(summary.abort_reason.find(c.error_class), std::string::npos)
          << summary.abort_reason;
      EXPECT_LT(summary.users_seen, 300);  // stopped taking users
      EXPECT_EQ(summary.OutcomeTotal(), summary.users_seen);
      EXPECT_EQ(FailingUserCount(), 0) << "nobody is blamed for the API's failure";
      clock_.Advance(std::chrono::minutes(1));
    }
    FakeTransport fixed(clock_, Healthy);
    const RunSummary after = RunOnce(fixed, 300);
    EXPECT_EQ(after.status, RunStatus::kOk);
    EXPECT_EQ(after.built, 300);
    EXPECT_EQ(after.skipped_backoff, 0);
  }
}

// A run whose only work is a handful of persistently failing users is not degraded, and those
// users do get their backoff.
TEST_F(RunFailureTest, AHandfulOfDeadTokensIsPerUser) {
  FakeTransport dead(clock_, [](const HttpRequest&, int) {
    return Result<HttpResponse>(Reply(401, R"({"errors":["unauthorized"]})"));
  });
  const RunSummary first = RunOnce(dead, 18);
  EXPECT_EQ(first.status, RunStatus::kOk) << first.ToJson().dump();
  EXPECT_EQ(first.ExitCode(), 0);
  EXPECT_EQ(first.failed, 18);
  EXPECT_EQ(FailingUserCount(), 18);
  clock_.Advance(std::chrono::minutes(1));
  EXPECT_EQ(RunOnce(dead, 18).failed, 18);  // second failure: backoff starts
  clock_.Advance(std::chrono::minutes(1));
  const RunSummary third = RunOnce(dead, 18);
  EXPECT_EQ(third.status, RunStatus::kOk);
  EXPECT_EQ(third.skipped_backoff, 18);
}

// Most users fine, many dead tokens among them: per-user, never API-wide.
TEST_F(RunFailureTest, ManyDeadTokensAmongHealthyUsersArePerUser) {
  FakeTransport mixed(clock_, [](const HttpRequest& request, int attempt) {
    if (UserOf(request) % 3 == 0) return Result<HttpResponse>(Reply(401));
    return Healthy(request, attempt);
  });
  const RunSummary summary = RunOnce(mixed, 300);
  EXPECT_EQ(summary.status, RunStatus::kOk);
  EXPECT_EQ(summary.failed, 100);
  EXPECT_EQ(summary.built, 200);
  EXPECT_EQ(FailingUserCount(), 100);  // every hold released at the end
}

TEST_F(RunFailureTest, ReplaceFailingForEveryUserAbortsWithoutCallingTheApiForEveryone) {
  FaultInjectionStore failing(*store_);
  failing.FailFrom(Method::kReplace, 1);
  FakeTransport transport(clock_, Healthy);
  const RunSummary summary = RunOn(failing, transport, 2000);
  EXPECT_EQ(summary.status, RunStatus::kAborted) << summary.ToJson().dump();
  EXPECT_EQ(summary.ExitCode(), 1);
  EXPECT_NE(summary.abort_reason.find("store"), std::string::npos) << summary.abort_reason;
  EXPECT_EQ(summary.built, 0);
  EXPECT_EQ(summary.OutcomeTotal(), summary.users_seen);
  EXPECT_LT(transport.total_requests(), 200) << "the API was called for users never writable";
}

TEST_F(RunFailureTest, StoreFailuresAtEachStageAbortNamingTheStage) {
  struct Case {
    Method method;
    const char* reason;
  };
  const Case cases[] = {
      {Method::kTryLock, "store unreachable"},
      {Method::kCacheTimestamps, "freshness query failed"},
      {Method::kLoadUserStates, "user state query failed"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.reason);
    FaultInjectionStore failing(*store_);
    failing.FailFrom(c.method, 1);
    FakeTransport transport(clock_, Healthy);
    const RunSummary summary = RunOn(failing, transport, 30);
    EXPECT_EQ(summary.status, RunStatus::kAborted);
    EXPECT_EQ(summary.ExitCode(), 1);
    EXPECT_NE(summary.abort_reason.find(c.reason), std::string::npos) << summary.abort_reason;
    EXPECT_EQ(transport.total_requests(), 0);
    EXPECT_EQ(summary.OutcomeTotal(), summary.users_seen);
  }
}

TEST_F(RunFailureTest, OneFailedFreshnessQueryIsRetriedThroughTheClock) {
  FaultInjectionStore flaky(*store_);
  flaky.FailCall(Method::kCacheTimestamps, 1);
  FakeTransport transport(clock_, Healthy);
  const Duration slept_before = clock_.slept();
  const RunSummary summary = RunOn(flaky, transport, 10);
  EXPECT_EQ(summary.status, RunStatus::kOk);
  EXPECT_EQ(summary.built, 10);
  EXPECT_GT(clock_.slept(), slept_before);  // waited via the Clock, not the real one
}

class FailingTokenSource final : public TokenSource {
 public:
  Result<std::vector<UserToken>> NextPage(std::optional<int64_t>, int) override {
    return MakeError(ErrorClass::kStore, "portal database is locked");
  }
  Result<std::vector<UserToken>> Lookup(const std::vector<int64_t>&) override {
    return MakeError(ErrorClass::kStore, "portal database is locked");
  }
  Result<int64_t> CountUnusableRows() override { return int64_t{3}; }
  Result<int64_t> CountUsers() override {
    return MakeError(ErrorClass::kStore, "portal database is locked");
  }
};

TEST_F(RunFailureTest, TokenSourceFailureAbortsAndUnusableRowsAreCounted) {
  FailingTokenSource source;
  FakeTransport transport(clock_, Healthy);
  const RunSummary summary = RunWith(*store_, source, transport);
  EXPECT_EQ(summary.status, RunStatus::kAborted);
  EXPECT_NE(summary.abort_reason.find("token source failed"), std::string::npos);
  EXPECT_EQ(summary.skipped_invalid_rows, 3);
}

TEST_F(RunFailureTest, FailingSaveRunIsLoggedAndTheRunStillCompletes) {
  FaultInjectionStore failing(*store_);
  failing.FailFrom(Method::kSaveRun, 1);
  FakeTransport transport(clock_, Healthy);
  const RunSummary summary = RunOn(failing, transport, 10);
  EXPECT_EQ(summary.status, RunStatus::kOk);
  EXPECT_EQ(summary.built, 10);
  EXPECT_EQ(failing.calls(Method::kSaveRun), 2);  // start and end, both tried
}

// The write committed but its acknowledgement was lost (a conflict or an error answered a write
// that landed): the re-read shows our own document, so the user counts by what happened to it.
TEST_F(RunFailureTest, OwnWriteBehindALostAcknowledgementCountsAsBuilt) {
  for (ErrorClass answer : {ErrorClass::kConflict, ErrorClass::kStore}) {
    SCOPED_TRACE(ErrorClassName(answer));
    TearDown();
    SetUp();
    FaultInjectionStore lossy(*store_);
    lossy.Inject({Method::kReplace, 2, 2, answer, /*after_target=*/true});
    FakeTransport transport(clock_, Healthy);
    const RunSummary summary = RunOn(lossy, transport, 5);
    EXPECT_EQ(summary.built, 5) << summary.ToJson().dump();
    EXPECT_EQ(summary.unchanged, 0);
    EXPECT_EQ(summary.write_conflicts, 0);
    EXPECT_EQ(summary.failed, 0);
    auto log_rows = store_->Load(1);
    ASSERT_TRUE(log_rows.ok());
  }
}

// The lease is renewed off the network loop; a renewal that fails while the lease still runs is
// only logged, one that fails until the lease ran out ends the run aborted.
TEST_F(RunFailureTest, LockRenewalFailures) {
  config_.refresh.lock.ttl = std::chrono::seconds(30);
  for (const bool outlive_lease : {false, true}) {
    SCOPED_TRACE(outlive_lease ? "lease ran out" : "lease still valid");
    FaultInjectionStore failing(*store_);
    failing.FailFrom(Method::kTryLock, 2);  // the first call takes the lock
    bool advanced = false;
    FakeTransport transport(clock_, [&](const HttpRequest& request, int attempt) {
      if (!advanced) {
        advanced = true;  // time passes while the run is under way
        clock_.Advance(outlive_lease ? std::chrono::seconds(31) : std::chrono::seconds(11));
      }
      return Healthy(request, attempt);
    });
    const RunSummary summary = RunOn(failing, transport, 20);
    EXPECT_GE(failing.calls(Method::kTryLock), 2);
    if (outlive_lease) {
      EXPECT_EQ(summary.status, RunStatus::kAborted) << summary.ToJson().dump();
      EXPECT_NE(summary.abort_reason.find("lock lease lost"), std::string::npos);
    } else {
      EXPECT_EQ(summary.status, RunStatus::kOk) << summary.ToJson().dump();
    }
    clock_.Advance(std::chrono::hours(2));
  }
}

// Serves fixed pages whatever the cursor: duplicates within and across pages, or a page that
// never moves past the cursor.
class ScriptedTokenSource final : public TokenSource {
 public:
  explicit ScriptedTokenSource(std::vector<std::vector<int64_t>> pages, bool repeat_last = false)
      : pages_(std::move(pages)), repeat_last_(repeat_last) {}
  Result<std::vector<UserToken>> NextPage(std::optional<int64_t>, int) override {
    ++calls_;
    if (next_ >= pages_.size()) {
      if (!repeat_last_ || pages_.empty()) return std::vector<UserToken>();
      next_ = pages_.size() - 1;
    }
    std::vector<UserToken> page;
    for (int64_t id : pages_[next_]) page.push_back({id, Token(id)});
    ++next_;
    return page;
  }
  Result<std::vector<UserToken>> Lookup(const std::vector<int64_t>&) override {
    return std::vector<UserToken>();
  }
  Result<int64_t> CountUsers() override { return int64_t{0}; }
  int calls() const { return calls_; }

 private:
  std::vector<std::vector<int64_t>> pages_;
  bool repeat_last_;
  size_t next_ = 0;
  int calls_ = 0;
};

TEST_F(RunFailureTest, DuplicateUserIdsAreSkippedAndCountedNeverInFlightTwice) {
  ScriptedTokenSource source({{1, 1, 2, 3, 3}, {3, 4, 5}});
  FakeTransport transport(clock_, Healthy);
  const RunSummary summary = RunWith(*store_, source, transport);
  EXPECT_EQ(summary.status, RunStatus::kOk) << summary.ToJson().dump();
  EXPECT_EQ(summary.users_seen, 5);
  EXPECT_EQ(summary.built, 5);
  EXPECT_EQ(summary.skipped_duplicates, 3);
  EXPECT_EQ(transport.total_requests(), 10);
}

TEST_F(RunFailureTest, ACursorThatDoesNotAdvanceEndsTheEnumeration) {
  for (const bool dry_run : {false, true}) {
    SCOPED_TRACE(dry_run ? "dry run" : "run");
    ScriptedTokenSource source({{0}}, /*repeat_last=*/true);  // user_id 0, forever
    FakeTransport transport(clock_, Healthy);
    RunRequest request;
    request.dry_run = dry_run;
    const RunSummary summary = RunWith(*store_, source, transport, request);
    EXPECT_EQ(summary.status, RunStatus::kAborted);
    EXPECT_NE(summary.abort_reason.find("cursor"), std::string::npos) << summary.abort_reason;
    EXPECT_EQ(source.calls(), 2);
    EXPECT_EQ(summary.users_seen, 1);
  }
}

// Pages of ever larger ids, without end: only a stop request ends a dry run over it.
class EndlessTokenSource final : public TokenSource {
 public:
  explicit EndlessTokenSource(std::atomic<bool>& stop) : stop_(stop) {}
  Result<std::vector<UserToken>> NextPage(std::optional<int64_t> after, int limit) override {
    if (++pages_ == 3) stop_ = true;  // SIGTERM arrives while the run goes on
    std::vector<UserToken> page;
    const int64_t first = after ? *after + 1 : 1;
    for (int64_t id = first; id < first + limit; ++id) page.push_back({id, Token(id)});
    return page;
  }
  Result<std::vector<UserToken>> Lookup(const std::vector<int64_t>&) override {
    return std::vector<UserToken>();
  }
  Result<int64_t> CountUsers() override {
    return MakeError(ErrorClass::kStore, "an endless table has no count");
  }

 private:
  std::atomic<bool>& stop_;
  int pages_ = 0;
};

TEST_F(RunFailureTest, DryRunHonoursAStopRequest) {
  std::atomic<bool> stop{false};
  EndlessTokenSource source(stop);
  FakeTransport transport(clock_, Healthy);
  RunRequest request;
  request.dry_run = true;
  const RunSummary summary = RunWith(*store_, source, transport, request, &stop);
  EXPECT_EQ(summary.status, RunStatus::kInterrupted);
  EXPECT_EQ(summary.ExitCode(), 0);
  EXPECT_GT(summary.would_refresh, 0);
}

// A stop while requests wait for their rate-limit slots: those never sent are dropped at once and
// their users abandoned (caches kept, no failure or backoff recorded), instead of being paced
// through the grace period.
TEST_F(RunFailureTest, AStopDropsRequestsNotYetSentAndAbandonsTheirUsers) {
  config_.refresh.rate_limit = 1;  // 20 users need 40 s of slots
  config_.refresh.grace_period = std::chrono::seconds(30);
  std::atomic<bool> stop{false};
  int answered = 0;
  FakeTransport transport(clock_, [&](const HttpRequest& request, int attempt) {
    if (++answered == 3) stop = true;  // SIGTERM arrives with the third answer
    return Healthy(request, attempt);
  });
  std::vector<UserToken> tokens;
  for (int64_t user = 1; user <= 20; ++user) tokens.push_back({user, Token(user)});
  VectorTokenSource source(tokens);
  const SteadyTime started = clock_.SteadyNow();
  const RunSummary summary = RunWith(*store_, source, transport, {}, &stop);
  EXPECT_EQ(summary.status, RunStatus::kInterrupted);
  EXPECT_EQ(summary.failed, 0) << summary.ToJson().dump();
  EXPECT_LE(summary.built, 2) << summary.ToJson().dump();
  EXPECT_GE(summary.abandoned, 1) << summary.ToJson().dump();
  // Every user the selection handed over (it may not have read all pages yet) is either.
  EXPECT_EQ(summary.built + summary.abandoned, summary.users_seen) << summary.ToJson().dump();
  EXPECT_LE(answered, 4);  // nothing sent after the stop but what was already on the wire
  // Fake time: neither the 30 s grace period nor the 40 s of rate-limit slots went by.
  EXPECT_LT(clock_.SteadyNow() - started, std::chrono::seconds(10));
  // User 2: its first list was answered, its second never sent.
  const std::vector<int64_t> ids{2};
  auto states = store_->LoadUserStates(ids);
  ASSERT_TRUE(states.ok());
  EXPECT_TRUE(states->empty());  // an abandoned user is not backed off
  auto loaded = store_->Load(2);
  ASSERT_TRUE(loaded.ok());
  EXPECT_FALSE(loaded->has_value());
}

TEST_F(RunFailureTest, SmallestUserIdIsAUserLikeAnyOther) {
  const int64_t min = std::numeric_limits<int64_t>::min();
  VectorTokenSource source({{min, Token(min)}, {7, Token(7)}});
  FakeTransport transport(clock_, Healthy);
  const RunSummary summary = RunWith(*store_, source, transport);
  EXPECT_EQ(summary.built, 2) << summary.ToJson().dump();
  auto loaded = store_->Load(min);
  ASSERT_TRUE(loaded.ok());
  EXPECT_TRUE(loaded->has_value());
}

}  // namespace
}  // namespace tc
