// kill -9 at several points of a run over 2,000 users: every document still parses and is
// either the old or the new one (never a mix), the database is intact, and the next run
// completes (docs/design.md: a crash or kill mid-run leaves every document either old or new).
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>

#include <chrono>
#include <thread>

#include "support/job_fixture.h"

namespace tc {
namespace {

// The document with every timestamp zeroed: what a refresh decides, independent of when.
std::string Normalized(const std::string& text) {
  auto parsed = ParseJsJson(text);
  if (!parsed.ok()) return "<unparseable>";
  Json document = *parsed;
  document["timestamp"] = 0;
  for (const char* list : {"passes", "passes4"}) {
    for (auto& entry : document[list]) entry["timestamp"] = 0;
  }
  return JsStringify(document);
}

std::string IntegrityCheck(const std::string& path) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* statement = nullptr;
  std::string answer = "<no answer>";
  if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &statement, nullptr) == SQLITE_OK &&
      sqlite3_step(statement) == SQLITE_ROW) {
    answer = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
  }
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return answer;
}

TEST(CrashSafetyTest, KillNineMidRunLeavesEveryDocumentOldOrNew) {
  constexpr int64_t kCrashUsers = 2000;
  JobFixture job(JobFixtureOptions()
                     .WithUsers(kCrashUsers)
                     .WithSim(std::vector<std::string>{"--latency-ms", "4"})
                     .WithRefresh("concurrency = 8\nretries = 1\nlock_ttl = \"1s\"\n"));
  ASSERT_TRUE(job.error().empty()) << job.error();
  Json first;
  ASSERT_EQ(job.Run({}, &first).exit_code, 0);
  ASSERT_EQ(first["built"], kCrashUsers);
  std::map<int64_t, std::string> old_documents;
  for (const auto& [user, text] : job.AllDocuments()) old_documents[user] = Normalized(text);
  ASSERT_EQ(old_documents.size(), static_cast<size_t>(kCrashUsers));

  // Every user's passes change; each killed run gets part of the way.
  ASSERT_TRUE(job.sim().Post("/_sim/mutate", R"({"every":1})").ok());
  std::vector<std::map<int64_t, std::string>> snapshots;
  int64_t killed_mid_run = 0;
  for (int delay_ms : {150, 500, 1000, 1800}) {
    BackgroundChild child({TICKETCACHE_BINARY, "run", "--force", "--config", job.config_path()}, {},
                          job.dir());
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    const bool was_running = child.Running();
    child.Signal(SIGKILL);
    ChildResult result = child.Wait(10'000);
    if (was_running && result.signal == SIGKILL) ++killed_mid_run;

    ASSERT_EQ(IntegrityCheck(job.dir() + "/cache.db"), "ok");
    std::map<int64_t, std::string> snapshot;
    for (const auto& [user, text] : job.AllDocuments()) snapshot[user] = Normalized(text);
    ASSERT_EQ(snapshot.size(), static_cast<size_t>(kCrashUsers));
    for (const auto& [user, normalized] : snapshot) {
      ASSERT_NE(normalized, "<unparseable>") << "user " << user;
    }
    snapshots.push_back(std::move(snapshot));
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // the killed run's lock expires
  }
  EXPECT_GE(killed_mid_run, 2) << "the runs finished before the kills: make them longer";

  Json last;
  ChildResult final_run = job.Run({"--force"}, &last);
  ASSERT_EQ(final_run.exit_code, 0) << final_run.err;
  EXPECT_EQ(last["status"], "ok");
  EXPECT_EQ(last["failed"], 0);
  std::map<int64_t, std::string> new_documents;
  for (const auto& [user, text] : job.AllDocuments()) new_documents[user] = Normalized(text);

  int64_t changed_by_killed_runs = 0;
  for (const auto& snapshot : snapshots) {
    for (const auto& [user, normalized] : snapshot) {
      const bool is_old = normalized == old_documents.at(user);
      const bool is_new = normalized == new_documents.at(user);
      ASSERT_TRUE(is_old || is_new) << "user " << user << " holds a document that is neither";
      changed_by_killed_runs += is_new && !is_old ? 1 : 0;
    }
  }
  EXPECT_GT(changed_by_killed_runs, 0) << "no killed run got anything written";
}

}  // namespace
}  // namespace tc
