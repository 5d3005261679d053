#include "run/metrics_observer.h"

#include "log/logger.h"
#include "run/run_history_totals.h"

namespace tc {

void PrepareJobMetrics(JobMetrics& metrics, const Config& config, CacheStore& store,
                       std::string_view shard) {
  metrics.SetCacheTtl(std::chrono::duration_cast<std::chrono::seconds>(config.refresh.ttl).count());
  auto totals = LoadRunTotals(store, shard);
  if (!totals.ok()) {
    LogWarn("could not read the run history: cumulative metrics start from zero",
            {{"error", totals.error().ToString()}});
    return;
  }
  metrics.Restore(*totals);
}

void WriteMetricsFileAfterRun(const JobMetrics& metrics, const RunSummary& summary,
                              const std::string& path) {
  if (path.empty() || summary.dry_run) return;
  if (!summary.started) {
    // The file is the running run's (locked: nothing wrong) or the last run's (store unreachable).
    const LogFields fields{
        {"run_id", summary.run_id}, {"reason", summary.abort_reason}, {"path", path}};
    if (summary.status == RunStatus::kLocked) {
      LogInfo("metrics file left as it is: this run did not start", fields);
    } else {
      LogWarn("metrics file left as it is: this run did not start", fields);
    }
    return;
  }
  if (Status written = metrics.WriteFile(path); !written.ok()) {
    LogError("could not write metrics file", {{"error", written.error().message}});
  }
}

RunProgressGauges ProgressGauges(const RunProgress& progress) {
  RunProgressGauges gauges;
  gauges.started_at_ms = progress.started_at_ms;
  gauges.users_total = progress.users_total;
  gauges.users_done = progress.done();
  gauges.users_by_outcome = {{"fresh", progress.fresh},        {"built", progress.built},
                             {"updated", progress.updated},    {"unchanged", progress.unchanged},
                             {"failed", progress.failed},      {"skipped", progress.skipped},
                             {"abandoned", progress.abandoned}};
  return gauges;
}

MetricsRunObserver::MetricsRunObserver(JobMetrics& metrics, std::string file,
                                       std::chrono::milliseconds file_interval)
    : metrics_(metrics), file_(std::move(file)), file_interval_(file_interval) {}

void MetricsRunObserver::OnRunStarted(const RunProgress& progress) {
  if (progress.dry_run) return;
  metrics_.ObserveRunStarted(ProgressGauges(progress));
  WriteFile();
}

void MetricsRunObserver::OnProgress(const RunProgress& progress) {
  if (progress.dry_run) return;
  metrics_.ObserveRunProgress(ProgressGauges(progress));
  WriteFile();
}

std::chrono::milliseconds MetricsRunObserver::progress_interval() const {
  return file_.empty() ? std::chrono::milliseconds(std::chrono::seconds(1)) : file_interval_;
}

void MetricsRunObserver::WriteFile() {
  if (file_.empty()) return;
  if (Status written = metrics_.WriteFile(file_); !written.ok() && !write_failed_logged_) {
    write_failed_logged_ = true;
    LogError("could not write metrics file", {{"error", written.error().message}});
  }
}

}  // namespace tc
