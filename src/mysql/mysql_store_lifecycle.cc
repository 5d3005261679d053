// MysqlCacheStore's data lifecycle: the keyset listing and deletion behind `ticketcache prune`,
// and the retention range deletes (run history, audit log) on their indexes.
#include <algorithm>
#include <limits>
#include <string>
#include <vector>

#include "mysql/mysql_cache_store.h"

namespace tc {
namespace {

// Rows per retention DELETE: short transactions that never hold many row locks at once.
constexpr int64_t kRetentionDeleteBatch = 10'000;
// Ids per prune DELETE statement.
constexpr size_t kPruneIdsPerStatement = 1000;

std::string IdPlaceholders(size_t count) {
  std::string text;
  for (size_t i = 0; i < count; ++i) text += i == 0 ? "?" : ",?";
  return text;
}

}  // namespace

Status MysqlCacheStore::EnsureIndex(const std::string& table, const std::string& name,
                                    const std::string& columns) {
  std::string bare = table;  // `db`.`table` or `table`, quoted by QuoteMysqlIdentifier
  std::erase(bare, '`');
  const size_t dot = bare.find('.');
  const std::string schema = dot == std::string::npos ? std::string() : bare.substr(0, dot);
  const std::string table_name = dot == std::string::npos ? bare : bare.substr(dot + 1);
  const SqlParam params[] = {std::string_view(schema), std::string_view(schema),
                             std::string_view(table_name), std::string_view(name)};
  auto rows = pool_.Run<std::vector<SqlRow>>([&](MysqlConnection& connection) {
    return connection.Query(
        "SELECT 1 FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = IF(? = '', DATABASE(), ?)"
        " AND TABLE_NAME = ? AND INDEX_NAME = ? LIMIT 1",
        params);
  });
  if (!rows.ok()) return rows.error();
  if (!rows->empty()) return Status::Ok();
  return Execute("ALTER TABLE " + table + " ADD INDEX " + name + " (" + columns + ")", {});
}

Result<std::vector<int64_t>> MysqlCacheStore::UserIdsPage(UserRecords kind,
                                                          std::optional<int64_t> after_user_id,
                                                          int limit) {
  std::vector<int64_t> ids;
  if (limit <= 0 || after_user_id == std::numeric_limits<int64_t>::max()) return ids;
  const std::string& table = kind == UserRecords::kCaches ? tables_.cache : tables_.user_state;
  // The primary key is user_id: a range read of the clustered index, one page at a time.
  const std::string sql =
      "SELECT user_id FROM " + table + " WHERE user_id >= ? ORDER BY user_id LIMIT ?";
  const SqlParam params[] = {
      after_user_id ? *after_user_id + 1 : std::numeric_limits<int64_t>::min(), int64_t{limit}};
  auto rows = pool_.Run<std::vector<SqlRow>>(
      [&](MysqlConnection& connection) { return connection.Query(sql, params); });
  if (!rows.ok()) return rows.error();
  for (const SqlRow& row : *rows) ids.push_back(row.Int(0).value_or(0));
  return ids;
}

Result<int64_t> MysqlCacheStore::CountCaches() {
  auto rows = pool_.Run<std::vector<SqlRow>>([&](MysqlConnection& connection) {
    return connection.Query("SELECT COUNT(*) FROM " + tables_.cache, {});
  });
  if (!rows.ok()) return rows.error();
  if (rows->empty() || !rows->front().Int(0)) {
    return MakeError(ErrorClass::kStore, "mysql: counting caches gave no count");
  }
  return *rows->front().Int(0);
}

// Two statements, not one transaction: a user whose state outlives its deleted document is an
// orphan of the state table, which the next prune deletes.
Result<int64_t> MysqlCacheStore::DeleteUsers(std::span<const int64_t> user_ids) {
  int64_t deleted = 0;
  for (size_t begin = 0; begin < user_ids.size(); begin += kPruneIdsPerStatement) {
    const size_t count = std::min(kPruneIdsPerStatement, user_ids.size() - begin);
    const std::vector<SqlParam> params(user_ids.begin() + begin, user_ids.begin() + begin + count);
    for (const std::string* table : {&tables_.cache, &tables_.user_state}) {
      const std::string sql =
          "DELETE FROM " + *table + " WHERE user_id IN (" + IdPlaceholders(count) + ")";
      auto rows = pool_.Run<uint64_t>(
          [&](MysqlConnection& connection) { return connection.Execute(sql, params); });
      if (!rows.ok()) return rows.error();
      if (table == &tables_.cache) deleted += static_cast<int64_t>(*rows);
    }
  }
  return deleted;
}

Result<int64_t> MysqlCacheStore::DeleteOlderThan(const std::string& table,
                                                 const std::string& column, int64_t cutoff) {
  // A range on the column's index, in batches (repeating a batch after a lost connection is safe).
  const std::string sql = "DELETE FROM " + table + " WHERE " + column + " < ? LIMIT ?";
  const SqlParam params[] = {cutoff, kRetentionDeleteBatch};
  int64_t deleted = 0;
  for (;;) {
    auto rows = pool_.Run<uint64_t>(
        [&](MysqlConnection& connection) { return connection.Execute(sql, params); });
    if (!rows.ok()) return rows.error();
    deleted += static_cast<int64_t>(*rows);
    if (static_cast<int64_t>(*rows) < kRetentionDeleteBatch) return deleted;
  }
}

Result<int64_t> MysqlCacheStore::DeleteRunsStartedBefore(int64_t cutoff_ms) {
  return DeleteOlderThan(tables_.runs, "started_at_ms", cutoff_ms);
}

Result<int64_t> MysqlCacheStore::DeleteAuditBefore(int64_t cutoff_unix_seconds) {
  return DeleteOlderThan(tables_.log, "timestamp", cutoff_unix_seconds);
}

}  // namespace tc
