// One SQLite connection, opened the one way this project opens SQLite files: WAL journal and a
// busy timeout for writers, a true read-only mode for readers, and a cache of prepared statements.
// Used by the SQLite cache store, the SQLite token source and the demo portal.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "error/error.h"

namespace tc {

enum class SqliteOpenMode {
  kCreate,     // read-write; creates the file and its folder if missing (`init`, demo portal)
  kReadWrite,  // read-write; the file must exist
  kReadOnly,   // never writes, never creates; also works on a read-only file in a read-only folder
};

// REQUIRES: external synchronization (one thread at a time).
class SqliteDatabase {
 public:
  // Opens `path`. Writable modes switch the file to WAL (readers never block the writer) with
  // synchronous=NORMAL (a commit survives a crash of the process and never corrupts the file).
  // kReadOnly opens SQLITE_OPEN_READONLY and changes nothing; when a WAL file's shared-memory
  // index can neither be found nor created (a read-only folder, so no writer can be active
  // either), it falls back to reading the file as immutable. A missing file is kStore
  // "sqlite:PATH: no such database file" (except kCreate). Waits up to 10 s for another
  // process's write lock.
  static Result<std::unique_ptr<SqliteDatabase>> Open(const std::string& path, SqliteOpenMode mode);
  ~SqliteDatabase();
  SqliteDatabase(const SqliteDatabase&) = delete;
  SqliteDatabase& operator=(const SqliteDatabase&) = delete;

  sqlite3* handle() const { return db_; }
  const std::string& path() const { return path_; }
  SqliteOpenMode mode() const { return mode_; }

  // The prepared statement for `sql`, compiled once per connection and kept.
  Result<sqlite3_stmt*> Prepare(const std::string& sql);
  // Runs one statement that returns no rows (cached like Prepare).
  Status Exec(const std::string& sql, const std::string& what);
  // Runs several `;`-separated statements once (schema scripts); not cached.
  Status ExecScript(const std::string& sql, const std::string& what);

  bool InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }
  int64_t Changes() const { return sqlite3_changes64(db_); }

  // Appended to "no such table" errors, e.g. " (run `ticketcache init`)".
  void set_missing_table_hint(std::string hint) { missing_table_hint_ = std::move(hint); }

  // kStore: "sqlite:PATH: <what>: <SQLite's reason>".
  Error Fail(const std::string& what) const;

  // kStore when the open file is no longer at its path (its folder or the file itself was moved
  // or deleted): every write would go to a file nobody will read again.
  Status CheckStillAtPath() const;

 private:
  SqliteDatabase(sqlite3* db, std::string path, SqliteOpenMode mode);

  sqlite3* db_;
  std::string path_;
  SqliteOpenMode mode_;
  std::string missing_table_hint_;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

}  // namespace tc
