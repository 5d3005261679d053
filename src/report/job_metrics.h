// The job's Prometheus metrics (docs/operations.md): served on /metrics by `serve`, written to
// --metrics-file by `run` for node_exporter's textfile collector. Built on prometheus-cpp's
// registry and text serializer. Thread-safe. Labels never carry a user id or a secret.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "error/error.h"
#include "report/run_summary.h"

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

class JobMetrics {
 public:
  JobMetrics();
  ~JobMetrics();
  JobMetrics(const JobMetrics&) = delete;
  JobMetrics& operator=(const JobMetrics&) = delete;

  // One API attempt: endpoint "passes" | "passes4"; result is the HTTP status ("200", "429") or
  // the transport error class ("timeout", "network", "transient").
  void ObserveApiRequest(std::string_view endpoint, std::string_view result, double seconds);
  void SetBreakerState(BreakerStateValue state);
  void CountSkippedTick();
  // Continuous mode, each pass: users due within the window, overdue, past their TTL, and
  // projected to pass it before the budget reaches them.
  void ObserveContinuousPass(int64_t due, int64_t overdue, int64_t past_ttl, int64_t will_miss_ttl);
  // At the end of every run: runs by status, duration, users by outcome, failures by class,
  // last run and last success timestamps.
  void ObserveRun(const RunSummary& summary);

  std::string Render() const;  // Prometheus text exposition format
  // Write-to-temp + rename, so a collector never reads a half-written file.
  Status WriteFile(const std::string& path) const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* runs_ = nullptr;
  prometheus::Family<prometheus::Counter>* users_ = nullptr;
  prometheus::Family<prometheus::Counter>* failures_ = nullptr;
  prometheus::Family<prometheus::Counter>* api_requests_ = nullptr;
  prometheus::Family<prometheus::Histogram>* api_latency_ = nullptr;
  prometheus::Histogram* run_duration_ = nullptr;
  prometheus::Gauge* breaker_state_ = nullptr;
  prometheus::Gauge* users_in_backoff_ = nullptr;
  prometheus::Gauge* last_run_ = nullptr;
  prometheus::Gauge* last_success_ = nullptr;
  prometheus::Gauge* last_run_users_seen_ = nullptr;
  prometheus::Counter* skipped_ticks_ = nullptr;
  prometheus::Family<prometheus::Gauge>* continuous_users_ = nullptr;
  prometheus::Counter* api_retries_ = nullptr;
  prometheus::Counter* write_conflicts_ = nullptr;
};

}  // namespace tc
