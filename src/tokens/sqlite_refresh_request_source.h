// The refresh request table in a SQLite portal database (tokens.url = sqlite:PATH): the demo
// portal's, and a platform that keeps its portal in SQLite.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sqlite/sqlite_database.h"
#include "tokens/refresh_request_source.h"

namespace tc {

// Opens the file read-write (the rows it serves are marked processed). Date columns are read with
// SQLite's date functions (text "YYYY-MM-DD HH:MM:SS", UTC, as CURRENT_TIMESTAMP writes it).
// REQUIRES: external synchronization (one thread at a time).
class SqliteRefreshRequestSource final : public RefreshRequestSource {
 public:
  static Result<std::unique_ptr<SqliteRefreshRequestSource>> Open(const std::string& path,
                                                                  const std::string& table);

  Result<std::vector<RefreshRequest>> ReadDue(const DueRequestsQuery& query) override;
  Result<int64_t> MarkProcessed(std::span<const int64_t> ids) override;
  Status NoteFailure(std::span<const int64_t> ids, std::string_view note) override;

  // CREATE INDEX IF NOT EXISTS kRefreshRequestIndexName.
  Status CreateDueIndex();

 private:
  SqliteRefreshRequestSource(std::unique_ptr<SqliteDatabase> db, std::string table,
                             std::string quoted);
  Error StoreError(const std::string& what) const;

  std::unique_ptr<SqliteDatabase> db_;
  std::string table_;
  std::string quoted_;
};

// The table as the platform defines it (MySQL's schema in SQLite's words), for the demo portal.
std::string SqliteRefreshRequestTableSql(const std::string& quoted_table, const std::string& table);

}  // namespace tc
