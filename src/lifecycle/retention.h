// Retention of run history and the audit log ([retention] runs, audit; 0 = keep forever): range
// deletes on the indexes of started_at_ms and of the audit timestamp, applied by `prune` and by
// serve once a day.
#pragma once

#include <cstdint>
#include <optional>

#include "clock/clock.h"
#include "config/config.h"
#include "error/error.h"
#include "store/cache_store.h"

namespace tc {

struct RetentionReport {
  std::optional<int64_t> runs_deleted;   // nullopt: runs are kept forever
  std::optional<int64_t> audit_deleted;  // nullopt: the audit log is kept forever
};

// Deletes runs that started more than `retention.runs` ago and audit entries older than
// `retention.audit`. The newest run is always kept: the cumulative metrics are restored from it.
Result<RetentionReport> ApplyRetention(CacheStore& store, const RetentionConfig& retention,
                                       const Clock& clock);

}  // namespace tc
