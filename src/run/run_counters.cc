#include "run/run_counters.h"

#include <string>

namespace tc {

void RunCounters::CountFailure(ErrorClass error_class) {
  ++failed_;
  ++by_class_[static_cast<size_t>(error_class)];
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
}

}  // namespace tc
