// What one run works with: configuration, tokens, cache store, HTTP transport, clock, and what a
// daemon shares between its runs and on-demand refreshes. ExecuteRun (refresh_run.h) takes one;
// the stages of the run (NetworkLoop) read it.
#pragma once

#include <atomic>

#include "bytemark/http_transport.h"
#include "clock/clock.h"
#include "config/config.h"
#include "report/job_metrics.h"
#include "run/run_observer.h"
#include "store/cache_store.h"
#include "tokens/token_source.h"

namespace tc {

class RateLimiter;
class CircuitBreaker;
class UserFlights;

struct RunEnvironment {
  const Config& config;
  TokenSource& tokens;
  CacheStore& store;
  HttpTransport& transport;  // REQUIRES: not shared with another run in progress
  const Clock& clock;
  JobMetrics* metrics = nullptr;                      // optional
  const std::atomic<bool>* stop_requested = nullptr;  // SIGTERM: stop taking users, grace period
  // Optional: told when the run starts (after it holds its lock; a dry run at once), every
  // progress_interval() while it works, and at the end (always, even when it could not start).
  RunObserver* observer = nullptr;
  // Optional, for a daemon (serve): the rate limiter and circuit breaker that every API request
  // of the process shares (a run makes its own when null), and the users in flight outside this
  // run (on-demand refreshes), which the run skips and tells when it refreshed a user they wait on.
  RateLimiter* shared_limiter = nullptr;
  // Optional, used when shared_limiter is null: a limit the run's own limiter must also fit under
  // (a continuous pass paces its users at its own rate within the daemon's shared limit).
  RateLimiter* ceiling_limiter = nullptr;
  CircuitBreaker* shared_breaker = nullptr;
  UserFlights* flights = nullptr;
};

}  // namespace tc
