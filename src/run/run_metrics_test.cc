// What a run hands to the metrics: its cache census, API results, the cumulative totals it
// records in the run history (and reads back), and the metrics file it leaves alone when it
// never started.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "run/metrics_observer.h"
#include "run/run_history_totals.h"
#include "testing/run_test_support.h"

namespace tc {
namespace {

using namespace testing_run;  // NOLINT(google-build-using-namespace)

// Users whose id is a multiple of `failing_every` get 500 (0: nobody).
FakeTransport::Responder FailEvery(const int& failing_every) {
  return [&failing_every](const HttpRequest& request, int) {
    const int64_t user = UserOf(request);
    if (failing_every > 0 && user % failing_every == 0) return Result<HttpResponse>(Reply(500));
    return Result<HttpResponse>(
        PassesResponse(user, request.url.find("/v4.0/") != std::string::npos));
  };
}

class RunMetricsTest : public RefreshRunTest {
 protected:
  void SetUp() override {
    RefreshRunTest::SetUp();
    config_.refresh.breaker.min_calls = 1'000'000;  // failures here are the users' own
  }
};

TEST_F(RunMetricsTest, CensusCountsTheCachesTheRunLeavesBehind) {
  int failing_every = 5;
  FakeTransport transport(clock_, FailEvery(failing_every));
  const RunSummary first = RunOnce(transport, 20);
  EXPECT_TRUE(first.caches.complete);
  EXPECT_EQ(first.caches.users_without_cache, 4);  // users 5, 10, 15, 20 never got one
  EXPECT_EQ(first.caches.stale_caches, 0);
  EXPECT_EQ(first.caches.oldest_cache_timestamp, first.started_at_ms / 1000);
  EXPECT_EQ(first.api_requests_by_result.at("passes").at("200"), 16);
  EXPECT_GT(first.api_requests_by_result.at("passes").at("500"), 0);

  // Two hours on every cache is stale; now users 3, 6, … fail and keep their old caches.
  const int64_t first_caches = clock_.NowUnixSeconds();
  clock_.Advance(std::chrono::hours(2));
  failing_every = 3;
  const RunSummary second = RunOnce(transport, 20);
  EXPECT_TRUE(second.caches.complete);
  // Failing: 3, 6, 9, 12, 15, 18. Of those, 15 has no cache; 5, 10, 20 got one now.
  EXPECT_EQ(second.caches.stale_caches, 5);
  EXPECT_EQ(second.caches.users_without_cache, 1);
  EXPECT_LE(second.caches.oldest_cache_timestamp, first_caches);
  EXPECT_GE(second.caches.oldest_cache_timestamp, first.started_at_ms / 1000);

  RunRequest named;
  named.only_users = {3};
  const RunSummary one_user = RunOnce(transport, 20, named);
  EXPECT_FALSE(one_user.caches.complete);
}

TEST_F(RunMetricsTest, TotalsAreCumulativeAcrossRunsAndReadBackFromTheHistory) {
  int failing_every = 4;
  FakeTransport transport(clock_, FailEvery(failing_every));
  const RunSummary first = RunOnce(transport, 12);
  ASSERT_TRUE(first.totals.is_object()) << first.ToJson().dump();
  clock_.Advance(std::chrono::hours(2));
  const RunSummary second = RunOnce(transport, 12);
  const RunTotals totals = RunTotals::FromJson(second.totals);
  EXPECT_EQ(totals.runs_by_status.at("ok"), 2);
  EXPECT_EQ(totals.users_by_outcome.at("failed"), first.failed + second.failed);
  EXPECT_EQ(totals.users_by_outcome.at("built"), first.built + second.built);
  EXPECT_EQ(totals.failures_by_class.at("transient"), first.failed + second.failed);
  EXPECT_EQ(totals.api_requests.at("passes").at("200"),
            first.api_requests_by_result.at("passes").at("200") +
                second.api_requests_by_result.at("passes").at("200"));
  EXPECT_EQ(totals.last_success_at_ms, second.finished_at_ms);

  auto restored = LoadRunTotals(*store_, "");
  ASSERT_TRUE(restored.ok());
  EXPECT_EQ(restored->ToJson(), second.totals);
  auto other_shard = LoadRunTotals(*store_, "1/2");
  ASSERT_TRUE(other_shard.ok());
  EXPECT_TRUE(other_shard->runs_by_status.empty());
}

TEST_F(RunMetricsTest, HistoryWithoutTotalsIsSummedOnceThenContinued) {
  // Two runs recorded by a version without totals.
  for (int i = 0; i < 2; ++i) {
    RunSummary legacy;
    legacy.run_id = "legacy-" + std::to_string(i);
    legacy.started_at_ms = 1'600'000'000'000 + i * 3'600'000;
    legacy.finished_at_ms = legacy.started_at_ms + 10'000;
    legacy.status = i == 0 ? RunStatus::kOk : RunStatus::kDegraded;
    legacy.built = 3;
    Json json = legacy.ToJson();
    json.erase("api_requests_by_result");
    json.erase("caches");
    ASSERT_TRUE(store_
                    ->SaveRun({legacy.run_id, legacy.started_at_ms, legacy.finished_at_ms,
                               RunStatusName(legacy.status), "", json.dump()})
                    .ok());
  }
  auto restored = LoadRunTotals(*store_, "");
  ASSERT_TRUE(restored.ok());
  EXPECT_EQ(restored->runs_by_status.at("ok"), 1);
  EXPECT_EQ(restored->runs_by_status.at("degraded"), 1);
  EXPECT_EQ(restored->users_by_outcome.at("built"), 6);
  EXPECT_EQ(restored->last_success_at_ms, 1'600'000'010'000);

  int failing_every = 0;
  FakeTransport transport(clock_, FailEvery(failing_every));
  const RunSummary next = RunOnce(transport, 5);
  const RunTotals totals = RunTotals::FromJson(next.totals);
  EXPECT_EQ(totals.runs_by_status.at("ok"), 2);
  EXPECT_EQ(totals.users_by_outcome.at("built"), 6 + 5);
}

TEST_F(RunMetricsTest, RunThatFindsTheLockHeldLeavesTheMetricsFileAsItIs) {
  int failing_every = 0;
  FakeTransport transport(clock_, FailEvery(failing_every));
  const RunSummary first = RunOnce(transport, 5);
  const std::string path = (dir_ / "ticketcache.prom").string();
  JobMetrics metrics(MetricsScope::kTextfile);
  PrepareJobMetrics(metrics, config_, *store_, "");
  WriteMetricsFileAfterRun(metrics, first, path);
  std::ifstream written(path);
  std::stringstream before;
  before << written.rdbuf();
  ASSERT_NE(before.str().find("ticketcache_runs_total{status=\"ok\"} 1"), std::string::npos)
      << before.str();

  const int64_t now_ms = clock_.NowUnixMillis();
  auto locked = store_->TryLock("run", "someone-else", now_ms, now_ms + 600'000);
  ASSERT_TRUE(locked.ok() && *locked);
  JobMetrics next_metrics(MetricsScope::kTextfile);
  PrepareJobMetrics(next_metrics, config_, *store_, "");
  std::vector<UserToken> tokens = {{1, Token(1)}};
  VectorTokenSource source(tokens);
  MetricsRunObserver observer(next_metrics, path);
  RunEnvironment env{config_, source, *store_, transport, clock_, &next_metrics, nullptr};
  env.observer = &observer;
  const RunSummary locked_out = ExecuteRun(env, RunRequest{});
  EXPECT_FALSE(locked_out.started);
  EXPECT_TRUE(locked_out.totals.is_null());
  WriteMetricsFileAfterRun(next_metrics, locked_out, path);
  std::ifstream again(path);
  std::stringstream after;
  after << again.rdbuf();
  EXPECT_EQ(after.str(), before.str());
}

TEST_F(RunMetricsTest, ObserverShowsTheRunInProgressThroughTheMetricsFile) {
  const std::string path = (dir_ / "progress.prom").string();
  JobMetrics metrics(MetricsScope::kTextfile);
  MetricsRunObserver observer(metrics, path);
  RunProgress progress;
  progress.run_id = "r";
  progress.started_at_ms = 1'700'000'000'000;
  progress.users_total = 50;
  progress.built = 7;
  observer.OnRunStarted(progress);
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_NE(text.str().find("ticketcache_run_in_progress 1"), std::string::npos) << text.str();
  EXPECT_NE(text.str().find("ticketcache_run_users_expected 50"), std::string::npos);
  EXPECT_NE(text.str().find("ticketcache_run_users{outcome=\"built\"} 7"), std::string::npos);
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0644u);
}

}  // namespace
}  // namespace tc
