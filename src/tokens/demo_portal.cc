#include "tokens/demo_portal.h"

#include "sqlite/sqlite_database.h"
#include "sqlite/sqlite_identifier.h"
#include "sqlite/sqlite_query.h"
#include "sqlite/sqlite_transaction.h"
#include "tokens/sqlite_refresh_request_source.h"

namespace tc {
namespace {

// The token the simulator accepts for `user_id` (ticketcache-sim's scheme).
std::string DemoToken(int64_t user_id) { return "tc-sim-token-" + std::to_string(user_id); }

}  // namespace

Status SeedDemoPortal(const std::string& sqlite_path, const std::string& table, int64_t users,
                      const std::string& requests_table) {
  auto quoted = QuoteSqliteIdentifier(table, "tokens.table");
  if (!quoted.ok()) return quoted.error();
  std::string requests_schema;
  if (!requests_table.empty()) {
    auto quoted_requests = QuoteSqliteIdentifier(requests_table, "refresh_requests.table");
    if (!quoted_requests.ok()) return quoted_requests.error();
    requests_schema = SqliteRefreshRequestTableSql(*quoted_requests, requests_table);
  }
  auto opened = SqliteDatabase::Open(sqlite_path, SqliteOpenMode::kCreate);
  if (!opened.ok()) return opened.error();
  SqliteDatabase& db = **opened;
  auto fail = [&](const Error& error) -> Status {
    return MakeError(ErrorClass::kStore, "demo portal " + error.message);
  };

  SqliteTransaction transaction(db);
  if (Status begun = transaction.Begin(); !begun.ok()) return fail(begun.error());
  const std::string schema =
      "CREATE TABLE IF NOT EXISTS " + *quoted +
      " (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, token TEXT, created_at TEXT);"
      "CREATE INDEX IF NOT EXISTS \"" +
      table + "_user_id\" ON " + *quoted + " (user_id);" + requests_schema;
  if (Status created = db.ExecScript(schema, "cannot create the token table"); !created.ok()) {
    return fail(created.error());
  }
  const std::string insert_sql =
      "INSERT INTO " + *quoted +
      " (user_id, token, created_at) SELECT ?1, ?2, strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"
      " WHERE NOT EXISTS (SELECT 1 FROM " +
      *quoted + " WHERE user_id = ?1)";
  auto insert = db.Prepare(insert_sql);
  if (!insert.ok()) return fail(insert.error());
  for (int64_t user_id = 1; user_id <= users; ++user_id) {
    SqliteQuery query(*insert);
    query.Bind(1, user_id).Bind(2, DemoToken(user_id));
    if (query.Step() != SQLITE_DONE) {
      return fail(db.Fail("cannot insert user " + std::to_string(user_id)));
    }
  }
  if (Status committed = transaction.Commit(); !committed.ok()) return fail(committed.error());
  return Status::Ok();
}

}  // namespace tc
