#include "run/on_demand_refresher.h"

#include <algorithm>
#include <future>
#include <unordered_set>
#include <utility>

#include "failure/failure_state_gate.h"
#include "log/logger.h"
#include "log/secret_redactor.h"
#include "run/document_writer.h"
#include "run/run_control.h"
#include "run/run_counters.h"

namespace tc {
namespace {

constexpr Duration kRefresherLoopTick{50};
// How often the deadline thread looks at the clock while callers wait (a FakeClock moves
// without notice).
constexpr Duration kDeadlineTick{20};

UserRefreshResult ResultOfKind(UserRefreshResult::Kind kind,
                               std::optional<ErrorClass> error_class = std::nullopt,
                               int64_t timestamp = 0) {
  UserRefreshResult result;
  result.kind = kind;
  result.error_class = error_class;
  result.timestamp = timestamp;
  return result;
}

}  // namespace

OnDemandRefresher::OnDemandRefresher(const Config& config, Duration deadline, TokenSource& tokens,
                                     CacheStore& store, HttpTransport& transport,
                                     const Clock& clock, SharedApiState shared, JobMetrics* metrics)
    : config_(config),
      deadline_(deadline),
      tokens_(tokens),
      store_(store),
      transport_(transport),
      clock_(clock),
      shared_(shared),
      metrics_(metrics) {}

OnDemandRefresher::~OnDemandRefresher() { Stop(); }

void OnDemandRefresher::Start() {
  if (started_) return;
  started_ = true;
  worker_ = std::thread([this] { WorkerLoop(); });
  deadline_thread_ = std::thread([this] { DeadlineLoop(); });
}

void OnDemandRefresher::Stop() {
  if (stopping_.exchange(true)) return;
  { std::lock_guard lock(jobs_mutex_); }
  jobs_cv_.notify_all();
  transport_.Wakeup();
  if (worker_.joinable()) worker_.join();
  // Jobs the worker never took (or all of them, when it never ran).
  std::vector<Job> left;
  {
    std::lock_guard lock(jobs_mutex_);
    left.swap(jobs_);
  }
  for (const Job& job : left) {
    FinishUser(job.user_id,
               ResultOfKind(UserRefreshResult::Kind::kAbandoned, ErrorClass::kInterrupted));
  }
  { std::lock_guard lock(deadlines_mutex_); }
  deadlines_cv_.notify_all();
  if (deadline_thread_.joinable()) deadline_thread_.join();
  std::multimap<SteadyTime, std::shared_ptr<Waiter>> waiting;
  {
    std::lock_guard lock(deadlines_mutex_);
    waiting.swap(deadlines_);
  }
  for (auto& [due, waiter] : waiting) {
    Answer(waiter, OnDemandAnswer{OnDemandAnswer::State::kRunning, waiter->user_id, {}});
  }
}

void OnDemandRefresher::Answer(const std::shared_ptr<Waiter>& waiter,
                               const OnDemandAnswer& answer) {
  if (waiter->answered.exchange(true)) return;
  if (waiter->metrics != nullptr) {
    const bool running = answer.state == OnDemandAnswer::State::kRunning;
    waiter->metrics->ObserveOnDemandAnswer(
        running ? "running" : UserRefreshKindName(answer.result.kind),
        std::chrono::duration<double>(waiter->clock->SteadyNow() - waiter->called_at).count());
  }
  Done done = std::move(waiter->done);  // releases what the callback holds once answered
  done(answer);
}

void OnDemandRefresher::Refresh(int64_t user_id, bool force, Done done) {
  ++calls_;
  {
    std::lock_guard lock(recent_mutex_);
    const int64_t now_ms = clock_.NowUnixMillis();
    activity_.emplace_back(now_ms, user_id);
    LastCall& last = last_call_[user_id];
    last.unix_ms = std::max(last.unix_ms, now_ms);
    ++last.calls;
    if (activity_.size() > kRemembered) {
      const auto found = last_call_.find(activity_.front().second);
      if (--found->second.calls == 0) last_call_.erase(found);
      activity_.pop_front();
    }
  }
  auto waiter = NewWaiter(user_id, force, std::move(done));
  waiter->metrics = metrics_;
  if (AbandonedBecauseStopping(waiter)) return;
  {
    std::lock_guard lock(deadlines_mutex_);
    deadlines_.emplace(clock_.SteadyNow() + deadline_, waiter);
  }
  deadlines_cv_.notify_one();
  Dispatch(waiter);
}

void OnDemandRefresher::RefreshForRequest(int64_t user_id, int64_t read_at, Done done) {
  auto waiter = NewWaiter(user_id, /*force=*/true, std::move(done));
  waiter->respect_backoff = true;
  waiter->started_after = read_at;
  if (AbandonedBecauseStopping(waiter)) return;
  Dispatch(waiter);
}

std::shared_ptr<OnDemandRefresher::Waiter> OnDemandRefresher::NewWaiter(int64_t user_id, bool force,
                                                                        Done done) const {
  auto waiter = std::make_shared<Waiter>();
  waiter->user_id = user_id;
  waiter->clock = &clock_;
  waiter->called_at = clock_.SteadyNow();
  waiter->force = force;
  waiter->done = std::move(done);
  return waiter;
}

bool OnDemandRefresher::AbandonedBecauseStopping(const std::shared_ptr<Waiter>& waiter) {
  if (!stopping_.load()) return false;
  Answer(waiter, OnDemandAnswer{
                     OnDemandAnswer::State::kDone, waiter->user_id,
                     ResultOfKind(UserRefreshResult::Kind::kAbandoned, ErrorClass::kInterrupted)});
  return true;
}

// Only this refresher's flights end "fresh" or "in_backoff" (a sweep's never do), and they end
// before it is destroyed, so `this` is alive when such a result asks for another refresh.
bool OnDemandRefresher::OwedAnotherRefresh(const Waiter& waiter,
                                           const UserRefreshResult& result) const {
  using Kind = UserRefreshResult::Kind;
  // A forced call that joined a plain one which found the cache fresh (no API call).
  if (waiter.force && result.kind == Kind::kFresh) return true;
  // An on-demand call that joined a refresh request's flight stopped by the user's backoff.
  if (!waiter.respect_backoff && result.kind == Kind::kInBackoff) return true;
  // A refresh request that joined a flight claimed before the request was read: that refresh may
  // have fetched before the request was written. (A sweep's flight may end after Stop; then the
  // request is abandoned below.)
  return waiter.started_after && result.flight_started <= *waiter.started_after;
}

void OnDemandRefresher::Dispatch(const std::shared_ptr<Waiter>& waiter) {
  const int64_t user_id = waiter->user_id;
  const bool claimed = shared_.flights.ClaimOrListen(
      user_id, UserFlights::Owner::kOnDemand, [this, waiter](const UserRefreshResult& result) {
        if (!waiter->answered.load() && OwedAnotherRefresh(*waiter, result)) {
          if (!stopping_.load()) {
            Dispatch(waiter);
            return;
          }
          Answer(waiter, OnDemandAnswer{OnDemandAnswer::State::kDone, waiter->user_id,
                                        ResultOfKind(UserRefreshResult::Kind::kAbandoned,
                                                     ErrorClass::kInterrupted)});
          return;
        }
        Answer(waiter, OnDemandAnswer{OnDemandAnswer::State::kDone, waiter->user_id, result});
      });
  if (!claimed) {
    ++joined_;
    return;
  }
  {
    std::lock_guard lock(jobs_mutex_);
    jobs_.push_back(Job{user_id, waiter->force, waiter->respect_backoff});
  }
  jobs_cv_.notify_one();
  transport_.Wakeup();
}

OnDemandAnswer OnDemandRefresher::RefreshAndWait(int64_t user_id, bool force) {
  auto promise = std::make_shared<std::promise<OnDemandAnswer>>();
  auto future = promise->get_future();
  Refresh(user_id, force, [promise](const OnDemandAnswer& answer) { promise->set_value(answer); });
  return future.get();
}

std::optional<OnDemandAnswer> OnDemandRefresher::LastResult(int64_t user_id) const {
  if (shared_.flights.OwnerOf(user_id)) {
    return OnDemandAnswer{OnDemandAnswer::State::kRunning, user_id, {}};
  }
  std::lock_guard lock(recent_mutex_);
  const auto found = results_.find(user_id);
  if (found == results_.end()) return std::nullopt;
  return OnDemandAnswer{OnDemandAnswer::State::kDone, user_id, found->second};
}

bool OnDemandRefresher::ActiveSince(int64_t user_id, int64_t since_unix_ms) const {
  std::lock_guard lock(recent_mutex_);
  const auto found = last_call_.find(user_id);
  return found != last_call_.end() && found->second.unix_ms >= since_unix_ms;
}

void OnDemandRefresher::FinishUser(int64_t user_id, const UserRefreshResult& result) {
  {
    std::lock_guard lock(recent_mutex_);
    if (results_.insert_or_assign(user_id, result).second) {
      results_order_.push_back(user_id);
      if (results_order_.size() > kRemembered) {
        results_.erase(results_order_.front());
        results_order_.pop_front();
      }
    }
  }
  shared_.flights.Finish(user_id, result);
}

void OnDemandRefresher::DeadlineLoop() {
  std::unique_lock lock(deadlines_mutex_);
  while (!stopping_.load()) {
    const SteadyTime now = clock_.SteadyNow();
    std::vector<std::shared_ptr<Waiter>> due;
    while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
      due.push_back(std::move(deadlines_.begin()->second));
      deadlines_.erase(deadlines_.begin());
    }
    if (!due.empty()) {
      lock.unlock();
      for (const auto& waiter : due) {
        Answer(waiter, OnDemandAnswer{OnDemandAnswer::State::kRunning, waiter->user_id, {}});
      }
      lock.lock();
      continue;
    }
    // Answered waiters need not wait for their deadline to be dropped.
    std::erase_if(deadlines_, [](const auto& entry) { return entry.second->answered.load(); });
    if (deadlines_.empty()) {
      deadlines_cv_.wait(lock, [this] { return stopping_.load() || !deadlines_.empty(); });
    } else {
      const Duration until_due =
          std::chrono::duration_cast<Duration>(deadlines_.begin()->first - clock_.SteadyNow());
      deadlines_cv_.wait_for(lock, std::clamp(until_due, Duration(1), kDeadlineTick));
    }
  }
}

