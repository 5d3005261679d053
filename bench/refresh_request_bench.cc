// Refresh requests during a sweep, end to end (prints figures, never asserts):
//
//   bash scripts/with-mariadb.sh build/bench/refresh_request_bench [RATE=50] [SECONDS=60]
//        [USERS=10000] [LATENCY_MS=50] [API_RATE_LIMIT=300]
//
// The real `ticketcache serve` (schedule every second, so a sweep starts at once;
// [refresh_requests] enabled, poll_interval 2s) with 10,000 users' tokens and the refresh request
// table in MariaDB (the platform's schema), the cache in SQLite, against the simulator (LATENCY_MS
// per request, 10 passes per user). The rate limit (API_RATE_LIMIT requests/s for everything) makes
// the first sweep of the 10,000 stale users last longer than the inserts. Once the sweep calls the
// API, this program inserts RATE type-1 requests per second for SECONDS seconds (random users), and
// watches the table every 20 ms for the rows set processed. Prints p50/p99/max from insert to
// processed, and the API requests the requests cost (every API request minus the sweeps' own, from
// their run summaries) per request row and per user refreshed.
//
// Figures: docs/performance.md.
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "json/js_json.h"
#include "mysql/mysql_pool.h"
#include "support/child_process.h"
#include "support/mysql_test_server.h"
#include "support/serve_process.h"
#include "support/sim_process.h"

namespace tc {
namespace {

using Steady = std::chrono::steady_clock;

void Exec(MysqlPool& pool, const std::string& sql) {
  Status status = pool.Run([&](MysqlConnection& connection) -> Status {
    auto done = connection.Execute(sql);
    if (!done.ok()) return done.error();
    return Status::Ok();
  });
  if (!status.ok()) {
    std::cerr << sql.substr(0, 200) << ": " << status.error().ToString() << "\n";
    std::exit(1);
  }
}

int64_t SimRequests(SimProcess& sim) {
  auto counters = sim.Get("/_sim/counters");
  if (!counters.ok()) return -1;
  return Json::parse(*counters, nullptr, false).value("requests_total", int64_t{-1});
}

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t at = std::min(values.size() - 1, static_cast<size_t>(p * values.size()));
  return values[at];
}

int Main(int argc, char** argv) {
  const int rate = argc > 1 ? std::atoi(argv[1]) : 50;
  const int seconds = argc > 2 ? std::atoi(argv[2]) : 60;
  const int64_t users = argc > 3 ? std::atoll(argv[3]) : 10'000;
  const int api_latency_ms = argc > 4 ? std::atoi(argv[4]) : 50;
  const int api_rate_limit = argc > 5 ? std::atoi(argv[5]) : 300;
  auto server = testing::FindTestMysql();
  if (!server) {
    std::cerr << testing::kMysqlSkipReason << "\n";
    return 2;
  }
  MysqlPool admin(server->options, 1);
  const std::string prefix = testing::UniqueTablePrefix();
  const std::string tokens = "`" + prefix + "tokens`";
  const std::string table = prefix + "refresh_log";
  Exec(admin, "CREATE TABLE " + tokens +
                  " (id BIGINT AUTO_INCREMENT PRIMARY KEY, user_id BIGINT NOT NULL, token TEXT"
                  " NULL, INDEX (user_id))");
  Exec(admin, fmt::format("INSERT INTO {} (user_id, token) SELECT seq, CONCAT('tc-sim-token-', "
                          "seq) FROM seq_1_to_{}",
                          tokens, users));
  Exec(admin, "CREATE TABLE `" + table +
                  "` (id int AUTO_INCREMENT PRIMARY KEY, user_id int UNSIGNED NOT NULL DEFAULT 0,"
                  " activity_type int UNSIGNED NOT NULL DEFAULT 0,"
                  " status int UNSIGNED NOT NULL DEFAULT 0, note varchar(256) NULL,"
                  " scheduled_on datetime NULL,"
                  " created_on datetime NOT NULL DEFAULT CURRENT_TIMESTAMP,"
                  " modified_on datetime NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE "
                  "CURRENT_TIMESTAMP, INDEX idx__user_id__status__001 (user_id, status))");

  auto sim = SimProcess::Start({"--users", std::to_string(users), "--passes", "10", "--expired",
                                "3", "--latency-ms", std::to_string(api_latency_ms)});
  if (!sim.ok()) {
    std::cerr << sim.error().ToString() << "\n";
    return 1;
  }
  const std::string dir = MakeTestTempDir("tc_refresh_request_bench");
  const std::string config = dir + "/ticketcache.toml";
  std::ofstream(config) << fmt::format(
      "[tokens]\nurl = \"{}\"\ntable = \"{}tokens\"\n\n[store]\nurl = \"sqlite:{}/cache.db\"\n\n"
      "[bytemark]\ncustomer_api = \"{}\"\n\n[refresh]\nconcurrency = 32\nrate_limit = {}\n\n"
      "[refresh_requests]\nenabled = true\ntable = \"{}\"\npoll_interval = \"2s\"\n\n"
      "[schedule]\ncron = \"* * * * * *\"\n\n[server]\nlisten = \"127.0.0.1:0\"\n\n"
      "[log]\nlevel = \"info\"\nprogress_interval = \"0s\"\n",
      server->url, prefix, dir, (*sim)->base_url(), api_rate_limit, table);
  const std::map<std::string, std::string> env{{"TICKETCACHE_TOKENS_PASSWORD", server->password}};
  ChildResult init = RunTicketcache({"init", "--config", config}, env);
  if (init.exit_code != 0) {
    std::cerr << init.err;
    return 1;
  }
  ServeProcess serve(config, dir, env);
  if (serve.WaitUntilReady() == 0) {
    std::cerr << serve.StderrSoFar();
    return 1;
  }
  while (SimRequests(**sim) <= 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));

