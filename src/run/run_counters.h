// What a run counts while its threads work: plain atomics, bumped without a lock from the
// enumeration thread, the network loop and the store workers, folded into the RunSummary once
// the threads are joined.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>

#include "error/error.h"
#include "report/run_summary.h"
#include "selection/user_selection.h"

namespace tc {

class RunCounters {
 public:
  using Counter = std::atomic<int64_t>;

  // Per-user outcomes and run totals (see RunSummary for what each one means).
  Counter users_seen{0};
  Counter fresh{0};
  Counter built{0};
  Counter updated{0};
  Counter unchanged{0};
  Counter skipped_backoff{0};
  Counter skipped_duplicates{0};
  Counter abandoned{0};
  Counter would_refresh{0};
  Counter passes_created{0};
  Counter passes_changed{0};
  Counter free_tickets_added{0};
  Counter write_conflicts{0};

  // One user failed with `error_class`: counts `failed` and the class.
  void CountFailure(ErrorClass error_class);
  int64_t failed() const { return failed_.load(); }

  // Caches the run leaves as they were: a page's fresh and backed-off users; a stale user who
  // failed or was abandoned.
  void KeepCaches(const CacheTally& kept);
  void KeepCache(const StaleUser& user);

  // Adds every counter to `summary` (failures_by_class only for classes that occurred) and the
  // cache census (summary.caches; `complete` is the caller's to set).
  // REQUIRES: no thread is still counting.
  void FoldInto(RunSummary& summary) const;

 private:
  mutable std::mutex kept_mutex_;
  CacheTally kept_;  // guarded by kept_mutex_

  static constexpr size_t kClasses = static_cast<size_t>(ErrorClass::kInternal) + 1;
  Counter failed_{0};
  std::array<Counter, kClasses> by_class_{};
};

}  // namespace tc
