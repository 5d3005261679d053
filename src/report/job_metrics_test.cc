#include "report/job_metrics.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

namespace tc {
namespace {

// Checks text against the Prometheus text exposition format (version 0.0.4): every sample line
// is `name{label="value",...} value`, names and label names are valid, each family has one
// HELP and one TYPE line before its samples, values are floats, histogram buckets are
// cumulative and end with le="+Inf" equal to _count. Returns the problems found.
std::vector<std::string> ExpositionProblems(const std::string& text,
                                            std::map<std::string, double>* samples) {
  std::vector<std::string> problems;
  const std::regex help(R"(^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .*$)");
  const std::regex type(
      R"(^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$)");
  const std::regex sample(
      R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"(,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")*)?\})? ([^ ]+)( -?[0-9]+)?$)");
  std::map<std::string, std::string> types;
  std::set<std::string> helped;
  std::map<std::string, double> last_bucket;  // series without le → last cumulative value
  std::istringstream lines(text);
  std::string line;
  std::smatch match;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    if (std::regex_match(line, match, help)) {
      if (!helped.insert(match[1]).second) problems.push_back("duplicate HELP: " + line);
      continue;
    }
    if (std::regex_match(line, match, type)) {
      if (types.count(match[1])) problems.push_back("duplicate TYPE: " + line);
      types[match[1]] = match[2];
      continue;
    }
    if (line[0] == '#') continue;
    if (!std::regex_match(line, match, sample)) {
      problems.push_back("bad sample line: " + line);
      continue;
    }
    std::string name = match[1];
    const std::string labels = match[3];
    const std::string value_text = match[5];
    char* end = nullptr;
    const double value = std::strtod(value_text.c_str(), &end);
    if (end == value_text.c_str() || *end != '\0') {
      if (value_text != "+Inf" && value_text != "-Inf" && value_text != "NaN") {
        problems.push_back("bad value: " + line);
      }
    }
    std::string family = name;
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      const std::string s(suffix);
      if (name.size() > s.size() && name.ends_with(s) &&
          types.count(name.substr(0, name.size() - s.size()))) {
        family = name.substr(0, name.size() - s.size());
      }
    }
    if (!types.count(family)) problems.push_back("sample before its TYPE: " + line);
    if (!helped.count(family)) problems.push_back("sample without HELP: " + line);
    if (name.ends_with("_bucket")) {
      const auto le_pos = labels.find("le=\"");
      if (le_pos == std::string::npos) {
        problems.push_back("bucket without le: " + line);
      } else {
        std::string series = family + "{" + labels.substr(0, le_pos) + "}";
        if (last_bucket.count(series) && value < last_bucket[series]) {
          problems.push_back("buckets not cumulative: " + line);
        }
        last_bucket[series] = value;
        if (labels.find("le=\"+Inf\"") != std::string::npos) (*samples)[series + "+Inf"] = value;
      }
    }
    if (name.ends_with("_count") && types[family] == "histogram") {
      std::string series = family + "{" + labels + (labels.empty() ? "" : ",") + "}";
      (*samples)[series + "count"] = value;
    }
    (*samples)[name + "{" + labels + "}"] = value;
  }
  return problems;
}

