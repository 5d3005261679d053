// The status document behind `status`, `status --json`, /api/status and the status page: a run
// whose process died (kill -9, OOM) leaves a "running" record behind and shows as "lost" once its
// lock lease is gone; runs carry their counts and reasons; persistent failures are listed apart
// from one-off ones.
#include "serve/status_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "serve/live_run_tracker.h"
#include "serve/status_page.h"
#include "storage/open_cache_store.h"

namespace tc {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr int64_t kNowMs = 1'700'000'000'000;

class StatusReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StoreConfig config;
    config.url = "sqlite:" + ::testing::TempDir() + "/status_report_" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db";
    std::remove(config.url.substr(7).c_str());
    auto opened = OpenCacheStore(config, StoreAccess::kCreate);
    ASSERT_TRUE(opened.ok()) << opened.error().ToString();
    store_ = std::move(*opened);
    ASSERT_TRUE(store_->Init().ok());
  }

  void SaveRunning(const std::string& run_id, const std::string& shard = "") {
    RunRecord run;
    run.run_id = run_id;
    run.started_at_ms = kNowMs - 60'000;
    run.status = "running";
    run.shard = shard;
    ASSERT_TRUE(store_->SaveRun(run).ok());
  }

  void SaveFinished(const RunSummary& summary) {
    RunRecord run;
    run.run_id = summary.run_id;
    run.started_at_ms = summary.started_at_ms;
    run.finished_at_ms = summary.finished_at_ms;
    run.status = RunStatusName(summary.status);
    run.summary_json = summary.ToJson().dump();
    ASSERT_TRUE(store_->SaveRun(run).ok());
  }

  void SaveFailing(int64_t user, int failures, const std::string& message) {
    UserState state;
    state.user_id = user;
    state.consecutive_failures = failures;
    state.last_error_class = "rejected_token";
    state.last_error_message = message;
    state.last_attempt_at = kNowMs / 1000 - 600;
    state.next_attempt_at = failures >= 2 ? kNowMs / 1000 + 3600 : 0;
    ASSERT_TRUE(store_->SaveUserStates(std::span(&state, 1)).ok());
  }

  void Lock(const std::string& name, const std::string& owner, int64_t expires_at_ms) {
    auto locked = store_->TryLock(name, owner, kNowMs - 120'000, expires_at_ms);
    ASSERT_TRUE(locked.ok() && *locked);
  }

  StatusReport Gather() {
    auto report = GatherStatus(*store_, 10, 10, kNowMs);
    EXPECT_TRUE(report.ok());
    return report.ok() ? *report : StatusReport{};
  }

  Json Document(const std::optional<LiveRunView>& live = std::nullopt) {
    ScheduleView schedule;
    schedule.cron = "0 * * * *";
    schedule.timezone = "Europe/Berlin";
    schedule.next_run_at = "2023-11-14T23:00:00+01:00";
    return BuildStatusDocument(GatherStatus(*store_, 10, 10, kNowMs), schedule, live, kNowMs);
  }

  std::unique_ptr<CacheStore> store_;
};

TEST_F(StatusReportTest, RunningRecordWithoutALockIsLostEverywhere) {
  SaveRunning("run-a");
  const StatusReport report = Gather();
  ASSERT_EQ(report.runs.size(), 1u);
  EXPECT_EQ(report.runs[0].status, "lost");
  EXPECT_TRUE(report.current_runs.empty());
  const Json document = Document();
  EXPECT_EQ(document["runs"][0]["status"], "lost");
  EXPECT_TRUE(document["current_run"].is_null());
  EXPECT_THAT(RenderStatusText(document), HasSubstr(" lost "));
  const std::string page = RenderStatusPage(document);
  EXPECT_THAT(page, HasSubstr(">lost<"));
  EXPECT_THAT(page, Not(HasSubstr(">running<")));
}

