#include "run/progress_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>
#include <thread>

namespace tc {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;

RunProgress Snapshot(int64_t done_built, int64_t total, int64_t elapsed_ms) {
  RunProgress progress;
  progress.run_id = "2026-12-02T10:00:00-abcdef";
  progress.started_at_ms = 1'000'000;
  progress.now_ms = 1'000'000 + elapsed_ms;
  progress.users_total = total;
  progress.built = done_built;
  return progress;
}

std::vector<nlohmann::json> JsonLines(const std::string& text) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

// Points logging back at stderr when a test ends.
struct CapturedLogs {
  CapturedLogs() { (void)InitLogging(LogConfig{"info", "json"}, &out); }
  ~CapturedLogs() { (void)InitLogging(LogConfig{}); }
  std::vector<nlohmann::json> Lines() {
    FlushLogs();
    return JsonLines(out.str());
  }
  std::ostringstream out;
};

TEST(ProgressReportTest, RateEtaAndPercentFromASnapshot) {
  const ProgressRate rate = ComputeProgressRate(Snapshot(1000, 5000, 4000));
  EXPECT_DOUBLE_EQ(rate.users_per_second, 250.0);
  EXPECT_EQ(rate.eta_seconds, 16);
  EXPECT_DOUBLE_EQ(*rate.percent, 20.0);
  // No time yet: no rate, no ETA. Unknown total: no percent, no ETA. Done: ETA 0.
  EXPECT_EQ(ComputeProgressRate(Snapshot(0, 5000, 0)).users_per_second, 0);
  EXPECT_FALSE(ComputeProgressRate(Snapshot(0, 5000, 0)).eta_seconds);
  EXPECT_FALSE(ComputeProgressRate(Snapshot(10, -1, 1000)).percent);
  EXPECT_FALSE(ComputeProgressRate(Snapshot(10, -1, 1000)).eta_seconds);
  EXPECT_EQ(ComputeProgressRate(Snapshot(5000, 5000, 1000)).eta_seconds, 0);
  EXPECT_DOUBLE_EQ(*ComputeProgressRate(Snapshot(6000, 5000, 1000)).percent, 100.0);
}

TEST(ProgressReportTest, TheTerminalLineHasCountsRateEtaAndOutcomes) {
  RunProgress progress = Snapshot(40, 5000, 4000);
  progress.fresh = 700;
  progress.updated = 2;
  progress.unchanged = 455;
  progress.failed = 3;
  EXPECT_EQ(FormatProgressLine(progress),
            "1200/5000 users 24.0% | 300 users/s | ETA 13s | built 40 updated 2 unchanged 455 "
            "failed 3");
  progress.users_total_estimated = true;
  EXPECT_THAT(FormatProgressLine(progress), HasSubstr("1200/~5000 users"));
  progress.users_total = -1;
  EXPECT_THAT(FormatProgressLine(progress), HasSubstr("1200 users | 300 users/s |"));
  EXPECT_THAT(FormatProgressLine(progress), Not(HasSubstr("ETA")));

  RunProgress dry = Snapshot(0, 100000, 2000);
  dry.dry_run = true;
  dry.would_refresh = 3000;
  dry.fresh = 1000;
  EXPECT_EQ(FormatProgressLine(dry),
            "4000/100000 users 4.0% | 2000 users/s | ETA 48s | would refresh 3000 fresh 1000");
  EXPECT_THAT(FormatProgressLine(Snapshot(10, 100000, 1000)), HasSubstr("ETA 2h46m"));
}

TEST(ProgressReportTest, LogFieldsCarryTheSameNumbers) {
  RunProgress progress = Snapshot(1000, 5000, 4000);
  progress.shard = "1/4";
  const LogFields fields = ProgressLogFields(progress);
  nlohmann::json object = nlohmann::json::object();
  for (const auto& [key, value] : fields) object[key] = value;
  EXPECT_EQ(fields.front().first, "run_id");
  EXPECT_EQ(object["shard"], "1/4");
  EXPECT_EQ(object["done"], 1000);
  EXPECT_EQ(object["users_total"], 5000);
  EXPECT_EQ(object["percent"], 20.0);
  EXPECT_EQ(object["users_per_second"], 250.0);
  EXPECT_EQ(object["eta_seconds"], 16);
  EXPECT_EQ(object["built"], 1000);
  EXPECT_EQ(object["failed"], 0);
  EXPECT_TRUE(Snapshot(1, -1, 0).users_total < 0);
  nlohmann::json unknown = nlohmann::json::object();
  for (const auto& [key, value] : ProgressLogFields(Snapshot(1, -1, 0))) unknown[key] = value;
  EXPECT_TRUE(unknown["users_total"].is_null());
  EXPECT_TRUE(unknown["eta_seconds"].is_null());
}

TEST(ProgressReportTest, RunLogLinesAndTheEndLevelFollowsTheStatus) {
  CapturedLogs logs;
  RunLogReporter reporter(30s);
  reporter.OnRunStarted(Snapshot(0, 5000, 0));
  reporter.OnProgress(Snapshot(1000, 5000, 4000));
  RunSummary summary;
  summary.run_id = "2026-12-02T10:00:00-abcdef";
  summary.status = RunStatus::kDegraded;
  summary.abort_reason = "API-wide failure: transient";
  summary.abandoned = 3100;
  reporter.OnRunFinished(summary);
  summary.abandoned = 0;
  summary.status = RunStatus::kAborted;
  summary.abort_reason = "store failing: disk I/O error";
  reporter.OnRunFinished(summary);
  summary.status = RunStatus::kLocked;  // another run does the work: nothing wrong
  summary.abort_reason = "lock 'run' is held by another run";
  reporter.OnRunFinished(summary);
  summary.status = RunStatus::kOk;
  summary.abort_reason.clear();
  reporter.OnRunFinished(summary);

  const auto lines = logs.Lines();
  ASSERT_EQ(lines.size(), 6U) << logs.out.str();
  EXPECT_EQ(lines[0]["message"], "run started");
  EXPECT_EQ(lines[0]["users_total"], 5000);
  EXPECT_EQ(lines[0]["dry_run"], false);
  EXPECT_EQ(lines[1]["message"], "run progress");
  EXPECT_EQ(lines[1]["done"], 1000);
  EXPECT_EQ(lines[2]["message"], "run finished");
  EXPECT_EQ(lines[2]["level"], "warn");
  EXPECT_EQ(lines[2]["reason"], "API-wide failure: transient");
  EXPECT_EQ(lines[2]["abandoned"], 3100);
  EXPECT_EQ(lines[4]["abandoned"], 0);
  EXPECT_EQ(lines[3]["level"], "error");
  EXPECT_EQ(lines[3]["status"], "aborted");
  EXPECT_EQ(lines[4]["level"], "info");
  EXPECT_EQ(lines[4]["status"], "locked");
  EXPECT_EQ(lines[5]["level"], "info");
  EXPECT_FALSE(lines[5].contains("reason"));
  for (const auto& line : lines) EXPECT_EQ(line["run_id"], summary.run_id);
}

TEST(ProgressReportTest, WithoutATerminalNothingIsDrawn) {
  CapturedLogs logs;
  std::ostringstream terminal;
  RunProgressReport report(/*stderr_is_terminal=*/false, /*show_progress=*/true, 30s, terminal);
  report.observer()->OnRunStarted(Snapshot(0, 5000, 0));
  RunSummary summary;
  summary.run_id = "r";
  report.observer()->OnRunFinished(summary);
  EXPECT_EQ(terminal.str(), "");
  EXPECT_EQ(logs.Lines().size(), 2U);
}

TEST(ProgressReportTest, ProgressLogIntervalIsTheConfiguredOneAndZeroTurnsItOff) {
  CapturedLogs logs;
  std::ostringstream terminal;
  RunProgressReport every_ten(false, true, 10s, terminal);
  EXPECT_EQ(every_ten.observer()->progress_interval(), 1s);  // RunObservers checks at most 1 s
  RunLogReporter direct(10s);
  EXPECT_EQ(direct.progress_interval(), 10s);
  RunLogReporter off(0s);
  off.OnProgress(Snapshot(1, 10, 10));
  RunProgressReport no_progress(false, false, 10s, terminal);
  no_progress.observer()->OnProgress(Snapshot(1, 10, 10));
  EXPECT_TRUE(logs.Lines().empty());
}

TEST(ProgressReportTest, OnATerminalTheLineIsRedrawnInPlaceAndFinishedWithANewline) {
  std::ostringstream terminal;
  TerminalProgressLine line(terminal);
  EXPECT_LE(line.progress_interval(), 250ms);  // at most 4 redraws a second
  line.OnRunStarted(Snapshot(0, 5000, 0));
  line.OnProgress(Snapshot(1000, 5000, 4000));
  RunSummary summary;
  summary.run_id = "r";
  summary.started_at_ms = 1'000'000;
  summary.finished_at_ms = 1'020'000;
  summary.built = 5000;
  summary.users_seen = 5000;
  line.OnRunFinished(summary);

  const std::string shown = terminal.str();
  EXPECT_EQ(shown.rfind("\r\x1b[K0/5000 users", 0), 0U) << shown;
  EXPECT_THAT(shown, HasSubstr("\r\x1b[K1000/5000 users 20.0%"));
  EXPECT_THAT(shown, HasSubstr("\r\x1b[K5000/5000 users 100.0% | 250 users/s | ETA 0s"));
  EXPECT_EQ(shown.back(), '\n');
  EXPECT_EQ(std::count(shown.begin(), shown.end(), '\n'), 1);
}

TEST(ProgressReportTest, OnATerminalStartAndEndAreLoggedButProgressIsNot) {
  CapturedLogs logs;
  std::ostringstream terminal;
  RunProgressReport report(/*stderr_is_terminal=*/true, /*show_progress=*/true, 30s, terminal);
  report.observer()->OnRunStarted(Snapshot(0, 5000, 0));
  std::this_thread::sleep_for(300ms);  // past both intervals' first due time
  report.observer()->OnProgress(Snapshot(1000, 5000, 4000));
  RunSummary summary;
  summary.run_id = "r";
  report.observer()->OnRunFinished(summary);
  EXPECT_THAT(terminal.str(), HasSubstr("0/5000 users"));
  const auto lines = logs.Lines();
  ASSERT_EQ(lines.size(), 2U) << logs.out.str();
  EXPECT_EQ(lines[0]["message"], "run started");
  EXPECT_EQ(lines[1]["message"], "run finished");
}

TEST(ProgressReportTest, ATerminalLineForARunThatNeverStartedPrintsNothing) {
  std::ostringstream terminal;
  TerminalProgressLine line(terminal);
  RunSummary summary;
  summary.status = RunStatus::kAborted;
  line.OnRunFinished(summary);
  EXPECT_EQ(terminal.str(), "");
}

}  // namespace
}  // namespace tc
