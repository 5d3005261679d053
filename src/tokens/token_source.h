// The token source seam: who has a Bytemark token. Implementations stream the portal's
// `bytemark_tokens` table in keyset pages ordered by user_id; they never hold more than one page.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "error/error.h"
#include "tokens/shard.h"

namespace tc {

struct UserToken {
  int64_t user_id = 0;
  std::string token;  // secret: never logged
};

class TokenSource {
 public:
  virtual ~TokenSource() = default;
  // The next page: users with user_id > after_user_id (every user when nullopt: the first page,
  // so INT64_MIN is a user like any other), ascending, at most `limit` of them, each user once
  // (the first non-blank token in table order wins), NULL and blank tokens skipped.
  // An empty page means the end. kStore on failure.
  virtual Result<std::vector<UserToken>> NextPage(std::optional<int64_t> after_user_id,
                                                  int limit) = 0;
  // The tokens of exactly these users (for `run --user`), same rules, ascending.
  virtual Result<std::vector<UserToken>> Lookup(const std::vector<int64_t>& user_ids) = 0;
  // Rows with a non-blank token that NextPage never returns because their user_id is not an
  // integer in int64 range (SQLite columns hold any type). The run counts them in its summary.
  // 0 where the column's type rules such rows out.
  virtual Result<int64_t> CountUnusableRows() { return int64_t{0}; }
  // How many users NextPage would return in all (distinct user_ids with a usable token): the
  // denominator of a run's progress and the planner's user count. One aggregate query.
  virtual Result<int64_t> CountUsers() = 0;
  // From now on NextPage, Lookup and CountUsers see only the users of `shard` (ShardOwnsUser),
  // the condition evaluated by the token database (ShardSqlCondition) so that only the shard's
  // rows are read out and sent. Returns false when this source cannot (test doubles): callers
  // then filter with ShardOwnsUser themselves, which gives the same users.
  virtual bool RestrictToShard(const Shard& /*shard*/) { return false; }
};

// Opens the source named by config.url (sqlite:PATH or mysql://…). kConfig for an unknown scheme.
Result<std::unique_ptr<TokenSource>> OpenTokenSource(const TokensConfig& config);

}  // namespace tc
