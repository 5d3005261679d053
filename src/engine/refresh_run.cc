#include "engine/refresh_run.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_map>
#include <utility>

#include <fmt/format.h>

#include "bytemark/pass_list_fetch.h"
#include "document/document_merge.h"
#include "engine/api_request_pipeline.h"
#include "engine/circuit_breaker.h"
#include "engine/freshness.h"
#include "engine/rate_limiter.h"
#include "engine/user_backoff.h"
#include "log/logger.h"

namespace tc {

namespace {

constexpr int kStoreRetries = 3;         // enumeration/freshness queries: tries before aborting
constexpr int kMaxWriteConflicts = 5;    // compare-and-swap rounds before giving up on a user
constexpr Duration kLoopTick{50};

// A user the enumeration found stale, on its way through the run.
struct StaleUser {
  int64_t user_id = 0;
  std::string token;  // secret
  std::string token_fingerprint;
  StaleReason reason = StaleReason::kMissing;
  std::optional<UserState> previous;  // failure memory, when the user has any
};

// What the store workers do for one user after its API calls.
struct StoreJob {
  StaleUser user;
  std::vector<Json> active;
  std::vector<Json> expired;
  std::optional<Error> fetch_error;  // set: record the failure; unset: write the document
};

// A blocking FIFO with an optional capacity; Close() wakes every waiter.
template <typename T>
class BlockingQueue {
 public:
  explicit BlockingQueue(size_t capacity) : capacity_(capacity) {}

  // Blocks while full; false when closed.
  bool Push(T item) {
    std::unique_lock lock(mutex_);
    not_full_.wait(lock, [&] { return closed_ || items_.size() < capacity_; });
    if (closed_) return false;
    items_.push_back(std::move(item));
    not_empty_.notify_one();
    return true;
  }
  std::optional<T> TryPop() {
    std::lock_guard lock(mutex_);
    return PopLocked();
  }
  // Blocks while empty; nullopt when closed and drained.
  std::optional<T> Pop() {
    std::unique_lock lock(mutex_);
    not_empty_.wait(lock, [&] { return closed_ || !items_.empty(); });
    return PopLocked();
  }
  // Takes everything left (used when the run stops early).
  std::deque<T> Drain() {
    std::lock_guard lock(mutex_);
    std::deque<T> out;
    out.swap(items_);
    not_full_.notify_all();
    return out;
  }
  // Blocks until an item is there, the queue is closed, or `timeout` (real time) passes.
  void WaitForItem(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    not_empty_.wait_for(lock, timeout, [&] { return closed_ || !items_.empty(); });
  }
  void Close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    not_full_.notify_all();
    not_empty_.notify_all();
  }
  size_t size() const {
    std::lock_guard lock(mutex_);
    return items_.size();
  }

 private:
  std::optional<T> PopLocked() {
    if (items_.empty()) return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    not_full_.notify_one();
    return item;
  }

  const size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable not_full_;
  std::condition_variable not_empty_;
  std::deque<T> items_;
  bool closed_ = false;
};

std::string NewRunId(const Clock& clock) {
  const int64_t now_ms = clock.NowUnixMillis();
  std::random_device random;
  return fmt::format("{}-{:06x}", FormatIsoUtcMillis(now_ms).substr(0, 19), random() & 0xffffff);
}

const char* EndpointOf(const std::string& url) {
  return url.find("/v4.0/") != std::string::npos ? "passes4" : "passes";
}

class Run {
 public:
  Run(const RunEnvironment& env, const RunRequest& request, RunSummary& summary)
      : env_(env),
        config_(env.config),
        request_(request),
        summary_(summary),
        lock_name_(RunLockName(request.shard ? &*request.shard : nullptr)),
        concurrency_(std::max(1, config_.refresh.concurrency)),
        stale_users_(static_cast<size_t>(concurrency_) * 2),
        store_jobs_(std::numeric_limits<size_t>::max()) {}

  void Execute();
  // True once the run holds its lock: only then is it recorded in the run history.
  bool started() const { return started_; }

