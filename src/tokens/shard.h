// Scale-out (docs/operations.md): `--shard K/N` takes the users whose id is K modulo N; each
// shard has its own run lock, so two instances never work the same shard.
//
// The assignment is computed by the token database, so an instance reads only its share of the
// token table: ShardSqlCondition is the SQL form, ShardOwnsUser the same function in C++ (for
// sources that cannot filter and for ids that arrive from elsewhere: refresh requests, on-demand
// calls). MySQL/MariaDB and SQLite evaluate `%` on integers alike (truncating toward zero, as C++
// does), so `((user_id % N) + N) % N` gives the same shard everywhere, negative ids included.
// Ids that are not integers are not users: SQLite rows with a text, real or blob user_id are
// skipped before the shard condition (and counted as unusable rows); a MySQL user_id column is an
// integer type, and a value that does not read as an integer fails the page.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "error/error.h"

namespace tc {

struct Shard {
  int index = 0;                 // K, 0 <= K < N
  int count = 1;                 // N
  std::string ToString() const;  // "K/N"
};

// kConfig naming --shard on a bad value.
Result<Shard> ParseShard(std::string_view text);

// The shard of a user: ((user_id mod N) + N) mod N. Stable across processes, machines and
// releases; balanced when ids are dense (AUTO_INCREMENT).
int ShardOfUser(int64_t user_id, int count);
bool ShardOwnsUser(const Shard& shard, int64_t user_id);

// The SQL condition that holds exactly where ShardOwnsUser does, over the integer column
// `column` (already quoted as the dialect needs): "((user_id % 4) + 4) % 4 = 1".
std::string ShardSqlCondition(const Shard& shard, std::string_view column);

// The run-lock name: "run" without sharding, "run-shard-K-of-N" with.
std::string RunLockName(const Shard* shard);

}  // namespace tc
