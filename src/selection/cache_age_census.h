// Every user's cache timestamp in one streaming pass: token pages in user_id order, one
// freshness query per page (the same two queries a run's selection makes, nothing per user).
// `plan` aggregates it; continuous mode builds its due table from it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include "error/error.h"
#include "store/cache_store.h"
#include "tokens/shard.h"
#include "tokens/token_source.h"

namespace tc {

// Calls `visit(user_id, cache timestamp or nullopt)` once per user (of `shard`, when given), in
// user_id order. An error names its stage ("token source failed: …", "freshness query failed: …").
Status VisitCacheAges(TokenSource& tokens, CacheStore& store, int page_size,
                      const std::optional<Shard>& shard,
                      const std::function<void(int64_t, std::optional<int64_t>)>& visit);

}  // namespace tc