 private:
  // --- enumeration thread ---
  void Enumerate();
  bool ProcessPage(std::vector<UserToken> page);
  template <typename F>
  auto WithStoreRetries(F&& query) -> decltype(query());

  // --- network loop (calling thread) ---
  void NetworkLoop();
  void StartUser(StaleUser user);
  void OnListFetched(int64_t user_id, PassListKind list, Result<PassListResult> result);
  void StopTakingUsers(RunStatus status, const std::string& reason);
  void AbandonQueuedUsers();
  void AbandonFetchingUsers(const Error& error);

  // --- store workers ---
  void StoreWorker();
  void WriteDocument(StoreJob& job);
  void RecordFailure(const StaleUser& user, const Error& error, const char* stage);
  void RecordSuccess(const StaleUser& user);

  bool Stopping() const { return stopping_.load(); }
  void Count(int64_t RunSummary::*field, int64_t by = 1) {
    std::lock_guard lock(summary_mutex_);
    summary_.*field += by;
  }

  const RunEnvironment& env_;
  const Config& config_;
  const RunRequest& request_;
  RunSummary& summary_;
  const std::string lock_name_;
  const int concurrency_;

  std::mutex summary_mutex_;  // guards summary_ counters touched by several threads
  std::atomic<bool> stopping_{false};       // no new users (SIGTERM, breaker, abort)
  std::atomic<bool> enumeration_done_{false};
  std::atomic<int64_t> store_jobs_pending_{0};
  bool started_ = false;

  BlockingQueue<StaleUser> stale_users_;  // enumeration → network loop (bounded)
  BlockingQueue<StoreJob> store_jobs_;    // network loop → store workers (bounded by admission)

  // Network-loop-only state.
  struct UserFetch {
    StaleUser user;
    int lists_pending = 2;
    std::vector<Json> active;
    std::vector<Json> expired;
    std::optional<Error> error;
  };
  std::unordered_map<int64_t, std::unique_ptr<UserFetch>> fetching_;
  std::unique_ptr<RateLimiter> limiter_;
  std::unique_ptr<CircuitBreaker> breaker_;
  std::unique_ptr<ApiRequestPipeline> pipeline_;
};

void Run::Execute() {
  const int64_t now_ms = env_.clock.NowUnixMillis();
  if (!request_.dry_run) {
    auto locked = env_.store.TryLock(lock_name_, summary_.run_id, now_ms,
                                     now_ms + config_.refresh.lock.ttl.count());
    if (!locked.ok()) {
      summary_.status = RunStatus::kAborted;
      summary_.abort_reason = "store unreachable: " + locked.error().ToString();
      return;
    }
    if (!*locked) {
      summary_.status = RunStatus::kAborted;
      summary_.abort_reason = "lock '" + lock_name_ + "' is held by another run";
      return;
    }
    started_ = true;
    RunRecord record{summary_.run_id, summary_.started_at_ms, 0, "running", summary_.shard, ""};
    if (Status saved = env_.store.SaveRun(record); !saved.ok()) {
      LogWarn("could not record run start", {{"run_id", summary_.run_id},
                                             {"error", saved.error().ToString()}});
    }
  }

  std::thread enumeration([this] { Enumerate(); });
  std::vector<std::thread> store_workers;
  if (!request_.dry_run) {
    const int workers = std::clamp(concurrency_ / 8, 2, 8);
    for (int i = 0; i < workers; ++i) store_workers.emplace_back([this] { StoreWorker(); });
    NetworkLoop();
  }
  enumeration.join();
  store_jobs_.Close();
  for (auto& worker : store_workers) worker.join();

  if (!request_.dry_run) {
    if (Status unlocked = env_.store.Unlock(lock_name_, summary_.run_id); !unlocked.ok()) {
      LogWarn("could not release run lock", {{"lock", lock_name_},
                                             {"error", unlocked.error().ToString()}});
    }
  }
}

// ---------------------------------------------------------------- enumeration thread

template <typename F>
auto Run::WithStoreRetries(F&& query) -> decltype(query()) {
  auto result = query();
  for (int attempt = 1; !result.ok() && attempt < kStoreRetries && !Stopping(); ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200 * attempt));
    result = query();
  }
  return result;
}

