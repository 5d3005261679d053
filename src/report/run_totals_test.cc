#include "report/run_totals.h"

#include <gtest/gtest.h>

namespace tc {
namespace {

RunSummary RecordedRun(RunStatus status, int64_t finished_at_ms, int64_t duration_ms = 20'000) {
  RunSummary run;
  run.status = status;
  run.started_at_ms = finished_at_ms - duration_ms;
  run.finished_at_ms = finished_at_ms;
  return run;
}

TEST(RunTotalsTest, AddsEveryCountOfARun) {
  RunTotals totals;
  RunSummary run = RecordedRun(RunStatus::kOk, 1'700'000'000'000);
  run.users_seen = 10;
  run.fresh = 4;
  run.built = 3;
  run.failed = 2;
  run.skipped_backoff = 1;
  run.failures_by_class["timeout"] = 2;
  run.api_requests_by_result["passes"]["200"] = 6;
  run.api_requests_by_result["passes"]["timeout"] = 2;
  run.api_retries = 2;
  totals.Add(run);
  totals.Add(run);
  EXPECT_EQ(totals.runs_by_status["ok"], 2);
  EXPECT_EQ(totals.users_by_outcome["fresh"], 8);
  EXPECT_EQ(totals.users_by_outcome["abandoned"], 0);
  EXPECT_EQ(totals.failures_by_class["timeout"], 4);
  EXPECT_EQ(totals.api_requests["passes"]["200"], 12);
  EXPECT_EQ(totals.api_retries, 4);
  EXPECT_EQ(totals.run_duration_buckets[5], 2);  // 20 s: the (15, 20] bucket
  EXPECT_DOUBLE_EQ(totals.run_duration_seconds, 40);
  EXPECT_EQ(totals.last_success_at_ms, 1'700'000'000'000);
  EXPECT_EQ(totals.last_run_users_seen, 10);
  EXPECT_EQ(totals.last_run_skipped_backoff, 1);
}

TEST(RunTotalsTest, DegradedRunKeepsTheLastSuccess) {
  RunTotals totals;
  totals.Add(RecordedRun(RunStatus::kOk, 1'000'000));
  totals.Add(RecordedRun(RunStatus::kDegraded, 2'000'000));
  totals.Add(RecordedRun(RunStatus::kAborted, 3'000'000));
  EXPECT_EQ(totals.last_success_at_ms, 1'000'000);
  EXPECT_EQ(totals.last_run_at_ms, 3'000'000);
  EXPECT_EQ(totals.runs_by_status["degraded"], 1);
}

TEST(RunTotalsTest, JsonRoundTripKeepsEverything) {
  RunTotals totals;
  RunSummary run = RecordedRun(RunStatus::kDegraded, 5'000'000, 4'000'000);
  run.failures_by_class["transient"] = 7;
  run.api_requests_by_result["passes4"]["503"] = 9;
  run.caches = {true, 1'699'990'000, 3, 2};
  totals.Add(run);
  const RunTotals back = RunTotals::FromJson(ParseJsJson(totals.ToJson().dump()).value());
  EXPECT_EQ(back.ToJson(), totals.ToJson());
  EXPECT_EQ(back.api_requests.at("passes4").at("503"), 9);
  EXPECT_TRUE(back.caches_known);
  EXPECT_EQ(back.caches.stale_caches, 3);
  EXPECT_EQ(back.run_duration_buckets[21], 1);  // 4000 s: the (1 h, 2 h] bucket
}

TEST(RunTotalsTest, RunDurationBucketsSpanOneSecondToFourHours) {
  EXPECT_EQ(kRunDurationBuckets.front(), 1);
  EXPECT_EQ(kRunDurationBuckets.back(), 4 * 3600);
  RunTotals totals;
  totals.Add(RecordedRun(RunStatus::kOk, 10'000'000, 36'000));        // 36 s: (30, 40]
  totals.Add(RecordedRun(RunStatus::kOk, 20'000'000, 3 * 3600'000));  // 3 h: (2 h, 4 h]
  EXPECT_EQ(totals.run_duration_buckets[7], 1);
  EXPECT_EQ(kRunDurationBuckets[7], 40);
  EXPECT_EQ(totals.run_duration_buckets[22], 1);
  EXPECT_EQ(totals.run_duration_buckets.back(), 0);  // nothing above 4 h
}

// Totals recorded by a version with the bounds {1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800,
// 3600} (no "run_duration_bounds") keep every count at the bound it was counted under.
TEST(RunTotalsTest, TotalsRecordedWithTheOldBoundsCarryOver) {
  const Json old = ParseJsJson(R"({"run_duration_buckets":[1,0,0,4,2,0,0,0,0,0,0,3],
                                   "run_duration_seconds":500})")
                       .value();
  const RunTotals totals = RunTotals::FromJson(old);
  ASSERT_EQ(totals.run_duration_buckets.size(), kRunDurationBuckets.size() + 1);
  EXPECT_EQ(totals.run_duration_buckets[0], 1);      // le 1
  EXPECT_EQ(totals.run_duration_buckets[6], 4);      // le 30
  EXPECT_EQ(totals.run_duration_buckets[9], 2);      // le 60
  EXPECT_EQ(totals.run_duration_buckets.back(), 3);  // above 3600: still +Inf
  int64_t sum = 0;
  for (const int64_t count : totals.run_duration_buckets) sum += count;
  EXPECT_EQ(sum, 10);
}

TEST(RunTotalsTest, IncompleteCensusOnlyMakesCachesLookWorse) {
  RunTotals totals;
  RunSummary complete = RecordedRun(RunStatus::kOk, 1'000'000);
  complete.caches = {true, 1'000, 5, 2};
  totals.Add(complete);
  RunSummary partial = RecordedRun(RunStatus::kDegraded, 2'000'000);
  partial.caches = {false, 2'000, 1, 7};  // saw fewer users: not better than last known
  totals.Add(partial);
  EXPECT_EQ(totals.caches.oldest_cache_timestamp, 1'000);
  EXPECT_EQ(totals.caches.stale_caches, 5);
  EXPECT_EQ(totals.caches.users_without_cache, 7);
  RunSummary older = RecordedRun(RunStatus::kDegraded, 3'000'000);
  older.caches = {false, 500, 0, 0};
  totals.Add(older);
  EXPECT_EQ(totals.caches.oldest_cache_timestamp, 500);
  RunSummary next_complete = RecordedRun(RunStatus::kOk, 4'000'000);
  next_complete.caches = {true, 3'000, 0, 0};
  totals.Add(next_complete);
  EXPECT_EQ(totals.caches.oldest_cache_timestamp, 3'000);
  EXPECT_EQ(totals.caches.stale_caches, 0);
}

TEST(RunTotalsTest, RunWithoutCensusLeavesTheCachesAlone) {
  RunTotals totals;
  RunSummary complete = RecordedRun(RunStatus::kOk, 1'000'000);
  complete.caches = {true, 1'000, 5, 2};
  totals.Add(complete);
  totals.Add(
      RecordedRun(RunStatus::kAborted, 2'000'000));  // no census: e.g. an older version's record
  EXPECT_EQ(totals.caches.oldest_cache_timestamp, 1'000);
  EXPECT_EQ(totals.caches.stale_caches, 5);
}

TEST(RunTotalsTest, SummaryJsonReadsBackAsTheRunItDescribes) {
  RunSummary run = RecordedRun(RunStatus::kInterrupted, 1'700'000'000'000);
  run.run_id = "r1";
  run.shard = "2/4";
  run.users_seen = 9;
  run.updated = 4;
  run.abandoned = 5;
  run.failures_by_class["network"] = 1;
  run.api_requests_by_result["passes"]["200"] = 3;
  run.caches = {false, 1'699'999'000, 4, 1};
  RunTotals totals;
  totals.Add(run);
  run.totals = totals.ToJson();
  const RunSummary back = SummaryFromJson(ParseJsJson(run.ToJson().dump()).value(),
                                          run.started_at_ms, run.finished_at_ms);
  EXPECT_EQ(back.ToJson(), run.ToJson());
}

}  // namespace
}  // namespace tc
