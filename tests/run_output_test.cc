// What a run shows people and log shippers, against the real binary: progress log lines when
// stderr is not a terminal, the run's start and end lines, run_id on every line of the run, every
// stderr line JSON under log.format = "json" (configuration errors included), and a dry run of
// 10,000 users that prints a summary instead of a line per user.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>

#include "json/js_json.h"
#include "support/child_process.h"
#include "support/job_fixture.h"

namespace tc {
namespace {

// Every stderr line parsed as JSON; a line that is not JSON fails the test.
std::vector<nlohmann::json> JsonLines(const std::string& text) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    nlohmann::json parsed = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    EXPECT_TRUE(parsed.is_object()) << "not a JSON line: " << line;
    if (parsed.is_object()) lines.push_back(std::move(parsed));
  }
  return lines;
}

std::vector<nlohmann::json> WithMessage(const std::vector<nlohmann::json>& lines,
                                        const std::string& message) {
  std::vector<nlohmann::json> found;
  for (const auto& line : lines) {
    if (line.value("message", "") == message) found.push_back(line);
  }
  return found;
}

TEST(RunOutputTest, ARunWithoutATerminalLogsItsProgressAndEveryLineIsJsonWithItsRunId) {
  // 2,000 users, two requests each, 5 ms apiece, 16 in flight: the run lasts over a second, so a
  // 100 ms progress interval must produce progress lines.
  JobFixture job(JobFixtureOptions().WithUsers(2000).WithSim({"--latency-ms", "5"}));
  ASSERT_TRUE(job.error().empty()) << job.error();
  Json summary;
  ChildResult run = job.Run({}, &summary, {{"TICKETCACHE_LOG_PROGRESS_INTERVAL", "100ms"}});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::string run_id = summary["run_id"].get<std::string>();
  const auto lines = JsonLines(run.err);

  const auto started = WithMessage(lines, "run started");
  ASSERT_EQ(started.size(), 1U) << run.err;
  EXPECT_EQ(started[0]["users_total"], 2000);
  EXPECT_EQ(started[0]["dry_run"], false);
  EXPECT_EQ(started[0]["shard"], "");

  const auto progress = WithMessage(lines, "run progress");
  ASSERT_GE(progress.size(), 1U) << run.err;
  for (const auto& line : progress) {
    EXPECT_EQ(line["level"], "info");
    EXPECT_EQ(line["users_total"], 2000);
    EXPECT_LE(line["done"].get<int64_t>(), 2000);
    for (const char* field : {"percent", "users_per_second", "eta_seconds", "built", "updated",
                              "unchanged", "failed"}) {
      EXPECT_TRUE(line.contains(field)) << field << " missing: " << line.dump();
    }
  }

  const auto finished = WithMessage(lines, "run finished");
  ASSERT_EQ(finished.size(), 1U);
  EXPECT_EQ(finished[0]["level"], "info");
  EXPECT_EQ(finished[0]["status"], "ok");
  EXPECT_EQ(finished[0]["built"], 2000);
  for (const auto& line : lines) EXPECT_EQ(line.value("run_id", ""), run_id) << line.dump();
  // Never the terminal's line on a pipe.
  EXPECT_EQ(run.err.find('\r'), std::string::npos);

  ChildResult quiet = job.Run({"--force", "--no-progress"}, nullptr,
                              {{"TICKETCACHE_LOG_PROGRESS_INTERVAL", "100ms"}});
  ASSERT_EQ(quiet.exit_code, 0) << quiet.err;
  EXPECT_TRUE(WithMessage(JsonLines(quiet.err), "run progress").empty()) << quiet.err;
  EXPECT_EQ(WithMessage(JsonLines(quiet.err), "run finished").size(), 1U);
}

