// The API stage of a run, on the calling thread: takes stale users from the selection's queue,
// fetches both pass lists of each through one ApiRequestPipeline (rate limit, breaker, retries),
// tells the circuit breaker and the FailureStateGate how the API answered each user (one outcome
// per user), and hands each user to the store workers.
// Stops taking users on SIGTERM (grace period), when the breaker stays open, when the API-wide
// judge reaches a verdict, and when another stage stopped the run.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>

#include "api/api_request_pipeline.h"
#include "api/rate_limiter.h"
#include "failure/circuit_breaker.h"
#include "failure/failure_state_gate.h"
#include "run/blocking_queue.h"
#include "run/document_writer.h"
#include "run/run_control.h"
#include "run/run_counters.h"
#include "run/run_environment.h"
#include "run/store_backlog.h"
#include "run/user_refresh.h"
#include "selection/user_selection.h"

namespace tc {

// The queues and state the run's threads share.
struct RunPipes {
  BlockingQueue<StaleUser>& stale_users;  // selection → network loop (bounded)
  BlockingQueue<WriteJob>& write_jobs;    // network loop → store workers
  StoreBacklog& store_backlog;            // users the store workers hold
  std::atomic<bool>& enumeration_done;
  // Set by the network loop when it has room for users and found none: the selection's next
  // push wakes it (HttpTransport::Wakeup). Otherwise a push costs the loop no wake-up.
  std::atomic<bool>& users_wanted;
  RunControl& control;
  RunCounters& counters;
  FailureStateGate& gate;
};

class NetworkLoop {
 public:
  NetworkLoop(const RunEnvironment& env, RunPipes pipes);
  ~NetworkLoop();

  // Returns once every user handed over went through the API stage, or the run stopped.
  void Run();

  int64_t api_requests() const { return pipeline_->attempts(); }
  int64_t api_retries() const { return pipeline_->retries(); }
  const std::map<std::string, std::map<std::string, int64_t>>& api_requests_by_result() const {
    return pipeline_->attempts_by_result();
  }
  int breaker_opened() const { return breaker_->times_opened() - breaker_opened_before_; }
  // True when the breaker stopped the run: its failure classes were the API's.
  bool breaker_gave_up() const { return breaker_gave_up_; }

 private:
  bool WaitForAnotherThread(bool at_capacity, int64_t max_active);
  void StartUser(StaleUser user);
  // Both lists of the user are in: judged and handed to the store workers.
  void OnUserFetched(std::unique_ptr<UserFetch> fetch);
  void AbandonQueuedUsers();
  void AbandonFetchingUsers(const Error& error);
  // A user taken out of fetching_ without a write: counted abandoned, its cache kept as it was,
  // its flight ended (on-demand callers waiting for it are told).
  void ReleaseAbandonedUser(const StaleUser& user, ErrorClass error_class);

  const RunEnvironment& env_;
  const RefreshConfig& refresh_;
  RunPipes pipes_;
  const int concurrency_;
  std::unique_ptr<RateLimiter> own_limiter_;  // when the environment shares none
  std::unique_ptr<CircuitBreaker> own_breaker_;
  RateLimiter* limiter_;
  CircuitBreaker* breaker_;
  int breaker_opened_before_ = 0;  // a shared breaker's count when this run began
  int64_t flights_since_ = 0;      // env.flights->Now() when this run began
  SteadyTime run_started_;
  // A user's fetch failed with a class of our side (configuration, a bug): the run stops.
  std::optional<Error> our_side_failure_;
  std::unique_ptr<ApiRequestPipeline> pipeline_;
  UserFetches fetching_;  // after pipeline_, whose requests it sends
  bool breaker_gave_up_ = false;
};

}  // namespace tc
