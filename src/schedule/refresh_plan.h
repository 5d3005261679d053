// The refresh planner's arithmetic (`ticketcache plan`, docs/operations.md): how many API
// requests a TTL window needs, what the configured budget gives, how old caches get, and what
// would meet the TTL. Pure functions; the command gathers the inputs.
#pragma once

#include <cstdint>
#include <string>

namespace tc {

// What the store says about today's caches (one streaming pass, see CacheAgeCensus).
struct CacheAges {
  int64_t users = 0;               // users with a token (the census's count, or an override)
  int64_t missing = 0;             // users without a cache document
  int64_t due_now = 0;             // caches at or past ttl − refresh_ahead (stale for a run now)
  int64_t expired = 0;             // caches at or past ttl
  int64_t oldest_age_seconds = 0;  // age of the oldest existing cache (0 when none)
};

struct PlanInputs {
  CacheAges ages;
  double ttl_seconds = 3600;
  double refresh_ahead_seconds = 300;
  double rate_limit = 0;  // requests/s per process; 0 = unlimited
  int concurrency = 32;   // requests in flight per process
  double latency_seconds = 0.05;
  double requests_per_user = 2;  // passes + passes4 (one page each)
  int shards = 1;                // processes, each with its own rate limit and concurrency
};

struct RefreshPlan {
  int64_t users = 0;
  double window_seconds = 0;  // ttl − refresh_ahead: every cache is refreshed once per window
  double requests_per_window = 0;        // users × requests_per_user
  double process_rate = 0;               // min(rate_limit, concurrency / latency) requests/s
  bool bound_by_concurrency = false;     // concurrency / latency is the tighter bound
  double total_rate = 0;                 // process_rate × shards
  double budget_per_window = 0;          // total_rate × window
  double sweep_seconds = 0;              // requests_per_window / total_rate
  double projected_max_age_seconds = 0;  // max(window, sweep) + latency × requests_per_user
  bool meets_ttl = false;                // projected_max_age_seconds <= ttl
  double rate_needed = 0;                // requests/s that cover every user once per window
  int64_t shards_needed = 0;             // processes at process_rate that give rate_needed
  int64_t users_beyond_budget = 0;       // users per window the budget cannot cover
};

// REQUIRES: ttl_seconds > refresh_ahead_seconds >= 0, concurrency >= 1, latency_seconds > 0,
// requests_per_user > 0, shards >= 1.
RefreshPlan ComputeRefreshPlan(const PlanInputs& inputs);

// The plan for people: one "name: value" line each, with the verdict and the way out.
std::string RenderRefreshPlanText(const PlanInputs& inputs, const RefreshPlan& plan);
// The same as one JSON object (inputs and results).
std::string RenderRefreshPlanJson(const PlanInputs& inputs, const RefreshPlan& plan);

}  // namespace tc
