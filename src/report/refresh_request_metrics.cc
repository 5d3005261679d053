#include "report/refresh_request_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <string>

namespace tc {
namespace {

// From due to processed: a poll interval plus the API's time is the goal; minutes is the Node
// job's five-minute cron.
const prometheus::Histogram::BucketBoundaries kRequestLatencyBuckets = {
    0.25, 0.5, 1, 2, 3, 5, 10, 30, 60, 120, 300, 900, 3600};

// Every class a refresh can fail with, exported from 0.
constexpr ErrorClass kRequestFailureClasses[] = {
    ErrorClass::kTransient,   ErrorClass::kTimeout,       ErrorClass::kNetwork,
    ErrorClass::kRateLimited, ErrorClass::kRejectedToken, ErrorClass::kMalformed,
    ErrorClass::kStore,       ErrorClass::kConflict,      ErrorClass::kCircuitOpen,
    ErrorClass::kInterrupted, ErrorClass::kInternal};

}  // namespace

RefreshRequestMetrics::RefreshRequestMetrics(prometheus::Registry& registry) {
  due_ = &prometheus::BuildGauge()
              .Name("ticketcache_refresh_requests_due")
              .Help("Due refresh requests (pending rows of the configured types) at the last poll")
              .Register(registry)
              .Add({});
  oldest_due_age_ =
      &prometheus::BuildGauge()
           .Name("ticketcache_refresh_requests_oldest_due_age_seconds")
           .Help(
               "Age of the oldest due refresh request at the last poll, since it became due "
               "(0: none due)")
           .Register(registry)
           .Add({});
  last_poll_ = &prometheus::BuildGauge()
                    .Name("ticketcache_refresh_requests_last_poll_timestamp_seconds")
                    .Help("Unix time of the last successful poll of the refresh request table")
                    .Register(registry)
                    .Add({});
  poll_errors_ = &prometheus::BuildCounter()
                      .Name("ticketcache_refresh_requests_poll_errors_total")
                      .Help("Polls of the refresh request table that failed")
                      .Register(registry)
                      .Add({});
  processed_ = &prometheus::BuildCounter()
                    .Name("ticketcache_refresh_requests_processed_total")
                    .Help("Refresh request rows set processed (refreshed, without_token)")
                    .Register(registry);
  for (const char* result : {"refreshed", "without_token"}) processed_->Add({{"result", result}});
  failed_ = &prometheus::BuildCounter()
                 .Name("ticketcache_refresh_requests_failed_total")
                 .Help("Refresh request rows left pending because the refresh failed, by class")
                 .Register(registry);
  for (ErrorClass error_class : kRequestFailureClasses) {
    failed_->Add({{"class", std::string(ErrorClassName(error_class))}});
  }
  deferred_ = &prometheus::BuildCounter()
                   .Name("ticketcache_refresh_requests_deferred_total")
                   .Help("Refresh request rows left pending while their user's backoff runs")
                   .Register(registry)
                   .Add({});
  latency_ = &prometheus::BuildHistogram()
                  .Name("ticketcache_refresh_request_latency_seconds")
                  .Help("Time from a refresh request becoming due to its row set processed")
                  .Register(registry)
                  .Add({}, kRequestLatencyBuckets);
}

void RefreshRequestMetrics::ObservePoll(int64_t due, std::optional<double> oldest_due_age_seconds,
                                        int64_t now_unix) {
  due_->Set(static_cast<double>(due));
  oldest_due_age_->Set(oldest_due_age_seconds.value_or(0));
  last_poll_->Set(static_cast<double>(now_unix));
}

void RefreshRequestMetrics::CountPollError() { poll_errors_->Increment(); }

void RefreshRequestMetrics::CountProcessed(std::string_view result, int64_t rows) {
  processed_->Add({{"result", std::string(result)}}).Increment(static_cast<double>(rows));
}

void RefreshRequestMetrics::ObserveLatency(double seconds) { latency_->Observe(seconds); }

void RefreshRequestMetrics::CountFailed(ErrorClass error_class, int64_t rows) {
  failed_->Add({{"class", std::string(ErrorClassName(error_class))}})
      .Increment(static_cast<double>(rows));
}

void RefreshRequestMetrics::CountDeferred(int64_t rows) {
  deferred_->Increment(static_cast<double>(rows));
}

}  // namespace tc
