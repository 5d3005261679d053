// Refresh requests from the portal's `bytemark_ticket_refresh_log` (docs/operations.md), end to
// end: the real `serve` and `run --refresh-requests` against the simulator, with the table in the
// real MariaDB of scripts/with-mariadb.sh (created with the platform's schema), and in a SQLite
// demo portal. Every rule: due, scheduled later, other types, duplicates, no token, failure then
// success, a row inserted during a refresh, shards.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <thread>

#include "json/js_json.h"
#include "mysql/mysql_pool.h"
#include "sqlite/sqlite_database.h"
#include "sqlite/sqlite_query.h"
#include "support/child_process.h"
#include "support/job_fixture.h"
#include "support/mysql_test_server.h"
#include "support/serve_process.h"
#include "support/sim_process.h"
#include "tokens/shard.h"

namespace tc {
namespace {

constexpr int64_t kUsers = 30;          // users 1..30 have a token
constexpr int64_t kNoTokenUser = 5000;  // has requests, no token row

// Waits (at most 60 s, polling) until `done` holds; false when it never did. Generous on
// purpose: a slow machine makes the test slower, never wrong.
bool Eventually(const std::function<bool()>& done) {
  for (int i = 0; i < 1200; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

int64_t SimRequests(SimProcess& sim) {
  auto counters = sim.Get("/_sim/counters");
  if (!counters.ok()) return -1;
  return Json::parse(*counters, nullptr, false).value("requests_total", int64_t{-1});
}

int64_t SimInFlight(SimProcess& sim) {
  auto counters = sim.Get("/_sim/counters");
  if (!counters.ok()) return -1;
  return Json::parse(*counters, nullptr, false).value("in_flight", int64_t{-1});
}

class RefreshRequestsMysqlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = testing::FindTestMysql();
    if (!server_) GTEST_SKIP() << testing::kMysqlSkipReason;
    admin_ = std::make_unique<MysqlPool>(server_->options, 1);
    prefix_ = testing::UniqueTablePrefix();
    dir_ = MakeTestTempDir("tc_refresh_requests");
    env_ = {{"TICKETCACHE_TOKENS_PASSWORD", server_->password}};
    Exec("CREATE TABLE `" + prefix_ +
         "tokens` (id BIGINT AUTO_INCREMENT PRIMARY KEY, user_id BIGINT NOT NULL, token TEXT NULL,"
         " INDEX (user_id))");
    std::string sql = "INSERT INTO `" + prefix_ + "tokens` (user_id, token) VALUES ";
    for (int64_t user = 1; user <= kUsers; ++user) {
      sql += fmt::format("{}({}, 'tc-sim-token-{}')", user == 1 ? "" : ", ", user, user);
    }
    Exec(sql);
    // The platform's table, exactly.
    Exec("CREATE TABLE `" + table() +
         "` (id int AUTO_INCREMENT PRIMARY KEY,"
         " user_id int UNSIGNED NOT NULL DEFAULT 0,"
         " activity_type int UNSIGNED NOT NULL DEFAULT 0,"
         " status int UNSIGNED NOT NULL DEFAULT 0,"
         " note varchar(256) NULL,"
         " scheduled_on datetime NULL,"
         " created_on datetime NOT NULL DEFAULT CURRENT_TIMESTAMP,"
         " modified_on datetime NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,"
         " INDEX idx__user_id__status__001 (user_id, status))");
  }

  void TearDown() override {
    if (!server_) return;
    serve_.reset();
    sim_.reset();
    Exec("DROP TABLE IF EXISTS `" + prefix_ + "tokens`, `" + table() + "`");
    std::filesystem::remove_all(dir_);
  }

  std::string table() const { return prefix_ + "refresh_log"; }

  void Exec(const std::string& sql) {
    Status status = admin_->Run([&](MysqlConnection& connection) -> Status {
      auto done = connection.Execute(sql);
      if (!done.ok()) return done.error();
      return Status::Ok();
    });
    ASSERT_TRUE(status.ok()) << status.error().ToString();
  }

  std::optional<SqlRow> Row(const std::string& sql) {
    auto rows = admin_->Run<std::vector<SqlRow>>(
        [&](MysqlConnection& connection) { return connection.Query(sql); });
    EXPECT_TRUE(rows.ok()) << rows.error().ToString();
    if (!rows.ok() || rows->empty()) return std::nullopt;
    return rows->front();
  }

  // Inserts one request; `scheduled` is SQL (NULL, or UTC_TIMESTAMP() ± an interval). Its id.
  int64_t Insert(int64_t user, int type, const std::string& scheduled = "NULL") {
    const std::string sql =
        fmt::format("INSERT INTO `{}` (user_id, activity_type, scheduled_on) VALUES ({}, {}, {})",
                    table(), user, type, scheduled);
    auto id = admin_->Run<int64_t>([&](MysqlConnection& connection) -> Result<int64_t> {
      auto done = connection.Execute(sql);
      if (!done.ok()) return done.error();
      auto rows = connection.Query("SELECT LAST_INSERT_ID()");
      if (!rows.ok()) return rows.error();
      return rows->front().Int(0).value_or(0);
    });
    EXPECT_TRUE(id.ok()) << id.error().ToString();
    return id.ok() ? *id : 0;
  }

  int64_t StatusOf(int64_t id) {
    auto row = Row(fmt::format("SELECT status FROM `{}` WHERE id = {}", table(), id));
    return row ? row->Int(0).value_or(-1) : -1;
  }
  std::optional<std::string> NoteOf(int64_t id) {
    auto row = Row(fmt::format("SELECT note FROM `{}` WHERE id = {}", table(), id));
    if (!row || row->IsNull(0)) return std::nullopt;
    return row->Text(0);
  }

  void StartSim(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--users", "100", "--passes", "2", "--expired", "1"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto sim = SimProcess::Start(args);
    ASSERT_TRUE(sim.ok()) << sim.error().ToString();
    sim_ = std::move(sim).value();
  }

  void WriteConfig(bool serve_drains) {
    config_ = dir_ + "/ticketcache.toml";
    std::ofstream(config_) << fmt::format(
        "[tokens]\nurl = \"{}\"\ntable = \"{}tokens\"\n\n"
        "[store]\nurl = \"sqlite:{}/cache.db\"\n\n"
        "[bytemark]\ncustomer_api = \"{}\"\ntimeout = \"10s\"\nconnect_timeout = \"2s\"\n\n"
        "[refresh]\nconcurrency = 8\nretries = 0\nuser_backoff_base = \"300ms\"\n"
        "user_backoff_max = \"300ms\"\n\n"
        "[refresh_requests]\nenabled = {}\ntable = \"{}\"\npoll_interval = \"200ms\"\n\n"
        // No scheduled sweep during the test: 1 January, midnight.
        "[schedule]\ncron = \"0 0 1 1 *\"\n\n[server]\nlisten = \"127.0.0.1:0\"\n\n"
        "[log]\nlevel = \"info\"\n",
        server_->url, prefix_, dir_, sim_->base_url(), serve_drains ? "true" : "false", table());
    ChildResult init = Ticketcache({"init"});
    ASSERT_EQ(init.exit_code, 0) << init.err;
  }

  ChildResult Ticketcache(std::vector<std::string> args, Json* summary = nullptr) {
    args.push_back("--config");
    args.push_back(config_);
    ChildResult result = RunTicketcache(args, env_);
    if (summary != nullptr) {
      auto parsed = ParseJsJson(result.out);
      *summary = parsed.ok() ? *parsed : Json();
    }
    return result;
  }

  void StartServe() {
    serve_ = std::make_unique<ServeProcess>(config_, dir_, env_);
    ASSERT_GT(serve_->WaitUntilReady(), 0) << serve_->StderrSoFar();
  }

  std::optional<testing::TestMysql> server_;
  std::unique_ptr<MysqlPool> admin_;
  std::unique_ptr<SimProcess> sim_;
  std::unique_ptr<ServeProcess> serve_;
  std::string prefix_;
  std::string dir_;
  std::string config_;
  std::map<std::string, std::string> env_;
};

// Due rows (type 1, and type 3 whose time has come) are served by one refresh per user however
// many rows; rows scheduled later and rows of other types are never touched; a user without a
// token has nothing to refresh and its rows are processed.
TEST_F(RefreshRequestsMysqlTest, ServeRefreshesDueUsersOnceAndMarksExactlyTheirRows) {
  StartSim();
  WriteConfig(/*serve_drains=*/true);
  const int64_t now_1 = Insert(1, 1);
  const int64_t due_3 = Insert(1, 3, "UTC_TIMESTAMP() - INTERVAL 1 MINUTE");
  const int64_t later_3 = Insert(1, 3, "UTC_TIMESTAMP() + INTERVAL 3 HOUR");
  const int64_t reward = Insert(2, 2);
  const int64_t dup_a = Insert(3, 1);
  const int64_t dup_b = Insert(3, 1);
  const int64_t dup_c = Insert(3, 3, "UTC_TIMESTAMP() - INTERVAL 2 HOUR");
  const int64_t no_token = Insert(kNoTokenUser, 1);
  StartServe();

  for (int64_t id : {now_1, due_3, dup_a, dup_b, dup_c, no_token}) {
    EXPECT_TRUE(Eventually([&] { return StatusOf(id) == 1; })) << "row " << id;
  }
  // Users 1 and 3: one refresh each (active + expired list, one page each).
  EXPECT_EQ(SimRequests(*sim_), 4);
  // Later polls leave the rest alone: the scheduled row and the reward notice stay as written.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  EXPECT_EQ(StatusOf(later_3), 0);
  EXPECT_EQ(NoteOf(later_3), std::nullopt);
  EXPECT_EQ(StatusOf(reward), 0);
  EXPECT_EQ(NoteOf(reward), std::nullopt);
  EXPECT_EQ(SimRequests(*sim_), 4);
  auto shown = Ticketcache({"show", "3", "--json"});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_EQ(Json::parse(shown.out, nullptr, false)["passes"].size(), 2u);

  serve_->Signal(SIGTERM);
  ChildResult stopped = serve_->Wait(30'000);
  EXPECT_EQ(stopped.exit_code, 0) << stopped.err;
  EXPECT_EQ(stopped.err.find("tc-sim-token-"), std::string::npos) << "a token in the logs";
}

// A refresh that fails leaves its rows pending with note = the error class (never the token),
// and they are retried; once the API answers, the rows are processed.
TEST_F(RefreshRequestsMysqlTest, AFailedRefreshStaysPendingWithItsClassUntilItSucceeds) {
  StartSim();
  ASSERT_TRUE(sim_->SetUserFault(4, "401").ok());
  WriteConfig(/*serve_drains=*/true);
  const int64_t id = Insert(4, 1);
  StartServe();
  ASSERT_TRUE(
      Eventually([&] { return NoteOf(id) == std::optional<std::string>("rejected_token"); }));
  EXPECT_EQ(StatusOf(id), 0);
  ASSERT_TRUE(sim_->ClearUserFault(4).ok());
  EXPECT_TRUE(Eventually([&] { return StatusOf(id) == 1; }));
  auto shown = Ticketcache({"show", "4", "--json"});
  EXPECT_EQ(shown.exit_code, 0) << shown.err;
}

// A row inserted while its user's refresh is under way is not marked by that refresh (it may have
// fetched before the row was written): it gets a refresh of its own.
TEST_F(RefreshRequestsMysqlTest, ARowInsertedDuringARefreshGetsARefreshOfItsOwn) {
  StartSim({"--latency-ms", "700"});
  WriteConfig(/*serve_drains=*/true);
  const int64_t first = Insert(6, 1);
  StartServe();
  ASSERT_TRUE(Eventually([&] { return SimInFlight(*sim_) > 0; }));  // the refresh is under way
  const int64_t second = Insert(6, 1);
  EXPECT_TRUE(Eventually([&] { return StatusOf(first) == 1 && StatusOf(second) == 1; }));
  // Two refreshes of user 6: the first one's, and one begun after the second row was read.
  EXPECT_EQ(SimRequests(*sim_), 4);
}

// `run --refresh-requests --shard K/N`: a request belongs to the shard of its user, so two shards
// together serve every user once and never the same user's rows.
TEST_F(RefreshRequestsMysqlTest, RunDrainsOnceAndShardsSplitUsers) {
  StartSim();
  WriteConfig(/*serve_drains=*/false);
  std::map<int64_t, int64_t> row_of_user;
  for (int64_t user = 1; user <= 20; ++user) row_of_user[user] = Insert(user, 1);
  const int64_t later = Insert(7, 3, "UTC_TIMESTAMP() + INTERVAL 1 DAY");
  const Shard zero{0, 2};
  int64_t zero_users = 0;
  for (int64_t user = 1; user <= 20; ++user) zero_users += ShardOwnsUser(zero, user) ? 1 : 0;
  ASSERT_GT(zero_users, 0);
  ASSERT_LT(zero_users, 20);

  Json summary;
  ChildResult run = Ticketcache({"run", "--refresh-requests", "--shard", "0/2"}, &summary);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(summary["status"], "ok") << run.out;
  EXPECT_EQ(summary["shard"], "0/2");
  EXPECT_EQ(summary["rows_read"], zero_users);
  EXPECT_EQ(summary["users_refreshed"], zero_users);
  EXPECT_EQ(summary["rows_processed"], zero_users);
  EXPECT_EQ(summary["api_requests"], 2 * zero_users);
  for (const auto& [user, id] : row_of_user) {
    EXPECT_EQ(StatusOf(id), ShardOwnsUser(zero, user) ? 1 : 0) << "user " << user;
  }
  run = Ticketcache({"run", "--refresh-requests", "--shard", "1/2"}, &summary);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(summary["users"], 20 - zero_users);
  EXPECT_EQ(summary["rows_processed"], 20 - zero_users);
  for (const auto& [user, id] : row_of_user) EXPECT_EQ(StatusOf(id), 1) << "user " << user;
  EXPECT_EQ(StatusOf(later), 0);
  // Nothing due any more: a drain reads nothing and calls nobody.
  run = Ticketcache({"run", "--refresh-requests"}, &summary);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(summary["rows_read"], 0);
  EXPECT_EQ(summary["api_requests"], 0);
}

// The optional index: `init --refresh-requests-index` creates it once (idempotent) and a drain
// still reads the same rows.
TEST_F(RefreshRequestsMysqlTest, InitCreatesTheOptionalIndexIdempotently) {
  StartSim();
  WriteConfig(/*serve_drains=*/false);
  for (int i = 0; i < 2; ++i) {
    ChildResult init = Ticketcache({"init", "--refresh-requests-index"});
    ASSERT_EQ(init.exit_code, 0) << init.err;
  }
  auto indexes = Row(fmt::format(
      "SELECT COUNT(DISTINCT INDEX_NAME) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA ="
      " DATABASE() AND TABLE_NAME = '{}' AND INDEX_NAME = 'idx__status__type__scheduled__tc'",
      table()));
  ASSERT_TRUE(indexes);
  EXPECT_EQ(indexes->Int(0), 1);
  const int64_t id = Insert(9, 1);
  Json summary;
  ChildResult run = Ticketcache({"run", "--refresh-requests"}, &summary);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(summary["rows_processed"], 1);
  EXPECT_EQ(StatusOf(id), 1);
}

// The same rules with the table in a SQLite demo portal (`init --demo-users` creates it).
TEST(RefreshRequestsSqliteTest, RunDrainsTheDemoPortalsTable) {
  JobFixture job(JobFixtureOptions().WithUsers(10).WithSim(
      std::vector<std::string>{"--passes", "2", "--expired", "1"}));
  ASSERT_TRUE(job.error().empty()) << job.error();
  const std::string portal = job.dir() + "/portal.db";
  {
    auto db = SqliteDatabase::Open(portal, SqliteOpenMode::kReadWrite);
    ASSERT_TRUE(db.ok()) << db.error().ToString();
    ASSERT_TRUE((*db)
                    ->ExecScript("INSERT INTO bytemark_ticket_refresh_log"
                                 " (user_id, activity_type, scheduled_on) VALUES"
                                 " (1, 1, NULL), (1, 3, datetime('now', '-1 minute')),"
                                 " (1, 3, datetime('now', '+3 hours')), (2, 2, NULL),"
                                 " (3, 1, NULL), (3, 1, NULL), (5000, 1, NULL)",
                                 "seeding requests")
                    .ok());
  }
  Json summary;
  ChildResult run = job.Run({"--refresh-requests"}, &summary);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(summary["rows_read"], 5) << run.out;
  EXPECT_EQ(summary["users"], 3);
  EXPECT_EQ(summary["users_refreshed"], 2);
  EXPECT_EQ(summary["users_without_token"], 1);
  EXPECT_EQ(summary["rows_processed"], 5);
  EXPECT_EQ(summary["api_requests"], 4);
  auto db = SqliteDatabase::Open(portal, SqliteOpenMode::kReadOnly);
  ASSERT_TRUE(db.ok());
  auto statement = (*db)->Prepare(
      "SELECT group_concat(row, ',') FROM (SELECT id || ':' || status AS row"
      " FROM bytemark_ticket_refresh_log ORDER BY id)");
  ASSERT_TRUE(statement.ok());
  SqliteQuery query(*statement);
  ASSERT_EQ(query.Step(), SQLITE_ROW);
  // Rows 3 (scheduled later) and 4 (another type) stay pending.
  EXPECT_EQ(query.Text(0), "1:1,2:1,3:0,4:0,5:1,6:1,7:1");
}

}  // namespace
}  // namespace tc
