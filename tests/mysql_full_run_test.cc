// The whole job with the portal's tokens in MariaDB (and the cache in MariaDB or SQLite), against
// the simulator and the real MariaDB server of scripts/with-mariadb.sh.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "json/js_json.h"
#include "mysql/mysql_pool.h"
#include "support/child_process.h"
#include "support/mysql_test_server.h"
#include "support/sim_process.h"

namespace tc {
namespace {

constexpr int64_t kMysqlRunUsers = 120;

class MysqlFullRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = testing::FindTestMysql();
    if (!server_) GTEST_SKIP() << testing::kMysqlSkipReason;
    admin_ = std::make_unique<MysqlPool>(server_->options, 1);
    prefix_ = testing::UniqueTablePrefix();
    dir_ = MakeTestTempDir("tc_mysql_run");
    env_ = {{"TICKETCACHE_TOKENS_PASSWORD", server_->password},
            {"TICKETCACHE_STORE_PASSWORD", server_->password}};
  }

  void TearDown() override {
    if (!server_) return;
    if (stopped_) {
      ASSERT_TRUE(testing::ControlTestMysql("start"));
    }
    sim_.reset();
    Exec("DROP TABLE IF EXISTS `" + prefix_ + "tokens`, `" + prefix_ + "cache`, `" + prefix_ +
         "log`");
    std::filesystem::remove_all(dir_);
  }

  void Exec(const std::string& sql, std::vector<SqlParam> params = {}) {
    Status status = admin_->Run([&](MysqlConnection& connection) -> Status {
      auto done = connection.Execute(sql, params);
      if (!done.ok()) return done.error();
      return Status::Ok();
    });
    ASSERT_TRUE(status.ok()) << status.error().ToString();
  }

  int64_t Scalar(const std::string& sql) {
    auto rows = admin_->Run<std::vector<SqlRow>>(
        [&](MysqlConnection& connection) { return connection.Query(sql); });
    EXPECT_TRUE(rows.ok()) << rows.error().ToString();
    return rows.ok() && !rows->empty() ? rows->front().Int(0).value_or(-1) : -1;
  }

  int64_t Questions() {
    return Scalar(
        "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = "
        "'QUESTIONS'");
  }

  // The portal's table as it may really look: surrogate key, extra columns, NULL and blank tokens,
  // users with several rows. Users 1..kMysqlRunUsers end up with exactly one usable (sim) token
  // each.
  void SeedPortal() {
    Exec("CREATE TABLE `" + prefix_ +
         "tokens` (id BIGINT AUTO_INCREMENT PRIMARY KEY, user_id BIGINT NOT NULL, token TEXT NULL,"
         " platform VARCHAR(16) NULL, created_at TIMESTAMP NULL, INDEX (user_id))");
    std::string sql = "INSERT INTO `" + prefix_ + "tokens` (user_id, token, platform) VALUES ";
    for (int64_t user = 1; user <= kMysqlRunUsers; ++user) {
      if (user % 7 == 0) sql += fmt::format("({}, NULL, 'ios'), ({}, '  ', 'ios'), ", user, user);
      sql += fmt::format("({0}, 'tc-sim-token-{0}', 'android'), ", user);
      if (user % 5 == 0) sql += fmt::format("({0}, 'tc-sim-token-{0}-stale', 'web'), ", user);
    }
    sql +=
        fmt::format("({}, NULL, 'ios'), ({}, '', 'web')", kMysqlRunUsers + 1, kMysqlRunUsers + 2);
    Exec(sql);
  }

