#include "tokens/sqlite_refresh_request_source.h"

#include <utility>

#include "sqlite/sqlite_identifier.h"
#include "sqlite/sqlite_query.h"

namespace tc {

std::string SqliteRefreshRequestTableSql(const std::string& quoted_table,
                                         const std::string& table) {
  return "CREATE TABLE IF NOT EXISTS " + quoted_table +
         " (id INTEGER PRIMARY KEY AUTOINCREMENT, user_id INTEGER NOT NULL DEFAULT 0,"
         " activity_type INTEGER NOT NULL DEFAULT 0, status INTEGER NOT NULL DEFAULT 0,"
         " note VARCHAR(256) NULL, scheduled_on DATETIME NULL,"
         " created_on DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,"
         " modified_on DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP);"
         "CREATE INDEX IF NOT EXISTS \"" +
         table + "__user_id__status\" ON " + quoted_table + " (user_id, status);";
}

SqliteRefreshRequestSource::SqliteRefreshRequestSource(std::unique_ptr<SqliteDatabase> db,
                                                       std::string table, std::string quoted)
    : db_(std::move(db)), table_(std::move(table)), quoted_(std::move(quoted)) {}

Error SqliteRefreshRequestSource::StoreError(const std::string& what) const {
  return MakeError(ErrorClass::kStore,
                   "refresh request table \"" + table_ + "\" in " + db_->Fail(what).message);
}

Result<std::unique_ptr<SqliteRefreshRequestSource>> SqliteRefreshRequestSource::Open(
    const std::string& path, const std::string& table) {
  auto quoted = QuoteSqliteIdentifier(table, "refresh_requests.table");
  if (!quoted.ok()) return quoted.error();
  auto db = SqliteDatabase::Open(path, SqliteOpenMode::kReadWrite);
  if (!db.ok()) return MakeError(db.error().error_class, "tokens.url: " + db.error().message);
  std::unique_ptr<SqliteRefreshRequestSource> source(
      new SqliteRefreshRequestSource(std::move(db).value(), table, std::move(quoted).value()));
  const std::string probe =
      "SELECT id, user_id, activity_type, status, note, scheduled_on,"
      " created_on FROM " +
      source->quoted_ + " WHERE 0";
  if (!source->db_->Prepare(probe).ok()) return source->StoreError("cannot read its columns");
  return source;
}

Result<std::vector<RefreshRequest>> SqliteRefreshRequestSource::ReadDue(
    const DueRequestsQuery& query) {
  std::vector<RefreshRequest> requests;
  if (query.types.empty() || query.limit <= 0) return requests;
  const std::string sql =
      "SELECT id, user_id, activity_type, max(CAST(strftime('%s', created_on) AS INTEGER),"
      " coalesce(CAST(strftime('%s', scheduled_on) AS INTEGER), 0)) FROM " +
      quoted_ + " WHERE status = 0 AND activity_type IN (" + ActivityTypeList(query.types) +
      ") AND (scheduled_on IS NULL OR datetime(scheduled_on) <= datetime(?1, 'unixepoch'))"
      " AND id > ?2" +
      ShardFilter(query.shard) + " ORDER BY id LIMIT ?3";
  auto statement = db_->Prepare(sql);
  if (!statement.ok()) return StoreError("reading the due requests");
  SqliteQuery rows(*statement);
  rows.Bind(1, query.now_unix).Bind(2, query.after_id).Bind(3, int64_t{query.limit});
  int rc;
  while ((rc = rows.Step()) == SQLITE_ROW) {
    requests.push_back(
        RefreshRequest{rows.Int(0), rows.Int(1), static_cast<int>(rows.Int(2)), rows.Int(3)});
  }
  if (rc != SQLITE_DONE) return StoreError("reading the due requests");
  return requests;
}

Result<int64_t> SqliteRefreshRequestSource::MarkProcessed(std::span<const int64_t> ids) {
  auto statement = db_->Prepare("UPDATE " + quoted_ +
                                " SET status = 1, modified_on = CURRENT_TIMESTAMP WHERE status = 0"
                                " AND id IN (SELECT value FROM json_each(?1))");
  if (!statement.ok()) return StoreError("marking requests processed");
  SqliteQuery update(*statement);
  update.Bind(1, SqliteIdArray(ids));
  if (update.Step() != SQLITE_DONE) return StoreError("marking requests processed");
  return db_->Changes();
}

Status SqliteRefreshRequestSource::NoteFailure(std::span<const int64_t> ids,
                                               std::string_view note) {
  auto statement = db_->Prepare("UPDATE " + quoted_ +
                                " SET note = ?2, modified_on = CURRENT_TIMESTAMP WHERE status = 0"
                                " AND id IN (SELECT value FROM json_each(?1))");
  if (!statement.ok()) return StoreError("noting a failed refresh");
  SqliteQuery update(*statement);
  update.Bind(1, SqliteIdArray(ids)).Bind(2, std::string(note));
  if (update.Step() != SQLITE_DONE) return StoreError("noting a failed refresh");
  return Status::Ok();
}

Status SqliteRefreshRequestSource::CreateDueIndex() {
  return db_->ExecScript(std::string("CREATE INDEX IF NOT EXISTS ") + kRefreshRequestIndexName +
                             " ON " + quoted_ + " (status, activity_type, scheduled_on)",
                         "cannot create the refresh request index");
}

}  // namespace tc
