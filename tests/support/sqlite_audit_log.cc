#include "support/sqlite_audit_log.h"

#include <utility>

#include "json/js_json.h"
#include "sqlite/sqlite_database.h"
#include "sqlite/sqlite_query.h"

namespace tc::testing {

Result<std::vector<AuditEntry>> ReadSqliteAuditLog(const std::string& path,
                                                   const std::string& log_table, int64_t user_id) {
  auto opened = SqliteDatabase::Open(path, SqliteOpenMode::kReadOnly);
  if (!opened.ok()) return opened.error();
  SqliteDatabase& connection = **opened;
  auto statement = connection.Prepare(
      std::string("SELECT pass_uuid, list, action, status, payload, payload_hash, timestamp") +
      " FROM \"" + log_table + "\" WHERE user_id = ?1 ORDER BY id");
  if (!statement.ok()) return statement.error();
  SqliteQuery query(*statement);
  query.Bind(1, user_id);
  std::vector<AuditEntry> entries;
  int rc;
  while ((rc = query.Step()) == SQLITE_ROW) {
    AuditEntry entry;
    entry.user_id = user_id;
    entry.pass_uuid = query.Text(0);
    entry.list = query.Text(1) == PassListName(PassListKind::kExpired) ? PassListKind::kExpired
                                                                       : PassListKind::kActive;
    entry.created = query.Text(2) == "create";
    entry.status = query.Text(3);
    auto payload = ParseJsJson(query.Text(4));
    if (!payload.ok()) {
      return MakeError(ErrorClass::kStore, "sqlite:" + path + ": an audit payload of user " +
                                               std::to_string(user_id) + " is unreadable");
    }
    entry.payload = std::move(payload).value();
    entry.payload_hash = query.Text(5);
    entry.timestamp = query.Int(6);
    entries.push_back(std::move(entry));
  }
  if (rc != SQLITE_DONE) return connection.Fail("cannot read the audit log");
  return entries;
}

}  // namespace tc::testing
