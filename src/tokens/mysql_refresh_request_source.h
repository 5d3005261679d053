// The refresh request table in the portal's MySQL/MariaDB database (tokens.url = mysql://…).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "mysql/mysql_pool.h"
#include "tokens/refresh_request_source.h"

namespace tc {

// One connection (MysqlPool: a lost connection is re-established, bounded retries). The due query
// reads `WHERE status = 0 AND activity_type IN (…) AND (scheduled_on IS NULL OR scheduled_on <= ?)
// AND id > ? ORDER BY id LIMIT ?`; with only the platform's index (user_id, status) that is a scan
// of the whole table (docs/performance.md), with kRefreshRequestIndexName a range of the pending
// rows. Thread-safe.
class MysqlRefreshRequestSource final : public RefreshRequestSource {
 public:
  static Result<std::unique_ptr<MysqlRefreshRequestSource>> Open(
      const TokensConfig& tokens, const RefreshRequestsConfig& requests,
      MysqlRetryPolicy retry = {});

  Result<std::vector<RefreshRequest>> ReadDue(const DueRequestsQuery& query) override;
  Result<int64_t> MarkProcessed(std::span<const int64_t> ids) override;
  Status NoteFailure(std::span<const int64_t> ids, std::string_view note) override;

  // The due query's SQL (parameters: now as "YYYY-MM-DD HH:MM:SS" UTC, after_id, limit), for
  // benchmarks that ask the server how it runs it.
  static std::string DueSql(const std::string& quoted_table, const std::vector<int>& types,
                            const std::optional<Shard>& shard = std::nullopt);
  // "YYYY-MM-DD HH:MM:SS" of a unix time in UTC.
  static std::string UtcDatetime(int64_t unix_seconds);

  // CREATE INDEX kRefreshRequestIndexName unless the table has an index of that name.
  Status CreateDueIndex();

 private:
  MysqlRefreshRequestSource(MysqlConnectOptions options, std::string table, std::string quoted,
                            MysqlRetryPolicy retry);
  Error TableError(const Error& cause) const;

  MysqlPool pool_;
  std::string table_;   // as configured, for messages
  std::string quoted_;  // validated and quoted for SQL
};

}  // namespace tc
