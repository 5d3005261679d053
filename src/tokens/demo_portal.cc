#include "tokens/demo_portal.h"

#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <memory>

namespace tc {
namespace {

using Database = std::unique_ptr<sqlite3, decltype(&sqlite3_close)>;
using Statement = std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)>;

bool IsPlainIdentifier(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  if (std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

}  // namespace

std::string DemoToken(int64_t user_id) { return "tc-sim-token-" + std::to_string(user_id); }

Status SeedDemoPortal(const std::string& sqlite_path, const std::string& table, int64_t users) {
  if (!IsPlainIdentifier(table)) {
    return MakeError(ErrorClass::kConfig,
                     "tokens.table must be a plain identifier, got \"" + table + "\"");
  }
  sqlite3* raw = nullptr;
  const int open_rc = sqlite3_open_v2(sqlite_path.c_str(), &raw,
                                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  Database db(raw, &sqlite3_close);
  auto fail = [&](const std::string& what) -> Status {
    return MakeError(ErrorClass::kStore, "demo portal sqlite:" + sqlite_path + ": " + what + ": " +
                                             sqlite3_errmsg(db.get()));
  };
  if (open_rc != SQLITE_OK) return fail("cannot open");
  sqlite3_busy_timeout(db.get(), 10'000);

  const std::string quoted = "\"" + table + "\"";
  const std::string schema =
      "BEGIN IMMEDIATE;"
      "CREATE TABLE IF NOT EXISTS " +
      quoted +
      " (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, token TEXT, created_at TEXT);"
      "CREATE INDEX IF NOT EXISTS \"" +
      table + "_user_id\" ON " + quoted + " (user_id);";
  if (sqlite3_exec(db.get(), schema.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
    Status status = fail("cannot create the token table");
    sqlite3_exec(db.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    return status;
  }

  const std::string insert_sql =
      "INSERT INTO " + quoted +
      " (user_id, token, created_at) SELECT ?1, ?2, strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"
      " WHERE NOT EXISTS (SELECT 1 FROM " +
      quoted + " WHERE user_id = ?1)";
  sqlite3_stmt* raw_statement = nullptr;
  if (sqlite3_prepare_v2(db.get(), insert_sql.c_str(), -1, &raw_statement, nullptr) != SQLITE_OK) {
    Status status = fail("cannot prepare the insert");
    sqlite3_exec(db.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    return status;
  }
  Statement insert(raw_statement, &sqlite3_finalize);
  for (int64_t user_id = 1; user_id <= users; ++user_id) {
    const std::string token = DemoToken(user_id);
    sqlite3_bind_int64(insert.get(), 1, user_id);
    sqlite3_bind_text(insert.get(), 2, token.c_str(), static_cast<int>(token.size()),
                      SQLITE_TRANSIENT);
    const int rc = sqlite3_step(insert.get());
    sqlite3_reset(insert.get());
    if (rc != SQLITE_DONE) {
      Status status = fail("cannot insert user " + std::to_string(user_id));
      sqlite3_exec(db.get(), "ROLLBACK", nullptr, nullptr, nullptr);
      return status;
    }
  }
  insert.reset();
  if (sqlite3_exec(db.get(), "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    Status status = fail("cannot commit");
    sqlite3_exec(db.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    return status;
  }
  return Status::Ok();
}

}  // namespace tc