void OnDemandRefresher::WorkerLoop() {
  const int concurrency = std::max(1, config_.refresh.concurrency);
  ApiRequestPipeline pipeline(transport_, clock_, config_.refresh.retry,
                              config_.bytemark.max_retry_after, shared_.limiter, shared_.breaker,
                              metrics_, concurrency,
                              static_cast<uint64_t>(clock_.NowUnixMillis()) ^ 0x6f6e64656d616e64);
  pipeline_ = &pipeline;
  UserFetches::Callbacks callbacks;
  callbacks.fetched = [this](std::unique_ptr<UserFetch> fetch) {
    // One outcome per user, judged by the breaker the daemon's sweeps share.
    TellBreaker(shared_.breaker, clock_, *fetch);
    fetched_.push_back(std::move(fetch));
  };
  UserFetches fetching(config_.bytemark, clock_, pipeline, std::move(callbacks));
  fetching_ = &fetching;
  while (!stopping_.load()) {
    std::vector<Job> jobs;
    {
      std::lock_guard lock(jobs_mutex_);
      jobs.swap(jobs_);
    }
    if (!jobs.empty()) {
      std::vector<int64_t> plain;
      std::vector<int64_t> forced;
      std::vector<int64_t> requested;
      for (const Job& job : jobs) {
        (job.respect_backoff ? requested : job.force ? forced : plain).push_back(job.user_id);
      }
      if (!plain.empty()) SelectGroup(plain, false, false);
      if (!forced.empty()) SelectGroup(forced, true, false);
      if (!requested.empty()) SelectGroup(requested, true, true);
    }
    // (Never while this refresher's own request is the probe: it would abandon the probe.)
    if (!fetching.empty() && pipeline.queued() > 0 && !pipeline.probe_on_wire() &&
        shared_.breaker.Refusing(clock_.SteadyNow())) {
      FailFetchingUsers(ErrorClass::kCircuitOpen);  // fail fast: the API is failing
    }
    for (auto& fetch : fetched_) WriteUser(*fetch);
    fetched_.clear();
    if (fetching.empty()) {
      std::unique_lock lock(jobs_mutex_);
      jobs_cv_.wait_for(lock, kRefresherLoopTick,
                        [this] { return stopping_.load() || !jobs_.empty(); });
    } else {
      const int64_t before = pipeline.attempts();
      pipeline.Step(kRefresherLoopTick);
      api_requests_ += pipeline.attempts() - before;
      if (metrics_ != nullptr) {
        metrics_->SetBreakerState(static_cast<BreakerStateValue>(shared_.breaker.state()));
      }
    }
  }
  FailFetchingUsers(ErrorClass::kInterrupted);
  for (auto& fetch : fetched_) WriteUser(*fetch);
  fetched_.clear();
  fetching_ = nullptr;
  pipeline_ = nullptr;
}