void Run::Enumerate() {
  const auto finish = [this] {
    enumeration_done_ = true;
    env_.transport.Wakeup();
  };
  if (!request_.only_users.empty()) {
    auto page = WithStoreRetries([&] { return env_.tokens.Lookup(request_.only_users); });
    if (!page.ok()) {
      StopTakingUsers(RunStatus::kAborted, "token source failed: " + page.error().ToString());
    } else {
      ProcessPage(std::move(*page));
    }
    return finish();
  }
  int64_t after = std::numeric_limits<int64_t>::min();
  const int page_size = std::max(1, config_.tokens.page_size);
  while (!Stopping()) {
    auto page = WithStoreRetries([&] { return env_.tokens.NextPage(after, page_size); });
    if (!page.ok()) {
      StopTakingUsers(RunStatus::kAborted, "token source failed: " + page.error().ToString());
      break;
    }
    if (page->empty()) break;
    after = page->back().user_id;
    if (!ProcessPage(std::move(*page))) break;
  }
  finish();
}

// Classifies one page of users with one freshness query (and one per-user-state query for the
// stale ones) and hands the stale users to the network loop. False when the run is stopping.
bool Run::ProcessPage(std::vector<UserToken> page) {
  if (request_.shard) {
    std::erase_if(page, [&](const UserToken& user) {
      return !ShardOwnsUser(*request_.shard, user.user_id);
    });
  }
  if (page.empty()) return true;
  std::vector<int64_t> ids;
  ids.reserve(page.size());
  for (const auto& user : page) ids.push_back(user.user_id);

  auto timestamps = WithStoreRetries([&] { return env_.store.CacheTimestamps(ids); });
  if (!timestamps.ok()) {
    StopTakingUsers(RunStatus::kAborted,
                    "freshness query failed: " + timestamps.error().ToString());
    return false;
  }
  std::unordered_map<int64_t, int64_t> cache_time;
  for (const auto& row : *timestamps) cache_time.emplace(row.user_id, row.timestamp);

  const int64_t now = env_.clock.NowUnixSeconds();
  std::vector<StaleUser> stale;
  int64_t fresh = 0;
  for (auto& user : page) {
    const auto found = cache_time.find(user.user_id);
    const std::optional<int64_t> timestamp =
        found == cache_time.end() ? std::nullopt : std::optional<int64_t>(found->second);
    const StaleReason reason = Classify(timestamp, now, config_.refresh, request_.force);
    if (reason == StaleReason::kFresh) {
      ++fresh;
      continue;
    }
    StaleUser entry;
    entry.user_id = user.user_id;
    entry.token_fingerprint = TokenFingerprint(user.token);
    entry.token = std::move(user.token);
    entry.reason = reason;
    stale.push_back(std::move(entry));
  }

  int64_t in_backoff = 0;
  if (!stale.empty()) {
    std::vector<int64_t> stale_ids;
    for (const auto& user : stale) stale_ids.push_back(user.user_id);
    auto states = WithStoreRetries([&] { return env_.store.LoadUserStates(stale_ids); });
    if (!states.ok()) {
      StopTakingUsers(RunStatus::kAborted,
                      "user state query failed: " + states.error().ToString());
      return false;
    }
    std::unordered_map<int64_t, UserState> by_user;
    for (auto& state : *states) by_user.emplace(state.user_id, std::move(state));
    for (auto& user : stale) {
      if (auto found = by_user.find(user.user_id); found != by_user.end()) {
        user.previous = std::move(found->second);
      }
    }
    // Explicitly named users are always attempted; everyone else respects the backoff.
    if (request_.only_users.empty()) {
      std::erase_if(stale, [&](const StaleUser& user) {
        const bool skip =
            user.previous && InBackoff(*user.previous, now, user.token_fingerprint);
        in_backoff += skip ? 1 : 0;
        return skip;
      });
    }
  }
  {
    std::lock_guard lock(summary_mutex_);
    summary_.users_seen += static_cast<int64_t>(page.size());
    summary_.fresh += fresh;
    summary_.skipped_backoff += in_backoff;
    if (request_.dry_run) summary_.would_refresh += static_cast<int64_t>(stale.size());
  }
  for (auto& user : stale) {
    if (request_.dry_run) {
      LogInfo("would refresh", {{"user_id", user.user_id}, {"reason", StaleReasonName(user.reason)}});
      continue;
    }
    if (!stale_users_.Push(std::move(user))) {
      // Closed because the run is stopping: this user and the rest of the page are abandoned.
      Count(&RunSummary::abandoned);
    } else {
      env_.transport.Wakeup();
    }
  }
  return !Stopping();
}

