#include "run/refresh_request_drain.h"

#include <algorithm>
#include <utility>

#include "log/logger.h"
#include "log/secret_redactor.h"
#include "report/run_summary.h"

namespace tc {

Json RefreshRequestCountsJson(const RefreshRequestCounts& counts) {
  Json out = Json::object();
  out["rows_read"] = counts.rows_read;
  out["users"] = counts.users;
  out["users_refreshed"] = counts.users_refreshed;
  out["users_without_token"] = counts.users_without_token;
  out["users_failed"] = counts.users_failed;
  out["users_in_backoff"] = counts.users_in_backoff;
  out["users_abandoned"] = counts.users_abandoned;
  out["rows_processed"] = counts.rows_processed;
  out["rows_left_pending"] = counts.rows_left_pending;
  out["failures_by_class"] = CountsToJson(counts.failures_by_class);
  return out;
}

namespace {

// The longest a drain sleeps before it looks at `stop` again.
constexpr Duration kStopCheck{200};

}  // namespace

RefreshRequestDrain::RefreshRequestDrain(RefreshRequestSource& source, OnDemandRefresher& refresher,
                                         UserFlights& flights, const Clock& clock,
                                         RefreshRequestOptions options,
                                         RefreshRequestMetrics* metrics)
    : source_(source),
      refresher_(refresher),
      flights_(flights),
      clock_(clock),
      options_(std::move(options)),
      metrics_(metrics) {}

Status RefreshRequestDrain::Poll() {
  const int64_t now = clock_.NowUnixSeconds();
  std::map<int64_t, std::shared_ptr<Batch>> users;  // ascending user id
  int64_t due = 0;
  std::optional<int64_t> oldest;
  DueRequestsQuery query{options_.types, options_.shard, now, 0, std::max(1, options_.page_size)};
  while (true) {
    auto rows = source_.ReadDue(query);
    if (!rows.ok()) {
      if (metrics_ != nullptr) metrics_->CountPollError();
      std::lock_guard lock(status_mutex_);
      status_.last_error = RedactSecrets(rows.error().message);
      return rows.error();
    }
    for (const RefreshRequest& row : *rows) {
      ++due;
      oldest = std::min(oldest.value_or(row.due_since), row.due_since);
      if (in_progress_ids_.contains(row.id)) continue;
      auto& batch = users[row.user_id];
      if (!batch) {
        batch = std::make_shared<Batch>();
        batch->user_id = row.user_id;
      }
      batch->ids.push_back(row.id);
      batch->due_since.push_back(row.due_since);
    }
    if (static_cast<int>(rows->size()) < query.limit) break;
    query.after_id = rows->back().id;
  }
  if (metrics_ != nullptr) {
    metrics_->ObservePoll(
        due,
        oldest ? std::optional<double>(static_cast<double>(std::max<int64_t>(0, now - *oldest)))
               : std::nullopt,
        now);
  }
  {
    std::lock_guard lock(status_mutex_);
    status_.due = due;
    status_.oldest_due_since = oldest;
    status_.last_poll_at = now;
    status_.last_error.clear();
  }
  // Read before any refresh below is claimed: a flight claimed later fetches after these rows
  // were written; one claimed earlier may not have.
  const int64_t read_at = flights_.Now();
  for (auto& [user_id, batch] : users) {
    {
      std::lock_guard lock(status_mutex_);
      counts_.rows_read += static_cast<int64_t>(batch->ids.size());
      ++counts_.users;
    }
    ++in_progress_users_;
    in_progress_ids_.insert(batch->ids.begin(), batch->ids.end());
    refresher_.RefreshForRequest(user_id, read_at,
                                 [inbox = inbox_, batch](const OnDemandAnswer& answer) {
                                   {
                                     std::lock_guard lock(inbox->mutex);
                                     inbox->outcomes.push_back(Outcome{batch, answer.result});
                                   }
                                   inbox->arrived.notify_all();
                                 });
  }
  return Status::Ok();
}

void RefreshRequestDrain::ApplyOutcomes() {
  std::deque<Outcome> arrived;
  {
    std::lock_guard lock(inbox_->mutex);
    arrived.swap(inbox_->outcomes);
  }
  std::lock_guard lock(status_mutex_);
  // Every user whose rows are done is marked in one statement: a poll's users end together.
  std::vector<const Outcome*> done;
  std::vector<int64_t> done_ids;
  for (const Outcome& outcome : arrived) {
    if (RowsAreDone(outcome.result)) {
      done.push_back(&outcome);
      done_ids.insert(done_ids.end(), outcome.batch->ids.begin(), outcome.batch->ids.end());
    } else {
      ApplyPending(*outcome.batch, outcome.result);
    }
  }
  if (!done.empty()) MarkDone(done, done_ids);
  for (const Outcome& outcome : arrived) {
    for (int64_t id : outcome.batch->ids) in_progress_ids_.erase(id);
    --in_progress_users_;
  }
}

bool RefreshRequestDrain::RowsAreDone(const UserRefreshResult& result) {
  using Kind = UserRefreshResult::Kind;
  return result.kind == Kind::kBuilt || result.kind == Kind::kUpdated ||
         result.kind == Kind::kUnchanged || result.kind == Kind::kUnknownUser;
}

void RefreshRequestDrain::MarkDone(const std::vector<const Outcome*>& done,
                                   const std::vector<int64_t>& ids) {
  auto marked = source_.MarkProcessed(ids);
  if (!marked.ok()) {
    // The rows stay pending and are served again at a later poll.
    LogWarn("refresh requests: cannot mark rows processed",
            {{"users", done.size()}, {"error", RedactSecrets(marked.error().message)}});
    for (const Outcome* outcome : done) {
      const auto rows = static_cast<int64_t>(outcome->batch->ids.size());
      ++counts_.users_failed;
      ++counts_.failures_by_class[std::string(ErrorClassName(ErrorClass::kStore))];
      counts_.rows_left_pending += rows;
      if (metrics_ != nullptr) metrics_->CountFailed(ErrorClass::kStore, rows);
    }
    return;
  }
  counts_.rows_processed += *marked;
  const double now = static_cast<double>(clock_.NowUnixMillis()) / 1000.0;
  for (const Outcome* outcome : done) {
    const bool refreshed = outcome->result.kind != UserRefreshResult::Kind::kUnknownUser;
    ++(refreshed ? counts_.users_refreshed : counts_.users_without_token);
    if (metrics_ == nullptr) continue;
    metrics_->CountProcessed(refreshed ? "refreshed" : "without_token",
                             static_cast<int64_t>(outcome->batch->ids.size()));
    for (int64_t due_since : outcome->batch->due_since) {
      metrics_->ObserveLatency(std::max(0.0, now - static_cast<double>(due_since)));
    }
  }
}

void RefreshRequestDrain::ApplyPending(const Batch& batch, const UserRefreshResult& result) {
  using Kind = UserRefreshResult::Kind;
  const auto rows = static_cast<int64_t>(batch.ids.size());
  counts_.rows_left_pending += rows;
  if (result.kind == Kind::kFailed) {
    const ErrorClass error_class = result.error_class.value_or(ErrorClass::kInternal);
    ++counts_.users_failed;
    ++counts_.failures_by_class[std::string(ErrorClassName(error_class))];
    if (metrics_ != nullptr) metrics_->CountFailed(error_class, rows);
    if (Status noted = source_.NoteFailure(batch.ids, ErrorClassName(error_class)); !noted.ok()) {
      LogWarn("refresh requests: cannot note a failed refresh",
              {{"user_id", batch.user_id}, {"error", RedactSecrets(noted.error().message)}});
    }
    LogInfo("refresh request failed; rows stay pending",
            {{"user_id", batch.user_id}, {"class", ErrorClassName(error_class)}});
  } else if (result.kind == Kind::kInBackoff) {
    ++counts_.users_in_backoff;
    if (metrics_ != nullptr) metrics_->CountDeferred(rows);
  } else {
    ++counts_.users_abandoned;  // stopped (or, never expected, "fresh")
  }
}

RefreshRequestStatus RefreshRequestDrain::Snapshot() const {
  std::lock_guard lock(status_mutex_);
  RefreshRequestStatus snapshot = status_;
  snapshot.counts = counts_;
  return snapshot;
}

void RefreshRequestDrain::WaitForOutcome(Duration timeout) {
  std::unique_lock lock(inbox_->mutex);
  inbox_->arrived.wait_for(lock, std::clamp(timeout, Duration(1), kStopCheck),
                           [this] { return !inbox_->outcomes.empty(); });
}

Result<RefreshRequestCounts> RefreshRequestDrain::DrainOnce(const std::atomic<bool>& stop) {
  if (Status polled = Poll(); !polled.ok()) return polled.error();
  while (true) {
    ApplyOutcomes();
    if (in_progress_users_ == 0 || stop.load()) break;
    WaitForOutcome(kStopCheck);
  }
  return counts_;
}

void RefreshRequestDrain::RunUntil(const std::atomic<bool>& stop, Duration interval) {
  SteadyTime next_poll = clock_.SteadyNow();
  while (!stop.load()) {
    if (clock_.SteadyNow() >= next_poll) {
      if (Status polled = Poll(); !polled.ok()) {
        LogWarn("refresh requests: poll failed; retrying at the next interval",
                {{"error", RedactSecrets(polled.error().message)}});
      }
      next_poll = clock_.SteadyNow() + interval;
    }
    ApplyOutcomes();
    WaitForOutcome(std::chrono::duration_cast<Duration>(next_poll - clock_.SteadyNow()));
  }
  ApplyOutcomes();
}

}  // namespace tc
