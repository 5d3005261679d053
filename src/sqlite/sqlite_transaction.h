// BEGIN IMMEDIATE … COMMIT on one connection, rolled back if it goes out of scope uncommitted.
// Begin refuses (kStore) when the database file is no longer at its path (moved or deleted).
// IMMEDIATE takes the write lock up front, so the transaction never fails half-way on a lock
// upgrade (another process's writer is waited for, up to the busy timeout).
#pragma once

#include "error/error.h"
#include "sqlite/sqlite_database.h"

namespace tc {

class SqliteTransaction {
 public:
  explicit SqliteTransaction(SqliteDatabase& database) : database_(database) {}
  ~SqliteTransaction();
  SqliteTransaction(const SqliteTransaction&) = delete;
  SqliteTransaction& operator=(const SqliteTransaction&) = delete;

  Status Begin();
  Status Commit();

 private:
  SqliteDatabase& database_;
  bool active_ = false;
};

}  // namespace tc
