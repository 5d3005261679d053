// The job end to end on the embedded default: the ticketcache binary, SQLite stores, the
// simulator.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <thread>

#include "support/job_fixture.h"

namespace tc {
namespace {

int64_t CountRows(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* statement = nullptr;
  int64_t count = -1;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) == SQLITE_OK &&
      sqlite3_step(statement) == SQLITE_ROW) {
    count = sqlite3_column_int64(statement, 0);
  }
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return count;
}

int64_t Outcomes(const Json& summary) {
  int64_t total = 0;
  for (const char* key :
       {"fresh", "built", "updated", "unchanged", "failed", "skipped_backoff", "abandoned"}) {
    total += summary[key].get<int64_t>();
  }
  return total;
}

// Waits (at most 60 s) until `child` has logged `text` on stderr.
bool WaitForStderr(BackgroundChild& child, const std::string& text) {
  for (int i = 0; i < 600 && child.StderrSoFar().find(text) == std::string::npos; ++i) {
    if (!child.Running()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return child.StderrSoFar().find(text) != std::string::npos;
}

// A second run while one holds the lock is not a failure (the other does the work): status
// locked, exit 0, logged at info. SIGHUP (a closed terminal) stops a run in order, like SIGTERM:
// interrupted, exit 0, lock released, instead of a kill with the lock held.
TEST(RunJobTest, ALockedRunIsNoFailureAndSighupStopsARunInOrder) {
  JobFixture job(JobFixtureOptions()
                     .WithUsers(40)
                     .WithSim({"--latency-ms", "300"})
                     .WithRefresh("concurrency = 2\nretries = 1\nretry_base_delay = \"10ms\"\n"
                                  "retry_max_delay = \"50ms\"\nlock_ttl = \"30s\"\n"));
  ASSERT_TRUE(job.error().empty()) << job.error();
  BackgroundChild slow({TICKETCACHE_BINARY, "run", "--force", "--config", job.config_path()}, {},
                       job.dir());
  ASSERT_TRUE(WaitForStderr(slow, "\"message\":\"run started\"")) << slow.StderrSoFar();

  Json locked;
  const ChildResult second = job.Run({}, &locked);
  EXPECT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(locked["status"], "locked") << second.out;
  EXPECT_EQ(locked["reason"], "lock 'run' is held by another run");
  EXPECT_EQ(second.err.find("\"level\":\"error\""), std::string::npos) << second.err;
  EXPECT_EQ(second.err.find("\"level\":\"warn\""), std::string::npos) << second.err;

  ASSERT_TRUE(slow.Running()) << "the first run ended before it could be stopped";
  slow.Signal(SIGHUP);
  const ChildResult stopped = slow.Wait(60'000);
  EXPECT_EQ(stopped.signal, 0) << "killed by signal " << stopped.signal;
  EXPECT_EQ(stopped.exit_code, 0) << stopped.err;
  EXPECT_NE(stopped.out.find("\"status\":\"interrupted\""), std::string::npos) << stopped.out;

  Json after;
  const ChildResult third = job.Run({}, &after);  // the lock was released: this one works
  EXPECT_EQ(third.exit_code, 0) << third.err;
  EXPECT_EQ(after["status"], "ok") << third.out;
  EXPECT_EQ(CountRows(job.dir() + "/cache.db",
                      "SELECT COUNT(*) FROM ticketcache_runs WHERE status = 'running'"),
            0);
}

TEST(RunJobTest, BuildsEveryUserThenSkipsFreshOnes) {
  JobFixture job(JobFixtureOptions().WithUsers(200));
  ASSERT_TRUE(job.error().empty()) << job.error();

  Json first;
  ChildResult run = job.Run({}, &first);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  // stdout is exactly one JSON object (logs go to stderr).
  ASSERT_TRUE(first.is_object()) << run.out;
  EXPECT_EQ(std::count(run.out.begin(), run.out.end(), '\n'), 1);
  EXPECT_EQ(first["status"], "ok");
  EXPECT_EQ(first["users_seen"], 200);
  EXPECT_EQ(first["built"], 200);
  EXPECT_EQ(first["failed"], 0);
  EXPECT_EQ(Outcomes(first), 200);
  EXPECT_GE(first["api_requests"].get<int64_t>(), 400);  // both lists, every user

  // Every created pass is in the audit log.
  EXPECT_EQ(CountRows(job.dir() + "/cache.db", "SELECT count(*) FROM BytemarkTicketsLog"),
            first["passes_created"].get<int64_t>());

  Json second;
  const std::string metrics_file = job.dir() + "/ticketcache.prom";
  run = job.Run({"--metrics-file", metrics_file}, &second);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(second["fresh"], 200);
  EXPECT_EQ(second["api_requests"], 0);
  // node_exporter's textfile collector reads what the run wrote (atomically: no temp file left).
  const std::string metrics = ReadFile(metrics_file);
  // Counters are cumulative over the run history: both runs count, though only the second wrote.
  EXPECT_NE(metrics.find("ticketcache_runs_total{status=\"ok\"} 2"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("ticketcache_users_total{outcome=\"built\"} 200"), std::string::npos);
  EXPECT_NE(metrics.find("ticketcache_users_total{outcome=\"fresh\"} 200"), std::string::npos);
  EXPECT_TRUE(ReadFile(metrics_file + ".tmp").empty());

  // The document: seed shape, JS-exact hashes, build order by time_created.
  auto shown = job.Show(42);
  ASSERT_TRUE(shown.has_value());
  auto document = ParseJsJson(*shown);
  ASSERT_TRUE(document.ok());
  EXPECT_EQ((*document)["user_id"], 42);
  ASSERT_TRUE((*document)["passes"].is_array());
  ASSERT_FALSE((*document)["passes"].empty());
  std::string previous_created;
  for (const auto& entry : (*document)["passes"]) {
    EXPECT_EQ(entry["payload_hash"], PayloadHash(entry["payload"]));
    EXPECT_EQ(entry["pass_uuid"], entry["payload"]["uuid"]);
    EXPECT_EQ(entry["free_ticket_status"], 0);
    const std::string created = entry["payload"]["time_created"];
    EXPECT_LE(previous_created, created);
    previous_created = created;
  }
  EXPECT_TRUE((*document)["passes4"].is_array());
  // `show` prints exactly what is stored.
  EXPECT_EQ(JsStringify(*document), *shown);

  ChildResult status = job.Ticketcache({"status", "--json"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  auto status_json = ParseJsJson(status.out);
  ASSERT_TRUE(status_json.ok()) << status.out;
  EXPECT_EQ((*status_json)["runs"].size(), 2u);
  EXPECT_EQ((*status_json)["runs"][0]["status"], "ok");
}

TEST(RunJobTest, AFailingUserKeepsItsDocumentByteForByteWhileOthersRefresh) {
  JobFixture job(JobFixtureOptions().WithUsers(60).WithSim(
      std::vector<std::string>{"--timeout-delay-ms", "4000"}));
  ASSERT_TRUE(job.error().empty()) << job.error();
  Json first;
  ASSERT_EQ(job.Run({}, &first).exit_code, 0);
  ASSERT_EQ(first["built"], 60);
  const auto before = job.AllDocuments();
  ASSERT_EQ(before.size(), 60u);

  ASSERT_TRUE(job.sim().Post("/_sim/mutate", R"({"every":1})").ok());
  const std::map<int64_t, std::string> faults = {
      {5, "500"},  {6, "401"},    {7, "malformed"},    {8, "timeout"},
      {9, "html"}, {10, "reset"}, {11, "wrong_shape"}, {12, "empty"}};
  for (const auto& [user, kind] : faults) ASSERT_TRUE(job.sim().SetUserFault(user, kind).ok());

  Json summary;
  ChildResult run = job.Run({"--force"}, &summary, {{"TICKETCACHE_BYTEMARK_TIMEOUT", "1s"}});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(summary["status"], "ok");
  EXPECT_EQ(summary["failed"], static_cast<int64_t>(faults.size()));
  EXPECT_EQ(summary["updated"], 60 - static_cast<int64_t>(faults.size()));
  EXPECT_EQ(Outcomes(summary), 60);
  const Json& by_class = summary["failures_by_class"];
  EXPECT_EQ(by_class.value("rejected_token", 0), 1);
  EXPECT_EQ(by_class.value("timeout", 0), 1);
  EXPECT_EQ(by_class.value("malformed", 0), 4);  // malformed, html, wrong_shape, empty
  EXPECT_EQ(by_class.value("transient", 0), 2);  // 500 after retries, connection reset

  const auto after = job.AllDocuments();
  for (int64_t user = 1; user <= 60; ++user) {
    if (faults.count(user)) {
      EXPECT_EQ(after.at(user), before.at(user)) << "user " << user << " must be untouched";
    } else {
      EXPECT_NE(after.at(user), before.at(user)) << "user " << user << " must be refreshed";
    }
  }

  // Each failure is logged with user, stage and class; no token ever reaches the output.
  EXPECT_NE(run.err.find("\"user_id\":6"), std::string::npos);
  EXPECT_NE(run.err.find("rejected_token"), std::string::npos);
  EXPECT_EQ(run.err.find("tc-sim-token-"), std::string::npos);
  EXPECT_EQ(run.out.find("tc-sim-token-"), std::string::npos);
}

TEST(RunJobTest, ChangedPassesAreMergedAndAudited) {
  JobFixture job(JobFixtureOptions().WithUsers(30));
  ASSERT_TRUE(job.error().empty()) << job.error();
  ASSERT_EQ(job.Run().exit_code, 0);
  const int64_t audit_before =
      CountRows(job.dir() + "/cache.db", "SELECT count(*) FROM BytemarkTicketsLog");

  ASSERT_TRUE(job.sim().Post("/_sim/mutate", R"({"users":[3,4]})").ok());
  Json summary;
  ASSERT_EQ(job.Run({"--force"}, &summary).exit_code, 0);
  EXPECT_EQ(summary["updated"], 2);
  EXPECT_EQ(summary["unchanged"], 28);
  EXPECT_GT(summary["passes_changed"].get<int64_t>() + summary["passes_created"].get<int64_t>(), 0);
  const int64_t audit_after =
      CountRows(job.dir() + "/cache.db", "SELECT count(*) FROM BytemarkTicketsLog");
  EXPECT_EQ(audit_after - audit_before,
            summary["passes_changed"].get<int64_t>() + summary["passes_created"].get<int64_t>());
  EXPECT_EQ(CountRows(job.dir() + "/cache.db",
                      "SELECT count(DISTINCT user_id) FROM BytemarkTicketsLog WHERE id > " +
                          std::to_string(audit_before)),
            2);
}

TEST(RunJobTest, DryRunListsWhoWouldBeRefreshedAndTouchesNothing) {
  JobFixture job(JobFixtureOptions().WithUsers(25));
  ASSERT_TRUE(job.error().empty()) << job.error();
  Json summary;
  ChildResult run = job.Run({"--dry-run"}, &summary);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(summary["would_refresh"], 25);
  EXPECT_EQ(summary["api_requests"], 0);
  EXPECT_EQ(summary["would_refresh_by_reason"]["missing"], 25);
  EXPECT_EQ(summary["would_refresh_sample"].size(), 10U);
  EXPECT_TRUE(job.AllDocuments().empty());
  auto counters = job.sim().Get("/_sim/counters");
  ASSERT_TRUE(counters.ok());
  EXPECT_EQ((*ParseJsJson(*counters))["requests_total"], 0);
}

TEST(RunJobTest, NamedUsersOnly) {
  JobFixture job(JobFixtureOptions().WithUsers(25));
  ASSERT_TRUE(job.error().empty()) << job.error();
  Json summary;
  ASSERT_EQ(job.Run({"--user", "3", "--user", "17"}, &summary).exit_code, 0);
  EXPECT_EQ(summary["users_seen"], 2);
  EXPECT_EQ(summary["built"], 2);
  const auto documents = job.AllDocuments();
  EXPECT_EQ(documents.size(), 2u);
  EXPECT_TRUE(documents.count(3) && documents.count(17));
}

}  // namespace
}  // namespace tc
