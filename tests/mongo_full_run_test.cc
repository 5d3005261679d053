// The whole job with the cache in MongoDB (the FerretDB server of scripts/with-mongo.sh), the real
// ticketcache binary and the simulator: tokens from a SQLite portal or from MariaDB
// (scripts/with-mariadb.sh), `status` and `show` reading Mongo, the server restarted mid-run,
// and kill -9 mid-run leaving every document old or new. Round trips to the server are counted
// from the server's own command counters (docs/performance.md).
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "mongo/mongo_write_claim.h"
#include "mysql/mysql_pool.h"
#include "support/mongo_job.h"
#include "support/mysql_test_server.h"

namespace tc::testing {
namespace {

// Small: FerretDB's SQLite backend filters only `_id` in SQL, so every find by user_id scans the
// collection (docs/stores.md) and a run costs O(users²) there.
constexpr int64_t kMongoRunUsers = 60;
constexpr char kMongoRunRefresh[] =
    "concurrency = 8\nretries = 1\nretry_base_delay = \"10ms\"\nretry_max_delay = \"50ms\"\n"
    "lock_ttl = \"5s\"\n";

int64_t Total(const std::map<std::string, int64_t>& counts) {
  int64_t total = 0;
  for (const auto& [command, count] : counts) total += count;
  return total;
}

// Commands the server received between two snapshots, by name.
std::map<std::string, int64_t> Delta(const std::map<std::string, int64_t>& before,
                                     const std::map<std::string, int64_t>& after) {
  std::map<std::string, int64_t> delta;
  for (const auto& [command, count] : after) {
    auto found = before.find(command);
    const int64_t difference = count - (found == before.end() ? 0 : found->second);
    if (difference != 0) delta[command] = difference;
  }
  return delta;
}

std::string Describe(const std::map<std::string, int64_t>& counts) {
  std::string text;
  for (const auto& [command, count] : counts) text += fmt::format("{} {}, ", command, count);
  return text;
}

class MongoFullRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!job_.mongo()) GTEST_SKIP() << kMongoSkipReason;
  }
  void TearDown() override {
    if (stopped_) ControlTestMongo("start");
  }

  MongoJob job_;
  bool stopped_ = false;
};

