// One run of the job (SPEC §1): enumerate → freshness → refresh → report.
//
// Threads: an enumeration thread streams token pages, asks the store for the freshness of each
// page in one query and feeds stale users into a bounded queue (back-pressure: memory is
// O(concurrency), not O(users)); the calling thread is the network loop (all API requests,
// through ApiRequestPipeline); a few store workers load, build/merge and compare-and-swap each
// refreshed document, so store latency never stalls the network loop.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bytemark/http_transport.h"
#include "clock/clock.h"
#include "config/config.h"
#include "engine/shard.h"
#include "report/job_metrics.h"
#include "report/run_summary.h"
#include "store/cache_store.h"
#include "tokens/token_source.h"

namespace tc {

struct RunRequest {
  std::string run_id;                // empty: generated
  std::vector<int64_t> only_users;   // --user: exactly these (ignores per-user backoff)
  bool force = false;                // every cache stale
  bool dry_run = false;              // list who would be refreshed and why; no API calls, no writes
  std::optional<Shard> shard;        // --shard K/N
};

struct RunEnvironment {
  const Config& config;
  TokenSource& tokens;
  CacheStore& store;
  HttpTransport& transport;  // REQUIRES: not shared with another run in progress
  const Clock& clock;
  JobMetrics* metrics = nullptr;                   // optional
  const std::atomic<bool>* stop_requested = nullptr;  // SIGTERM: stop taking users, grace period
};

// Runs the job once. Never throws; every outcome, including "could not start", is a summary.
RunSummary ExecuteRun(const RunEnvironment& env, const RunRequest& request);

}  // namespace tc