void OnDemandRefresher::SelectGroup(const std::vector<int64_t>& user_ids, bool force,
                                    bool respect_backoff) {
  SelectionOptions options{user_ids, respect_backoff, std::nullopt, force,
                           config_.tokens.page_size};
  UserSelection selection(tokens_, store_, clock_, config_.refresh, std::move(options));
  auto page = selection.Next([this] { return stopping_.load(); });
  if (!page.ok()) {
    LogWarn("on-demand refresh: selection failed",
            {{"users", user_ids.size()}, {"error", RedactSecrets(page.error().message)}});
    for (int64_t user_id : user_ids) {
      FinishUser(user_id, ResultOfKind(UserRefreshResult::Kind::kFailed, page.error().error_class));
    }
    return;
  }
  std::unordered_set<int64_t> not_stale(user_ids.begin(), user_ids.end());
  if (page->has_value()) {
    for (StaleUser& user : (**page).stale) {
      not_stale.erase(user.user_id);
      StartUser(std::move(user));
    }
  }
  if (not_stale.empty()) return;
  // Fresh, in backoff (forced selections find nobody fresh), or no token at all.
  const std::vector<int64_t> rest(not_stale.begin(), not_stale.end());
  auto known = tokens_.Lookup(rest);
  std::unordered_set<int64_t> with_token;
  if (known.ok()) {
    for (const UserToken& token : *known) with_token.insert(token.user_id);
  }
  for (int64_t user_id : rest) {
    if (!known.ok()) {
      FinishUser(user_id,
                 ResultOfKind(UserRefreshResult::Kind::kFailed, known.error().error_class));
      continue;
    }
    if (!with_token.contains(user_id)) {
      FinishUser(user_id, ResultOfKind(UserRefreshResult::Kind::kUnknownUser));
      continue;
    }
    if (respect_backoff) {
      FinishUser(user_id, ResultOfKind(UserRefreshResult::Kind::kInBackoff));
      continue;
    }
    auto loaded = store_.Load(user_id);
    if (!loaded.ok()) {
      FinishUser(user_id, ResultOfKind(UserRefreshResult::Kind::kFailed, ErrorClass::kStore));
    } else {
      const int64_t timestamp = loaded->has_value() ? (*loaded)->document.timestamp : 0;
      FinishUser(user_id, ResultOfKind(UserRefreshResult::Kind::kFresh, std::nullopt, timestamp));
    }
  }
}

