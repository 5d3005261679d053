// The anti-join behind `ticketcache prune`: the store's users (keyset pages on its primary key)
// that the token source does not list (keyset pages of bytemark_tokens), both read in user_id
// order and merged, so memory holds one page of each side however large the tables are.
#pragma once

#include <cstdint>
#include <functional>
#include <span>

#include "error/error.h"
#include "store/cache_store.h"
#include "tokens/token_source.h"

namespace tc {

// Calls `orphans` once per page of `kind` records with that page's users without a usable token
// (possibly none), ascending, until the store's records end or `orphans` fails. The token source
// must not be restricted to a shard (every user with a token anywhere keeps their records).
// kStore naming the side that failed; a token page that does not move its cursor forward is
// kStore too (a source breaking the keyset contract would otherwise be read forever).
Status VisitOrphans(TokenSource& tokens, CacheStore& store, UserRecords kind, int page_size,
                    const std::function<Status(std::span<const int64_t>)>& orphans);

}  // namespace tc
