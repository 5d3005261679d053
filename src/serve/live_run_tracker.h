// The status page's view of the run this daemon is running: a RunObserver that keeps the last
// progress snapshot and derives users/s (over the last half minute of snapshots) and an ETA.
// Thread-safe: the run's threads report, HTTP threads read.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <utility>

#include "run/run_observer.h"
#include "serve/status_report.h"

namespace tc {

class LiveRunTracker final : public RunObserver {
 public:
  void OnRunStarted(const RunProgress& progress) override;
  void OnProgress(const RunProgress& progress) override;
  void OnRunFinished(const RunSummary& summary) override;

  // The run going now, or nullopt between runs.
  std::optional<LiveRunView> Current() const;

 private:
  void Record(const RunProgress& progress);

  mutable std::mutex mutex_;
  std::optional<RunProgress> latest_;                // guarded by mutex_
  std::deque<std::pair<int64_t, int64_t>> samples_;  // (now_ms, done), guarded by mutex_
};

}  // namespace tc
