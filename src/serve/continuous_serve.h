// `serve` with `[schedule] mode = "continuous"` (docs/design.md): a ContinuousLoop whose census is
// one pass over tokens and store, and whose passes are ordinary runs of exactly the pass's users
// (per-user backoff kept), paced over the slice by the run's own rate limiter.
#pragma once

#include <atomic>
#include <functional>

#include "clock/clock.h"
#include "config/config.h"
#include "report/job_metrics.h"
#include "report/run_summary.h"
#include "run/recently_active.h"
#include "run/refresh_run.h"
#include "schedule/continuous_loop.h"
#include "store/cache_store.h"
#include "tokens/token_source.h"

namespace tc {

// API requests one refreshed user costs: its passes and passes4 lists, one page each.
inline constexpr double kRequestsPerUser = 2;
inline constexpr int64_t kContinuousSliceSeconds = 60;
inline constexpr int64_t kContinuousCensusEverySlices = 10;

struct ContinuousServeEnvironment {
  const Config& config;
  TokenSource& tokens;
  CacheStore& store;
  const Clock& clock;
  JobMetrics* metrics = nullptr;  // optional
  const std::atomic<bool>& stop;  // SIGTERM
  // Optional (the on-demand endpoint): users with a call within the last refresh.ttl go first.
  const RecentlyActive* recently_active = nullptr;
  std::function<void(const RunSummary&)> on_run;  // each pass's summary; optional
  // Completes each pass's environment (observers, the daemon's breaker and users in flight);
  // optional. The pass keeps its own rate limit: the pace of the pass.
  std::function<void(RunEnvironment&)> prepare_run;
};

// The loop's options from the configuration: the window is ttl − refresh_ahead and the budget
// per slice is rate_limit × slice / kRequestsPerUser (unlimited when rate_limit is 0).
ContinuousLoopOptions ContinuousOptionsFor(const RefreshConfig& refresh);

// The rate limit of one pass: the users' requests spread over 90 % of the slice, never above
// the configured limit.
double PassRateLimit(const RefreshConfig& refresh, size_t users, int64_t slice_seconds);

// Runs passes until `stop`. Logs each pass that leaves users past their TTL.
void RunContinuousMode(const ContinuousServeEnvironment& env);

}  // namespace tc
