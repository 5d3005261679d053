#include "report/run_summary.h"

#include <gtest/gtest.h>

namespace tc {
namespace {

TEST(RunSummaryTest, HasEveryContractFieldInOrder) {
  RunSummary summary;
  summary.run_id = "r1";
  summary.started_at_ms = 1'700'000'000'123;
  summary.finished_at_ms = 1'700'000'001'456;
  summary.users_seen = 10;
  summary.fresh = 3;
  summary.built = 2;
  summary.updated = 1;
  summary.unchanged = 1;
  summary.failed = 2;
  summary.skipped_backoff = 1;
  summary.failures_by_class["timeout"] = 2;
  const Json json = summary.ToJson();
  for (const char* key : {"run_id", "started_at", "finished_at", "duration_ms", "status",
                          "users_seen", "fresh", "built", "updated", "unchanged", "failed",
                          "skipped_backoff", "api_requests", "failures_by_class"}) {
    EXPECT_TRUE(json.contains(key)) << key;
  }
  EXPECT_EQ(json["started_at"], "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(json["duration_ms"], 1333);
  EXPECT_EQ(json["status"], "ok");
  EXPECT_EQ(json["failures_by_class"]["timeout"], 2);
  EXPECT_EQ(summary.OutcomeTotal(), summary.users_seen);
}

TEST(RunSummaryTest, ExitCodesFollowTheContract) {
  RunSummary summary;
  summary.status = RunStatus::kOk;
  EXPECT_EQ(summary.ExitCode(), 0);
  summary.status = RunStatus::kInterrupted;
  EXPECT_EQ(summary.ExitCode(), 0);
  summary.status = RunStatus::kAborted;
  EXPECT_EQ(summary.ExitCode(), 1);
  summary.status = RunStatus::kDegraded;
  EXPECT_EQ(summary.ExitCode(), 3);
}

}  // namespace
}  // namespace tc