  std::mutex mutex;
  std::map<int64_t, Steady::time_point> inserted;  // id -> when the INSERT returned
  std::map<int64_t, double> latency_ms;            // id -> insert to seen processed
  std::atomic<bool> inserting{true};
  std::thread watcher([&] {
    MysqlPool pool(server->options, 1);
    const std::string sql = "SELECT id FROM `" + table + "` WHERE status = 1";
    while (true) {
      const bool last = !inserting.load();
      auto rows = pool.Run<std::vector<SqlRow>>(
          [&](MysqlConnection& connection) { return connection.Query(sql); });
      const auto now = Steady::now();
      size_t pending = 0;
      {
        std::lock_guard lock(mutex);
        if (rows.ok()) {
          for (const SqlRow& row : *rows) {
            const int64_t id = row.Int(0).value_or(0);
            auto found = inserted.find(id);
            if (found != inserted.end() && !latency_ms.contains(id)) {
              latency_ms[id] =
                  std::chrono::duration<double, std::milli>(now - found->second).count();
            }
          }
        }
        pending = inserted.size() - latency_ms.size();
      }
      if (last && pending == 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  const int64_t sim_before = SimRequests(**sim);
  std::mt19937_64 random(7);
  std::uniform_int_distribution<int64_t> pick(1, users);
  std::set<int64_t> requested_users;
  {
    MysqlPool pool(server->options, 1);
    const auto start = Steady::now();
    const int total = rate * seconds;
    for (int i = 0; i < total; ++i) {
      std::this_thread::sleep_until(start + std::chrono::microseconds(1'000'000LL * i / rate));
      const int64_t user = pick(random);
      requested_users.insert(user);
      auto id = pool.Run<int64_t>([&](MysqlConnection& connection) -> Result<int64_t> {
        auto done = connection.Execute(
            fmt::format("INSERT INTO `{}` (user_id, activity_type) VALUES ({}, 1)", table, user));
        if (!done.ok()) return done.error();
        auto rows = connection.Query("SELECT LAST_INSERT_ID()");
        if (!rows.ok()) return rows.error();
        return rows->front().Int(0).value_or(0);
      });
      if (!id.ok()) {
        std::cerr << id.error().ToString() << "\n";
        return 1;
      }
      std::lock_guard lock(mutex);
      inserted[*id] = Steady::now();
    }
  }
  inserting = false;
  watcher.join();
  // Let the sweep finish, then stop serve and read its runs' summaries.
  serve.Signal(SIGTERM);
  ChildResult stopped = serve.Wait(600'000);
  const int64_t sim_total = SimRequests(**sim);
  int64_t sweep_requests = 0;
  int64_t sweeps = 0;
  int64_t sweep_users_refreshed = 0;
  std::istringstream lines(stopped.out);
  for (std::string line; std::getline(lines, line);) {
    const Json run = Json::parse(line, nullptr, false);
    if (!run.is_object() || !run.contains("api_requests")) continue;
    ++sweeps;
    sweep_requests += run["api_requests"].get<int64_t>();
    sweep_users_refreshed += run.value("built", int64_t{0}) + run.value("updated", int64_t{0}) +
                             run.value("unchanged", int64_t{0});
  }
  std::vector<double> values;
  for (const auto& [id, ms] : latency_ms) values.push_back(ms);
  const int64_t request_api = sim_total - sweep_requests;
  std::cout << fmt::format(
      "requests: {} rows inserted at {}/s for {} s ({} distinct users), all processed: {}\n"
      "insert -> processed: p50 {:.0f} ms, p99 {:.0f} ms, max {:.0f} ms (poll_interval 2 s, API "
      "latency {} ms, rate limit {}/s shared with the sweep)\n"
      "sweeps: {} run(s), {} users refreshed, {} API requests; API requests since the inserts "
      "began: {}\n"
      "API requests for the refresh requests: {} = {:.2f} per request row, {:.2f} per distinct "
      "user\n",
      inserted.size(), rate, seconds, requested_users.size(),
      latency_ms.size() == inserted.size() ? "yes" : "NO", Percentile(values, 0.5),
      Percentile(values, 0.99),
      values.empty() ? 0 : *std::max_element(values.begin(), values.end()), api_latency_ms,
      api_rate_limit, sweeps, sweep_users_refreshed, sweep_requests, sim_total - sim_before,
      request_api, static_cast<double>(request_api) / static_cast<double>(inserted.size()),
      static_cast<double>(request_api) / static_cast<double>(requested_users.size()));
  Exec(admin, "DROP TABLE " + tokens + ", `" + table + "`");
  std::filesystem::remove_all(dir);
  return 0;
}

}  // namespace
}  // namespace tc

int main(int argc, char** argv) { return tc::Main(argc, argv); }