void OnDemandRefresher::StartUser(StaleUser user) {
  if (shared_.breaker.Refusing(clock_.SteadyNow())) {
    FinishUser(user.user_id,
               ResultOfKind(UserRefreshResult::Kind::kFailed, ErrorClass::kCircuitOpen));
    return;
  }
  fetching_->Start(std::move(user));
}

// The sweep's writer, for one user: the same load → build or merge → compare-and-swap, audit
// entries and per-user failure state.
void OnDemandRefresher::WriteUser(UserFetch& fetch) {
  RunCounters counters;
  FailureStateGate gate(config_.refresh.api_wide);
  RunControl control(nullptr);
  DocumentWriter writer(store_, clock_, config_.refresh, counters, gate, control);
  const int64_t user_id = fetch.user.user_id;
  WriteJob job = JudgedWriteJob(std::move(fetch), gate);
  UserRefreshResult result = ResultOf(writer.Handle(job));
  writer.Flush([](ErrorClass) { return false; });  // one user: nothing to judge API-wide
  if (result.kind == UserRefreshResult::Kind::kFailed) {
    auto loaded = store_.Load(user_id);  // the cache the caller still has, if any
    if (loaded.ok() && loaded->has_value()) result.timestamp = (*loaded)->document.timestamp;
  }
  FinishUser(user_id, result);
}

void OnDemandRefresher::FailFetchingUsers(ErrorClass error_class) {
  if (fetching_ == nullptr || fetching_->empty()) return;
  auto doomed = fetching_->TakeAll();
  if (pipeline_ != nullptr) {
    pipeline_->AbandonAll(MakeError(error_class, "on-demand refresh abandoned"));
  }
  for (auto& [user_id, fetch] : doomed) {
    FinishUser(user_id, ResultOfKind(error_class == ErrorClass::kInterrupted
                                         ? UserRefreshResult::Kind::kAbandoned
                                         : UserRefreshResult::Kind::kFailed,
                                     error_class));
  }
}

}  // namespace tc
