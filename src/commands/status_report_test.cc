// A run whose process died (kill -9, OOM) leaves a "running" record behind; once its lock lease
// is gone, `status`, `status --json` and the status page all say "lost".
#include "commands/status_report.h"

#include <gtest/gtest.h>

#include "commands/status_page.h"

namespace tc {
namespace {

constexpr int64_t kNow = 1'700'000'000'000;

class StatusReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StoreConfig config;
    config.url = "sqlite:" + ::testing::TempDir() + "/status_report_" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db";
    std::remove(config.url.substr(7).c_str());
    auto opened = OpenCacheStore(config);
    ASSERT_TRUE(opened.ok()) << opened.error().ToString();
    store_ = std::move(*opened);
    ASSERT_TRUE(store_->Init().ok());
  }

  void SaveRunning(const std::string& run_id, const std::string& shard = "") {
    RunRecord run;
    run.run_id = run_id;
    run.started_at_ms = kNow - 60'000;
    run.status = "running";
    run.shard = shard;
    ASSERT_TRUE(store_->SaveRun(run).ok());
  }

  void Lock(const std::string& name, const std::string& owner, int64_t expires_at_ms) {
    auto locked = store_->TryLock(name, owner, kNow - 120'000, expires_at_ms);
    ASSERT_TRUE(locked.ok() && *locked);
  }

  StatusReport Gather() {
    auto report = GatherStatus(*store_, 10, 10, kNow);
    EXPECT_TRUE(report.ok());
    return report.ok() ? *report : StatusReport{};
  }

  std::unique_ptr<CacheStore> store_;
};

std::string StatusInJson(const StatusReport& report) {
  return StatusReportToJson(report)["runs"][0]["status"].get<std::string>();
}

TEST_F(StatusReportTest, RunningRecordWithoutALockIsLostEverywhere) {
  SaveRunning("run-a");
  const StatusReport report = Gather();
  ASSERT_EQ(report.runs.size(), 1u);
  EXPECT_EQ(report.runs[0].status, "lost");
  EXPECT_TRUE(report.current_runs.empty());
  EXPECT_EQ(StatusInJson(report), "lost");
  EXPECT_NE(RenderStatusText(report).find(" lost "), std::string::npos);
  const std::string page = RenderStatusPage(ScheduleState{}, report);
  EXPECT_NE(page.find(">lost<"), std::string::npos);
  EXPECT_EQ(page.find(">running<"), std::string::npos);
}

TEST_F(StatusReportTest, RunningRecordWithAnExpiredLockIsLost) {
  SaveRunning("run-a");
  Lock("run", "run-a", kNow - 1);
  EXPECT_EQ(Gather().runs[0].status, "lost");
}

TEST_F(StatusReportTest, RunningRecordWhoseLockAnotherRunHoldsIsLost) {
  SaveRunning("run-a");
  Lock("run", "run-b", kNow + 60'000);
  EXPECT_EQ(Gather().runs[0].status, "lost");
}

TEST_F(StatusReportTest, RunningRecordWithALiveLockIsRunning) {
  SaveRunning("run-a");
  Lock("run", "run-a", kNow + 60'000);
  const StatusReport report = Gather();
  EXPECT_EQ(report.runs[0].status, "running");
  ASSERT_EQ(report.current_runs.size(), 1u);
  EXPECT_EQ(StatusInJson(report), "running");
  EXPECT_NE(RenderStatusPage(ScheduleState{}, report).find("running run-a"), std::string::npos);
}

TEST_F(StatusReportTest, ShardedRunIsJudgedByItsShardsLock) {
  SaveRunning("run-s", "1/4");
  Lock("run", "run-s", kNow + 60'000);  // not its lock
  EXPECT_EQ(Gather().runs[0].status, "lost");
  Lock("run-shard-1-of-4", "run-s", kNow + 60'000);
  EXPECT_EQ(Gather().runs[0].status, "running");
}

TEST_F(StatusReportTest, FinishedRunsAreLeftAlone) {
  RunRecord run;
  run.run_id = "run-ok";
  run.started_at_ms = kNow - 5000;
  run.finished_at_ms = kNow - 1000;
  run.status = "ok";
  ASSERT_TRUE(store_->SaveRun(run).ok());
  EXPECT_EQ(Gather().runs[0].status, "ok");
}

TEST(StatusPageTest, EscapesWhatItShows) {
  ScheduleState schedule;
  schedule.cron = "<script>";
  StatusReport report;
  RunRecord run;
  run.run_id = "a&b";
  run.status = "ok";
  report.runs.push_back(run);
  const std::string page = RenderStatusPage(schedule, report);
  EXPECT_EQ(page.find("<script>"), std::string::npos);
  EXPECT_NE(page.find("&lt;script&gt;"), std::string::npos);
  EXPECT_NE(page.find("a&amp;b"), std::string::npos);
}

}  // namespace
}  // namespace tc
