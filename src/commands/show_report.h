// `ticketcache show` for people: how old a user's cache is, whether the next run refreshes it,
// whether the user keeps failing (and why), then the document.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "config/config.h"
#include "document/cache_document.h"
#include "store/cache_store.h"

namespace tc {

// "45s", "35m", "2h05m", "3d04h".
std::string FormatAge(int64_t seconds);

// The human form: lines "user", "updated" (time and age), "cache" (fresh until … / stale per
// refresh.ttl and refresh.ahead), "failures" (none, or count, backoff and the last error when
// `state` says the user failed), "passes" (counts), then the document as indented JSON.
std::string RenderShowText(const CacheDocument& document, const std::optional<UserState>& state,
                           const RefreshConfig& refresh, int64_t now_unix_seconds);

}  // namespace tc
