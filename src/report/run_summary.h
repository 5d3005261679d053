// The one JSON object a run prints on stdout when it ends (docs/design.md), and the exit code it
// maps to.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "clock/iso_time.h"  // FormatIsoUtcMillis: how summaries print instants
#include "json/js_json.h"

namespace tc {

// kLocked: another run holds this shard's run lock, so this one did nothing. Overlap is harmless
// (the other run does the work): not a failure, exit code 0, never recorded in the run history.
enum class RunStatus { kOk, kDegraded, kAborted, kInterrupted, kLocked };
// "ok" | "degraded" | "aborted" | "interrupted" | "locked"
const char* RunStatusName(RunStatus status);

// Every user the run enumerated lands in exactly one of: fresh, built, updated, unchanged,
// failed, skipped_backoff, abandoned (enumerated but not attempted because the run stopped early:
// SIGTERM or the circuit breaker). Their sum is users_seen.
struct RunSummary {
  std::string run_id;
  int64_t started_at_ms = 0;
  int64_t finished_at_ms = 0;
  RunStatus status = RunStatus::kOk;
  std::string abort_reason;  // set when aborted/degraded; never contains a secret
  std::string shard;         // "K/N" or empty
  bool dry_run = false;

  int64_t users_seen = 0;
  int64_t fresh = 0;
  int64_t built = 0;
  int64_t updated = 0;
  int64_t unchanged = 0;
  int64_t failed = 0;
  int64_t skipped_backoff = 0;
  int64_t abandoned = 0;
  int64_t would_refresh = 0;  // dry run only
  // Dry run only: would_refresh by reason ("missing", "stale", "forced") and the first few users.
  std::map<std::string, int64_t> would_refresh_by_reason;
  std::vector<int64_t> would_refresh_sample;
  // Not users, so outside users_seen: token rows the run could not use.
  int64_t skipped_duplicates = 0;    // a user id the token source returned again (skipped)
  int64_t skipped_invalid_rows = 0;  // rows whose user_id is not an int64 (TokenSource)

  int64_t api_requests = 0;
  int64_t api_retries = 0;
  int64_t passes_created = 0;
  int64_t passes_changed = 0;
  int64_t free_tickets_added = 0;
  int64_t write_conflicts = 0;  // compare-and-swap retries against a concurrent writer
  int64_t breaker_opened = 0;
  std::map<std::string, int64_t> failures_by_class;
  // API attempts by endpoint ("passes", "passes4") and result (HTTP status or error class).
  std::map<std::string, std::map<std::string, int64_t>> api_requests_by_result;

  // False when the run never held its lock (another run holds it, the store is unreachable): it
  // is not in the run history and changes no cumulative count.
  bool started = true;

  // The caches the run leaves behind, for the cache-age metrics: the oldest cache timestamp
  // (unix seconds, 0 when no user has a cache) among users not refreshed by this run (fresh,
  // failed, abandoned; users it refreshed count as of the run's start; users in backoff are left
  // out: their caches would age forever), stale caches
  // it could not refresh, users it leaves without a cache. Complete only when the run enumerated
  // every user (not a `--user` run, not a run that stopped early).
  struct CacheCensus {
    bool complete = false;
    int64_t oldest_cache_timestamp = 0;
    int64_t stale_caches = 0;
    int64_t users_without_cache = 0;
  };
  CacheCensus caches;

  // Cumulative counts over this shard's recorded runs up to and including this one (restored
  // from the run history; Json null when the run did not start). What the metrics export.
  Json totals;

  int64_t OutcomeTotal() const {
    return fresh + built + updated + unchanged + failed + skipped_backoff + abandoned +
           would_refresh;
  }
  Json ToJson() const;
  // 0 completed (incl. interrupted) or locked, 1 aborted, 3 degraded.
  int ExitCode() const;
};

// Counts by name as a JSON object, names in the map's (sorted) order: failures by class, runs by
// status, API requests by result.
Json CountsToJson(const std::map<std::string, int64_t>& counts);
Json NestedCountsToJson(const std::map<std::string, std::map<std::string, int64_t>>& counts);

}  // namespace tc
