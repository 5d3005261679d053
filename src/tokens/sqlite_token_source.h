// The token source over a SQLite portal database (`tokens.url = sqlite:PATH`), read-only.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "error/error.h"
#include "tokens/token_source.h"

namespace tc {

// Streams `table` (columns user_id and token; other columns ignored) in keyset pages:
// one prepared statement, reused, that reads at most one page of rows. Table order is rowid
// order, so "the first non-blank token in table order" is the row with the smallest rowid.
// Blank = empty or only ASCII whitespace (space, \t, \n, \v, \f, \r).
// REQUIRES: external synchronization (one thread at a time; the engine enumerates from one thread).
class SqliteTokenSource final : public TokenSource {
 public:
  // Opens `path` read-only (it must exist) and prepares the page query, so a missing table or
  // column fails here: kStore naming the table. kConfig when `table` is not a plain identifier.
  static Result<std::unique_ptr<SqliteTokenSource>> Open(const std::string& path,
                                                         const std::string& table);
  ~SqliteTokenSource() override;

  Result<std::vector<UserToken>> NextPage(std::optional<int64_t> after_user_id, int limit) override;
  Result<std::vector<UserToken>> Lookup(const std::vector<int64_t>& user_ids) override;

 private:
  SqliteTokenSource(sqlite3* db, std::string path, std::string table);
  Error StoreError(const std::string& what) const;

  sqlite3* db_;
  std::string path_;
  std::string table_;
  sqlite3_stmt* page_statement_ = nullptr;
  sqlite3_stmt* lookup_statement_ = nullptr;
};

}  // namespace tc