TEST(JobMetricsTest, OutputFollowsTheExpositionFormat) {
  JobMetrics metrics;
  metrics.ObserveApiRequest("passes", "200", 0.042);
  metrics.ObserveApiRequest("passes", "200", 0.3);
  metrics.ObserveApiRequest("passes4", "timeout", 30.0);
  metrics.ObserveApiRequest("passes", "429", 0.001);
  metrics.SetBreakerState(BreakerStateValue::kOpen);
  metrics.CountSkippedTick();
  RunSummary summary;
  summary.started_at_ms = 1'700'000'000'000;
  summary.finished_at_ms = 1'700'000'012'000;
  summary.users_seen = 5;
  summary.built = 3;
  summary.failed = 2;
  summary.failures_by_class["rejected_token"] = 2;
  metrics.ObserveRun(summary);

  const std::string text = metrics.Render();
  std::map<std::string, double> samples;
  const auto problems = ExpositionProblems(text, &samples);
  EXPECT_TRUE(problems.empty()) << problems.front() << "\n" << text;

  EXPECT_EQ(samples["ticketcache_runs_total{status=\"ok\"}"], 1);
  EXPECT_EQ(samples["ticketcache_runs_total{status=\"degraded\"}"], 0);
  EXPECT_EQ(samples["ticketcache_users_total{outcome=\"built\"}"], 3);
  EXPECT_EQ(samples["ticketcache_user_failures_total{class=\"rejected_token\"}"], 2);
  EXPECT_EQ(samples["ticketcache_api_requests_total{endpoint=\"passes\",result=\"200\"}"], 2);
  EXPECT_EQ(samples["ticketcache_api_requests_total{endpoint=\"passes4\",result=\"timeout\"}"], 1);
  EXPECT_EQ(samples["ticketcache_circuit_breaker_state{}"], 2);
  EXPECT_EQ(samples["ticketcache_last_success_timestamp_seconds{}"], 1'700'000'012);
  EXPECT_EQ(samples["ticketcache_schedule_ticks_skipped_total{}"], 1);
  EXPECT_EQ(samples["ticketcache_api_request_duration_seconds_count{endpoint=\"passes\"}"], 3);
}

TEST(JobMetricsTest, CheckerRejectsBrokenText) {
  std::map<std::string, double> samples;
  EXPECT_FALSE(ExpositionProblems("no_type_metric 1\n", &samples).empty());
  EXPECT_FALSE(
      ExpositionProblems("# HELP x h\n# TYPE x counter\nx{bad label} 1\n", &samples).empty());
  EXPECT_FALSE(ExpositionProblems("# HELP x h\n# TYPE x counter\nx one\n", &samples).empty());
  EXPECT_TRUE(ExpositionProblems("# HELP x h\n# TYPE x counter\nx{a=\"b\"} 1\n", &samples).empty());
}

TEST(JobMetricsTest, FailedRunDoesNotMoveLastSuccess) {
  JobMetrics metrics;
  RunSummary summary;
  summary.status = RunStatus::kDegraded;
  summary.finished_at_ms = 1'700'000'000'000;
  metrics.ObserveRun(summary);
  std::map<std::string, double> samples;
  ASSERT_TRUE(ExpositionProblems(metrics.Render(), &samples).empty());
  EXPECT_EQ(samples["ticketcache_last_success_timestamp_seconds{}"], 0);
  EXPECT_EQ(samples["ticketcache_last_run_timestamp_seconds{}"], 1'700'000'000);
  EXPECT_EQ(samples["ticketcache_runs_total{status=\"degraded\"}"], 1);
}

TEST(JobMetricsTest, WriteFileIsAtomicAndComplete) {
  JobMetrics metrics(MetricsScope::kTextfile);  // no process metrics: two renders are equal
  metrics.CountSkippedTick();
  const std::string path = ::testing::TempDir() + "/tc_metrics.prom";
  ASSERT_TRUE(metrics.WriteFile(path).ok());
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), metrics.Render());
  std::ifstream temp(path + ".tmp");
  EXPECT_FALSE(temp.good()) << "temporary file left behind";
  std::remove(path.c_str());
}

std::map<std::string, double> Samples(const JobMetrics& metrics) {
  std::map<std::string, double> samples;
  const std::string text = metrics.Render();
  const auto problems = ExpositionProblems(text, &samples);
  EXPECT_TRUE(problems.empty()) << problems.front() << "\n" << text;
  return samples;
}

