// How the commands feed JobMetrics: restored from the run history before a run (`run`) or at
// start (`serve`), progress gauges while a run works, and the metrics file of `run`.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "config/config.h"
#include "report/job_metrics.h"
#include "report/run_summary.h"
#include "run/run_observer.h"
#include "store/cache_store.h"

namespace tc {

// Restores the cumulative counters and last-run gauges from the history of `shard` ("" for
// unsharded runs) and sets the cache TTL gauge. A history that cannot be read is logged; the
// counters then start from what the next run records.
void PrepareJobMetrics(JobMetrics& metrics, const Config& config, CacheStore& store,
                       std::string_view shard);

// Writes the metrics file after a run. A run that never started (the lock is held by another
// run, or the store is unreachable) leaves the file as it is, so the other run's numbers and the
// last success stay; a log line says so.
void WriteMetricsFileAfterRun(const JobMetrics& metrics, const RunSummary& summary,
                              const std::string& path);

RunProgressGauges ProgressGauges(const RunProgress& progress);

// The progress gauges of a run in progress. With a file path it also rewrites the metrics file
// every `file_interval` while the run works, so a long run shows its progress to the textfile
// collector.
class MetricsRunObserver final : public RunObserver {
 public:
  static constexpr std::chrono::seconds kFileInterval{15};

  explicit MetricsRunObserver(JobMetrics& metrics, std::string file = "",
                              std::chrono::milliseconds file_interval = kFileInterval);
  void OnRunStarted(const RunProgress& progress) override;
  void OnProgress(const RunProgress& progress) override;
  // The run's end reaches the metrics through RunEnvironment::metrics (JobMetrics::ObserveRun).
  std::chrono::milliseconds progress_interval() const override;

 private:
  void WriteFile();

  JobMetrics& metrics_;
  const std::string file_;
  const std::chrono::milliseconds file_interval_;
  bool write_failed_logged_ = false;
};

}  // namespace tc
