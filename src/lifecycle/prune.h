// `ticketcache prune`: deletes the caches (and per-user state) of users without a usable token,
// then applies retention. docs/operations.md explains it to an operator.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "clock/clock.h"
#include "config/config.h"
#include "error/error.h"
#include "lifecycle/retention.h"
#include "store/cache_store.h"
#include "tokens/token_source.h"

namespace tc {

struct PruneOptions {
  bool dry_run = false;  // count and list, delete nothing
  bool force = false;    // ignore max_fraction
  double max_fraction = 0.1;
  int page_size = 1000;
  // Checked before each page: once set, the prune ends with kInterrupted (what it deleted stays
  // deleted; the rest waits for the next prune).
  const std::atomic<bool>* stop = nullptr;
};

// What a prune did. The orphan counts are what the anti-join found; the deleted counts what the
// store removed (0 in a dry run or a refused prune).
struct PruneReport {
  bool dry_run = false;
  int64_t caches = 0;           // cache documents when the prune started
  int64_t orphaned_caches = 0;  // of users without a usable token
  int64_t max_caches = 0;       // the bound: floor(max_fraction × caches)
  bool refused = false;         // orphaned_caches > max_caches without --force: nothing deleted
  int64_t pruned_caches = 0;
  int64_t orphaned_states = 0;  // per-user failure memory of users without a token
  int64_t pruned_states = 0;
  int64_t duration_ms = 0;
};

// Two passes over the anti-join (orphan_join.h): the first counts (and, in a dry run, logs each
// user "would prune"), so a refused prune deletes nothing; the second deletes page by page and
// logs each pruned user. A user given a token between the passes may lose a cache the next run
// rebuilds; a second pass finding more orphans than the bound allows stops there (refused).
// `tokens` must see every user (not restricted to a shard). Errors name the failing side.
Result<PruneReport> PruneOrphans(TokenSource& tokens, CacheStore& store, const Clock& clock,
                                 const PruneOptions& options);

// The refusal's message, naming the setting and the override.
std::string PruneRefusal(const PruneReport& report, double max_fraction);

// The summary `prune` prints: {"command":"prune","status":"ok"|"refused","dry_run",…counts,
// "runs_deleted","audit_deleted" (null: kept forever, or not applied), "duration_ms"}.
nlohmann::json PruneSummary(const PruneReport& report, const RetentionReport* retention);

}  // namespace tc
