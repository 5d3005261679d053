#include "run/refresh_run.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <limits>
#include <map>
#include <mutex>
#include <random>
#include <thread>
#include <utility>

#include "failure/blame.h"
#include "failure/failure_state_gate.h"
#include "log/logger.h"
#include "log/secret_redactor.h"
#include "run/blocking_queue.h"
#include "run/document_writer.h"
#include "run/lease_keeper.h"
#include "run/network_loop.h"
#include "run/run_control.h"
#include "run/run_counters.h"
#include "run/run_history_totals.h"
#include "run/store_backlog.h"
#include "run/user_flights.h"
#include "selection/user_selection.h"

namespace tc {
namespace {

constexpr size_t kDryRunSampleSize = 10;  // a dry run's summary names the first few users

// The cache of one user, for the census should the user be abandoned.
CacheTally OneCache(const StaleUser& user) {
  CacheTally tally;
  tally.Add(user.cache_timestamp, user.reason);
  return tally;
}

std::string NewRunId(const Clock& clock) {
  const int64_t now_ms = clock.NowUnixMillis();
  std::random_device random;
  return fmt::format("{}-{:06x}", FormatIsoUtcMillis(now_ms).substr(0, 19), random() & 0xffffff);
}

class RefreshRun {
 public:
  RefreshRun(const RunEnvironment& env, const RunRequest& request, RunSummary& summary)
      : env_(env),
        request_(request),
        summary_(summary),
        lock_name_(RunLockName(request.shard ? &*request.shard : nullptr)),
        stale_users_(static_cast<size_t>(std::max(1, env.config.refresh.concurrency)) * 2),
        write_jobs_(std::numeric_limits<size_t>::max()),
        control_([this] { stale_users_.Close(); }),
        gate_(env.config.refresh.api_wide),
        writer_(env.store, env.clock, env.config.refresh, counters_, gate_, control_) {}

  // True once the run holds its lock: only then is it recorded in the run history.
  bool started() const { return started_; }

  void Execute() {
    ScopedLogContext run_context(RunContext());
    // The token database picks the shard's users, so only they are read and sent; the selection
    // still checks ShardOwnsUser (the same function) for sources that cannot.
    if (request_.shard) shard_in_source_ = env_.tokens.RestrictToShard(*request_.shard);
    CountUnusableRows();
    CountUsersForProgress();
    std::unique_ptr<LeaseKeeper> lease;
    if (!request_.dry_run) {
      const int64_t now_ms = env_.clock.NowUnixMillis();
      const int64_t expires_ms = now_ms + env_.config.refresh.lock.ttl.count();
      auto locked = env_.store.TryLock(lock_name_, summary_.run_id, now_ms, expires_ms);
      if (!locked.ok()) {
        summary_.status = RunStatus::kAborted;
        summary_.abort_reason = "store unreachable: " + RedactSecrets(locked.error().ToString());
        return;
      }
      if (!*locked) {  // another run is doing this work: nothing to do, nothing wrong
        summary_.status = RunStatus::kLocked;
        summary_.abort_reason = "lock '" + lock_name_ + "' is held by another run";
        return;
      }
      started_ = true;
      RunRecord record{summary_.run_id, summary_.started_at_ms, 0, "running", summary_.shard, ""};
      if (Status saved = env_.store.SaveRun(record); !saved.ok()) {
        LogWarn("could not record run start",
                {{"run_id", summary_.run_id}, {"error", saved.error().ToString()}});
      }
      lease = std::make_unique<LeaseKeeper>(
          env_.store, env_.clock, lock_name_, summary_.run_id, env_.config.refresh.lock.ttl,
          expires_ms, [this](const std::string& reason) {
            control_.Stop(RunStatus::kAborted, reason, /*stop_writes=*/true);
            env_.transport.Wakeup();
          });
      lease->Start();
    }

    if (env_.observer != nullptr) env_.observer->OnRunStarted(Progress());
    std::thread ticker;
    if (env_.observer != nullptr) {
      ticker = std::thread([this] {
        ScopedLogContext context(RunContext());
        TickProgress();
      });
    }
    std::thread selection([this] {
      ScopedLogContext context(RunContext());
      Select();
    });
    std::vector<std::thread> workers;
    std::optional<NetworkLoop> network;
    if (!request_.dry_run) {
      const int count = std::clamp(std::max(1, env_.config.refresh.concurrency) / 8, 2, 8);
      for (int i = 0; i < count; ++i) {
        workers.emplace_back([this] {
          ScopedLogContext context(RunContext());
          StoreWorker();
        });
      }
      network.emplace(env_, RunPipes{stale_users_, write_jobs_, store_backlog_, enumeration_done_,
                                     users_wanted_, control_, counters_, gate_});
      network->Run();
    }
    selection.join();
    write_jobs_.Close();
    for (auto& worker : workers) worker.join();

    if (network) {
      summary_.api_requests = network->api_requests();
      summary_.api_retries = network->api_retries();
      summary_.api_requests_by_result = network->api_requests_by_result();
      summary_.breaker_opened = network->breaker_opened();
      const bool breaker_gave_up = network->breaker_gave_up();
      // Failures of the API's own classes are not the users' when the breaker stopped the run.
      writer_.Flush([breaker_gave_up](ErrorClass error_class) {
        return breaker_gave_up && IsApiHealthFailure(error_class);
      });
    }
    if (lease) {
      lease->Stop();  // a renewal due by the clock is made (or found lost) before the verdict
      if (!lease->lost()) {
        if (Status unlocked = env_.store.Unlock(lock_name_, summary_.run_id); !unlocked.ok()) {
          LogWarn("could not release run lock",
                  {{"lock", lock_name_}, {"error", unlocked.error().ToString()}});
        }
      }
    }
    if (ticker.joinable()) {
      {
        std::lock_guard lock(ticker_mutex_);
        ticker_stop_ = true;
      }
      ticker_wakeup_.notify_all();
      ticker.join();
    }
    counters_.FoldInto(summary_);
    if (request_.dry_run) {
      summary_.would_refresh_by_reason = std::move(would_refresh_by_reason_);
      summary_.would_refresh_sample = std::move(would_refresh_sample_);
    }
    summary_.caches.complete = enumerated_everyone_ && request_.only_users.empty();
    summary_.status = control_.status();
    summary_.abort_reason = control_.reason();
    if (summary_.status == RunStatus::kOk) NoOkAfterOurSideFailures();
  }