// ---------------------------------------------------------------- network loop

void Run::NetworkLoop() {
  limiter_ = std::make_unique<RateLimiter>(config_.refresh.rate_limit, env_.clock.SteadyNow());
  breaker_ = std::make_unique<CircuitBreaker>(config_.refresh.breaker);
  pipeline_ = std::make_unique<ApiRequestPipeline>(
      env_.transport, env_.clock, config_.refresh.retry, *limiter_, *breaker_, env_.metrics,
      concurrency_, static_cast<uint64_t>(env_.clock.NowUnixMillis()));

  // Users in the API stage plus users in the store stage: enough to keep every request slot
  // busy while store work catches up, bounded so memory stays O(concurrency).
  const int64_t max_active = static_cast<int64_t>(concurrency_) * 2;
  std::optional<SteadyTime> grace_deadline;
  SteadyTime next_lock_renewal = env_.clock.SteadyNow() + config_.refresh.lock.ttl / 3;
  int last_breaker_opened = 0;

  while (true) {
    const SteadyTime now = env_.clock.SteadyNow();
    if (env_.stop_requested != nullptr && env_.stop_requested->load() && !grace_deadline) {
      grace_deadline = now + config_.refresh.grace_period;
      StopTakingUsers(RunStatus::kInterrupted, "stop requested (signal)");
      LogInfo("stopping: letting in-flight users finish",
              {{"in_flight_users", fetching_.size()},
               {"grace_ms", config_.refresh.grace_period.count()}});
    }
    if (const auto since = breaker_->NotClosedSince();
        since && now - *since >= config_.refresh.breaker.give_up_after && !fetching_.empty()) {
      StopTakingUsers(RunStatus::kDegraded, "circuit breaker stayed open: Bytemark API failing");
      AbandonFetchingUsers(MakeError(ErrorClass::kCircuitOpen, "circuit breaker open"));
    }
    if (breaker_->times_opened() != last_breaker_opened) {
      last_breaker_opened = breaker_->times_opened();
      LogWarn("circuit breaker opened", {{"times", last_breaker_opened}});
    }
    if (env_.metrics != nullptr) {
      env_.metrics->SetBreakerState(static_cast<BreakerStateValue>(breaker_->state()));
    }

    while (!Stopping() &&
           static_cast<int64_t>(fetching_.size()) + store_jobs_pending_.load() < max_active) {
      auto user = stale_users_.TryPop();
      if (!user) break;
      StartUser(std::move(*user));
    }
    if (Stopping()) AbandonQueuedUsers();

    if (fetching_.empty() && stale_users_.size() == 0 &&
        (enumeration_done_.load() || Stopping())) {
      break;  // store workers finish their jobs after the loop
    }
    if (grace_deadline && now >= *grace_deadline) {
      LogWarn("grace period over: abandoning in-flight users", {{"users", fetching_.size()}});
      AbandonFetchingUsers(MakeError(ErrorClass::kInterrupted, "run interrupted"));
      break;
    }
    if (now >= next_lock_renewal) {
      next_lock_renewal = now + config_.refresh.lock.ttl / 3;
      const int64_t now_ms = env_.clock.NowUnixMillis();
      auto renewed = env_.store.TryLock(lock_name_, summary_.run_id, now_ms,
                                        now_ms + config_.refresh.lock.ttl.count());
      if (!renewed.ok() || !*renewed) {
        LogWarn("could not renew run lock", {{"lock", lock_name_}});
      }
    }
    if (fetching_.empty()) {
      // Nothing on the wire or waiting for a retry: sleep until enumeration hands over a user
      // (no polling of the transport, and no time passes for a test's fake clock).
      stale_users_.WaitForItem(kLoopTick);
    } else {
      pipeline_->Step(kLoopTick);
    }
  }
  std::lock_guard lock(summary_mutex_);
  summary_.api_requests = pipeline_->attempts();
  summary_.api_retries = pipeline_->retries();
  summary_.breaker_opened = breaker_->times_opened();
}