TEST_F(MongoFullRunTest, SqliteTokensAndMongoCacheWithStatusAndShow) {
  ASSERT_TRUE(job_.StartSim(kMongoRunUsers, {"--passes", "4", "--expired", "2"}));
  job_.WriteConfig(MongoJob::SqliteTokens(job_.dir()) + "page_size = 50\n", kMongoRunRefresh);
  ChildResult init = job_.Ticketcache({"init", "--demo-users", std::to_string(kMongoRunUsers)});
  ASSERT_EQ(init.exit_code, 0) << init.err;

  Json first;
  auto before = TestMongoCommandCounts();
  ChildResult run = job_.Ticketcache({"run"}, &first);
  const auto first_commands = Delta(before, TestMongoCommandCounts());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(first["status"], "ok") << run.out;
  EXPECT_EQ(first["built"], kMongoRunUsers);
  EXPECT_EQ(first["failed"], 0);
  EXPECT_EQ(job_.Count("BytemarkTicketsCache"), kMongoRunUsers);
  EXPECT_EQ(job_.Count("BytemarkTicketsLog"), first["passes_created"].get<int64_t>());

  Json second;
  before = TestMongoCommandCounts();
  run = job_.Ticketcache({"run"}, &second);
  const auto fresh_commands = Delta(before, TestMongoCommandCounts());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(second["fresh"], kMongoRunUsers);
  EXPECT_EQ(second["api_requests"], 0);
  if (!first_commands.empty()) {
    // Freshness is one query per page of 50 users, not one per user.
    EXPECT_LE(fresh_commands.at("find"), 4) << Describe(fresh_commands);
    std::printf("round trips: build run %lld (%.2f per built user: %s)\n",
                static_cast<long long>(Total(first_commands)),
                static_cast<double>(Total(first_commands)) / kMongoRunUsers,
                Describe(first_commands).c_str());
    std::fflush(stdout);
    std::printf("round trips: all-fresh run %lld (%s)\n",
                static_cast<long long>(Total(fresh_commands)), Describe(fresh_commands).c_str());
    std::fflush(stdout);
    RecordProperty("round_trips_build_run", std::to_string(Total(first_commands)));
    RecordProperty("round_trips_fresh_run", std::to_string(Total(fresh_commands)));
  }

  ChildResult shown = job_.Ticketcache({"show", "35"});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  auto document = ParseJsJson(shown.out);
  ASSERT_TRUE(document.ok()) << shown.out;
  EXPECT_EQ((*document)["user_id"], 35);
  EXPECT_EQ((*document)["passes"].size(), 4u);
  EXPECT_EQ((*document)["passes4"].size(), 2u);
  EXPECT_NE(job_.Ticketcache({"show", "9999"}).exit_code, 0);

  ChildResult status = job_.Ticketcache({"status", "--json"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  auto history = ParseJsJson(status.out);
  ASSERT_TRUE(history.ok()) << status.out;
  ASSERT_EQ((*history)["runs"].size(), 2u);
  EXPECT_EQ((*history)["runs"][0]["status"], "ok");
  EXPECT_EQ((*history)["runs"][0]["summary"]["fresh"], kMongoRunUsers);
  EXPECT_EQ((*history)["runs"][1]["summary"]["built"], kMongoRunUsers);

  Json forced;
  run = job_.Ticketcache({"run", "--user", "14", "--force"}, &forced);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(forced["users_seen"], 1);
  EXPECT_EQ(forced["unchanged"], 1);
}

TEST_F(MongoFullRunTest, MysqlTokensAndMongoCache) {
  std::optional<TestMysql> mysql = FindTestMysql();
  if (!mysql) GTEST_SKIP() << kMysqlSkipReason;
  MysqlPool admin(mysql->options, 1);
  const std::string table = UniqueTablePrefix() + "tokens";
  auto exec = [&](const std::string& sql) {
    Status status = admin.Run([&](MysqlConnection& connection) -> Status {
      auto done = connection.Execute(sql, {});
      if (!done.ok()) return done.error();
      return Status::Ok();
    });
    ASSERT_TRUE(status.ok()) << status.error().ToString();
  };
  exec("CREATE TABLE `" + table +
       "` (id BIGINT AUTO_INCREMENT PRIMARY KEY, user_id BIGINT NOT NULL, token TEXT NULL)");
  std::string insert = "INSERT INTO `" + table + "` (user_id, token) VALUES ";
  for (int64_t user = 1; user <= kMongoRunUsers; ++user) {
    insert += fmt::format("({0}, 'tc-sim-token-{0}'){1}", user, user == kMongoRunUsers ? "" : ", ");
  }
  exec(insert);

  ASSERT_TRUE(job_.StartSim(kMongoRunUsers, {"--passes", "4", "--expired", "2"}));
  job_.WriteConfig(fmt::format("url = \"{}\"\ntable = \"{}\"\npage_size = 50\n", mysql->url, table),
                   kMongoRunRefresh);
  const std::map<std::string, std::string> env = {{"TICKETCACHE_TOKENS_PASSWORD", mysql->password}};
  ChildResult init = job_.Ticketcache({"init"}, nullptr, env);
  ASSERT_EQ(init.exit_code, 0) << init.err;
  Json summary;
  const auto before = TestMongoCommandCounts();
  const auto started = std::chrono::steady_clock::now();
  ChildResult run = job_.Ticketcache({"run"}, &summary, env);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const auto commands = Delta(before, TestMongoCommandCounts());
  exec("DROP TABLE `" + table + "`");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(summary["built"], kMongoRunUsers) << run.out;
  EXPECT_EQ(summary["failed"], 0);
  EXPECT_EQ(job_.Count("BytemarkTicketsCache"), kMongoRunUsers);
  EXPECT_EQ(run.err.find(mysql->password), std::string::npos);
  std::printf(
      "MySQL tokens -> Mongo cache: %lld users in %.2f s (%.0f users/s, process start "
      "included), %lld round trips (%s)\n",
      static_cast<long long>(kMongoRunUsers), seconds, kMongoRunUsers / seconds,
      static_cast<long long>(Total(commands)), Describe(commands).c_str());
  std::fflush(stdout);
}

// The server goes away and comes back while users are being refreshed. The run ends without
// crashing, nothing is half-written (every pass has exactly one audit entry once the next run
// completes), and the next run completes.
TEST_F(MongoFullRunTest, ServerRestartedInTheMiddleOfARun) {
  ASSERT_TRUE(
      job_.StartSim(kMongoRunUsers, {"--passes", "4", "--expired", "2", "--latency-ms", "20"}));
  job_.WriteConfig(MongoJob::SqliteTokens(job_.dir()), kMongoRunRefresh);
  ChildResult init = job_.Ticketcache({"init", "--demo-users", std::to_string(kMongoRunUsers)});
  ASSERT_EQ(init.exit_code, 0) << init.err;

  std::atomic<bool> restarted{false};
  std::thread restarter([&] {
    for (int i = 0; i < 500; ++i) {
      auto counters = job_.sim().Get("/_sim/counters");
      if (counters.ok()) {
        auto json = ParseJsJson(*counters);
        if (json.ok() && json->value("requests_total", 0) >= 30) break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    restarted = ControlTestMongo("restart");
  });
  Json during;
  ChildResult run = job_.Ticketcache({"run"}, &during);
  restarter.join();
  ASSERT_TRUE(restarted.load());
  EXPECT_NE(run.exit_code, -1) << "killed by signal " << run.signal;
  EXPECT_TRUE(run.exit_code == 0 || run.exit_code == 1) << run.err;
  std::printf("run across the restart: exit %d, %s\n", run.exit_code, run.out.c_str());
  std::fflush(stdout);

  Json after;
  run = job_.Ticketcache({"run"}, &after);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(after["failed"], 0) << run.out;
  EXPECT_EQ(job_.Count("BytemarkTicketsCache"), kMongoRunUsers);
  EXPECT_EQ(job_.Count("BytemarkTicketsLog"), kMongoRunUsers * 6);
  EXPECT_EQ(job_.RepeatedAuditEntries(), 0);
  for (const auto& [user, text] : job_.NormalizedDocuments()) {
    ASSERT_NE(text, "<unreadable>") << "user " << user;
  }
}

// kill -9 at several points of runs that change every user's passes: every document still reads
// and is either the old or the new one, never a mix; the next run completes.
TEST_F(MongoFullRunTest, KillNineMidRunLeavesEveryDocumentOldOrNew) {
  constexpr int64_t kKillUsers = 100;
  ASSERT_TRUE(job_.StartSim(kKillUsers, {"--latency-ms", "20"}));
  job_.WriteConfig(MongoJob::SqliteTokens(job_.dir()),
                   "concurrency = 8\nretries = 1\nlock_ttl = \"1s\"\n");
  ChildResult init = job_.Ticketcache({"init", "--demo-users", std::to_string(kKillUsers)});
  ASSERT_EQ(init.exit_code, 0) << init.err;
  Json first;
  ASSERT_EQ(job_.Ticketcache({"run"}, &first).exit_code, 0);
  ASSERT_EQ(first["built"], kKillUsers);
  const std::map<int64_t, std::string> old_documents = job_.NormalizedDocuments();
  ASSERT_EQ(old_documents.size(), static_cast<size_t>(kKillUsers));

  ASSERT_TRUE(job_.sim().Post("/_sim/mutate", R"({"every":1})").ok());
  std::vector<std::map<int64_t, std::string>> snapshots;
  int64_t killed_mid_run = 0;
  for (int delay_ms : {400, 1200, 2500}) {
    BackgroundChild child({TICKETCACHE_BINARY, "run", "--force", "--config", job_.config_path()},
                          {}, job_.dir());
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    const bool was_running = child.Running();
    child.Signal(SIGKILL);
    ChildResult result = child.Wait(10'000);
    if (was_running && result.signal == SIGKILL) ++killed_mid_run;
    snapshots.push_back(job_.NormalizedDocuments());
    ASSERT_EQ(snapshots.back().size(), static_cast<size_t>(kKillUsers));
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // the killed run's lock expires
  }
  EXPECT_GE(killed_mid_run, 1) << "the runs finished before the kills: make them longer";
  // On FerretDB a killed writer may leave a write claim behind (mongo/mongo_write_claim.h): it
  // blocks that one user, as a conflict, until its lease ends. Wait it out, so the final run
  // meets no writer, dead or alive.
  std::this_thread::sleep_for(std::chrono::milliseconds(mongo::kClaimLeaseMs + 100));

  Json last;
  ChildResult final_run = job_.Ticketcache({"run", "--force"}, &last);
  ASSERT_EQ(final_run.exit_code, 0) << final_run.err;
  EXPECT_EQ(last["failed"], 0);
  const std::map<int64_t, std::string> new_documents = job_.NormalizedDocuments();
  int64_t changed_by_killed_runs = 0;
  for (const auto& snapshot : snapshots) {
    for (const auto& [user, normalized] : snapshot) {
      ASSERT_NE(normalized, "<unreadable>") << "user " << user;
      const bool is_old = normalized == old_documents.at(user);
      const bool is_new = normalized == new_documents.at(user);
      ASSERT_TRUE(is_old || is_new) << "user " << user << " holds a document that is neither";
      changed_by_killed_runs += is_new && !is_old ? 1 : 0;
    }
  }
  EXPECT_GT(changed_by_killed_runs, 0) << "no killed run got anything written";
}

}  // namespace
}  // namespace tc::testing
