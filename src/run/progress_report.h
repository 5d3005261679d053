// How a run reports itself to people: a "run started" log line, then either a live progress line
// on a terminal (redrawn in place on stderr) or a structured progress log line every
// log.progress_interval, and a "run finished" line whose level says how the run went (info ok,
// warn degraded or interrupted, error aborted) with the reason.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>

#include "log/logger.h"
#include "run/run_observer.h"

namespace tc {

// Rates derived from a snapshot (the run's average since it started).
struct ProgressRate {
  double users_per_second = 0;         // done / elapsed; 0 before any time has passed
  std::optional<int64_t> eta_seconds;  // unknown without a total or a rate
  std::optional<double> percent;       // done / total, at most 100; unknown without a total
};
ProgressRate ComputeProgressRate(const RunProgress& progress);

// One line for a terminal, e.g.
//   "1200/5000 users 24.0% | 310 users/s | ETA 13s | built 40 updated 2 unchanged 700 failed 3"
// ("~5000" when the total is an estimate (a shard); "1200 users" when unknown; a dry run shows
// "would refresh N" instead of the write outcomes).
std::string FormatProgressLine(const RunProgress& progress);

// The same numbers as log fields: run_id, done, users_total, percent, users_per_second,
// eta_seconds, fresh, built, updated, unchanged, failed, skipped (and would_refresh in a dry run,
// abandoned when any), shard when sharded.
LogFields ProgressLogFields(const RunProgress& progress);

// The log lines of a run: "run started", "run progress" every `progress_interval` (0: none),
// "run finished". Used by `run` and `serve`.
class RunLogReporter : public RunObserver {
 public:
  explicit RunLogReporter(std::chrono::milliseconds progress_interval)
      : interval_(progress_interval) {}
  void OnRunStarted(const RunProgress& progress) override;
  void OnProgress(const RunProgress& progress) override;
  void OnRunFinished(const RunSummary& summary) override;
  std::chrono::milliseconds progress_interval() const override;

 private:
  std::chrono::milliseconds interval_;
};

// The live line on a terminal: redrawn with '\r' at most 4 times a second, finished with a
// newline when the run ends. Log lines written meanwhile clear it first (SetTerminalLineActive).
class TerminalProgressLine : public RunObserver {
 public:
  static constexpr std::chrono::milliseconds kRedrawInterval{250};
  explicit TerminalProgressLine(std::ostream& out) : out_(out) {}
  void OnRunStarted(const RunProgress& progress) override;
  void OnProgress(const RunProgress& progress) override;
  void OnRunFinished(const RunSummary& summary) override;
  std::chrono::milliseconds progress_interval() const override { return kRedrawInterval; }

 private:
  void Draw(const std::string& line);
  std::mutex mutex_;
  std::ostream& out_;
  bool drawn_ = false;
  RunProgress last_;
};

// The observers for a run whose stderr is (or is not) a terminal: a terminal gets the live line
// and no progress log lines; otherwise progress is logged every `log_interval`. `show_progress`
// false: neither (the start and finish lines stay).
class RunProgressReport {
 public:
  RunProgressReport(bool stderr_is_terminal, bool show_progress,
                    std::chrono::milliseconds log_interval, std::ostream& terminal);
  RunObserver* observer() { return &observers_; }

 private:
  RunLogReporter log_;
  std::unique_ptr<TerminalProgressLine> terminal_;  // null: not a terminal, or progress off
  RunObservers observers_;
};

}  // namespace tc