void Run::StartUser(StaleUser user) {
  const int64_t user_id = user.user_id;
  auto fetch = std::make_unique<UserFetch>();
  fetch->user = std::move(user);
  const std::string& token = fetch->user.token;
  fetching_.emplace(user_id, std::move(fetch));
  const SendRequest send = [this](HttpRequest request, HttpCallback done) {
    const char* endpoint = EndpointOf(request.url);
    pipeline_->Send(std::move(request), endpoint, std::move(done));
  };
  for (PassListKind list : {PassListKind::kActive, PassListKind::kExpired}) {
    FetchPassList(send, config_.bytemark, token, list,
                  [this, user_id, list](Result<PassListResult> result) {
                    OnListFetched(user_id, list, std::move(result));
                  });
  }
}

void Run::OnListFetched(int64_t user_id, PassListKind list, Result<PassListResult> result) {
  const auto found = fetching_.find(user_id);
  if (found == fetching_.end()) return;  // abandoned
  UserFetch& fetch = *found->second;
  if (!result.ok()) {
    if (!fetch.error) fetch.error = result.error();
  } else if (list == PassListKind::kActive) {
    fetch.active = std::move(result->passes);
  } else {
    fetch.expired = std::move(result->passes);
  }
  if (--fetch.lists_pending > 0) return;

  StoreJob job{std::move(fetch.user), std::move(fetch.active), std::move(fetch.expired),
               std::move(fetch.error)};
  fetching_.erase(found);
  ++store_jobs_pending_;
  store_jobs_.Push(std::move(job));
}

void Run::StopTakingUsers(RunStatus status, const std::string& reason) {
  std::lock_guard lock(summary_mutex_);
  // The first reason wins, except that aborted (store trouble) outranks the others.
  if (!stopping_.exchange(true) || status == RunStatus::kAborted) {
    summary_.status = status;
    summary_.abort_reason = reason;
  }
  stale_users_.Close();
}

void Run::AbandonQueuedUsers() {
  const auto left = stale_users_.Drain();
  if (!left.empty()) Count(&RunSummary::abandoned, static_cast<int64_t>(left.size()));
}

// Users still waiting for API answers are abandoned: never written, counted as abandoned, their
// caches untouched. They leave fetching_ first, so the callbacks AbandonAll runs find nothing.
void Run::AbandonFetchingUsers(const Error& error) {
  auto doomed = std::move(fetching_);
  fetching_.clear();
  Count(&RunSummary::abandoned, static_cast<int64_t>(doomed.size()));
  pipeline_->AbandonAll(error);
}

// ---------------------------------------------------------------- store workers

void Run::StoreWorker() {
  while (auto job = store_jobs_.Pop()) {
    if (job->fetch_error) {
      RecordFailure(job->user, *job->fetch_error, "fetch");
    } else {
      WriteDocument(*job);
    }
    --store_jobs_pending_;
    env_.transport.Wakeup();
  }
}

