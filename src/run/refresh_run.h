// One run of the job: take the lock → select stale users → call the API → write documents →
// report (docs/failure-model.md: what ends a run and how each user is counted).
//
// Threads: a selection thread streams token pages through UserSelection and feeds stale users
// into a bounded queue (back-pressure: memory is O(concurrency), not O(users)); the calling thread
// is the NetworkLoop (every API request); a few store workers run the DocumentWriter, so store
// latency never stalls the network loop; a LeaseKeeper renews the run lock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "report/run_summary.h"
#include "run/run_environment.h"
#include "tokens/shard.h"

namespace tc {

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

// Runs the job once. Never throws; every outcome, including "could not start", is a summary.
RunSummary ExecuteRun(const RunEnvironment& env, const RunRequest& request);

}  // namespace tc