RunTotals HistoryOfOneSuccess() {
  RunTotals totals;
  RunSummary ok;
  ok.started_at_ms = 1'700'000'000'000;
  ok.finished_at_ms = 1'700'000'030'000;
  ok.built = 5;
  ok.failed = 1;
  ok.failures_by_class["timeout"] = 1;
  ok.api_requests_by_result["passes"]["200"] = 10;
  ok.caches = {true, 1'699'999'000, 1, 0};
  totals.Add(ok);
  return totals;
}

TEST(JobMetricsTest, EverySeriesAnAlertCountsExistsAtZeroFromTheStart) {
  const auto samples = Samples(JobMetrics());
  for (const char* status : {"ok", "degraded", "aborted", "interrupted"}) {
    EXPECT_EQ(samples.count("ticketcache_runs_total{status=\"" + std::string(status) + "\"}"), 1u)
        << status;
  }
  for (const char* outcome : kUserOutcomes) {
    EXPECT_EQ(samples.count("ticketcache_users_total{outcome=\"" + std::string(outcome) + "\"}"),
              1u)
        << outcome;
  }
  for (const char* error_class :
       {"transient", "timeout", "network", "rate_limited", "rejected_token", "malformed", "store",
        "conflict", "circuit_open", "internal"}) {
    EXPECT_EQ(samples.count("ticketcache_user_failures_total{class=\"" + std::string(error_class) +
                            "\"}"),
              1u)
        << error_class;
  }
  EXPECT_EQ(samples.at("ticketcache_runs_not_started_total{}"), 0);
  EXPECT_EQ(samples.at("ticketcache_run_in_progress{}"), 0);
}

TEST(JobMetricsTest, BuildInfoAndProcessMetricsInTheDaemon) {
  const auto samples = Samples(JobMetrics(MetricsScope::kDaemon));
  bool build_info = false;
  for (const auto& [series, value] : samples) {
    if (series.starts_with("ticketcache_build_info{version=\"")) build_info = value == 1;
  }
  EXPECT_TRUE(build_info);
  EXPECT_GT(samples.at("process_resident_memory_bytes{}"), 0);
  EXPECT_GT(samples.at("process_open_fds{}"), 0);
  EXPECT_GT(samples.at("process_max_fds{}"), 0);
  EXPECT_GT(samples.at("process_start_time_seconds{}"), 1'600'000'000);
  EXPECT_EQ(samples.count("process_cpu_seconds_total{}"), 1u);
}

TEST(JobMetricsTest, TextfileLeavesOutWhatItCannotKeepMonotonicOrNodeExporterOwns) {
  JobMetrics metrics(MetricsScope::kTextfile);
  metrics.ObserveApiRequest("passes", "200", 0.1);
  metrics.CountSkippedTick();
  const auto samples = Samples(metrics);
  for (const auto& [series, value] : samples) {
    EXPECT_FALSE(series.starts_with("process_")) << series;
    EXPECT_FALSE(series.starts_with("ticketcache_api_request_duration_seconds")) << series;
    EXPECT_FALSE(series.starts_with("ticketcache_schedule_ticks_skipped_total")) << series;
  }
  EXPECT_EQ(samples.at("ticketcache_api_requests_total{endpoint=\"passes\",result=\"200\"}"), 1);
}

TEST(JobMetricsTest, RestoredFromHistoryCountersAndLastSuccessAreNotZero) {
  JobMetrics metrics;
  metrics.Restore(HistoryOfOneSuccess());
  metrics.SetCacheTtl(3600);
  const auto samples = Samples(metrics);
  EXPECT_EQ(samples.at("ticketcache_runs_total{status=\"ok\"}"), 1);
  EXPECT_EQ(samples.at("ticketcache_users_total{outcome=\"built\"}"), 5);
  EXPECT_EQ(samples.at("ticketcache_user_failures_total{class=\"timeout\"}"), 1);
  EXPECT_EQ(samples.at("ticketcache_api_requests_total{endpoint=\"passes\",result=\"200\"}"), 10);
  EXPECT_EQ(samples.at("ticketcache_last_success_timestamp_seconds{}"), 1'700'000'030);
  EXPECT_EQ(samples.at("ticketcache_run_duration_seconds_count{}"), 1);
  EXPECT_EQ(samples.at("ticketcache_run_duration_seconds_sum{}"), 30);
  EXPECT_EQ(samples.at("ticketcache_oldest_cache_timestamp_seconds{}"), 1'699'999'000);
  EXPECT_EQ(samples.at("ticketcache_stale_caches{}"), 1);
  EXPECT_EQ(samples.at("ticketcache_cache_ttl_seconds{}"), 3600);
}

TEST(JobMetricsTest, RunTotalsMoveCountersUpNeverDown) {
  JobMetrics metrics;
  const RunTotals before = HistoryOfOneSuccess();
  metrics.Restore(before);
  metrics.ObserveApiRequest("passes", "200", 0.1);  // live, during the next run

  RunSummary degraded;
  degraded.status = RunStatus::kDegraded;
  degraded.started_at_ms = 1'700'003'600'000;
  degraded.finished_at_ms = 1'700'003'700'000;
  degraded.abandoned = 4;
  degraded.api_requests_by_result["passes"]["200"] = 1;
  degraded.api_requests_by_result["passes"]["503"] = 6;
  RunTotals after = before;
  after.Add(degraded);
  degraded.totals = after.ToJson();
  metrics.ObserveRun(degraded);
  auto samples = Samples(metrics);
  EXPECT_EQ(samples.at("ticketcache_runs_total{status=\"ok\"}"), 1);
  EXPECT_EQ(samples.at("ticketcache_runs_total{status=\"degraded\"}"), 1);
  EXPECT_EQ(samples.at("ticketcache_users_total{outcome=\"abandoned\"}"), 4);
  EXPECT_EQ(samples.at("ticketcache_api_requests_total{endpoint=\"passes\",result=\"200\"}"), 11);
  EXPECT_EQ(samples.at("ticketcache_api_requests_total{endpoint=\"passes\",result=\"503\"}"), 6);
  EXPECT_EQ(samples.at("ticketcache_last_success_timestamp_seconds{}"), 1'700'000'030);
  EXPECT_EQ(samples.at("ticketcache_last_run_timestamp_seconds{}"), 1'700'003'700);
  EXPECT_EQ(samples.at("ticketcache_run_duration_seconds_count{}"), 2);

  metrics.Restore(before);  // older totals (a pruned history): nothing goes down
  samples = Samples(metrics);
  EXPECT_EQ(samples.at("ticketcache_runs_total{status=\"degraded\"}"), 1);
  EXPECT_EQ(samples.at("ticketcache_run_duration_seconds_count{}"), 2);
}

TEST(JobMetricsTest, RunThatNeverStartedOnlyCountsAsNotStarted) {
  JobMetrics metrics;
  metrics.Restore(HistoryOfOneSuccess());
  RunSummary locked_out;
  locked_out.status = RunStatus::kLocked;
  locked_out.started = false;
  locked_out.abort_reason = "lock 'run' is held by another run";
  locked_out.finished_at_ms = 1'700'009'000'000;
  metrics.ObserveRun(locked_out);
  const auto samples = Samples(metrics);
  EXPECT_EQ(samples.at("ticketcache_runs_not_started_total{}"), 1);
  EXPECT_EQ(samples.at("ticketcache_runs_locked_total{}"), 1);
  EXPECT_EQ(samples.at("ticketcache_runs_total{status=\"aborted\"}"), 0);
  EXPECT_EQ(samples.at("ticketcache_last_success_timestamp_seconds{}"), 1'700'000'030);
  EXPECT_EQ(samples.at("ticketcache_last_run_timestamp_seconds{}"), 1'700'000'030);
}

TEST(JobMetricsTest, ProgressGaugesFollowTheRunAndGoIdleAtItsEnd) {
  JobMetrics metrics;
  RunProgressGauges progress;
  progress.started_at_ms = 1'700'000'000'000;
  progress.users_total = 100;
  metrics.ObserveRunStarted(progress);
  progress.users_done = 40;
  progress.users_by_outcome = {{"fresh", 30}, {"built", 8}, {"failed", 2}};
  metrics.ObserveRunProgress(progress);
  auto samples = Samples(metrics);
  EXPECT_EQ(samples.at("ticketcache_run_in_progress{}"), 1);
  EXPECT_EQ(samples.at("ticketcache_run_started_timestamp_seconds{}"), 1'700'000'000);
  EXPECT_EQ(samples.at("ticketcache_run_users_expected{}"), 100);
  EXPECT_EQ(samples.at("ticketcache_run_users_done{}"), 40);
  EXPECT_EQ(samples.at("ticketcache_run_users{outcome=\"built\"}"), 8);
  EXPECT_EQ(samples.at("ticketcache_run_users{outcome=\"abandoned\"}"), 0);

  RunSummary done;
  done.started_at_ms = 1'700'000'000'000;
  done.finished_at_ms = 1'700'000'060'000;
  done.users_seen = 100;
  done.fresh = 90;
  done.built = 10;
  metrics.ObserveRun(done);
  samples = Samples(metrics);
  EXPECT_EQ(samples.at("ticketcache_run_in_progress{}"), 0);
  EXPECT_EQ(samples.at("ticketcache_run_users_done{}"), 100);
  EXPECT_EQ(samples.at("ticketcache_run_users{outcome=\"built\"}"), 10);
}

TEST(JobMetricsTest, MetricsFileIsWorldReadableWhateverTheUmask) {
  JobMetrics metrics(MetricsScope::kTextfile);
  const std::string path = ::testing::TempDir() + "/tc_metrics_mode.prom";
  std::remove(path.c_str());
  const mode_t previous = ::umask(077);
  const Status written = metrics.WriteFile(path);
  ::umask(previous);
  ASSERT_TRUE(written.ok()) << written.error().message;
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0644u);
  std::remove(path.c_str());
}

TEST(JobMetricsTest, MetricsFileInAMissingDirectoryIsAnErrorNamingIt) {
  JobMetrics metrics(MetricsScope::kTextfile);
  const Status written = metrics.WriteFile("/nonexistent-dir-for-tc/metrics.prom");
  ASSERT_FALSE(written.ok());
  EXPECT_NE(written.error().message.find("/nonexistent-dir-for-tc/metrics.prom.tmp"),
            std::string::npos);
}

}  // namespace
}  // namespace tc
