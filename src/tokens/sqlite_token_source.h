// The token source over a SQLite portal database (`tokens.url = sqlite:PATH`), read-only.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "error/error.h"
#include "sqlite/sqlite_database.h"
#include "tokens/token_source.h"

namespace tc {

// Streams `table` (columns user_id and token; other columns ignored) in keyset pages:
// one prepared statement, reused, that reads at most one page of rows. Table order is rowid
// order, so "the first non-blank token in table order" is the row with the smallest rowid.
// Blank = empty or only ASCII whitespace (space, \t, \n, \v, \f, \r).
// SQLite columns hold any type: only rows whose user_id is stored as an integer are users
// (typeof(user_id) = 'integer'); text, real, blob and NULL ids are skipped and counted by
// CountUnusableRows (a text id would sort after every integer and restart the keyset cursor).
// REQUIRES: external synchronization (one thread at a time; the engine enumerates from one thread).
class SqliteTokenSource final : public TokenSource {
 public:
  // Opens `path` read-only (it must exist; sqlite/sqlite_database.h) and prepares the page query,
  // so a missing table or column fails here: kStore naming the table. kConfig when `table` is not
  // a plain identifier.
  static Result<std::unique_ptr<SqliteTokenSource>> Open(const std::string& path,
                                                         const std::string& table);

  Result<std::vector<UserToken>> NextPage(std::optional<int64_t> after_user_id, int limit) override;
  Result<std::vector<UserToken>> Lookup(const std::vector<int64_t>& user_ids) override;
  Result<int64_t> CountUnusableRows() override;
  Result<int64_t> CountUsers() override;
  bool RestrictToShard(const Shard& shard) override;

 private:
  void BuildSql(const std::string& shard_condition);
  SqliteTokenSource(std::unique_ptr<SqliteDatabase> db, std::string table);
  Error StoreError(const std::string& what) const;

  std::unique_ptr<SqliteDatabase> db_;
  std::string table_;
  std::string quoted_table_;
  std::string page_sql_;
  std::string lookup_sql_;
  std::string unusable_sql_;
  std::string count_sql_;
};

}  // namespace tc
