// The job's Prometheus metrics (docs/operations.md): served on /metrics by `serve`, written to
// --metrics-file by `run` for node_exporter's textfile collector. Built on prometheus-cpp's
// registry and text serializer. Thread-safe. Labels never carry a user id or a secret.
//
// Counters are cumulative over the shard's recorded runs, restored from the run history
// (RunTotals), so they stay monotonic across the separate processes of hourly `run`s and across
// `serve` restarts. Every outcome, failure class and status series exists from the start at 0.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "error/error.h"
#include "report/run_summary.h"
#include "report/run_totals.h"

namespace prometheus {
class Registry;
class Counter;
class Gauge;
class Histogram;
template <typename T>
class Family;
}  // namespace prometheus

namespace tc {

enum class BreakerStateValue { kClosed = 0, kHalfOpen = 1, kOpen = 2 };

// kDaemon (`serve`): everything, with process metrics and the API latency histogram.
// kTextfile (`run --metrics-file`): no process_* metrics (node_exporter exports its own under
// those names) and no latency histogram (the run history cannot restore it, and a histogram
// starting over at every run would make rate() wrong).
enum class MetricsScope { kDaemon, kTextfile };

// A run in progress, for the progress gauges.
struct RunProgressGauges {
  int64_t started_at_ms = 0;
  int64_t users_total = -1;  // -1 unknown
  int64_t users_done = 0;
  std::map<std::string, int64_t> users_by_outcome;  // fresh, built, updated, ... so far
};

class JobMetrics {
 public:
  explicit JobMetrics(MetricsScope scope = MetricsScope::kDaemon);
  ~JobMetrics();
  // The registry the job's metrics live in: other metrics (LifecycleMetrics) add their families.
  prometheus::Registry& registry() { return *registry_; }
  JobMetrics(const JobMetrics&) = delete;
  JobMetrics& operator=(const JobMetrics&) = delete;

  // The counters and last-run gauges from the run history (at `serve` start; before a `run`).
  // Counters only move up: a total lower than what is exported changes nothing.
  void Restore(const RunTotals& totals);
  // The configured cache TTL, exported so alerts compare cache age against it.
  void SetCacheTtl(int64_t seconds);

  // One API attempt: endpoint "passes" | "passes4"; result is the HTTP status ("200", "429") or
  // the transport error class ("timeout", "network", "transient").
  void ObserveApiRequest(std::string_view endpoint, std::string_view result, double seconds);
  void SetBreakerState(BreakerStateValue state);
  void CountSkippedTick();
  // Continuous mode, each pass: users due within the window, overdue, past their TTL, and
  // projected to pass it before the budget reaches them.
  void ObserveContinuousPass(int64_t due, int64_t overdue, int64_t past_ttl, int64_t will_miss_ttl);
  // One answered on-demand call (daemon only): how it was answered ("built", ..., "fresh",
  // "running" when its deadline passed first) and how long the caller waited.
  void ObserveOnDemandAnswer(std::string_view answer, double seconds);

  void ObserveRunStarted(const RunProgressGauges& progress);
  void ObserveRunProgress(const RunProgressGauges& progress);
  // At the end of every run: its totals (summary.totals; without them, the run's counts are
  // added to what is exported), last run and last success, cache census, progress gauges back to
  // idle. A run that never started (lock held elsewhere) only counts in
  // ticketcache_runs_not_started_total; a dry run changes nothing.
  void ObserveRun(const RunSummary& summary);

  std::string Render() const;  // Prometheus text exposition format
  // The registry Render() serializes, for metric groups of their own (RefreshRequestMetrics).
  prometheus::Registry& registry() const { return *registry_; }
  // Write-to-temp + rename, so a collector never reads a half-written file. The file is
  // world-readable (0644) whatever the umask: node_exporter runs as another user.
  Status WriteFile(const std::string& path) const;

 private:
  void Publish(const RunTotals& totals);  // REQUIRES: mutex_ held
  void SetProgressLocked(const RunProgressGauges& progress);
  void UpdateProcessMetrics() const;

  const MetricsScope scope_;
  std::shared_ptr<prometheus::Registry> registry_;
  mutable std::mutex mutex_;  // guards totals_ and the run-level updates
  RunTotals totals_;
  prometheus::Family<prometheus::Counter>* runs_ = nullptr;
  prometheus::Family<prometheus::Counter>* users_ = nullptr;
  prometheus::Family<prometheus::Counter>* failures_ = nullptr;
  prometheus::Family<prometheus::Counter>* api_requests_ = nullptr;
  prometheus::Family<prometheus::Histogram>* api_latency_ = nullptr;  // kDaemon only
  prometheus::Histogram* run_duration_ = nullptr;
  prometheus::Gauge* breaker_state_ = nullptr;
  prometheus::Gauge* users_in_backoff_ = nullptr;
  prometheus::Gauge* last_run_ = nullptr;
  prometheus::Gauge* last_success_ = nullptr;
  prometheus::Gauge* last_run_users_seen_ = nullptr;
  prometheus::Counter* skipped_ticks_ = nullptr;
  prometheus::Family<prometheus::Gauge>* continuous_users_ = nullptr;
  prometheus::Family<prometheus::Counter>* on_demand_answers_ = nullptr;  // kDaemon only
  prometheus::Histogram* on_demand_wait_ = nullptr;                       // kDaemon only
  prometheus::Counter* runs_not_started_ = nullptr;
  prometheus::Counter* runs_locked_ = nullptr;
  prometheus::Counter* api_retries_ = nullptr;
  prometheus::Counter* write_conflicts_ = nullptr;
  // Cache-age SLO.
  prometheus::Gauge* oldest_cache_ = nullptr;
  prometheus::Gauge* stale_caches_ = nullptr;
  prometheus::Gauge* users_without_cache_ = nullptr;
  prometheus::Gauge* cache_ttl_ = nullptr;
  // Progress of the run in progress (or the last run's final numbers).
  prometheus::Gauge* run_in_progress_ = nullptr;
  prometheus::Gauge* run_started_ = nullptr;
  prometheus::Gauge* run_users_expected_ = nullptr;
  prometheus::Gauge* run_users_done_ = nullptr;
  prometheus::Family<prometheus::Gauge>* run_users_ = nullptr;
  // Process (kDaemon only), read from /proc/self at every Render().
  prometheus::Counter* process_cpu_ = nullptr;
  prometheus::Gauge* process_memory_ = nullptr;
  prometheus::Gauge* process_start_ = nullptr;
  prometheus::Gauge* process_open_fds_ = nullptr;
  prometheus::Gauge* process_max_fds_ = nullptr;
};

// The outcomes a user can have, as the ticketcache_users_total{outcome} label.
inline constexpr const char* kUserOutcomes[] = {
    "fresh", "built", "updated", "unchanged", "failed", "skipped_backoff", "abandoned"};

}  // namespace tc