void Run::WriteDocument(StoreJob& job) {
  const int64_t user_id = job.user.user_id;
  const auto& free_products = config_.refresh.free_product_uuids;
  for (int round = 0; round < kMaxWriteConflicts; ++round) {
    auto loaded = env_.store.Load(user_id);
    if (!loaded.ok()) return RecordFailure(job.user, loaded.error(), "load");
    const int64_t now = env_.clock.NowUnixSeconds();
    const std::optional<StoredDocument>& existing = *loaded;
    auto outcome = existing ? MergeDocument(existing->document, job.active, job.expired, now,
                                            free_products)
                            : BuildDocument(user_id, job.active, job.expired, now, free_products);
    if (!outcome.ok()) return RecordFailure(job.user, outcome.error(), "merge");
    const std::optional<int64_t> expected =
        existing ? std::optional<int64_t>(existing->version) : std::nullopt;
    Status written = env_.store.Replace(outcome->document, expected, outcome->audit);
    if (written.ok()) {
      {
        std::lock_guard lock(summary_mutex_);
        int64_t RunSummary::*field =
            !existing ? &RunSummary::built
                      : (IsUpdated(*outcome) ? &RunSummary::updated : &RunSummary::unchanged);
        summary_.*field += 1;
        summary_.passes_created += outcome->created;
        summary_.passes_changed += outcome->changed;
        summary_.free_tickets_added += outcome->free_tickets_added;
      }
      if (outcome->free_tickets_added > 0) {
        LogInfo("free ticket added", {{"user_id", user_id},
                                      {"count", outcome->free_tickets_added}});
      }
      return RecordSuccess(job.user);
    }
    if (written.error().error_class != ErrorClass::kConflict) {
      return RecordFailure(job.user, written.error(), "write");
    }
    Count(&RunSummary::write_conflicts);  // another writer got there first: re-read, re-merge
  }
  RecordFailure(job.user,
                MakeError(ErrorClass::kConflict,
                          fmt::format("gave up after {} conflicting writes", kMaxWriteConflicts)),
                "write");
}

void Run::RecordFailure(const StaleUser& user, const Error& error, const char* stage) {
  {
    std::lock_guard lock(summary_mutex_);
    summary_.failed += 1;
    summary_.failures_by_class[std::string(ErrorClassName(error.error_class))] += 1;
  }
  LogWarn("user refresh failed", {{"user_id", user.user_id},
                                  {"stage", stage},
                                  {"error_class", ErrorClassName(error.error_class)},
                                  {"error", error.message}});
  UserState previous = user.previous.value_or(UserState{});
  previous.user_id = user.user_id;
  const UserState next = AfterFailure(previous, error, env_.clock.NowUnixSeconds(),
                                      user.token_fingerprint, config_.refresh.user_backoff);
  if (Status saved = env_.store.SaveUserStates({&next, 1}); !saved.ok()) {
    LogWarn("could not save user state", {{"user_id", user.user_id},
                                          {"error", saved.error().ToString()}});
  }
}

void Run::RecordSuccess(const StaleUser& user) {
  if (!user.previous || user.previous->consecutive_failures == 0) return;
  const UserState next =
      AfterSuccess(*user.previous, env_.clock.NowUnixSeconds(), user.token_fingerprint);
  if (Status saved = env_.store.SaveUserStates({&next, 1}); !saved.ok()) {
    LogWarn("could not save user state", {{"user_id", user.user_id},
                                          {"error", saved.error().ToString()}});
  }
}

}  // namespace

RunSummary ExecuteRun(const RunEnvironment& env, const RunRequest& request) {
  RunSummary summary;
  summary.run_id = request.run_id.empty() ? NewRunId(env.clock) : request.run_id;
  summary.started_at_ms = env.clock.NowUnixMillis();
  summary.dry_run = request.dry_run;
  if (request.shard) summary.shard = request.shard->ToString();

  Run run(env, request, summary);
  run.Execute();

  summary.finished_at_ms = env.clock.NowUnixMillis();
  if (run.started()) {
    RunRecord record{summary.run_id, summary.started_at_ms, summary.finished_at_ms,
                     RunStatusName(summary.status), summary.shard, summary.ToJson().dump()};
    if (Status saved = env.store.SaveRun(record); !saved.ok()) {
      LogWarn("could not record run", {{"run_id", summary.run_id},
                                       {"error", saved.error().ToString()}});
    }
  }
  if (env.metrics != nullptr) env.metrics->ObserveRun(summary);
  return summary;
}

}  // namespace tc
