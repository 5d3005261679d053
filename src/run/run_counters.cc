#include "run/run_counters.h"

#include <algorithm>
#include <string>

namespace tc {

void RunCounters::CountFailure(ErrorClass error_class) {
  ++failed_;
  ++by_class_[static_cast<size_t>(error_class)];
}

void RunCounters::KeepCaches(const CacheTally& kept) {
  std::lock_guard lock(kept_mutex_);
  kept_.Merge(kept);
}

void RunCounters::KeepCache(const StaleUser& user) {
  std::lock_guard lock(kept_mutex_);
  kept_.Add(user.cache_timestamp, user.reason);
}

void RunCounters::FoldInto(RunSummary& summary) const {
  summary.users_seen += users_seen.load();
  summary.fresh += fresh.load();
  summary.built += built.load();
  summary.updated += updated.load();
  summary.unchanged += unchanged.load();
  summary.failed += failed_.load();
  summary.skipped_backoff += skipped_backoff.load();
  summary.skipped_duplicates += skipped_duplicates.load();
  summary.abandoned += abandoned.load();
  summary.would_refresh += would_refresh.load();
  summary.passes_created += passes_created.load();
  summary.passes_changed += passes_changed.load();
  summary.free_tickets_added += free_tickets_added.load();
  summary.write_conflicts += write_conflicts.load();
  for (size_t i = 0; i < kClasses; ++i) {
    const int64_t count = by_class_[i].load();
    if (count == 0) continue;
    summary.failures_by_class[std::string(ErrorClassName(static_cast<ErrorClass>(i)))] += count;
  }
  std::lock_guard lock(kept_mutex_);
  std::optional<int64_t> oldest = kept_.oldest;
  // Users the run refreshed have caches from this run: as old as its start at most.
  if (built.load() + updated.load() + unchanged.load() > 0) {
    const int64_t started = summary.started_at_ms / 1000;
    oldest = oldest ? std::min(*oldest, started) : started;
  }
  summary.caches.oldest_cache_timestamp = oldest.value_or(0);
  summary.caches.stale_caches = kept_.stale;
  summary.caches.users_without_cache = kept_.missing;
}

}  // namespace tc
