#include "lifecycle/retention.h"

#include <algorithm>

namespace tc {

Result<RetentionReport> ApplyRetention(CacheStore& store, const RetentionConfig& retention,
                                       const Clock& clock) {
  RetentionReport report;
  const int64_t now_ms = clock.NowUnixMillis();
  if (retention.runs.count() > 0) {
    int64_t cutoff_ms = now_ms - retention.runs.count();
    auto newest = store.RecentRuns(1);
    if (!newest.ok()) return newest.error();
    if (!newest->empty()) cutoff_ms = std::min(cutoff_ms, newest->front().started_at_ms);
    auto deleted = store.DeleteRunsStartedBefore(cutoff_ms);
    if (!deleted.ok()) return deleted.error();
    report.runs_deleted = *deleted;
  }
  if (retention.audit.count() > 0) {
    const int64_t cutoff_seconds = (now_ms - retention.audit.count()) / 1000;
    auto deleted = store.DeleteAuditBefore(cutoff_seconds);
    if (!deleted.ok()) return deleted.error();
    report.audit_deleted = *deleted;
  }
  return report;
}

}  // namespace tc
