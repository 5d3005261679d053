// One run of the job: take the lock → select stale users → call the API → write documents →
// report (docs/failure-model.md: what ends a run and how each user is counted).
//
// Threads: a selection thread streams token pages through UserSelection and feeds stale users
// into a bounded queue (back-pressure: memory is O(concurrency), not O(users)); the calling thread
// is the NetworkLoop (every API request); a few store workers run the DocumentWriter, so store
// latency never stalls the network loop; a LeaseKeeper renews the run lock.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bytemark/http_transport.h"
#include "clock/clock.h"
#include "config/config.h"
#include "report/job_metrics.h"
#include "report/run_summary.h"
#include "run/run_observer.h"
#include "store/cache_store.h"
#include "tokens/shard.h"
#include "tokens/token_source.h"

namespace tc {

class RateLimiter;
class CircuitBreaker;
class UserFlights;

struct RunRequest {
  std::string run_id;               // empty: generated
  std::vector<int64_t> only_users;  // --user: exactly these (ignores per-user backoff)
  bool force = false;               // every cache stale
  bool dry_run = false;             // list who would be refreshed and why; no API calls, no writes
  std::optional<Shard> shard;       // --shard K/N
  // A continuous pass (docs/design.md): only_users are the pass's users, and unlike --user the
  // per-user backoff still applies.
  bool continuous_pass = false;
};

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

// Runs the job once. Never throws; every outcome, including "could not start", is a summary.
RunSummary ExecuteRun(const RunEnvironment& env, const RunRequest& request);

}  // namespace tc
