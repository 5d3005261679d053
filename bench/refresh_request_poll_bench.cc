// The cost of one poll of the refresh request table at the platform's scale (prints figures,
// never asserts):
//
//   bash scripts/with-mariadb.sh build/bench/refresh_request_poll_bench [ROWS=1000000] [POLLS=20]
//
// Fills a table with the platform's schema and only its index (user_id, status) with ROWS rows,
// 99.9 % processed (the table keeps every processed row), the pending ones the apps' mix: a third
// type 1, two thirds type 3 of which half are scheduled later. Then, as a drain polls it (the
// production query, MysqlRefreshRequestSource::ReadDue), prints per poll: rows the server examined
// (ANALYZE FORMAT=JSON r_rows, and the session's Handler_read_* counters), rows returned and
// milliseconds (median and max of POLLS). Then creates the optional index the way
// `init --refresh-requests-index` does and measures again.
//
// Figures: docs/performance.md.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "json/js_json.h"
#include "mysql/mysql_pool.h"
#include "support/mysql_test_server.h"
#include "tokens/mysql_refresh_request_source.h"

namespace tc {
namespace {

using Clock = std::chrono::steady_clock;

int64_t Scalar(MysqlPool& pool, const std::string& sql) {
  auto rows = pool.Run<std::vector<SqlRow>>(
      [&](MysqlConnection& connection) { return connection.Query(sql); });
  if (!rows.ok()) {
    std::cerr << sql << ": " << rows.error().ToString() << "\n";
    std::exit(1);
  }
  return rows->empty() ? 0 : rows->front().Int(0).value_or(0);
}

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

int64_t HandlerReads(MysqlPool& pool) {
  return Scalar(pool,
                "SELECT SUM(VARIABLE_VALUE) FROM information_schema.SESSION_STATUS WHERE "
                "VARIABLE_NAME IN ('HANDLER_READ_FIRST', 'HANDLER_READ_KEY', 'HANDLER_READ_NEXT', "
                "'HANDLER_READ_PREV', 'HANDLER_READ_RND', 'HANDLER_READ_RND_NEXT')");
}

// Rows the plan's table access read (ANALYZE r_rows) for the due query with literal values.
double AnalyzedRows(MysqlPool& pool, const std::string& sql, std::string* access) {
  auto rows = pool.Run<std::vector<SqlRow>>(
      [&](MysqlConnection& connection) { return connection.Query("ANALYZE FORMAT=JSON " + sql); });
  if (!rows.ok() || rows->empty()) return -1;
  const Json plan = Json::parse(rows->front().Text(0), nullptr, false);
  double examined = -1;
  // The table's access node: wherever "table" sits (under a filesort or not).
  std::vector<const Json*> stack{&plan};
  while (!stack.empty()) {
    const Json* node = stack.back();
    stack.pop_back();
    if (node->is_object()) {
      if (node->contains("table") && (*node)["table"].is_object()) {
        const Json& table = (*node)["table"];
        examined = table.value("r_rows", -1.0);
        *access = table.value("access_type", std::string("?"));
        if (table.contains("key")) *access += " " + table["key"].get<std::string>();
        // r_rows is rows returned by the access method per loop; with loops that is all.
        examined *= table.value("r_loops", 1.0);
      }
      for (const auto& [key, value] : node->items()) stack.push_back(&value);
    } else if (node->is_array()) {
      for (const auto& value : *node) stack.push_back(&value);
    }
  }
  return examined;
}

void Measure(const char* title, MysqlPool& admin, MysqlRefreshRequestSource& source,
             const std::string& quoted, int polls) {
  const std::vector<int> types{1, 3};
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  std::string literal_sql = MysqlRefreshRequestSource::DueSql(quoted, types);
  const std::string values[] = {"'" + MysqlRefreshRequestSource::UtcDatetime(now) + "'", "0",
                                "1000"};
  for (const std::string& value : values) {
    literal_sql.replace(literal_sql.find('?'), 1, value);
  }
  std::string access;
  const double analyzed = AnalyzedRows(admin, literal_sql, &access);
  const int64_t before = HandlerReads(admin);
  auto counted = admin.Run<std::vector<SqlRow>>(
      [&](MysqlConnection& connection) { return connection.Query(literal_sql); });
  const int64_t handler_reads = HandlerReads(admin) - before;
  std::vector<double> ms;
  size_t returned = 0;
  for (int i = 0; i < polls; ++i) {
    const auto start = Clock::now();
    auto due = source.ReadDue(DueRequestsQuery{types, std::nullopt, now, 0, 1000});
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    if (!due.ok()) {
      std::cerr << due.error().ToString() << "\n";
      std::exit(1);
    }
    returned = due->size();
  }
  std::sort(ms.begin(), ms.end());
  std::cout << fmt::format(
      "{}:\n  access: {}\n  rows examined per poll: {:.0f} (ANALYZE r_rows), {} handler reads\n"
      "  rows returned (due): {}{}\n  ms per poll: median {:.2f}, min {:.2f}, max {:.2f} "
      "({} polls)\n",
      title, access, analyzed, handler_reads, returned,
      counted.ok() ? "" : " (the counted query failed)", ms[ms.size() / 2], ms.front(), ms.back(),
      polls);
}

int Main(int argc, char** argv) {
  const int64_t rows = argc > 1 ? std::atoll(argv[1]) : 1'000'000;
  const int polls = argc > 2 ? std::atoi(argv[2]) : 20;
  auto server = testing::FindTestMysql();
  if (!server) {
    std::cerr << testing::kMysqlSkipReason << "\n";
    return 2;
  }
  MysqlPool admin(server->options, 1);
  const std::string table = testing::UniqueTablePrefix() + "refresh_log";
  const std::string quoted = "`" + table + "`";
  Exec(admin, "DROP TABLE IF EXISTS " + quoted);
  // The platform's table, exactly (only its index).
  Exec(admin, "CREATE TABLE " + quoted +
                  " (id int AUTO_INCREMENT PRIMARY KEY, user_id int UNSIGNED NOT NULL DEFAULT 0,"
                  " activity_type int UNSIGNED NOT NULL DEFAULT 0,"
                  " status int UNSIGNED NOT NULL DEFAULT 0, note varchar(256) NULL,"
                  " scheduled_on datetime NULL,"
                  " created_on datetime NOT NULL DEFAULT CURRENT_TIMESTAMP,"
                  " modified_on datetime NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE "
                  "CURRENT_TIMESTAMP, INDEX idx__user_id__status__001 (user_id, status))");
  const auto fill_start = Clock::now();
  // One purchase = 3 rows (type 1 now; type 3 at +3 h and the next day); one row in 1000 pending,
  // half of the pending type-3 rows not due yet. 100,000 users; created over the last 90 days.
  Exec(admin, fmt::format(
                  "INSERT INTO {1} (user_id, activity_type, status, scheduled_on, created_on)"
                  " SELECT 1 + (seq DIV 3) % 100000, IF(seq % 3 = 0, 1, 3),"
                  " IF(seq % 1000 = 0, 0, 1),"
                  " IF(seq % 3 = 0, NULL, UTC_TIMESTAMP() + INTERVAL IF(seq % 2000 = 1000, 1, -1) *"
                  " CAST(seq % 7 + 1 AS SIGNED) HOUR),"
                  " UTC_TIMESTAMP() - INTERVAL (({0} - seq) * 7776 DIV {0}) MINUTE"
                  " FROM seq_1_to_{0}",
                  rows, quoted));
  const double fill_s = std::chrono::duration<double>(Clock::now() - fill_start).count();
  Exec(admin, "ANALYZE TABLE " + quoted);
  const int64_t pending = Scalar(admin, "SELECT COUNT(*) FROM " + quoted + " WHERE status = 0");
  std::cout << fmt::format(
      "table: {} rows ({} pending = {:.2f} %), only index (user_id, status); filled in {:.1f} s\n",
      rows, pending, 100.0 * static_cast<double>(pending) / static_cast<double>(rows), fill_s);

  TokensConfig tokens;
  tokens.url = server->url;
  tokens.password = server->password;
  RefreshRequestsConfig requests;
  requests.table = table;
  auto source = MysqlRefreshRequestSource::Open(tokens, requests);
  if (!source.ok()) {
    std::cerr << source.error().ToString() << "\n";
    return 1;
  }
  Measure("platform's index only", admin, **source, quoted, polls);
  const auto index_start = Clock::now();
  if (Status indexed = CreateRefreshRequestIndex(tokens, requests); !indexed.ok()) {
    std::cerr << indexed.error().ToString() << "\n";
    return 1;
  }
  std::cout << fmt::format("init --refresh-requests-index: {:.1f} s\n",
                           std::chrono::duration<double>(Clock::now() - index_start).count());
  Exec(admin, "ANALYZE TABLE " + quoted);
  Measure("with (status, activity_type, scheduled_on)", admin, **source, quoted, polls);
  Exec(admin, "DROP TABLE " + quoted);
  return 0;
}

}  // namespace
}  // namespace tc

int main(int argc, char** argv) { return tc::Main(argc, argv); }
