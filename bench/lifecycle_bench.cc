// Data lifecycle and sharding figures (docs/performance.md), each from the real `ticketcache`
// binary run as a child process (wall time, CPU and peak RSS from wait4):
//
//   lifecycle_bench prune [CACHES]   SQLite tokens and cache: CACHES cache documents and as many
//                                    token users, one in 20 of them without a token (5 %, inside
//                                    prune.max_fraction); `prune --dry-run`, then `prune`.
//   lifecycle_bench shard [TOKENS]   Under scripts/with-mariadb.sh: TOKENS users in a MariaDB
//                                    bytemark_tokens, an empty SQLite cache; `run --dry-run` with
//                                    no shard and with --shard K/4 for each K, and the server's
//                                    Rows_read, Rows_sent and Bytes_sent for each.
//   lifecycle_bench build [USERS]    Under both scripts (default 3,000 users): a first build of
//                                    every user with MariaDB tokens, the cache on MariaDB, then
//                                    on FerretDB: users/s, statements / round trips per user.
#include <fmt/format.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "json/js_json.h"
#include "mysql/mysql_pool.h"
#include "support/child_process.h"
#include "support/mongo_test_server.h"
#include "support/mysql_test_server.h"
#include "support/sim_process.h"

namespace tc {
namespace {

struct Measured {
  int exit_code = -1;
  double wall_seconds = 0;
  double cpu_seconds = 0;
  double peak_rss_mb = 0;
  Json summary;
  std::string err;
};

Measured MeasureTicketcache(const std::vector<std::string>& args,
                            const std::map<std::string, std::string>& env = {}) {
  Measured measure;
  const std::string out_path = std::filesystem::temp_directory_path() / "tc_lifecycle_out.json";
  const std::string err_path = std::filesystem::temp_directory_path() / "tc_lifecycle_err.log";
  const auto started = std::chrono::steady_clock::now();
  std::cout.flush();
  std::fflush(stdout);
  const pid_t pid = fork();
  if (pid == 0) {
    if (std::freopen(out_path.c_str(), "w", stdout) == nullptr) _exit(126);
    if (std::freopen(err_path.c_str(), "w", stderr) == nullptr) _exit(126);
    for (const auto& [name, value] : env) setenv(name.c_str(), value.c_str(), 1);
    std::vector<std::string> argv{TICKETCACHE_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> pointers;
    for (auto& arg : argv) pointers.push_back(arg.data());
    pointers.push_back(nullptr);
    execv(pointers[0], pointers.data());
    _exit(127);
  }
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  measure.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  measure.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  measure.cpu_seconds = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                        static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  measure.peak_rss_mb = static_cast<double>(usage.ru_maxrss) / 1024.0;
  auto summary = ParseJsJson(ReadFile(out_path));
  if (summary.ok()) measure.summary = *summary;
  measure.err = ReadFile(err_path);
  return measure;
}

bool Exec(sqlite3* db, const std::string& sql) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    std::cerr << "sqlite: " << (message != nullptr ? message : "?") << "\n";
    sqlite3_free(message);
    return false;
  }
  return true;
}

std::string MakeDir(const std::string& stem) {
  const std::string dir =
      std::filesystem::temp_directory_path() / fmt::format("tc_{}_{}", stem, getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

int PruneBench(int64_t caches) {
  const std::string dir = MakeDir("prune_bench");
  const std::string config = dir + "/ticketcache.toml";
  WriteFile(config, fmt::format("[tokens]\nurl = \"sqlite:{0}/portal.db\"\n\n"
                                "[store]\nurl = \"sqlite:{0}/cache.db\"\n\n"
                                "[log]\nlevel = \"warn\"\n",
                                dir));
  Measured init = MeasureTicketcache({"init", "--config", config});
  if (init.exit_code != 0) {
    std::cerr << "init failed: " << init.err;
    return 1;
  }
  sqlite3* db = nullptr;
  if (sqlite3_open((dir + "/portal.db").c_str(), &db) != SQLITE_OK) return 1;
  const std::string series = fmt::format(
      "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < {})", caches);
  const auto filled_at = std::chrono::steady_clock::now();
  bool ok = Exec(db,
                 "CREATE TABLE bytemark_tokens (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL,"
                 " token TEXT); CREATE INDEX bytemark_tokens_user_id ON bytemark_tokens (user_id);"
                 "BEGIN;" +
                     series +
                     " INSERT INTO bytemark_tokens (user_id, token)"
                     " SELECT x, 'tc-sim-token-' || x FROM n WHERE x % 20 <> 0; COMMIT;");
  sqlite3_close(db);
  if (!ok || sqlite3_open((dir + "/cache.db").c_str(), &db) != SQLITE_OK) return 1;
  ok = Exec(db, "BEGIN;" + series +
                    " INSERT INTO BytemarkTicketsCache (user_id, timestamp, version, document)"
                    " SELECT x, 1760000000, 1, '{\"user_id\":' || x || ',\"timestamp\":1760000000,"
                    "\"passes\":[],\"passes4\":[]}' FROM n; COMMIT;");
  sqlite3_close(db);
  if (!ok) return 1;
  std::cout << fmt::format(
      "prune bench: {} caches, {} token users (SQLite, pages of 1000), filled in {:.1f} s\n",
      caches, caches - caches / 20,
      std::chrono::duration<double>(std::chrono::steady_clock::now() - filled_at).count());
  for (const bool dry_run : {true, false}) {
    std::vector<std::string> args{"prune", "--config", config};
    if (dry_run) args.push_back("--dry-run");
    Measured prune = MeasureTicketcache(args);
    std::cout << fmt::format(
        "  prune{}: exit {}, {:.1f} s wall, {:.1f} s CPU, peak RSS {:.1f} MB; summary {}\n",
        dry_run ? " --dry-run" : "", prune.exit_code, prune.wall_seconds, prune.cpu_seconds,
        prune.peak_rss_mb, prune.summary.dump());
    if (prune.exit_code != 0) std::cerr << prune.err.substr(0, 2000);
  }
  std::filesystem::remove_all(dir);
  return 0;
}

int64_t GlobalStatus(MysqlPool& pool, const std::string& name) {
  auto rows = pool.Run<std::vector<SqlRow>>([&](MysqlConnection& connection) {
    const SqlParam params[] = {std::string_view(name)};
    return connection.Query(
        "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = ?",
        params);
  });
  return rows.ok() && !rows->empty() ? rows->front().Int(0).value_or(-1) : -1;
}

int ShardBench(int64_t tokens) {
  std::optional<testing::TestMysql> server = testing::FindTestMysql();
  if (!server) {
    std::cerr << testing::kMysqlSkipReason << "\n";
    return 1;
  }
  MysqlPool pool(server->options, 1);
  const auto filled_at = std::chrono::steady_clock::now();
  Status filled = pool.Run([&](MysqlConnection& connection) -> Status {
    for (const std::string& sql : std::vector<std::string>{
             "DROP TABLE IF EXISTS bench_bytemark_tokens",
             "CREATE TABLE bench_bytemark_tokens (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,"
             " user_id BIGINT NOT NULL, token VARCHAR(255) NULL, INDEX (user_id)) ENGINE=InnoDB",
             fmt::format("INSERT INTO bench_bytemark_tokens (user_id, token) SELECT seq,"
                         " CONCAT('tok-', SHA1(seq)) FROM seq_1_to_{}",
                         tokens)}) {
      auto done = connection.Execute(sql, {});
      if (!done.ok()) return done.error();
    }
    return Status::Ok();
  });
  if (!filled.ok()) {
    std::cerr << "fill failed: " << filled.error().ToString() << "\n";
    return 1;
  }
  const std::string dir = MakeDir("shard_bench");
  const std::string config = dir + "/ticketcache.toml";
  WriteFile(config, fmt::format("[tokens]\nurl = \"{}\"\ntable = \"bench_bytemark_tokens\"\n\n"
                                "[store]\nurl = \"sqlite:{}/cache.db\"\n\n"
                                "[log]\nlevel = \"warn\"\n",
                                server->url, dir));
  const std::map<std::string, std::string> env{{"TICKETCACHE_TOKENS_PASSWORD", server->password}};
  if (MeasureTicketcache({"init", "--config", config}, env).exit_code != 0) return 1;
  std::cout << fmt::format(
      "shard bench: {} tokens in MariaDB (filled in {:.1f} s), empty SQLite cache, "
      "`run --dry-run`, token pages of 1000\n",
      tokens, std::chrono::duration<double>(std::chrono::steady_clock::now() - filled_at).count());
  std::cout << "  | shard | users seen | wall s | Rows_read | Rows_sent | Bytes_sent |\n";
  for (int k = -1; k < 4; ++k) {
    std::vector<std::string> args{"run", "--dry-run", "--no-progress", "--config", config};
    if (k >= 0) {
      args.push_back("--shard");
      args.push_back(fmt::format("{}/4", k));
    }
    const int64_t read = GlobalStatus(pool, "ROWS_READ");
    const int64_t sent_rows = GlobalStatus(pool, "ROWS_SENT");
    const int64_t sent_bytes = GlobalStatus(pool, "BYTES_SENT");
    Measured run = MeasureTicketcache(args, env);
    // Each status query reads and sends a row or two of its own: negligible here.
    std::cout << fmt::format("  | {} | {} | {:.1f} | {} | {} | {} |\n",
                             k < 0 ? std::string("none") : fmt::format("{}/4", k),
                             run.summary.value("users_seen", int64_t{-1}), run.wall_seconds,
                             GlobalStatus(pool, "ROWS_READ") - read,
                             GlobalStatus(pool, "ROWS_SENT") - sent_rows,
                             GlobalStatus(pool, "BYTES_SENT") - sent_bytes);
    if (run.exit_code != 0) std::cerr << run.err.substr(0, 2000);
  }
  std::filesystem::remove_all(dir);
  return 0;
}

int64_t SumCounts(const std::map<std::string, int64_t>& counts) {
  int64_t sum = 0;
  for (const auto& [command, count] : counts) sum += count;
  return sum;
}

// Builds USERS users (sim: 5 active + 1 expired passes, no latency) with MariaDB tokens and
// each cache store in turn; users/s and statements (MariaDB Questions) or round trips (FerretDB
// command counters) per built user.
int BuildBench(int64_t users) {
  std::optional<testing::TestMysql> server = testing::FindTestMysql();
  std::optional<testing::TestMongo> mongo = testing::FindTestMongoWithOwnDatabase();
  if (!server || !mongo) {
    std::cerr << "needs scripts/with-mariadb.sh and scripts/with-mongo.sh\n";
    return 1;
  }
  MysqlPool pool(server->options, 1);
  Status filled = pool.Run([&](MysqlConnection& connection) -> Status {
    for (const std::string& sql : std::vector<std::string>{
             "DROP TABLE IF EXISTS bench_build_tokens",
             "CREATE TABLE bench_build_tokens (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,"
             " user_id BIGINT NOT NULL, token VARCHAR(255) NULL, INDEX (user_id)) ENGINE=InnoDB",
             fmt::format("INSERT INTO bench_build_tokens (user_id, token) SELECT seq,"
                         " CONCAT('tc-sim-token-', seq) FROM seq_1_to_{}",
                         users)}) {
      auto done = connection.Execute(sql, {});
      if (!done.ok()) return done.error();
    }
    return Status::Ok();
  });
  if (!filled.ok()) return 1;
  auto sim =
      SimProcess::Start({"--users", std::to_string(users), "--passes", "5", "--expired", "1"});
  if (!sim.ok()) return 1;
  std::cout << fmt::format("build bench: {} users, MariaDB tokens, concurrency 32\n", users);
  for (const bool use_mongo : {false, true}) {
    const std::string dir = MakeDir(use_mongo ? "build_mongo" : "build_mysql");
    const std::string config = dir + "/ticketcache.toml";
    const std::string store_url = use_mongo ? mongo->config.url : server->url;
    WriteFile(config,
              fmt::format("[tokens]\nurl = \"{}\"\ntable = \"bench_build_tokens\"\n\n"
                          "[store]\nurl = \"{}\"\ncache_collection = \"bench_build_cache\"\n"
                          "log_collection = \"bench_build_log\"\n\n"
                          "[bytemark]\ncustomer_api = \"{}\"\n\n[log]\nlevel = \"warn\"\n",
                          server->url, store_url, (*sim)->base_url()));
    std::map<std::string, std::string> env{{"TICKETCACHE_TOKENS_PASSWORD", server->password}};
    if (!use_mongo) env["TICKETCACHE_STORE_PASSWORD"] = server->password;
    if (use_mongo && !mongo->config.password.empty()) {
      env["TICKETCACHE_STORE_PASSWORD"] = mongo->config.password;
    }
    if (MeasureTicketcache({"init", "--config", config}, env).exit_code != 0) return 1;
    const int64_t questions = GlobalStatus(pool, "QUESTIONS");
    const int64_t mongo_before = SumCounts(testing::TestMongoCommandCounts());
    Measured run = MeasureTicketcache({"run", "--no-progress", "--config", config}, env);
    const int64_t statements = GlobalStatus(pool, "QUESTIONS") - questions;
    const int64_t round_trips = SumCounts(testing::TestMongoCommandCounts()) - mongo_before;
    const int64_t built = run.summary.value("built", int64_t{0});
    std::cout << fmt::format(
        "  cache on {}: exit {}, built {}, {:.1f} s, {:.0f} users/s, CPU {:.1f} s, peak RSS "
        "{:.0f} MB; MariaDB statements {} ({:.2f} per user){}\n",
        use_mongo ? "FerretDB" : "MariaDB", run.exit_code, built, run.wall_seconds,
        static_cast<double>(built) / run.wall_seconds, run.cpu_seconds, run.peak_rss_mb, statements,
        static_cast<double>(statements) / static_cast<double>(std::max<int64_t>(1, built)),
        use_mongo ? fmt::format("; FerretDB round trips {} ({:.2f} per user)", round_trips,
                                static_cast<double>(round_trips) /
                                    static_cast<double>(std::max<int64_t>(1, built)))
                  : std::string());
    if (run.exit_code != 0) std::cerr << run.err.substr(0, 2000);
    std::filesystem::remove_all(dir);
  }
  if (!testing::DropTestMongoDatabase(*mongo)) std::cerr << "could not drop the test database\n";
  return 0;
}

}  // namespace
}  // namespace tc

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  const int64_t count = argc > 2 ? std::stoll(argv[2]) : 1'000'000;
  if (mode == "prune") return tc::PruneBench(count);
  if (mode == "shard") return tc::ShardBench(count);
  if (mode == "build") return tc::BuildBench(argc > 2 ? count : 3000);
  std::cerr << "usage: lifecycle_bench prune|shard|build [COUNT]\n";
  return 2;
}