  void StartSim(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {
        "--users", std::to_string(kMysqlRunUsers + 10), "--passes", "4", "--expired", "2"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto sim = SimProcess::Start(args);
    ASSERT_TRUE(sim.ok()) << sim.error().ToString();
    sim_ = std::move(sim).value();
  }

  // A config with MySQL tokens and the cache in MySQL (or in SQLite).
  void WriteConfig(bool mysql_cache) {
    config_ = dir_ + "/ticketcache.toml";
    const std::string store = mysql_cache ? fmt::format(
                                                "url = \"{}\"\ncache_collection = \"{}cache\"\n"
                                                "log_collection = \"{}log\"\n",
                                                server_->url, prefix_, prefix_)
                                          : fmt::format("url = \"sqlite:{}/cache.db\"\n", dir_);
    std::ofstream(config_) << fmt::format(
        "[tokens]\nurl = \"{}\"\ntable = \"{}tokens\"\npage_size = 50\n\n[store]\n{}\n"
        "[bytemark]\ncustomer_api = \"{}\"\ntimeout = \"3s\"\nconnect_timeout = \"1s\"\n\n"
        "[refresh]\nconcurrency = 8\nretries = 1\nretry_base_delay = \"10ms\"\n"
        "retry_max_delay = \"50ms\"\nlock_ttl = \"5s\"\n\n[log]\nlevel = \"warn\"\n",
        server_->url, prefix_, store, sim_->base_url());
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

  std::optional<testing::TestMysql> server_;
  std::unique_ptr<MysqlPool> admin_;
  std::unique_ptr<SimProcess> sim_;
  std::string prefix_;
  std::string dir_;
  std::string config_;
  std::map<std::string, std::string> env_;
  bool stopped_ = false;
};

TEST_F(MysqlFullRunTest, MysqlTokensAndMysqlCache) {
  SeedPortal();
  StartSim();
  WriteConfig(/*mysql_cache=*/true);
  ChildResult init = Ticketcache({"init"});
  ASSERT_EQ(init.exit_code, 0) << init.err;

  Json first;
  int64_t before = Questions();
  ChildResult run = Ticketcache({"run"}, &first);
  const int64_t first_statements = Questions() - before - 1;
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(first["status"], "ok") << run.out;
  EXPECT_EQ(first["users_seen"], kMysqlRunUsers);
  EXPECT_EQ(first["built"], kMysqlRunUsers);
  EXPECT_EQ(first["failed"], 0);
  EXPECT_EQ(Scalar("SELECT COUNT(*) FROM `" + prefix_ + "cache`"), kMysqlRunUsers);
  EXPECT_EQ(Scalar("SELECT COUNT(*) FROM `" + prefix_ + "log`"),
            first["passes_created"].get<int64_t>());
  EXPECT_EQ(run.err.find(server_->password), std::string::npos);

  Json second;
  before = Questions();
  run = Ticketcache({"run"}, &second);
  const int64_t second_statements = Questions() - before - 1;
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(second["fresh"], kMysqlRunUsers);
  EXPECT_EQ(second["api_requests"], 0);
  // Enumeration and freshness cost statements per page (50 users), not per user.
  EXPECT_LT(second_statements, kMysqlRunUsers / 4) << "statements of a run with every cache fresh";
  RecordProperty("statements_first_run", std::to_string(first_statements));
  RecordProperty("statements_fresh_run", std::to_string(second_statements));
  std::printf("statements: first run %lld (%.2f per user), all-fresh run %lld\n",
              static_cast<long long>(first_statements),
              static_cast<double>(first_statements) / kMysqlRunUsers,
              static_cast<long long>(second_statements));

  ChildResult shown = Ticketcache({"show", "35"});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  auto document = ParseJsJson(shown.out);
  ASSERT_TRUE(document.ok());
  EXPECT_EQ((*document)["user_id"], 35);
  EXPECT_EQ((*document)["passes"].size(), 4u);
}

TEST_F(MysqlFullRunTest, MysqlTokensAndSqliteCache) {
  SeedPortal();
  StartSim();
  WriteConfig(/*mysql_cache=*/false);
  ChildResult init = Ticketcache({"init"});
  ASSERT_EQ(init.exit_code, 0) << init.err;
  Json summary;
  ChildResult run = Ticketcache({"run"}, &summary);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(summary["users_seen"], kMysqlRunUsers);
  EXPECT_EQ(summary["built"], kMysqlRunUsers);
  EXPECT_EQ(summary["failed"], 0);
  run = Ticketcache({"run", "--user", "14", "--force"}, &summary);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(summary["users_seen"], 1);
  EXPECT_EQ(summary["unchanged"], 1);
}

// The server restarts while users are being refreshed. Whenever the restart lands, the run ends
// without crashing, each user either succeeded or failed cleanly, nothing is half-written (every
// stored pass has exactly one audit entry), and the next run completes.
TEST_F(MysqlFullRunTest, ServerRestartedInTheMiddleOfARun) {
  SeedPortal();
  StartSim({"--latency-ms", "20"});
  WriteConfig(/*mysql_cache=*/true);
  ChildResult init = Ticketcache({"init"});
  ASSERT_EQ(init.exit_code, 0) << init.err;

  std::atomic<bool> restarted{false};
  std::thread restarter([&] {
    // Restart once the run is under way (some API requests made), or after a while regardless.
    for (int i = 0; i < 200; ++i) {
      auto counters = sim_->Get("/_sim/counters");
      if (counters.ok()) {
        auto json = ParseJsJson(*counters);
        if (json.ok() && json->value("requests_total", 0) >= 40) break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    restarted = testing::ControlTestMysql("restart");
  });
  Json during;
  ChildResult run = Ticketcache({"run"}, &during);
  restarter.join();
  ASSERT_TRUE(restarted.load());
  EXPECT_NE(run.exit_code, -1) << "killed by signal " << run.signal;
  EXPECT_TRUE(run.exit_code == 0 || run.exit_code == 1) << run.err;
  std::printf("run across the restart: exit %d, %s\n", run.exit_code, run.out.c_str());
  // Every user lands in exactly one outcome. Nobody else writes these caches, so a user is never
  // "unchanged" nor a write conflict: a write whose acknowledgement the restart lost (the store's
  // retry then met its own write) is recognised as ours and counted as built.
  int64_t outcomes = 0;
  for (const char* key :
       {"fresh", "built", "updated", "unchanged", "failed", "skipped_backoff", "abandoned"}) {
    outcomes += during[key].get<int64_t>();
  }
  EXPECT_EQ(outcomes, during["users_seen"].get<int64_t>()) << run.out;
  EXPECT_EQ(during["unchanged"], 0) << run.out;
  EXPECT_EQ(during["write_conflicts"], 0) << run.out;
  if (run.exit_code == 0) {
    EXPECT_EQ(during["built"].get<int64_t>() + during["failed"].get<int64_t>(), kMysqlRunUsers);
  } else {
    EXPECT_NE(during["reason"].get<std::string>().find("store"), std::string::npos) << run.out;
  }

  Json after;
  run = Ticketcache({"run"}, &after);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(after["failed"], 0) << run.out;
  EXPECT_EQ(Scalar("SELECT COUNT(*) FROM `" + prefix_ + "cache`"), kMysqlRunUsers);
  // 4 active + 2 expired passes per user, each created once: one audit entry each.
  EXPECT_EQ(Scalar("SELECT COUNT(*) FROM `" + prefix_ + "log`"), kMysqlRunUsers * 6);
  EXPECT_EQ(Scalar("SELECT COUNT(*) FROM (SELECT user_id, pass_uuid FROM `" + prefix_ +
                   "log` GROUP BY user_id, pass_uuid HAVING COUNT(*) > 1) AS repeated"),
            0);
}

}  // namespace
}  // namespace tc
