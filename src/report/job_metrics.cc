#include "report/job_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <cstdio>
#include <fstream>

namespace tc {

namespace {

const prometheus::Histogram::BucketBoundaries kLatencyBuckets = {
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
const prometheus::Histogram::BucketBoundaries kRunDurationBuckets = {1,   5,   15,   30,   60,  120,
                                                                     300, 600, 1200, 1800, 3600};

}  // namespace

JobMetrics::JobMetrics() : registry_(std::make_shared<prometheus::Registry>()) {
  auto& registry = *registry_;
  runs_ = &prometheus::BuildCounter()
               .Name("ticketcache_runs_total")
               .Help("Runs by final status (ok, degraded, aborted, interrupted)")
               .Register(registry);
  users_ = &prometheus::BuildCounter()
                .Name("ticketcache_users_total")
                .Help(
                    "Users by outcome of their run (fresh, built, updated, unchanged, failed, "
                    "skipped_backoff, abandoned)")
                .Register(registry);
  failures_ = &prometheus::BuildCounter()
                   .Name("ticketcache_user_failures_total")
                   .Help("Failed users by error class")
                   .Register(registry);
  api_requests_ = &prometheus::BuildCounter()
                       .Name("ticketcache_api_requests_total")
                       .Help("Bytemark API attempts by endpoint and HTTP status or error class")
                       .Register(registry);
  api_latency_ = &prometheus::BuildHistogram()
                      .Name("ticketcache_api_request_duration_seconds")
                      .Help("Bytemark API attempt latency")
                      .Register(registry);
  run_duration_ = &prometheus::BuildHistogram()
                       .Name("ticketcache_run_duration_seconds")
                       .Help("Duration of finished runs")
                       .Register(registry)
                       .Add({}, kRunDurationBuckets);
  breaker_state_ = &prometheus::BuildGauge()
                        .Name("ticketcache_circuit_breaker_state")
                        .Help("Circuit breaker: 0 closed, 1 half-open, 2 open")
                        .Register(registry)
                        .Add({});
  users_in_backoff_ = &prometheus::BuildGauge()
                           .Name("ticketcache_users_in_backoff")
                           .Help("Users skipped in the last run because they keep failing")
                           .Register(registry)
                           .Add({});
  last_run_ = &prometheus::BuildGauge()
                   .Name("ticketcache_last_run_timestamp_seconds")
                   .Help("Unix time the last run finished")
                   .Register(registry)
                   .Add({});
  last_success_ = &prometheus::BuildGauge()
                       .Name("ticketcache_last_success_timestamp_seconds")
                       .Help("Unix time the last run with status ok finished")
                       .Register(registry)
                       .Add({});
  last_run_users_seen_ = &prometheus::BuildGauge()
                              .Name("ticketcache_last_run_users_seen")
                              .Help("Users enumerated by the last run")
                              .Register(registry)
                              .Add({});
  continuous_users_ = &prometheus::BuildGauge()
                           .Name("ticketcache_continuous_users")
                           .Help(
                               "Continuous mode, last pass: users due in the window (due), "
                               "overdue, past_ttl, and will_miss_ttl within the budget")
                           .Register(registry);
  skipped_ticks_ = &prometheus::BuildCounter()
                        .Name("ticketcache_schedule_ticks_skipped_total")
                        .Help("Scheduled ticks skipped because a run was still going")
                        .Register(registry)
                        .Add({});
  api_retries_ = &prometheus::BuildCounter()
                      .Name("ticketcache_api_retries_total")
                      .Help("API attempts that were retries of a failed attempt")
                      .Register(registry)
                      .Add({});
  write_conflicts_ = &prometheus::BuildCounter()
                          .Name("ticketcache_write_conflicts_total")
                          .Help("Document writes retried because another writer got there first")
                          .Register(registry)
                          .Add({});
  for (const char* status : {"ok", "degraded", "aborted", "interrupted"}) {
    runs_->Add({{"status", status}});
  }
}

JobMetrics::~JobMetrics() = default;

void JobMetrics::ObserveApiRequest(std::string_view endpoint, std::string_view result,
                                   double seconds) {
  const std::string endpoint_label(endpoint);
  api_requests_->Add({{"endpoint", endpoint_label}, {"result", std::string(result)}}).Increment();
  api_latency_->Add({{"endpoint", endpoint_label}}, kLatencyBuckets).Observe(seconds);
}

void JobMetrics::SetBreakerState(BreakerStateValue state) {
  breaker_state_->Set(static_cast<double>(state));
}

void JobMetrics::ObserveContinuousPass(int64_t due, int64_t overdue, int64_t past_ttl,
                                       int64_t will_miss_ttl) {
  continuous_users_->Add({{"state", "due"}}).Set(static_cast<double>(due));
  continuous_users_->Add({{"state", "overdue"}}).Set(static_cast<double>(overdue));
  continuous_users_->Add({{"state", "past_ttl"}}).Set(static_cast<double>(past_ttl));
  continuous_users_->Add({{"state", "will_miss_ttl"}}).Set(static_cast<double>(will_miss_ttl));
}

void JobMetrics::CountSkippedTick() { skipped_ticks_->Increment(); }

void JobMetrics::ObserveRun(const RunSummary& summary) {
  runs_->Add({{"status", RunStatusName(summary.status)}}).Increment();
  const std::pair<const char*, int64_t> outcomes[] = {
      {"fresh", summary.fresh},        {"built", summary.built},
      {"updated", summary.updated},    {"unchanged", summary.unchanged},
      {"failed", summary.failed},      {"skipped_backoff", summary.skipped_backoff},
      {"abandoned", summary.abandoned}};
  for (const auto& [outcome, count] : outcomes) {
    users_->Add({{"outcome", outcome}}).Increment(static_cast<double>(count));
  }
  for (const auto& [error_class, count] : summary.failures_by_class) {
    failures_->Add({{"class", error_class}}).Increment(static_cast<double>(count));
  }
  api_retries_->Increment(static_cast<double>(summary.api_retries));
  write_conflicts_->Increment(static_cast<double>(summary.write_conflicts));
  run_duration_->Observe(static_cast<double>(summary.finished_at_ms - summary.started_at_ms) /
                         1000.0);
  const double finished = static_cast<double>(summary.finished_at_ms) / 1000.0;
  last_run_->Set(finished);
  last_run_users_seen_->Set(static_cast<double>(summary.users_seen));
  users_in_backoff_->Set(static_cast<double>(summary.skipped_backoff));
  if (summary.status == RunStatus::kOk) last_success_->Set(finished);
}

std::string JobMetrics::Render() const {
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

Status JobMetrics::WriteFile(const std::string& path) const {
  const std::string temp_path = path + ".tmp";
  {
    std::ofstream out(temp_path, std::ios::trunc);
    out << Render();
    out.flush();
    if (!out) return MakeError(ErrorClass::kInternal, "cannot write metrics file " + temp_path);
  }
  if (std::rename(temp_path.c_str(), path.c_str()) != 0) {
    std::remove(temp_path.c_str());
    return MakeError(ErrorClass::kInternal, "cannot rename metrics file into " + path);
  }
  return Status::Ok();
}

}  // namespace tc
