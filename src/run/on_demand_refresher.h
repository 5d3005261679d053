// On-demand refresh of one user, for `serve`'s POST /v1/users/{id}/refresh (docs/operations.md).
//
// A caller asks for a user and is answered exactly once: with how the refresh ended, or with
// "running" once the deadline passed (the refresh goes on; LastResult tells later). Concurrent
// calls for one user share one refresh (UserFlights), and so does a sweep that has the user in
// flight: the call waits for the sweep's result instead of calling the API again.
//
// One worker thread owns its own transport and request pipeline, so on-demand users never wait
// behind the sweep's queue of users; its requests take their slots from the daemon's shared
// RateLimiter and pass the shared CircuitBreaker (a breaker that refuses calls fails the user at
// once with circuit_open). Freshness, per-user failure state and the document itself go through
// the same UserSelection and DocumentWriter as a sweep, so the documents are the same. Callers'
// deadlines are watched by a second thread through the Clock (a FakeClock drives them in tests).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "api/api_request_pipeline.h"
#include "api/rate_limiter.h"
#include "bytemark/http_transport.h"
#include "clock/clock.h"
#include "config/config.h"
#include "failure/circuit_breaker.h"
#include "report/job_metrics.h"
#include "run/recently_active.h"
#include "run/user_flights.h"
#include "run/user_refresh.h"
#include "selection/user_selection.h"
#include "store/cache_store.h"
#include "tokens/token_source.h"

namespace tc {

struct OnDemandAnswer {
  enum class State { kDone, kRunning };
  State state = State::kRunning;
  int64_t user_id = 0;
  UserRefreshResult result;  // kDone
};

// What the daemon shares between its sweeps and on-demand refreshes.
struct SharedApiState {
  RateLimiter& limiter;
  CircuitBreaker& breaker;
  UserFlights& flights;
};

class OnDemandRefresher final : public RecentlyActive {
 public:
  using Done = std::function<void(const OnDemandAnswer&)>;

  // REQUIRES: every argument outlives the refresher; `tokens` and `transport` are used by the
  // refresher's worker thread only (give it its own).
  OnDemandRefresher(const Config& config, Duration deadline, TokenSource& tokens, CacheStore& store,
                    HttpTransport& transport, const Clock& clock, SharedApiState shared,
                    JobMetrics* metrics = nullptr);
  ~OnDemandRefresher() override;  // Stop()
  OnDemandRefresher(const OnDemandRefresher&) = delete;
  OnDemandRefresher& operator=(const OnDemandRefresher&) = delete;

  void Start();
  // Abandons users in flight, answers every waiting caller, joins the threads. Idempotent.
  void Stop();

  // Refreshes `user_id` unless its cache is fresh (`force`: even then). `done` runs exactly once,
  // on some thread of the refresher's or the caller's, and must not block.
  void Refresh(int64_t user_id, bool force, Done done);
  // The same, waiting for the answer.
  OnDemandAnswer RefreshAndWait(int64_t user_id, bool force);
  // For a refresh request the caller read from the portal's table when UserFlights::Now() was
  // `read_at`: refreshes whatever the cache's age, but not while the user's failure backoff runs
  // (kInBackoff), and joins a refresh under way only if it was claimed after `read_at` (one
  // claimed earlier may have fetched before the request was written: its end starts another).
  // `done` is told the outcome (never kRunning: there is no deadline; kAbandoned on Stop), runs
  // exactly once and must not block. Not counted as an on-demand call.
  void RefreshForRequest(int64_t user_id, int64_t read_at, Done done);

  // "running" while the user is in flight (on demand or in a sweep), else its last on-demand
  // result, if remembered.
  std::optional<OnDemandAnswer> LastResult(int64_t user_id) const;

  // Users with an on-demand call (Refresh) among the last kRemembered calls.
  bool ActiveSince(int64_t user_id, int64_t since_unix_ms) const override;

  int64_t calls() const { return calls_.load(); }
  int64_t joined() const { return joined_.load(); }  // calls that joined a refresh under way
  int64_t api_requests() const { return api_requests_.load(); }

 private:
  struct Job {
    int64_t user_id = 0;
    bool force = false;
    bool respect_backoff = false;  // refresh requests
  };
  struct Waiter {
    int64_t user_id = 0;
    // The wait is measured and the answer counted here (the daemon's clock and metrics outlive
    // every waiter; the refresher itself may not, when a sweep answers a joined call late).
    const Clock* clock = nullptr;
    JobMetrics* metrics = nullptr;
    SteadyTime called_at;
    bool force = false;
    bool respect_backoff = false;          // a refresh request
    std::optional<int64_t> started_after;  // a refresh request: join only flights claimed later
    std::atomic<bool> answered{false};
    Done done;  // moved out by whoever answers
  };
  static void Answer(const std::shared_ptr<Waiter>& waiter, const OnDemandAnswer& answer);
  // A waiter for a call made now.
  std::shared_ptr<Waiter> NewWaiter(int64_t user_id, bool force, Done done) const;
  // Once stop() began, answers `waiter` at once (abandoned, interrupted) and returns true.
  bool AbandonedBecauseStopping(const std::shared_ptr<Waiter>& waiter);
  // Claims the user's flight for `waiter` (queueing the job), or listens to the one under way.
  void Dispatch(const std::shared_ptr<Waiter>& waiter);
  // Whether a waiter told `result` is owed another refresh instead of that answer.
  bool OwedAnotherRefresh(const Waiter& waiter, const UserRefreshResult& result) const;
  void WorkerLoop();
  void DeadlineLoop();
  void SelectGroup(const std::vector<int64_t>& user_ids, bool force, bool respect_backoff);
  void StartUser(StaleUser user);
  void WriteUser(UserFetch& fetch);
  void FailFetchingUsers(ErrorClass error_class);
  void FinishUser(int64_t user_id, const UserRefreshResult& result);

  const Config& config_;
  const Duration deadline_;
  TokenSource& tokens_;
  CacheStore& store_;
  HttpTransport& transport_;
  const Clock& clock_;
  SharedApiState shared_;
  JobMetrics* metrics_;

  std::thread worker_;
  std::thread deadline_thread_;
  std::atomic<bool> stopping_{false};
  bool started_ = false;

  std::mutex jobs_mutex_;
  std::condition_variable jobs_cv_;
  std::vector<Job> jobs_;  // guarded by jobs_mutex_

  // Worker thread only.
  ApiRequestPipeline* pipeline_ = nullptr;
  UserFetches* fetching_ = nullptr;                  // the users whose lists pipeline_ fetches
  std::vector<std::unique_ptr<UserFetch>> fetched_;  // both lists in: to write

  std::mutex deadlines_mutex_;
  std::condition_variable deadlines_cv_;
  std::multimap<SteadyTime, std::shared_ptr<Waiter>> deadlines_;  // guarded

  static constexpr size_t kRemembered = 10'000;
  mutable std::mutex recent_mutex_;
  std::unordered_map<int64_t, UserRefreshResult> results_;  // guarded by recent_mutex_
  std::deque<int64_t> results_order_;
  std::deque<std::pair<int64_t, int64_t>> activity_;  // (unix ms, user), oldest first
  struct LastCall {
    int64_t unix_ms = 0;
    int64_t calls = 0;  // of this user in activity_
  };
  std::unordered_map<int64_t, LastCall> last_call_;  // the users in activity_

  std::atomic<int64_t> calls_{0};
  std::atomic<int64_t> joined_{0};
  std::atomic<int64_t> api_requests_{0};
};

}  // namespace tc
