// Drains the portal's refresh request table (docs/operations.md): every due request's user is
// refreshed through the OnDemandRefresher — the one path for one user's refresh, with the
// daemon's rate limit, breaker and single-flight — and exactly the rows read for that user are
// marked processed once the refresh succeeded (or the user has no token). A failed refresh leaves
// its rows pending with note = the error class; a user in failure backoff is retried later.
//
// `serve` calls RunUntil (a poll every poll_interval; outcomes applied as they arrive);
// `run --refresh-requests` calls DrainOnce. One thread calls these; the refresher's threads only
// hand outcomes over.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "clock/clock.h"
#include "error/error.h"
#include "json/js_json.h"
#include "report/refresh_request_metrics.h"
#include "run/on_demand_refresher.h"
#include "run/user_flights.h"
#include "tokens/refresh_request_source.h"
#include "tokens/shard.h"

namespace tc {

struct RefreshRequestOptions {
  std::vector<int> types{1, 3};
  // Only the requests of this shard's users: a request belongs to the shard of its user, by the
  // sweep's assignment (tokens/shard.h), evaluated by the table's database.
  std::optional<Shard> shard;
  int page_size = 1000;  // rows per read of the due requests
};

// What a drain did, in users (one refresh each) and rows.
struct RefreshRequestCounts {
  int64_t rows_read = 0;  // due rows taken (this shard's)
  int64_t users = 0;      // distinct users of those rows, per poll
  int64_t users_refreshed = 0;
  int64_t users_without_token = 0;
  int64_t users_failed = 0;
  int64_t users_in_backoff = 0;
  int64_t users_abandoned = 0;  // stopped before the refresh ended
  int64_t rows_processed = 0;   // set to status = 1
  int64_t rows_left_pending = 0;
  std::map<std::string, int64_t> failures_by_class;  // users
};

// The counts as the JSON that `run --refresh-requests` prints and the status page shows, in
// this order: rows_read, users, users_refreshed, users_without_token, users_failed,
// users_in_backoff, users_abandoned, rows_processed, rows_left_pending, failures_by_class.
Json RefreshRequestCountsJson(const RefreshRequestCounts& counts);

// What the status page shows of a daemon's drain.
struct RefreshRequestStatus {
  RefreshRequestCounts counts;              // since the drain started
  int64_t due = 0;                          // at the last poll
  std::optional<int64_t> oldest_due_since;  // unix seconds; nullopt: none due
  int64_t last_poll_at = 0;                 // unix seconds of the last successful poll; 0: none
  std::string last_error;                   // of the last poll, if it failed (no secrets)
};

class RefreshRequestDrain {
 public:
  // REQUIRES: every argument outlives the drain; `refresher` is started. `metrics` may be null.
  RefreshRequestDrain(RefreshRequestSource& source, OnDemandRefresher& refresher,
                      UserFlights& flights, const Clock& clock, RefreshRequestOptions options,
                      RefreshRequestMetrics* metrics = nullptr);

  // Reads the due requests (every page), skips rows already being served, and starts one refresh
  // per user. kStore when the table cannot be read (nothing started).
  Status Poll();
  // Applies the outcomes that arrived: marks rows processed, notes failures.
  void ApplyOutcomes();
  // Users whose refresh was started and whose outcome is not applied yet.
  size_t users_in_progress() const { return in_progress_users_; }

  // One poll, then waits for every outcome (or `stop`). kStore when the poll failed.
  Result<RefreshRequestCounts> DrainOnce(const std::atomic<bool>& stop);
  // Polls every `interval` and applies outcomes as they come, until `stop`.
  void RunUntil(const std::atomic<bool>& stop, Duration interval);

  const RefreshRequestCounts& counts() const { return counts_; }
  // Thread-safe: what the status page shows.
  RefreshRequestStatus Snapshot() const;

 private:
  struct Batch {
    int64_t user_id = 0;
    std::vector<int64_t> ids;
    std::vector<int64_t> due_since;
  };
  struct Outcome {
    std::shared_ptr<Batch> batch;
    UserRefreshResult result;
  };
  // Shared with the refresher's callbacks, which may outlive the drain (a sweep ends late).
  struct Inbox {
    std::mutex mutex;
    std::condition_variable arrived;
    std::deque<Outcome> outcomes;
  };

  // Built, updated, unchanged, or no token: the rows are set processed.
  static bool RowsAreDone(const UserRefreshResult& result);
  void MarkDone(const std::vector<const Outcome*>& done, const std::vector<int64_t>& ids);
  // Failed (note = class), in backoff or abandoned: the rows stay pending.
  void ApplyPending(const Batch& batch, const UserRefreshResult& result);
  void WaitForOutcome(Duration timeout);

  RefreshRequestSource& source_;
  OnDemandRefresher& refresher_;
  UserFlights& flights_;
  const Clock& clock_;
  const RefreshRequestOptions options_;
  RefreshRequestMetrics* metrics_;
  std::shared_ptr<Inbox> inbox_ = std::make_shared<Inbox>();
  std::unordered_set<int64_t> in_progress_ids_;
  size_t in_progress_users_ = 0;
  mutable std::mutex status_mutex_;  // guards the writes of counts_ and status_ and Snapshot
  RefreshRequestCounts counts_;
  RefreshRequestStatus status_;  // all but its counts
};

}  // namespace tc
