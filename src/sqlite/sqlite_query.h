// One use of a cached prepared statement: bind, step, read columns. The statement is reset and
// its bindings cleared at scope exit, so it is ready for the next use.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <span>
#include <string>

namespace tc {

class SqliteQuery {
 public:
  explicit SqliteQuery(sqlite3_stmt* statement) : statement_(statement) {}
  ~SqliteQuery() {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
  }
  SqliteQuery(const SqliteQuery&) = delete;
  SqliteQuery& operator=(const SqliteQuery&) = delete;

  SqliteQuery& Bind(int index, int64_t value) {
    sqlite3_bind_int64(statement_, index, value);
    return *this;
  }
  SqliteQuery& Bind(int index, const std::string& value) {
    sqlite3_bind_text(statement_, index, value.data(), static_cast<int>(value.size()),
                      SQLITE_TRANSIENT);
    return *this;
  }
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int Step() { return sqlite3_step(statement_); }

  int64_t Int(int column) const { return sqlite3_column_int64(statement_, column); }
  std::string Text(int column) const {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement_, column));
    return text == nullptr ? std::string()
                           : std::string(text, sqlite3_column_bytes(statement_, column));
  }

 private:
  sqlite3_stmt* statement_;
};

// "[1,2,3]": ids bound as ONE text parameter and unpacked in SQL by
// `IN (SELECT value FROM json_each(?))`, so one statement serves any number of ids.
std::string SqliteIdArray(std::span<const int64_t> ids);

}  // namespace tc
