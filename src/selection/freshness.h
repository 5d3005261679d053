// Which caches need a refresh (docs/design.md). A cache is stale when it is missing or
// timestamp <= now - ttl + refresh_ahead: refresh-ahead keeps every cache younger than the TTL
// under an hourly schedule (the Node job's `timestamp < now - ttl` let caches reach ~2 h).
#pragma once

#include <cstdint>
#include <optional>

#include "config/config.h"

namespace tc {

enum class StaleReason { kFresh, kMissing, kExpired, kForced };
const char* StaleReasonName(StaleReason reason);  // "fresh" | "missing" | "stale" | "forced"

// Newest cache timestamp (unix seconds) that is still stale at `now_unix_seconds`.
int64_t StaleAtOrBefore(int64_t now_unix_seconds, const RefreshConfig& config);

StaleReason Classify(std::optional<int64_t> cache_timestamp, int64_t now_unix_seconds,
                     const RefreshConfig& config, bool force);

}  // namespace tc
