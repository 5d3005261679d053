// What a run shows while it works. A RunObserver is told when the run starts, gets a snapshot of
// the run's counters every progress_interval() (wall-clock, from a ticker thread: progress is for
// people and scrapers, not part of the run's logic), and the summary at the end. Implementations:
// the terminal progress line and the progress log, the live metrics gauges, the status page's
// current run. Callbacks come from the run's ticker thread and from the thread that called
// ExecuteRun, never two at once; they must be quick (they are not allowed to block the run).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "clock/clock.h"
#include "report/run_summary.h"

namespace tc {

struct RunProgress {
  std::string run_id;
  std::string shard;  // "K/N" or empty
  bool dry_run = false;
  int64_t started_at_ms = 0;  // unix ms
  int64_t now_ms = 0;         // when the snapshot was taken (the run's clock)
  // Users the run expects to look at: the token table's user count (a shard: that divided by N,
  // rounded up, and users_total_estimated), `--user`'s list. -1 when unknown.
  int64_t users_total = -1;
  bool users_total_estimated = false;

  int64_t users_seen = 0;  // enumerated so far
  int64_t fresh = 0;
  int64_t built = 0;
  int64_t updated = 0;
  int64_t unchanged = 0;
  int64_t failed = 0;
  int64_t skipped = 0;        // in backoff or duplicate rows
  int64_t would_refresh = 0;  // dry run
  int64_t abandoned = 0;

  // Users with a final outcome so far (the numerator of a progress bar).
  int64_t done() const {
    return fresh + built + updated + unchanged + failed + skipped + would_refresh + abandoned;
  }
};

class RunObserver {
 public:
  virtual ~RunObserver() = default;
  virtual void OnRunStarted(const RunProgress& /*progress*/) {}
  virtual void OnProgress(const RunProgress& /*progress*/) {}
  virtual void OnRunFinished(const RunSummary& /*summary*/) {}
  // How often OnProgress is called while the run works.
  virtual std::chrono::milliseconds progress_interval() const { return std::chrono::seconds(1); }
};

// Tells several observers; each keeps its own interval (checked every 100 ms at most).
class RunObservers final : public RunObserver {
 public:
  explicit RunObservers(std::vector<RunObserver*> observers);
  void OnRunStarted(const RunProgress& progress) override;
  void OnProgress(const RunProgress& progress) override;
  void OnRunFinished(const RunSummary& summary) override;
  std::chrono::milliseconds progress_interval() const override;

 private:
  std::vector<RunObserver*> observers_;
  // Progress is for people: its intervals are real time, whatever clock drives the run.
  SystemClock wall_clock_;
  std::vector<SteadyTime> next_due_;
};

}  // namespace tc