TEST(RunOutputTest, ADegradedRunFinishesAtWarnWithTheReason) {
  // Every answer a 5xx: the run stops once the failure is clearly the API's (the breaker, which
  // would wait for its probes, is kept out of the way).
  JobFixture job(JobFixtureOptions()
                     .WithUsers(300)
                     .WithSim({"--fault-5xx", "1"})
                     .WithRefresh("concurrency = 16\nretries = 0\nbreaker_window = 1000\n"
                                  "breaker_min_calls = 1000\nlock_ttl = \"3s\"\n"));
  ASSERT_TRUE(job.error().empty()) << job.error();
  Json summary;
  ChildResult run = job.Run({}, &summary);
  ASSERT_EQ(run.exit_code, 3) << run.err;
  const auto lines = JsonLines(run.err);
  const auto finished = WithMessage(lines, "run finished");
  ASSERT_EQ(finished.size(), 1U) << run.err;
  EXPECT_EQ(finished[0]["level"], "warn");
  EXPECT_EQ(finished[0]["status"], "degraded");
  EXPECT_NE(finished[0]["reason"].get<std::string>().find("API-wide failure"), std::string::npos)
      << finished[0].dump();
  EXPECT_EQ(finished[0]["reason"], summary["reason"]);
}

TEST(RunOutputTest, ADryRunOfTenThousandUsersPrintsASummaryNotAUserPerLine) {
  JobFixture job(JobFixtureOptions().WithUsers(10'000));
  ASSERT_TRUE(job.error().empty()) << job.error();
  Json summary;
  ChildResult run = job.Run({"--dry-run"}, &summary);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(summary["would_refresh"], 10'000);
  EXPECT_EQ(summary["would_refresh_by_reason"]["missing"], 10'000);
  EXPECT_EQ(summary["would_refresh_sample"].size(), 10U);
  EXPECT_EQ(std::count(run.out.begin(), run.out.end(), '\n'), 1) << "one summary object";
  const auto lines = JsonLines(run.err);
  EXPECT_LT(lines.size(), 10U) << run.err;
  for (const auto& line : lines) EXPECT_FALSE(line.contains("user_id")) << line.dump();
}

TEST(RunOutputTest, StartUpErrorsAreJsonWhenTheLogsAre) {
  const std::string dir = MakeTestTempDir("tc_run_output");
  const std::string misspelt = dir + "/misspelt.toml";
  WriteFile(misspelt, "[log]\nformat = \"json\"\n[refresh]\nconcurrenc = 3\n");
  const std::string missing_store = dir + "/store.toml";
  WriteFile(missing_store, "[store]\nurl = \"sqlite:" + dir + "/absent/cache.db\"\n");
  struct Case {
    std::vector<std::string> args;
    std::map<std::string, std::string> env;
    int exit_code;
    std::string names;
  };
  const std::vector<Case> cases = {
      {{"config", "--config", misspelt}, {}, 2, "refresh.concurrenc"},
      {{"run", "--config", misspelt}, {}, 2, "refresh.concurrenc"},
      {{"config", "--config", missing_store},
       {{"TICKETCACHE_REFRESH_TTL", "6o m"}},
       2,
       "TICKETCACHE_REFRESH_TTL"},
      {{"status", "--config", missing_store}, {}, 1, "no such database file"},
      {{"config", "--config", dir + "/nowhere.toml"}, {}, 2, "nowhere.toml"},
      {{"serve", "--config", missing_store},
       {{"TICKETCACHE_SCHEDULE_CRON", "0 25 * * *"}},
       2,
       "schedule.cron"},
  };
  for (const Case& c : cases) {
    ChildResult result = RunTicketcache(c.args, c.env);
    EXPECT_EQ(result.exit_code, c.exit_code) << result.err;
    const auto lines = JsonLines(result.err);
    ASSERT_FALSE(lines.empty()) << c.args[0];
    EXPECT_EQ(lines.back()["level"], "error");
    EXPECT_NE(lines.back()["message"].get<std::string>().find(c.names), std::string::npos)
        << result.err;
    EXPECT_EQ(lines.back()["exit_code"], c.exit_code);
  }
  // Text when the configuration says so, even when it is broken elsewhere; and --log-format.
  const std::string text = dir + "/text.toml";
  WriteFile(text, "[log]\nformat = \"text\"\n[refresh]\nconcurrenc = 3\n");
  ChildResult plain = RunTicketcache({"config", "--config", text});
  EXPECT_EQ(plain.exit_code, 2);
  EXPECT_EQ(plain.err.rfind("ticketcache: configuration: ", 0), 0U) << plain.err;
  ChildResult flag = RunTicketcache({"config", "--config", misspelt, "--log-format", "text"});
  EXPECT_EQ(flag.err.rfind("ticketcache: configuration: ", 0), 0U) << flag.err;
  RunChild({"/bin/rm", "-rf", dir});
}

}  // namespace
}  // namespace tc
