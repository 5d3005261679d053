#include "tokens/mysql_refresh_request_source.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <utility>

#include "mysql/mysql_identifier.h"

namespace tc {
namespace {

// Rows per UPDATE … WHERE id IN (…) statement.
constexpr size_t kIdBatch = 500;

std::string IdPlaceholders(size_t count) {
  std::string text;
  for (size_t i = 0; i < count; ++i) text += i == 0 ? "?" : ",?";
  return text;
}

}  // namespace

// Compared with the DATETIME column as it is, so the session's time zone plays no part.
std::string MysqlRefreshRequestSource::UtcDatetime(int64_t unix_seconds) {
  const std::chrono::sys_seconds time{std::chrono::seconds(unix_seconds)};
  const auto day = std::chrono::floor<std::chrono::days>(time);
  const std::chrono::year_month_day date{day};
  const std::chrono::hh_mm_ss clock{time - day};
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                     clock.hours().count(), clock.minutes().count(), clock.seconds().count());
}

// The due time as seconds since 1970 with the DATETIME read as UTC (no time-zone conversion).
std::string MysqlRefreshRequestSource::DueSql(const std::string& quoted_table,
                                              const std::vector<int>& types,
                                              const std::optional<Shard>& shard) {
  return "SELECT id, user_id, activity_type, TIMESTAMPDIFF(SECOND, '1970-01-01 00:00:00',"
         " GREATEST(created_on, COALESCE(scheduled_on, created_on))) FROM " +
         quoted_table + " WHERE status = 0 AND activity_type IN (" + ActivityTypeList(types) +
         ") AND (scheduled_on IS NULL OR scheduled_on <= ?) AND id > ?" + ShardFilter(shard) +
         " ORDER BY id LIMIT ?";
}

MysqlRefreshRequestSource::MysqlRefreshRequestSource(MysqlConnectOptions options, std::string table,
                                                     std::string quoted, MysqlRetryPolicy retry)
    : pool_(std::move(options), 1, retry), table_(std::move(table)), quoted_(std::move(quoted)) {}

Result<std::unique_ptr<MysqlRefreshRequestSource>> MysqlRefreshRequestSource::Open(
    const TokensConfig& tokens, const RefreshRequestsConfig& requests, MysqlRetryPolicy retry) {
  auto endpoint = ParseMysqlUrl(tokens.url, "tokens.url");
  if (!endpoint.ok()) return endpoint.error();
  auto quoted = QuoteMysqlIdentifier(requests.table, "refresh_requests.table");
  if (!quoted.ok()) return quoted.error();
  MysqlConnectOptions options;
  options.endpoint = std::move(endpoint).value();
  options.password = tokens.password;
  options.tls_ca = tokens.tls_ca;
  std::unique_ptr<MysqlRefreshRequestSource> source(new MysqlRefreshRequestSource(
      std::move(options), requests.table, std::move(quoted).value(), retry));
  // Reading no rows proves the table and every column used exist and are readable.
  auto probe = source->pool_.Run<std::vector<SqlRow>>([&](MysqlConnection& connection) {
    return connection.Query(
        "SELECT id, user_id, activity_type, status, note, scheduled_on,"
        " created_on FROM " +
        source->quoted_ + " WHERE 1 = 0");
  });
  if (!probe.ok()) return source->TableError(probe.error());
  return source;
}

Error MysqlRefreshRequestSource::TableError(const Error& cause) const {
  return MakeError(cause.error_class, "refresh request table \"" + table_ + "\": " + cause.message);
}

Result<std::vector<RefreshRequest>> MysqlRefreshRequestSource::ReadDue(
    const DueRequestsQuery& query) {
  if (query.types.empty() || query.limit <= 0) return std::vector<RefreshRequest>{};
  const std::string sql = DueSql(quoted_, query.types, query.shard);
  const std::string now = UtcDatetime(query.now_unix);
  auto rows = pool_.Run<std::vector<SqlRow>>([&](MysqlConnection& connection) {
    const SqlParam params[] = {std::string_view(now), query.after_id, int64_t{query.limit}};
    return connection.Query(sql, params);
  });
  if (!rows.ok()) return TableError(rows.error());
  std::vector<RefreshRequest> requests;
  requests.reserve(rows->size());
  for (const SqlRow& row : *rows) {
    const auto id = row.Int(0);
    const auto user_id = row.Int(1);
    const auto type = row.Int(2);
    if (!id || !user_id || !type) {
      return MakeError(ErrorClass::kStore,
                       "refresh request table \"" + table_ + "\": a row is not integers");
    }
    requests.push_back(
        RefreshRequest{*id, *user_id, static_cast<int>(*type), row.Int(3).value_or(0)});
  }
  return requests;
}

Result<int64_t> MysqlRefreshRequestSource::MarkProcessed(std::span<const int64_t> ids) {
  int64_t changed = 0;
  for (size_t begin = 0; begin < ids.size(); begin += kIdBatch) {
    const size_t count = std::min(kIdBatch, ids.size() - begin);
    const std::string sql = "UPDATE " + quoted_ + " SET status = 1 WHERE status = 0 AND id IN (" +
                            IdPlaceholders(count) + ")";
    std::vector<SqlParam> params(ids.begin() + begin, ids.begin() + begin + count);
    auto done = pool_.Run<uint64_t>(
        [&](MysqlConnection& connection) { return connection.Execute(sql, params); });
    if (!done.ok()) return TableError(done.error());
    changed += static_cast<int64_t>(*done);
  }
  return changed;
}

Status MysqlRefreshRequestSource::NoteFailure(std::span<const int64_t> ids, std::string_view note) {
  for (size_t begin = 0; begin < ids.size(); begin += kIdBatch) {
    const size_t count = std::min(kIdBatch, ids.size() - begin);
    const std::string sql = "UPDATE " + quoted_ + " SET note = ? WHERE status = 0 AND id IN (" +
                            IdPlaceholders(count) + ")";
    std::vector<SqlParam> params{note};
    params.insert(params.end(), ids.begin() + begin, ids.begin() + begin + count);
    auto done = pool_.Run<uint64_t>(
        [&](MysqlConnection& connection) { return connection.Execute(sql, params); });
    if (!done.ok()) return TableError(done.error());
  }
  return Status::Ok();
}

Status MysqlRefreshRequestSource::CreateDueIndex() {
  const size_t dot = table_.find('.');
  const std::string schema = dot == std::string::npos ? std::string() : table_.substr(0, dot);
  const std::string name = dot == std::string::npos ? table_ : table_.substr(dot + 1);
  auto existing = pool_.Run<std::vector<SqlRow>>([&](MysqlConnection& connection) {
    const SqlParam params[] = {std::string_view(schema), std::string_view(schema),
                               std::string_view(name), std::string_view(kRefreshRequestIndexName)};
    return connection.Query(
        "SELECT 1 FROM information_schema.STATISTICS"
        " WHERE TABLE_SCHEMA = IF(? = '', DATABASE(), ?) AND TABLE_NAME = ? AND INDEX_NAME = ?",
        params);
  });
  if (!existing.ok()) return TableError(existing.error());
  if (!existing->empty()) return Status::Ok();
  auto created = pool_.Run<uint64_t>([&](MysqlConnection& connection) {
    return connection.Execute(std::string("CREATE INDEX ") + kRefreshRequestIndexName + " ON " +
                              quoted_ + " (status, activity_type, scheduled_on)");
  });
  if (!created.ok()) return TableError(created.error());
  return Status::Ok();
}

}  // namespace tc
