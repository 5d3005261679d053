#include "selection/freshness.h"

#include <chrono>

namespace tc {

const char* StaleReasonName(StaleReason reason) {
  switch (reason) {
    case StaleReason::kFresh:
      return "fresh";
    case StaleReason::kMissing:
      return "missing";
    case StaleReason::kExpired:
      return "stale";
    case StaleReason::kForced:
      return "forced";
  }
  return "stale";
}

int64_t StaleAtOrBefore(int64_t now_unix_seconds, const RefreshConfig& config) {
  const auto ttl = std::chrono::duration_cast<std::chrono::seconds>(config.ttl).count();
  const auto ahead = std::chrono::duration_cast<std::chrono::seconds>(config.refresh_ahead).count();
  return now_unix_seconds - ttl + ahead;
}

StaleReason Classify(std::optional<int64_t> cache_timestamp, int64_t now_unix_seconds,
                     const RefreshConfig& config, bool force) {
  if (!cache_timestamp) return StaleReason::kMissing;
  if (force) return StaleReason::kForced;
  if (*cache_timestamp <= StaleAtOrBefore(now_unix_seconds, config)) return StaleReason::kExpired;
  return StaleReason::kFresh;
}

}  // namespace tc