 private:
  // A user who failed on our side (the store, configuration, a bug) failed by no fault of theirs,
  // and other users may meet the same: the run is not ok, however few they were.
  void NoOkAfterOurSideFailures() {
    int64_t ours = 0;
    std::string classes;
    for (const ErrorClass error_class :
         {ErrorClass::kStore, ErrorClass::kConfig, ErrorClass::kLocked, ErrorClass::kInternal}) {
      const auto found = summary_.failures_by_class.find(std::string(ErrorClassName(error_class)));
      if (!IsOurSide(error_class) || found == summary_.failures_by_class.end()) continue;
      ours += found->second;
      classes += fmt::format("{}{} {}", classes.empty() ? "" : ", ", found->second, found->first);
    }
    if (ours == 0) return;
    summary_.status = RunStatus::kAborted;
    summary_.abort_reason = fmt::format(
        "{} users failed on our side ({}), not by their own fault: their caches were kept", ours,
        classes);
    LogError("run not ok: failures on our side", {{"reason", summary_.abort_reason}});
  }

  // Every line the run's threads log carries the run id.
  LogFields RunContext() const { return {{"run_id", summary_.run_id}}; }

  bool StopRequested() const {
    return env_.stop_requested != nullptr && env_.stop_requested->load();
  }

  void CountUnusableRows() {
    auto unusable = env_.tokens.CountUnusableRows();
    if (!unusable.ok()) {
      LogWarn("could not count unusable token rows", {{"error", unusable.error().ToString()}});
    } else if (*unusable > 0) {
      summary_.skipped_invalid_rows = *unusable;
      LogWarn("token rows skipped: user_id is not an integer", {{"rows", *unusable}});
    }
  }

  // The denominator of the observers' progress: the token table's user count (for a shard the
  // source cannot restrict, an estimate: that divided by N), or the --user list. A failed count
  // leaves it unknown; the run goes on.
  void CountUsersForProgress() {
    if (env_.observer == nullptr) return;
    if (!request_.only_users.empty()) {
      users_total_ = static_cast<int64_t>(request_.only_users.size());
      return;
    }
    auto users = env_.tokens.CountUsers();
    if (!users.ok()) {
      LogWarn("could not count users for progress", {{"error", users.error().ToString()}});
      return;
    }
    users_total_ = *users;
    if (request_.shard && request_.shard->count > 1 && !shard_in_source_) {
      users_total_ = (*users + request_.shard->count - 1) / request_.shard->count;
      users_total_estimated_ = true;
    }
  }

  RunProgress Progress() const {
    RunProgress progress;
    progress.run_id = summary_.run_id;
    progress.shard = summary_.shard;
    progress.dry_run = request_.dry_run;
    progress.started_at_ms = summary_.started_at_ms;
    progress.now_ms = env_.clock.NowUnixMillis();
    progress.users_total = users_total_;
    progress.users_total_estimated = users_total_estimated_;
    progress.users_seen = counters_.users_seen.load();
    progress.fresh = counters_.fresh.load();
    progress.built = counters_.built.load();
    progress.updated = counters_.updated.load();
    progress.unchanged = counters_.unchanged.load();
    progress.failed = counters_.failed();
    progress.skipped = counters_.skipped_backoff.load() + counters_.skipped_duplicates.load();
    progress.would_refresh = counters_.would_refresh.load();
    progress.abandoned = counters_.abandoned.load();
    return progress;
  }

