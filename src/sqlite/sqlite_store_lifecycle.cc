// SqliteCacheStore's data lifecycle: the keyset listing and deletion behind `ticketcache prune`,
// and the retention range deletes (run history, audit log) on their indexes.
#include <limits>
#include <string>
#include <vector>

#include "sqlite/sqlite_cache_store.h"
#include "sqlite/sqlite_query.h"

namespace tc {
namespace {

// Rows per retention DELETE: each batch is one short write transaction, so a first prune of a
// year of audit entries never holds the write lock long enough to stall a run's writers.
constexpr int64_t kDeleteBatch = 10'000;
constexpr char kUserStateTable[] = "ticketcache_user_state";

}  // namespace

Result<std::vector<int64_t>> SqliteCacheStore::UserIdsPage(UserRecords kind,
                                                           std::optional<int64_t> after_user_id,
                                                           int limit) {
  std::vector<int64_t> ids;
  if (limit <= 0) return ids;
  auto lease = Acquire();
  if (!lease.ok()) return lease.error();
  SqliteDatabase& connection = lease->connection();
  if (after_user_id == std::numeric_limits<int64_t>::max()) return ids;
  const std::string table = kind == UserRecords::kCaches ? cache_table_ : kUserStateTable;
  // The primary key is user_id: a range scan of the table's b-tree, one page at a time.
  auto statement = connection.Prepare("SELECT user_id FROM " + table +
                                      " WHERE user_id >= ?1 ORDER BY user_id LIMIT ?2");
  if (!statement.ok()) return statement.error();
  SqliteQuery query(*statement);
  query.Bind(1, after_user_id ? *after_user_id + 1 : std::numeric_limits<int64_t>::min());
  query.Bind(2, int64_t{limit});
  int rc;
  while ((rc = query.Step()) == SQLITE_ROW) ids.push_back(query.Int(0));
  if (rc != SQLITE_DONE) return connection.Fail("cannot list user ids");
  return ids;
}

Result<int64_t> SqliteCacheStore::CountCaches() {
  auto lease = Acquire();
  if (!lease.ok()) return lease.error();
  SqliteDatabase& connection = lease->connection();
  auto statement = connection.Prepare("SELECT count(*) FROM " + cache_table_);
  if (!statement.ok()) return statement.error();
  SqliteQuery query(*statement);
  if (query.Step() != SQLITE_ROW) return connection.Fail("cannot count caches");
  return query.Int(0);
}

Result<int64_t> SqliteCacheStore::DeleteUsers(std::span<const int64_t> user_ids) {
  if (user_ids.empty()) return int64_t{0};
  std::lock_guard<std::mutex> write_lock(write_mutex_);
  auto lease = Acquire();
  if (!lease.ok()) return lease.error();
  SqliteDatabase& connection = lease->connection();
  const std::string ids = SqliteIdArray(user_ids);
  if (Status begun = connection.Exec("BEGIN IMMEDIATE", "begin"); !begun.ok()) return begun.error();
  int64_t deleted = 0;
  for (const std::string& table : {cache_table_, std::string(kUserStateTable)}) {
    auto statement = connection.Prepare("DELETE FROM " + table +
                                        " WHERE user_id IN (SELECT value FROM json_each(?1))");
    if (!statement.ok()) return statement.error();  // the lease rolls back
    SqliteQuery query(*statement);
    query.Bind(1, ids);
    if (query.Step() != SQLITE_DONE) return connection.Fail("cannot delete users");
    if (table == cache_table_) deleted = connection.Changes();
  }
  if (Status committed = connection.Exec("COMMIT", "commit"); !committed.ok()) {
    return committed.error();
  }
  return deleted;
}

Result<int64_t> SqliteCacheStore::DeleteOlderThan(const std::string& table,
                                                  const std::string& column, int64_t cutoff) {
  // rowid batches on the column's index: a range scan, never a full-table scan.
  const std::string sql = "DELETE FROM " + table + " WHERE rowid IN (SELECT rowid FROM " + table +
                          " WHERE " + column + " < ?1 LIMIT ?2)";
  int64_t deleted = 0;
  for (;;) {
    std::lock_guard<std::mutex> write_lock(write_mutex_);
    auto lease = Acquire();
    if (!lease.ok()) return lease.error();
    SqliteDatabase& connection = lease->connection();
    auto statement = connection.Prepare(sql);
    if (!statement.ok()) return statement.error();
    SqliteQuery query(*statement);
    query.Bind(1, cutoff).Bind(2, kDeleteBatch);
    if (query.Step() != SQLITE_DONE) return connection.Fail("cannot delete old rows of " + table);
    const int64_t batch = connection.Changes();
    deleted += batch;
    if (batch < kDeleteBatch) return deleted;
  }
}

Result<int64_t> SqliteCacheStore::DeleteRunsStartedBefore(int64_t cutoff_ms) {
  return DeleteOlderThan("ticketcache_runs", "started_at_ms", cutoff_ms);
}

Result<int64_t> SqliteCacheStore::DeleteAuditBefore(int64_t cutoff_unix_seconds) {
  return DeleteOlderThan(log_table_, "timestamp", cutoff_unix_seconds);
}

}  // namespace tc
