// The token source over the portal's MySQL/MariaDB database
// (`tokens.url = mysql://user@host:port/db`, password from tokens.password), read-only.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "error/error.h"
#include "mysql/mysql_pool.h"
#include "tokens/token_source.h"

namespace tc {

// Streams `table` (columns user_id and token; other columns ignored) in keyset pages with one
// prepared statement: `WHERE user_id > ? AND token IS NOT NULL AND TRIM(token) <> '' ORDER BY
// user_id, <primary key> LIMIT ?`. Blank tokens are skipped as in SqliteTokenSource: empty or only
// ASCII whitespace (MySQL's TRIM strips spaces only; a REGEXP condition rejects the rest).
//
// "Table order" in MySQL: SQL tables have no row order, so it is defined as primary-key order —
// InnoDB's clustered order, what a plain `SELECT *` shows. Among several rows of one user the
// row with the smallest primary key wins. A table without a primary key has no defined order;
// then which of a user's rows wins is up to the server (give the table a primary key).
//
// A lost connection (server restarted, network cut) is re-established and the page read again,
// with bounded retries and backoff (MysqlRetryPolicy); then kStore saying it gave up.
// Thread-safe (one connection, used by one caller at a time).
class MysqlTokenSource final : public TokenSource {
 public:
  // Connects and checks that the table and its user_id and token columns are readable, so a wrong
  // password, a missing table or column fails here with kStore naming the server and table (never
  // the password). kConfig for a bad URL or table name.
  static Result<std::unique_ptr<MysqlTokenSource>> Open(const TokensConfig& config,
                                                        MysqlRetryPolicy retry = {});

  Result<std::vector<UserToken>> NextPage(std::optional<int64_t> after_user_id, int limit) override;
  Result<std::vector<UserToken>> Lookup(const std::vector<int64_t>& user_ids) override;
  Result<int64_t> CountUsers() override;
  bool RestrictToShard(const Shard& shard) override;

 private:
  // The WHERE conditions of a user row: usable token, and the shard's when restricted.
  std::string UserRows() const;
  MysqlTokenSource(MysqlConnectOptions options, std::string table, MysqlRetryPolicy retry);
  Status DiscoverOrder();
  // Adds the rows' users to `users` (first row of each user wins). Returns the number of rows.
  Result<size_t> AppendRows(const std::vector<SqlRow>& rows, std::vector<UserToken>& users) const;
  Error TableError(const Error& cause) const;

  MysqlPool pool_;
  std::string table_;         // as configured, for messages
  std::string quoted_table_;  // validated and quoted for SQL
  std::string order_by_;      // "user_id, `pk`…"
  std::string page_sql_;
  std::string shard_condition_;  // " AND ((user_id % N) + N) % N = K", or empty
};

}  // namespace tc