  // The ticker thread: wall-clock intervals (progress is for people, not part of the run's logic).
  void TickProgress() {
    const auto interval = env_.observer->progress_interval();
    std::unique_lock lock(ticker_mutex_);
    while (!ticker_wakeup_.wait_for(lock, interval, [this] { return ticker_stop_; })) {
      lock.unlock();
      env_.observer->OnProgress(Progress());
      lock.lock();
    }
  }

  // The selection thread.
  void Select() {
    SelectionOptions options{request_.only_users, request_.continuous_pass, request_.shard,
                             request_.force, env_.config.tokens.page_size};
    UserSelection selection(env_.tokens, env_.store, env_.clock, env_.config.refresh,
                            std::move(options));
    const auto stopping = [this] { return control_.stopping() || StopRequested(); };
    while (!control_.stopping()) {
      if (request_.dry_run && StopRequested()) {
        control_.Stop(RunStatus::kInterrupted, "stop requested (signal)");
        break;
      }
      auto page = selection.Next(stopping);
      if (!page.ok()) {
        control_.Stop(RunStatus::kAborted, RedactSecrets(page.error().message));
        break;
      }
      if (!page->has_value()) {
        enumerated_everyone_ = true;
        break;
      }
      SelectedPage& selected = **page;
      counters_.users_seen += selected.seen;
      counters_.fresh += selected.fresh;
      counters_.skipped_backoff += selected.in_backoff;
      counters_.skipped_duplicates += selected.duplicates;
      counters_.KeepCaches(selected.kept);
      for (StaleUser& user : selected.stale) {
        if (request_.dry_run) {
          // Counted, never logged one by one: the summary says how many and why, and names a few.
          ++counters_.would_refresh;
          ++would_refresh_by_reason_[StaleReasonName(user.reason)];
          if (would_refresh_sample_.size() < kDryRunSampleSize) {
            would_refresh_sample_.push_back(user.user_id);
          }
        } else if (const CacheTally cache = OneCache(user); !stale_users_.Push(std::move(user))) {
          ++counters_.abandoned;  // the run is stopping: the rest of the page is abandoned
          counters_.KeepCaches(cache);
        } else if (users_wanted_.exchange(false)) {
          env_.transport.Wakeup();  // the network loop has room and found the queue empty
        }
      }
    }
    enumeration_done_ = true;
    env_.transport.Wakeup();
  }

  void StoreWorker() {
    while (auto job = write_jobs_.Pop()) {
      const WriteOutcome outcome = writer_.Handle(*job);
      if (env_.flights != nullptr) env_.flights->Finish(job->user.user_id, ResultOf(outcome));
      store_backlog_.Done();
    }
  }

  const RunEnvironment& env_;
  const RunRequest& request_;
  RunSummary& summary_;
  const std::string lock_name_;
  bool started_ = false;
  bool enumerated_everyone_ = false;  // set by the selection thread before it ends
  int64_t users_total_ = -1;
  bool users_total_estimated_ = false;
  bool shard_in_source_ = false;  // the token source filters by shard itself
  std::mutex ticker_mutex_;
  std::condition_variable ticker_wakeup_;
  bool ticker_stop_ = false;
  // Dry run, written by the selection thread only (read after it is joined).
  std::map<std::string, int64_t> would_refresh_by_reason_;
  std::vector<int64_t> would_refresh_sample_;

  BlockingQueue<StaleUser> stale_users_;
  BlockingQueue<WriteJob> write_jobs_;
  StoreBacklog store_backlog_{[this] { env_.transport.Wakeup(); }};
  std::atomic<bool> enumeration_done_{false};
  std::atomic<bool> users_wanted_{false};
  RunCounters counters_;
  RunControl control_;
  FailureStateGate gate_;
  DocumentWriter writer_;
};

}  // namespace

RunSummary ExecuteRun(const RunEnvironment& env, const RunRequest& request) {
  RunSummary summary;
  summary.run_id = request.run_id.empty() ? NewRunId(env.clock) : request.run_id;
  summary.started_at_ms = env.clock.NowUnixMillis();
  summary.dry_run = request.dry_run;
  if (request.shard) summary.shard = request.shard->ToString();

  RefreshRun run(env, request, summary);
  run.Execute();

  summary.finished_at_ms = env.clock.NowUnixMillis();
  summary.started = run.started() || request.dry_run;
  if (run.started()) {
    summary.totals = TotalsIncluding(env.store, summary);
    RunRecord record{summary.run_id,         summary.started_at_ms,
                     summary.finished_at_ms, RunStatusName(summary.status),
                     summary.shard,          summary.ToJson().dump()};
    if (Status saved = env.store.SaveRun(record); !saved.ok()) {
      LogWarn("could not record run",
              {{"run_id", summary.run_id}, {"error", saved.error().ToString()}});
    }
  }
  if (env.metrics != nullptr) env.metrics->ObserveRun(summary);
  if (env.observer != nullptr) env.observer->OnRunFinished(summary);
  return summary;
}

}  // namespace tc
