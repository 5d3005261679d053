// Scale-out (docs/operations.md): `--shard K/N` takes the users whose id hashes to K; each shard
// has its own run lock, so two instances never work the same shard.
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

// Stable across processes, machines and releases (splitmix64 of the id, mod N).
bool ShardOwnsUser(const Shard& shard, int64_t user_id);

// The run-lock name: "run" without sharding, "run-shard-K-of-N" with.
std::string RunLockName(const Shard* shard);

}  // namespace tc
