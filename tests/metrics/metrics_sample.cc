// Prints the metrics ticketcache exports after a typical run, for the checks of the rendered text
// (`promtool check metrics`) and of the dashboard and alert rules (every metric they use exists).
// Usage: metrics_sample daemon|textfile
#include <iostream>
#include <string>

#include "report/job_metrics.h"
#include "report/refresh_request_metrics.h"
#include "report/run_totals.h"

int main(int argc, char** argv) {
  const std::string scope = argc > 1 ? argv[1] : "daemon";
  if (scope != "daemon" && scope != "textfile") {
    std::cerr << "usage: metrics_sample daemon|textfile\n";
    return 2;
  }
  tc::JobMetrics metrics(scope == "daemon" ? tc::MetricsScope::kDaemon
                                           : tc::MetricsScope::kTextfile);
  metrics.SetCacheTtl(3600);
  tc::RunProgressGauges progress;
  progress.started_at_ms = 1'700'000'000'000;
  progress.users_total = 10;
  metrics.ObserveRunStarted(progress);
  metrics.ObserveApiRequest("passes", "200", 0.12);
  metrics.ObserveApiRequest("passes4", "timeout", 30);
  metrics.ObserveApiRequest("passes", "503", 0.2);
  metrics.SetBreakerState(tc::BreakerStateValue::kHalfOpen);
  metrics.CountSkippedTick();

  tc::RunSummary run;
  run.started_at_ms = 1'700'000'000'000;
  run.finished_at_ms = 1'700'000'042'000;
  run.users_seen = 10;
  run.fresh = 5;
  run.built = 2;
  run.updated = 1;
  run.failed = 1;
  run.skipped_backoff = 1;
  run.failures_by_class["timeout"] = 1;
  run.api_requests_by_result["passes"]["200"] = 1;
  run.api_requests_by_result["passes"]["503"] = 1;
  run.api_requests_by_result["passes4"]["timeout"] = 1;
  run.api_retries = 1;
  run.caches = {true, 1'699'997'000, 1, 0};
  tc::RunTotals totals;
  totals.Add(run);
  run.totals = totals.ToJson();
  metrics.ObserveRun(run);
  tc::RunSummary locked_out;
  locked_out.started = false;
  locked_out.status = tc::RunStatus::kAborted;
  metrics.ObserveRun(locked_out);
  if (scope == "daemon") {  // serve with [refresh_requests] enabled
    tc::RefreshRequestMetrics requests(metrics.registry());
    requests.ObservePoll(3, 1.5, 1'700'000'050);
    requests.CountProcessed("refreshed", 2);
    requests.ObserveLatency(1.2);
    requests.CountFailed(tc::ErrorClass::kRejectedToken, 1);
    requests.CountDeferred(1);
    std::cout << metrics.Render();
    return 0;
  }
  std::cout << metrics.Render();
  return 0;
}
