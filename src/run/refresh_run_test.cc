// The run under fault mixes, deterministic: a fake transport answers from a table (no network),
// a fake clock moves only when the run waits, the store is a real SQLite file.
#include "run/refresh_run.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "json/js_json.h"
#include "log/logger.h"
#include "store/cache_store_wrapper.h"
#include "testing/run_test_support.h"

namespace tc {
namespace {

using namespace testing_run;  // NOLINT(google-build-using-namespace)

// users % 10: 1 → 500 forever, 2 → 401, 3 → malformed body, 4 → timeout twice then fine,
// 5 → 429 (Retry-After 1) once then fine, 6 → 503 once then fine, others fine.
Result<HttpResponse> FaultMix(const HttpRequest& request, int attempt) {
  const int64_t user = UserOf(request);
  const bool expired = request.url.find("/v4.0/") != std::string::npos;
  switch (user % 10) {
    case 1:
      return Reply(500);
    case 2:
      return Reply(401, R"({"errors":["unauthorized"]})");
    case 3:
      return Reply(200, R"({"errors":[],"data":{"passes":"not a list"}})");
    case 4:
      if (attempt < 2) return MakeError(ErrorClass::kTimeout, "operation timed out");
      break;
    case 5:
      if (attempt < 1) {
        HttpResponse slow_down = Reply(429);
        slow_down.retry_after = "1";
        return slow_down;
      }
      break;
    case 6:
      if (attempt < 1) return Reply(503);
      break;
    default:
      break;
  }
  return PassesResponse(user, expired);
}

TEST_F(RefreshRunTest, EveryUserLandsInExactlyOneOutcomeUnderAFaultMix) {
  // Retries of the always-500 users can cluster in the breaker's window; whether they do
  // depends on thread timing. The breaker has its own test below; here it stays out.
  config_.refresh.breaker.min_calls = 1'000'000;
  FakeTransport transport(clock_, FaultMix);
  const RunSummary summary = RunOnce(transport, 100);

  EXPECT_EQ(summary.status, RunStatus::kOk);
  EXPECT_EQ(summary.ExitCode(), 0);
  EXPECT_EQ(summary.users_seen, 100);
  EXPECT_EQ(summary.OutcomeTotal(), summary.users_seen);
  EXPECT_EQ(summary.failed, 30);
  EXPECT_EQ(summary.built, 70);
  EXPECT_EQ(summary.failures_by_class.at("transient"), 10);
  EXPECT_EQ(summary.failures_by_class.at("rejected_token"), 10);
  EXPECT_EQ(summary.failures_by_class.at("malformed"), 10);
  EXPECT_EQ(summary.api_requests, transport.total_requests());

  for (int64_t user = 1; user <= 100; ++user) {
    const bool should_fail = user % 10 == 1 || user % 10 == 2 || user % 10 == 3;
    EXPECT_EQ(StoredText(user).has_value(), !should_fail) << "user " << user;
    // No user refreshed twice, no retry where none is due: exact request counts per user.
    int expected_requests = 2;
    switch (user % 10) {
      case 1:
        expected_requests = 2 * (1 + config_.refresh.retry.retries);
        break;  // retried, then given up
      case 4:
        expected_requests = 2 * 3;
        break;  // 2 timeouts + success
      case 5:
      case 6:
        expected_requests = 2 * 2;
        break;
      default:
        break;  // 401 and malformed are never retried
    }
    EXPECT_EQ(transport.requests_for(Token(user)), expected_requests) << "user " << user;
  }
}

TEST_F(RefreshRunTest, FailedUsersKeepTheirOldDocumentByteForByte) {
  FakeTransport healthy(clock_, [](const HttpRequest& request, int) {
    return Result<HttpResponse>(
        PassesResponse(UserOf(request), request.url.find("/v4.0/") != std::string::npos));
  });
  ASSERT_EQ(RunOnce(healthy, 40).built, 40);
  config_.refresh.breaker.min_calls = 1'000'000;  // as above
  std::map<int64_t, std::string> before;
  for (int64_t user = 1; user <= 40; ++user) before[user] = *StoredText(user);

  clock_.Advance(std::chrono::hours(2));
  FakeTransport faulty(clock_, [](const HttpRequest& request, int attempt) -> Result<HttpResponse> {
    const int64_t user = UserOf(request);
    const bool expired = request.url.find("/v4.0/") != std::string::npos;
    if (user % 10 >= 1 && user % 10 <= 3) return FaultMix(request, attempt);
    return PassesResponse(user, expired, /*generation=*/1);  // every pass changed
  });
  const RunSummary summary = RunOnce(faulty, 40);
  EXPECT_EQ(summary.failed, 12);
  EXPECT_EQ(summary.updated, 28);
  EXPECT_EQ(summary.OutcomeTotal(), 40);
  for (int64_t user = 1; user <= 40; ++user) {
    const bool failed = user % 10 >= 1 && user % 10 <= 3;
    if (failed) {
      EXPECT_EQ(*StoredText(user), before[user]) << "user " << user;
    } else {
      EXPECT_NE(*StoredText(user), before[user]) << "user " << user;
    }
  }
}

// The store's folder is moved away mid-run (an operator's mv, a volume remounted): the open file
// still reads, but every write would land in a file nobody reads again. The run aborts.
TEST_F(RefreshRunTest, AStoreFileMovedAwayMidRunAbortsTheRun) {
  const std::filesystem::path moved = dir_.string() + "-moved";
  std::atomic<bool> move_once{true};
  FakeTransport transport(clock_, [&](const HttpRequest& request, int) {
    if (move_once.exchange(false)) std::filesystem::rename(dir_, moved);
    return Result<HttpResponse>(
        PassesResponse(UserOf(request), request.url.find("/v4.0/") != std::string::npos));
  });
  const RunSummary summary = RunOnce(transport, 40);
  std::filesystem::rename(moved, dir_);  // for TearDown
  EXPECT_EQ(summary.status, RunStatus::kAborted) << summary.abort_reason;
  EXPECT_NE(summary.ExitCode(), 0);
  EXPECT_EQ(summary.built, 0);
  EXPECT_NE(summary.abort_reason.find("store"), std::string::npos) << summary.abort_reason;
}

TEST_F(RefreshRunTest, SecondRunSkipsFreshUsersAndFailingUsersBackOff) {
  // Only failing users are stale after the first run: keep the breaker out of this test.
  config_.refresh.breaker.min_calls = 1'000'000;
  FakeTransport transport(clock_, FaultMix);
  RunOnce(transport, 50);
  const int requests_after_first = transport.total_requests();

  clock_.Advance(std::chrono::minutes(1));
  const RunSummary second = RunOnce(transport, 50);
  EXPECT_EQ(second.fresh, 35);   // built last run
  EXPECT_EQ(second.failed, 15);  // first consecutive failure: no backoff yet
  EXPECT_EQ(second.skipped_backoff, 0);
  EXPECT_EQ(second.OutcomeTotal(), 50);
  EXPECT_GT(transport.total_requests(), requests_after_first);

  clock_.Advance(std::chrono::minutes(1));
  const int before_third = transport.total_requests();
  const RunSummary third = RunOnce(transport, 50);
  // The second consecutive failure put dead tokens and malformed answers into backoff; users
  // failing on API errors (5xx) are tried every run: the circuit breaker handles outages.
  EXPECT_EQ(third.skipped_backoff, 10);
  EXPECT_EQ(third.failed, 5);
  EXPECT_EQ(third.fresh, 35);
  EXPECT_EQ(third.OutcomeTotal(), 50);
  for (int64_t user = 1; user <= 50; ++user) {
    const int calls = transport.requests_for(Token(user));
    if (user % 10 == 2 || user % 10 == 3) {
      EXPECT_EQ(calls, 2 * 2) << "user " << user << " must not be called in the third run";
    }
  }
  EXPECT_EQ(transport.total_requests() - before_third, 5 * 2 * (1 + config_.refresh.retry.retries));
  auto failing = store_->FailingUsers(100);
  ASSERT_TRUE(failing.ok());
  EXPECT_EQ(failing->size(), 15u);

  // Named users are always attempted, backoff or not.
  RunRequest named;
  named.only_users = {1, 2};
  const RunSummary explicit_run = RunOnce(transport, 50, named);
  EXPECT_EQ(explicit_run.users_seen, 2);
  EXPECT_EQ(explicit_run.failed, 2);
}

TEST_F(RefreshRunTest, RefreshAheadBoundaryOnBothSides) {
  FakeTransport transport(clock_, [](const HttpRequest& request, int) {
    return Result<HttpResponse>(
        PassesResponse(UserOf(request), request.url.find("/v4.0/") != std::string::npos));
  });
  ASSERT_EQ(RunOnce(transport, 10).built, 10);
  auto loaded = store_->Load(1);
  ASSERT_TRUE(loaded.ok() && loaded->has_value());
  const int64_t written = (*loaded)->document.timestamp;

  // Stale when timestamp <= now - ttl + refresh_ahead, i.e. from written + 55 min on.
  clock_.SetUnixSeconds(written + 55 * 60 - 1);
  EXPECT_EQ(RunOnce(transport, 10).fresh, 10);
  clock_.SetUnixSeconds(written + 55 * 60);
  const RunSummary due = RunOnce(transport, 10);
  EXPECT_EQ(due.fresh, 0);
  EXPECT_EQ(due.unchanged, 10);  // same passes: refreshed, nothing changed, timestamp moved
  auto reloaded = store_->Load(1);
  EXPECT_EQ((*reloaded)->document.timestamp, written + 55 * 60);
}

TEST_F(RefreshRunTest, DryRunCallsNothingAndWritesNothing) {
  FakeTransport transport(clock_, FaultMix);
  RunRequest request;
  request.dry_run = true;
  const RunSummary summary = RunOnce(transport, 30, request);
  EXPECT_EQ(summary.would_refresh, 30);
  EXPECT_EQ(summary.OutcomeTotal(), 30);
  // Counted by reason with a sample of users, not listed one by one.
  EXPECT_EQ(summary.would_refresh_by_reason, (std::map<std::string, int64_t>{{"missing", 30}}));
  EXPECT_EQ(summary.would_refresh_sample, (std::vector<int64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
  EXPECT_EQ(summary.ToJson()["would_refresh_by_reason"]["missing"], 30);
  EXPECT_EQ(summary.ToJson()["would_refresh_sample"].size(), 10U);
  EXPECT_EQ(transport.total_requests(), 0);
  EXPECT_FALSE(StoredText(5).has_value());
  auto runs = store_->RecentRuns(10);
  ASSERT_TRUE(runs.ok());
  EXPECT_TRUE(runs->empty());
}

TEST_F(RefreshRunTest, DeadApiTripsTheBreakerAndTheRunEndsDegraded) {
  config_.refresh.breaker.give_up_after = std::chrono::seconds(5);
  FakeTransport transport(clock_,
                          [](const HttpRequest&, int) { return Result<HttpResponse>(Reply(503)); });
  const RunSummary summary = RunOnce(transport, 500);
  EXPECT_EQ(summary.status, RunStatus::kDegraded);
  EXPECT_EQ(summary.ExitCode(), 3);
  EXPECT_GE(summary.breaker_opened, 1);
  EXPECT_EQ(summary.built, 0);
  EXPECT_EQ(summary.OutcomeTotal(), summary.users_seen);
  EXPECT_LT(summary.users_seen, 500);  // stopped taking users
  // Calls wasted on a dead API stay bounded: the breaker judges users, so the minimum number of
  // users (20 × 2 lists × 4 tries) plus the users in flight meanwhile, and a few probes.
  EXPECT_LT(summary.api_requests, 300) << summary.ToJson().dump();
  for (int64_t user = 1; user <= 20; ++user) EXPECT_FALSE(StoredText(user).has_value());
}

TEST_F(RefreshRunTest, ShardsSplitUsersWithoutOverlap) {
  FakeTransport transport(clock_, [](const HttpRequest& request, int) {
    return Result<HttpResponse>(
        PassesResponse(UserOf(request), request.url.find("/v4.0/") != std::string::npos));
  });
  RunRequest first;
  first.shard = Shard{0, 2};
  RunRequest second;
  second.shard = Shard{1, 2};
  const RunSummary a = RunOnce(transport, 60, first);
  const RunSummary b = RunOnce(transport, 60, second);
  EXPECT_EQ(a.built + b.built, 60);
  EXPECT_GT(a.built, 0);
  EXPECT_GT(b.built, 0);
  EXPECT_EQ(a.shard, "0/2");
}

// Overlap is harmless (the other run does the work): a distinct outcome that is not a failure.
TEST_F(RefreshRunTest, HeldLockEndsTheRunLockedWithoutTouchingAnything) {
  const int64_t now_ms = clock_.NowUnixMillis();
  auto locked = store_->TryLock("run", "someone-else", now_ms, now_ms + 600'000);
  ASSERT_TRUE(locked.ok() && *locked);
  FakeTransport transport(clock_, FaultMix);
  const RunSummary summary = RunOnce(transport, 10);
  EXPECT_EQ(summary.status, RunStatus::kLocked) << summary.abort_reason;
  EXPECT_STREQ(RunStatusName(summary.status), "locked");
  EXPECT_EQ(summary.ExitCode(), 0);
  EXPECT_FALSE(summary.started);
  EXPECT_EQ(summary.abort_reason, "lock 'run' is held by another run");
  EXPECT_EQ(transport.total_requests(), 0);
}

// A store that lets "the app" write a user's document between our read and our write, once.
class InterferingStore final : public CacheStoreWrapper {
 public:
  InterferingStore(CacheStore& inner, int64_t victim)
      : CacheStoreWrapper(inner), inner_(inner), victim_(victim) {}
  Status Replace(const CacheDocument& document, std::optional<int64_t> expected,
                 std::span<const AuditEntry> audit) override {
    if (document.user_id == victim_ && !interfered_) {
      interfered_ = true;
      // The app's on-demand refresh marks every pass as a free ticket and writes first.
      auto current = inner_.Load(victim_);
      CacheDocument theirs = (*current)->document;
      for (auto& entry : theirs.passes) entry.free_ticket_status = 1;
      EXPECT_TRUE(inner_.Replace(theirs, (*current)->version, {}).ok());
    }
    return inner_.Replace(document, expected, audit);
  }

 private:
  CacheStore& inner_;
  const int64_t victim_;
  bool interfered_ = false;
};

TEST_F(RefreshRunTest, ConcurrentWriterBetweenReadAndWriteLosesNothing) {
  FakeTransport transport(clock_, [](const HttpRequest& request, int) {
    return Result<HttpResponse>(
        PassesResponse(UserOf(request), request.url.find("/v4.0/") != std::string::npos));
  });
  ASSERT_EQ(RunOnce(transport, 5).built, 5);
  clock_.Advance(std::chrono::hours(2));

  InterferingStore interfering(*store_, 3);
  std::vector<UserToken> tokens;
  for (int64_t user = 1; user <= 5; ++user) tokens.push_back({user, Token(user)});
  VectorTokenSource source(tokens);
  RunEnvironment env{config_, source, interfering, transport, clock_, nullptr, nullptr};
  const RunSummary summary = ExecuteRun(env, {});
  EXPECT_EQ(summary.write_conflicts, 1);
  EXPECT_EQ(summary.unchanged, 5);
  EXPECT_EQ(summary.failed, 0);
  auto loaded = store_->Load(3);
  ASSERT_TRUE(loaded.ok() && loaded->has_value());
  // Our merge started again from the app's document: its free_ticket_status survived.
  for (const auto& entry : (*loaded)->document.passes) EXPECT_EQ(entry.free_ticket_status, 1);
  EXPECT_EQ((*loaded)->document.timestamp, clock_.NowUnixSeconds());
}

// Records what a run tells its observer.
class RecordingObserver final : public RunObserver {
 public:
  void OnRunStarted(const RunProgress& progress) override {
    std::lock_guard lock(mutex_);
    started.push_back(progress);
  }
  void OnProgress(const RunProgress& progress) override {
    std::lock_guard lock(mutex_);
    ticks.push_back(progress);
  }
  void OnRunFinished(const RunSummary& summary) override {
    std::lock_guard lock(mutex_);
    finished.push_back(summary);
  }
  std::chrono::milliseconds progress_interval() const override {
    return std::chrono::milliseconds(1);
  }
  std::mutex mutex_;
  std::vector<RunProgress> started;
  std::vector<RunProgress> ticks;
  std::vector<RunSummary> finished;
};

TEST_F(RefreshRunTest, TheObserverSeesTheStartTheProgressAndTheEnd) {
  RecordingObserver observer;
  // Slow enough that the ticker sees the run at work: each answer waits 50 µs of wall time.
  FakeTransport transport(clock_, [](const HttpRequest& request, int) {
    std::this_thread::sleep_for(std::chrono::microseconds(50));
    return PassesResponse(UserOf(request), request.url.find("/v4.0/") != std::string::npos);
  });
  std::vector<UserToken> tokens;
  for (int64_t user = 1; user <= 300; ++user) tokens.push_back({user, Token(user)});
  VectorTokenSource source(tokens);
  RunEnvironment env{config_, source, *store_, transport, clock_, nullptr, nullptr};
  env.observer = &observer;
  const RunSummary summary = ExecuteRun(env, {});

  ASSERT_EQ(observer.started.size(), 1U);
  EXPECT_EQ(observer.started[0].users_total, 300);
  EXPECT_FALSE(observer.started[0].users_total_estimated);
  EXPECT_EQ(observer.started[0].run_id, summary.run_id);
  EXPECT_EQ(observer.started[0].done(), 0);
  ASSERT_EQ(observer.finished.size(), 1U);
  EXPECT_EQ(observer.finished[0].built, 300);
  int64_t previous = 0;
  for (const RunProgress& tick : observer.ticks) {
    EXPECT_GE(tick.done(), previous);
    EXPECT_LE(tick.done(), 300);
    EXPECT_EQ(tick.users_total, 300);
    previous = tick.done();
  }
}

TEST_F(RefreshRunTest, AShardsTotalIsAnEstimateAndARunThatCannotStartIsStillFinished) {
  RecordingObserver observer;
  FakeTransport transport(clock_, FaultMix);
  std::vector<UserToken> tokens;
  for (int64_t user = 1; user <= 10; ++user) tokens.push_back({user, Token(user)});
  VectorTokenSource source(tokens);
  RunEnvironment env{config_, source, *store_, transport, clock_, nullptr, nullptr};
  env.observer = &observer;
  RunRequest request;
  request.dry_run = true;
  request.shard = Shard{0, 4};
  ExecuteRun(env, request);
  ASSERT_EQ(observer.started.size(), 1U);
  EXPECT_EQ(observer.started[0].users_total, 3);  // 10 / 4, rounded up
  EXPECT_TRUE(observer.started[0].users_total_estimated);
  EXPECT_TRUE(observer.started[0].dry_run);

  // The lock is held by someone else: no start, but the end is told.
  ASSERT_TRUE(store_
                  ->TryLock(RunLockName(nullptr), "other", clock_.NowUnixMillis(),
                            clock_.NowUnixMillis() + 600'000)
                  .value());
  RecordingObserver refused;
  env.observer = &refused;
  const RunSummary summary = ExecuteRun(env, {});
  EXPECT_EQ(summary.status, RunStatus::kLocked);
  EXPECT_TRUE(refused.started.empty());
  ASSERT_EQ(refused.finished.size(), 1U);
  EXPECT_EQ(refused.finished[0].status, RunStatus::kLocked);
}

// Log lines written while a test body runs, as JSON objects.
class CapturedRunLogs {
 public:
  CapturedRunLogs() { (void)InitLogging(LogConfig{"info", "json"}, &out_); }
  ~CapturedRunLogs() { (void)InitLogging(LogConfig{}); }
  std::vector<nlohmann::json> Lines() {
    FlushLogs();
    std::vector<nlohmann::json> lines;
    std::istringstream in(out_.str());
    for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
    return lines;
  }

 private:
  std::ostringstream out_;
};

TEST_F(RefreshRunTest, EveryLineTheRunLogsCarriesItsRunId) {
  CapturedRunLogs logs;
  config_.refresh.breaker.min_calls = 1'000'000;  // as above: the breaker stays out
  FakeTransport transport(clock_, FaultMix);
  const RunSummary summary = RunOnce(transport, 100);
  ASSERT_GT(summary.failed, 0);
  int per_user_lines = 0;
  for (const nlohmann::json& line : logs.Lines()) {
    EXPECT_EQ(line.value("run_id", ""), summary.run_id) << line.dump();
    if (line.contains("user_id")) ++per_user_lines;
  }
  EXPECT_GE(per_user_lines, summary.failed);
}

TEST_F(RefreshRunTest, TheBreakerOpeningLogsTheErrorBehindIt) {
  CapturedRunLogs logs;
  config_.refresh.breaker.give_up_after = std::chrono::seconds(5);
  config_.refresh.api_wide.min_users = 50;  // the breaker, not the API-wide judge, stops the run
  FakeTransport transport(clock_,
                          [](const HttpRequest&, int) { return Result<HttpResponse>(Reply(503)); });
  const RunSummary summary = RunOnce(transport, 500);
  ASSERT_EQ(summary.status, RunStatus::kDegraded);
  EXPECT_NE(summary.abort_reason.find("last error transient: HTTP 503"), std::string::npos)
      << summary.abort_reason;
  bool logged = false;
  for (const nlohmann::json& line : logs.Lines()) {
    if (line["message"] != "circuit breaker opened") continue;
    logged = true;
    EXPECT_EQ(line["level"], "warn");
    EXPECT_EQ(line["error_class"], "transient");
    EXPECT_NE(line["error"].get<std::string>().find("503"), std::string::npos) << line.dump();
  }
  EXPECT_TRUE(logged);
}

// At debug, every refreshed user gets one line an operator can grep by user id: outcome, passes
// created and changed, duration; a failed user its warning, with the duration too.
TEST_F(RefreshRunTest, EveryRefreshedUserLogsOneDebugLine) {
  std::ostringstream out;
  ASSERT_TRUE(InitLogging(LogConfig{"debug", "json"}, &out).ok());
  config_.refresh.breaker.min_calls = 1'000'000;
  FakeTransport transport(clock_, FaultMix);
  const RunSummary summary = RunOnce(transport, 20);
  FlushLogs();
  (void)InitLogging(LogConfig{});
  ASSERT_EQ(summary.built, 14);

  std::map<int64_t, int> refreshed;
  std::set<int64_t> failed;
  std::istringstream lines(out.str());
  for (std::string text; std::getline(lines, text);) {
    const nlohmann::json line = nlohmann::json::parse(text);
    if (line["message"] == "user refreshed") {
      EXPECT_EQ(line["level"], "debug");
      EXPECT_EQ(line["outcome"], "built");
      EXPECT_EQ(line["passes_created"], 4);  // 3 active, 1 expired
      EXPECT_EQ(line["passes_changed"], 0);
      EXPECT_TRUE(line["duration_ms"].is_number_integer()) << text;
      ++refreshed[line["user_id"].get<int64_t>()];
    } else if (line["message"] == "user refresh failed") {
      EXPECT_TRUE(line["duration_ms"].is_number_integer()) << text;
      failed.insert(line["user_id"].get<int64_t>());
    }
    EXPECT_EQ(text.find("secret-token"), std::string::npos) << text;
  }
  EXPECT_EQ(refreshed.size(), 14U);
  for (const auto& [user, count] : refreshed) EXPECT_EQ(count, 1) << "user " << user;
  EXPECT_EQ(failed, (std::set<int64_t>{1, 2, 3, 11, 12, 13}));
}

}  // namespace
}  // namespace tc
