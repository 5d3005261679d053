// The refresh request seam: the portal's table of activity-driven refresh requests
// (`bytemark_ticket_refresh_log`, docs/operations.md), where the apps ask for a user's cache to be
// refreshed after a purchase or an activation. Beside the token source because it lives in the same
// database (tokens.url). Unlike the token table, ticketcache writes to it: it marks the rows it
// served as processed.
//
// Columns used: id (primary key), user_id, activity_type, status (0 pending, 1 processed), note,
// scheduled_on (UTC, NULL = now), created_on. Other columns are left alone.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "error/error.h"
#include "tokens/shard.h"

namespace tc {

struct RefreshRequest {
  int64_t id = 0;
  int64_t user_id = 0;
  int activity_type = 0;
  // When the request became due: the later of created_on and scheduled_on (unix seconds, both
  // read as UTC). The latency and age metrics count from here.
  int64_t due_since = 0;
};

// Which rows are due: status = 0, activity_type in `types`, scheduled_on NULL or <= now; with
// `shard`, only the rows of that shard's users (ShardSqlCondition: the sweep's assignment).
struct DueRequestsQuery {
  std::vector<int> types;
  std::optional<Shard> shard;
  int64_t now_unix = 0;  // the Clock's now; scheduled_on is compared with it as UTC
  int64_t after_id = 0;  // keyset cursor: rows with id > after_id
  int limit = 1000;
};

// "1,3": the configured types as SQL integer literals (validated numbers, never user data).
inline std::string ActivityTypeList(const std::vector<int>& types) {
  std::string text;
  for (int type : types) text += (text.empty() ? "" : ",") + std::to_string(type);
  return text;
}

// " AND <the shard condition on user_id>", or "" without a shard.
inline std::string ShardFilter(const std::optional<Shard>& shard) {
  return shard ? " AND " + ShardSqlCondition(*shard, "user_id") : std::string();
}

class RefreshRequestSource {
 public:
  virtual ~RefreshRequestSource() = default;
  // The due rows with id > after_id, ascending by id, at most `limit`. kStore on failure.
  virtual Result<std::vector<RefreshRequest>> ReadDue(const DueRequestsQuery& query) = 0;
  // Sets status = 1 on exactly these rows (those still pending); returns how many changed.
  virtual Result<int64_t> MarkProcessed(std::span<const int64_t> ids) = 0;
  // Sets note on these rows while they stay pending (`note` is an error class, never a secret).
  virtual Status NoteFailure(std::span<const int64_t> ids, std::string_view note) = 0;
};

// Opens the table `requests.table` in the database of `tokens.url` (sqlite:PATH read-write, or
// mysql://…), checking that its columns are readable: kStore naming the table when they are not,
// kConfig for a bad name or URL.
Result<std::unique_ptr<RefreshRequestSource>> OpenRefreshRequestSource(
    const TokensConfig& tokens, const RefreshRequestsConfig& requests);

// The optional index that makes a poll read only the pending rows (`init --refresh-requests-index`;
// the platform's table has only (user_id, status)): (status, activity_type, scheduled_on).
// Idempotent. The index's name.
inline constexpr const char* kRefreshRequestIndexName = "idx__status__type__scheduled__tc";
Status CreateRefreshRequestIndex(const TokensConfig& tokens, const RefreshRequestsConfig& requests);

}  // namespace tc
