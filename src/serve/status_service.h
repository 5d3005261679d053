// The status document as a process sees it: the configured schedule, the run this process is
// running (through LiveRunTracker, a RunObserver), and the store's history. `serve` answers
// GET / (the status page) and GET /api/status from it; `status` prints the same document.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "clock/clock.h"
#include "config/config.h"
#include "serve/http_request.h"
#include "serve/live_run_tracker.h"
#include "serve/status_report.h"
#include "store/cache_store.h"

namespace tc {

// The schedule of `config` with its next fire time after `now_ms` (empty when the expression or
// zone is invalid: `status` still works with a bad schedule).
ScheduleView ScheduleViewFor(const ScheduleConfig& config, int64_t now_ms);

class StatusService {
 public:
  // Runs and failing users the document lists.
  static constexpr int kRuns = 20;
  static constexpr int kFailingUsers = 20;

  // `daemon`: the document comes from `serve` (its next fire time and skipped ticks are its own).
  StatusService(CacheStore& store, const Clock& clock, ScheduleConfig schedule, bool daemon);

  // Tell the daemon's run to this (RunEnvironment::observer, or through RunObservers).
  RunObserver& observer() { return tracker_; }
  // The scheduler's view: the next fire time it waits for, and ticks it skipped.
  void SetNextRun(std::string zoned_time);
  void CountSkippedTick();
  // The daemon's circuit breaker as the document shows it ("closed", "half-open", "open").
  void SetBreakerState(std::function<std::string()> breaker_state);

  Json Document(int runs = kRuns, int failing_users = kFailingUsers);
  // GET / and GET /api/status; nullopt for any other path.
  std::optional<HttpAnswer> Answer(const std::string& path);

 private:
  CacheStore& store_;
  const Clock& clock_;
  const ScheduleConfig schedule_config_;
  const bool daemon_;
  LiveRunTracker tracker_;
  std::mutex mutex_;
  std::string next_run_;                        // guarded by mutex_
  int64_t ticks_skipped_ = 0;                   // guarded by mutex_
  std::function<std::string()> breaker_state_;  // guarded by mutex_
};

}  // namespace tc