TEST_F(StatusReportTest, RunningRecordWithAnExpiredLockIsLost) {
  SaveRunning("run-a");
  Lock("run", "run-a", kNowMs - 1);
  EXPECT_EQ(Gather().runs[0].status, "lost");
}

TEST_F(StatusReportTest, RunningRecordWhoseLockAnotherRunHoldsIsLost) {
  SaveRunning("run-a");
  Lock("run", "run-b", kNowMs + 60'000);
  EXPECT_EQ(Gather().runs[0].status, "lost");
}

TEST_F(StatusReportTest, RunningRecordWithALiveLockIsTheCurrentRun) {
  SaveRunning("run-a");
  Lock("run", "run-a", kNowMs + 60'000);
  const StatusReport report = Gather();
  EXPECT_EQ(report.runs[0].status, "running");
  ASSERT_EQ(report.current_runs.size(), 1u);
  const Json document = Document();
  EXPECT_EQ(document["runs"][0]["status"], "running");
  // Run by another process: the store knows it runs, not how far it got.
  EXPECT_EQ(document["current_run"]["run_id"], "run-a");
  EXPECT_EQ(document["current_run"]["source"], "store");
  EXPECT_TRUE(document["current_run"]["users_done"].is_null());
  EXPECT_THAT(RenderStatusPage(document), HasSubstr("running run-a"));
  EXPECT_THAT(RenderStatusText(document), HasSubstr("Now: running run-a"));
}

TEST_F(StatusReportTest, ShardedRunIsJudgedByItsShardsLock) {
  SaveRunning("run-s", "1/4");
  Lock("run", "run-s", kNowMs + 60'000);  // not its lock
  EXPECT_EQ(Gather().runs[0].status, "lost");
  Lock("run-shard-1-of-4", "run-s", kNowMs + 60'000);
  EXPECT_EQ(Gather().runs[0].status, "running");
}

TEST_F(StatusReportTest, RunsCarryTheirCountsReasonAndDuration) {
  RunSummary ok;
  ok.run_id = "run-1";
  ok.started_at_ms = kNowMs - 7'200'000;
  ok.finished_at_ms = ok.started_at_ms + 12'500;
  ok.users_seen = 100;
  ok.fresh = 10;
  ok.built = 20;
  ok.updated = 30;
  ok.unchanged = 35;
  ok.failed = 5;
  ok.api_requests = 190;
  ok.api_retries = 4;
  ok.failures_by_class = {{"rejected_token", 3}, {"timeout", 2}};
  SaveFinished(ok);
  RunSummary degraded = ok;
  degraded.run_id = "run-2";
  degraded.started_at_ms = kNowMs - 3'600'000;
  degraded.finished_at_ms = degraded.started_at_ms + 2'000;
  degraded.status = RunStatus::kDegraded;
  degraded.abort_reason = "circuit breaker open: 9 of 10 calls failed (transient)";
  SaveFinished(degraded);

  const Json document = Document();
  ASSERT_EQ(document["runs"].size(), 2u);
  const Json& newest = document["runs"][0];
  EXPECT_EQ(newest["run_id"], "run-2");
  EXPECT_EQ(newest["status"], "degraded");
  EXPECT_EQ(newest["reason"], degraded.abort_reason);
  EXPECT_DOUBLE_EQ(newest["duration_seconds"].get<double>(), 2.0);
  const Json& oldest = document["runs"][1];
  EXPECT_TRUE(oldest["reason"].is_null());
  EXPECT_DOUBLE_EQ(oldest["duration_seconds"].get<double>(), 12.5);
  for (const auto& [field, value] : std::map<std::string, int64_t>{{"users_seen", 100},
                                                                   {"fresh", 10},
                                                                   {"built", 20},
                                                                   {"updated", 30},
                                                                   {"unchanged", 35},
                                                                   {"failed", 5},
                                                                   {"skipped_backoff", 0},
                                                                   {"api_requests", 190},
                                                                   {"api_retries", 4}}) {
    EXPECT_EQ(oldest[field], value) << field;
  }
  EXPECT_EQ(oldest["failures_by_class"]["timeout"], 2);
  EXPECT_TRUE(oldest["cache_oldest_age_seconds"].is_null());  // this summary has no cache ages
  EXPECT_EQ(oldest["summary"]["built"], 20);                  // the summary as printed
  EXPECT_EQ(document["schedule"]["next_run_at"], "2023-11-14T23:00:00+01:00");

  const std::string text = RenderStatusText(document);
  EXPECT_THAT(text, HasSubstr("Why runs stopped early:"));
  EXPECT_THAT(text, HasSubstr("run-2 degraded: circuit breaker open"));
  EXPECT_THAT(RenderStatusPage(document), HasSubstr("circuit breaker open"));
}

TEST_F(StatusReportTest, CacheAgeFiguresOfASummaryAreShownWhenPresent) {
  RunRecord run;
  run.run_id = "run-c";
  run.started_at_ms = kNowMs - 10'000;
  run.finished_at_ms = kNowMs;
  run.status = "ok";
  run.summary_json = R"({"oldest_cache_timestamp":)" + std::to_string(kNowMs / 1000 - 5400) +
                     R"(,"stale_caches":7})";
  ASSERT_TRUE(store_->SaveRun(run).ok());
  const Json document = Document();
  EXPECT_EQ(document["runs"][0]["cache_oldest_age_seconds"], 5400);
  EXPECT_EQ(document["runs"][0]["stale_caches"], 7);
}

TEST_F(StatusReportTest, CacheAgeFiguresAreReadFromTheCensusARunRecords) {
  RunSummary summary;
  summary.run_id = "run-d";
  summary.started_at_ms = kNowMs - 10'000;
  summary.finished_at_ms = kNowMs;
  summary.caches.oldest_cache_timestamp = kNowMs / 1000 - 3600;
  summary.caches.stale_caches = 4;
  RunRecord run{summary.run_id,         summary.started_at_ms, summary.finished_at_ms, "ok", "",
                summary.ToJson().dump()};
  ASSERT_TRUE(store_->SaveRun(run).ok());
  const Json document = Document();
  EXPECT_EQ(document["runs"][0]["cache_oldest_age_seconds"], 3600);
  EXPECT_EQ(document["runs"][0]["stale_caches"], 4);
}

TEST_F(StatusReportTest, PersistentFailuresAreListedAndOneOffFailuresCounted) {
  SaveFailing(11, 1, "401 from /passes");
  SaveFailing(12, 1, "timeout");
  SaveFailing(13, 2, "401 from /passes");
  SaveFailing(14, 5, "Authorization: Bearer tc-sim-token-14 rejected");
  const Json document = Document();
  EXPECT_EQ(document["failures"]["persistent_users"], 2);
  EXPECT_EQ(document["failures"]["one_off_users"], 2);
  EXPECT_EQ(document["failures"]["complete"], true);
  ASSERT_EQ(document["failing_users"].size(), 2u);
  EXPECT_EQ(document["failing_users"][0]["user_id"], 14);  // most failed runs first
  EXPECT_EQ(document["failing_users"][0]["failed_runs"], 5);
  EXPECT_EQ(document["failing_users"][0]["last_error_class"], "rejected_token");
  EXPECT_EQ(document["failing_users"][1]["user_id"], 13);
  EXPECT_FALSE(document["failing_users"][0]["next_attempt_at"].is_null());
  // A stored message is redacted once more on its way out.
  EXPECT_THAT(document.dump(), Not(HasSubstr("tc-sim-token-14")));

  const std::string text = RenderStatusText(document);
  EXPECT_THAT(text, HasSubstr("2 users failed 2 or more runs in a row"));
  EXPECT_THAT(text, HasSubstr("One-off failures (failed their last attempt only"));
  EXPECT_THAT(text, Not(HasSubstr("        11 ")));  // one-off users are not listed
}

TEST_F(StatusReportTest, LiveProgressOfTheDaemonsRunIsTheCurrentRun) {
  LiveRunView live;
  live.progress.run_id = "run-live";
  live.progress.started_at_ms = kNowMs - 20'000;
  live.progress.now_ms = kNowMs;
  live.progress.users_total = 1000;
  live.progress.built = 150;
  live.progress.unchanged = 240;
  live.progress.failed = 10;
  live.users_per_second = 20.0;
  live.eta_seconds = 30.0;
  const Json document = Document(live);
  const Json& current = document["current_run"];
  EXPECT_EQ(current["run_id"], "run-live");
  EXPECT_EQ(current["source"], "daemon");
  EXPECT_EQ(current["users_total"], 1000);
  EXPECT_EQ(current["users_done"], 400);
  EXPECT_DOUBLE_EQ(current["progress"].get<double>(), 0.4);
  EXPECT_EQ(current["outcomes"]["failed"], 10);
  EXPECT_DOUBLE_EQ(current["users_per_second"].get<double>(), 20.0);
  EXPECT_DOUBLE_EQ(current["eta_seconds"].get<double>(), 30.0);
  EXPECT_THAT(RenderStatusText(document), HasSubstr("400/1000 users, 20.0 users/s, ETA 30.0 s"));
  EXPECT_THAT(RenderStatusPage(document), HasSubstr("running run-live (400 of 1000 users)"));
}

TEST_F(StatusReportTest, AStoreThatFailsStillGivesADocument) {
  ScheduleView schedule;
  schedule.cron = "*/5 * * * *";
  const Result<StatusReport> failed =
      MakeError(ErrorClass::kStore, "cannot open mysql://app:hunter2@db/cache");
  const Json document = BuildStatusDocument(failed, schedule, std::nullopt, kNowMs);
  EXPECT_THAT(document["store_error"].get<std::string>(), HasSubstr("cannot open"));
  EXPECT_THAT(document.dump(), Not(HasSubstr("hunter2")));
  EXPECT_EQ(document["schedule"]["cron"], "*/5 * * * *");
  EXPECT_TRUE(document["runs"].empty());
  EXPECT_THAT(RenderStatusPage(document), HasSubstr("Cache store unavailable"));
}

TEST_F(StatusReportTest, DocumentHasItsDocumentedFields) {
  SaveFinished(RunSummary{});
  const Json document = Document();
  std::vector<std::string> top;
  for (const auto& [key, value] : document.items()) top.push_back(key);
  EXPECT_THAT(top, ::testing::ElementsAre("generated_at", "schedule", "current_run", "runs",
                                          "failures", "failing_users", "store_error"));
  for (const char* key : {"mode", "cron", "timezone", "next_run_at", "ticks_skipped", "daemon"}) {
    EXPECT_TRUE(document["schedule"].contains(key)) << key;
  }
  for (const char* key : {"run_id",
                          "started_at",
                          "finished_at",
                          "duration_seconds",
                          "status",
                          "reason",
                          "shard",
                          "dry_run",
                          "users_seen",
                          "fresh",
                          "built",
                          "updated",
                          "unchanged",
                          "failed",
                          "skipped_backoff",
                          "abandoned",
                          "api_requests",
                          "api_retries",
                          "failures_by_class",
                          "cache_oldest_age_seconds",
                          "stale_caches",
                          "summary"}) {
    EXPECT_TRUE(document["runs"][0].contains(key)) << key;
  }
  EXPECT_EQ(document["generated_at"], "2023-11-14T22:13:20.000Z");
}

TEST(StatusPageTest, EscapesWhatItShows) {
  ScheduleView schedule;
  schedule.cron = "<script>";
  StatusReport report;
  RunRecord run;
  run.run_id = "a&b</script><script>alert(1)</script>";
  run.status = "ok";
  report.runs.push_back(run);
  const std::string page =
      RenderStatusPage(BuildStatusDocument(report, schedule, std::nullopt, kNowMs));
  EXPECT_THAT(page, HasSubstr("&lt;script&gt;"));
  EXPECT_THAT(page, HasSubstr("a&amp;b"));
  // Only the page's own two script elements open, and the embedded JSON cannot close one.
  size_t scripts = 0;
  for (size_t at = page.find("<script"); at != std::string::npos;
       at = page.find("<script", at + 1)) {
    ++scripts;
  }
  EXPECT_EQ(scripts, 2u);
  EXPECT_THAT(page, HasSubstr("a&b\\u003c/script>"));
}

TEST(StatusPageTest, LoadsNothingFromElsewhere) {
  const std::string page =
      RenderStatusPage(BuildStatusDocument(StatusReport{}, ScheduleView{}, std::nullopt, kNowMs));
  EXPECT_THAT(page, Not(HasSubstr("https://")));
  EXPECT_THAT(page, Not(HasSubstr("rel=\"stylesheet\"")));
  EXPECT_THAT(page, Not(HasSubstr("href=\"http")));
  EXPECT_THAT(page, HasSubstr("<link rel=\"icon\" href=\"data:,\">"));  // no favicon request
  EXPECT_THAT(page, Not(HasSubstr(" src=")));
  EXPECT_THAT(page, Not(HasSubstr("@import")));
  EXPECT_THAT(page, Not(HasSubstr("url(")));
  EXPECT_THAT(page, HasSubstr("fetch(\"api/status\""));
}

RunProgress Snapshot(int64_t now_ms, int64_t built, int64_t total = 1000) {
  RunProgress progress;
  progress.run_id = "run-t";
  progress.started_at_ms = 0;
  progress.now_ms = now_ms;
  progress.users_total = total;
  progress.built = built;
  return progress;
}

TEST(LiveRunTrackerTest, MeasuresRateAndEtaOverTheRecentPast) {
  LiveRunTracker tracker;
  EXPECT_FALSE(tracker.Current());
  tracker.OnRunStarted(Snapshot(0, 0));
  ASSERT_TRUE(tracker.Current());
  EXPECT_FALSE(tracker.Current()->users_per_second);  // nothing to measure yet
  // 10 users/s for 60 s, then 50 users/s: the rate follows within the 30 s window.
  for (int64_t second = 1; second <= 60; ++second)
    tracker.OnProgress(Snapshot(second * 1000, second * 10));
  auto view = tracker.Current();
  ASSERT_TRUE(view && view->users_per_second);
  EXPECT_NEAR(*view->users_per_second, 10.0, 0.01);
  EXPECT_NEAR(*view->eta_seconds, 40.0, 0.01);  // 400 left at 10/s
  for (int64_t second = 61; second <= 100; ++second) {
    tracker.OnProgress(Snapshot(second * 1000, 600 + (second - 60) * 50));
  }
  view = tracker.Current();
  EXPECT_NEAR(*view->users_per_second, 50.0, 0.01);
  tracker.OnRunFinished(RunSummary{});
  EXPECT_FALSE(tracker.Current());
}

TEST(LiveRunTrackerTest, NoEtaWithoutATotalOrProgress) {
  LiveRunTracker tracker;
  tracker.OnRunStarted(Snapshot(0, 0, -1));
  tracker.OnProgress(Snapshot(5000, 100, -1));
  EXPECT_TRUE(tracker.Current()->users_per_second);
  EXPECT_FALSE(tracker.Current()->eta_seconds);
  tracker.OnRunStarted(Snapshot(0, 0));
  tracker.OnProgress(Snapshot(5000, 0));  // stalled
  EXPECT_FALSE(tracker.Current()->eta_seconds);
}

}  // namespace
}  // namespace tc
