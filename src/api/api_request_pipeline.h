// Every Bytemark API request of a run goes through one pipeline, on the run's network thread:
// at most `max_in_flight` at once, the global rate limit, the circuit breaker, and retries with
// full-jitter backoff for retryable failures only (see docs/design.md, failure model). Callers
// see one final result per request, after retries.
//
// Every answer is classified by ClassifyHttpResponse (bytemark/response_classification.h):
// - transient, timeout, network: retried up to RetryPolicy::retries times, waiting
//   FullJitterBackoff(attempt, base_delay, max_delay) before each retry.
// - rate limited (429): that request (only it) waits the server's Retry-After, or a full-jitter
//   backoff when it sent none, and goes again; at most kMaxRateLimitedTries tries, and at most
//   `max_retry_after` of such waiting in total. A request told to wait longer ends at once with
//   kRateLimited (its user is refreshed by a later run) instead of holding the run. The global
//   limiter sees every answer and slows everybody only when 429s are a large share of them.
// - rejected token, malformed, success: final at once.
// The circuit breaker admits every attempt; while it is half-open the one attempt it admits as the
// probe reports its answer to it. Users (not requests) are judged by the callers: each records one
// outcome per user with CircuitBreaker::RecordUser once all the user's requests are done.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>

#include "api/rate_limiter.h"
#include "bytemark/http_transport.h"
#include "bytemark/response_classification.h"
#include "clock/clock.h"
#include "config/config.h"
#include "failure/circuit_breaker.h"
#include "report/job_metrics.h"

namespace tc {

class ApiRequestPipeline {
 public:
  // REQUIRES: all arguments outlive the pipeline; every call from one thread.
  ApiRequestPipeline(HttpTransport& transport, const Clock& clock, const RetryPolicy& retry,
                     Duration max_retry_after, RateLimiter& limiter, CircuitBreaker& breaker,
                     JobMetrics* metrics, int max_in_flight, uint64_t seed);

  // 429s are the API asking this request to wait, not a failure of it: they get their own bound.
  static constexpr int kMaxRateLimitedTries = 10;
  ~ApiRequestPipeline();

  // Queues a request. `endpoint` labels metrics ("passes" | "passes4"). `done` runs once with
  // the final outcome and its verdict (each answer is classified once, here): a response that is
  // not retryable, the last retryable response once retries are spent, the last transport error,
  // or kRateLimited for a request told to wait longer than `max_retry_after`.
  void Send(HttpRequest request, std::string endpoint, ClassifiedCallback done);

  // Starts every queued request that may start now, then drives the transport for at most
  // `max_wait` (less when a retry or rate-limit slot is due sooner).
  void Step(Duration max_wait);

  // Fails everything queued or waiting (not yet on the wire: for a free slot, a rate-limit slot or
  // a retry's backoff) with `error`; requests on the wire go on.
  void AbandonQueued(const Error& error);

  // AbandonQueued, and forgets the requests on the wire: their callbacks will never run.
  void AbandonAll(const Error& error);

  size_t queued() const { return ready_.size() + waiting_.size(); }
  size_t in_flight() const { return in_flight_; }
  // How long until an attempt may start: zero when one is ready now, Duration::max() when none
  // waits.
  Duration UntilNextAttempt() const;
  // The breaker's half-open probe is one of this pipeline's requests on the wire.
  bool probe_on_wire() const { return probe_on_wire_; }
  int64_t attempts() const { return attempts_; }
  int64_t retries() const { return retries_; }
  // The last answer that counted as a failure for the circuit breaker (what opened it).
  const std::optional<Error>& last_breaker_failure() const { return last_breaker_failure_; }
  // Finished attempts by endpoint and result (HTTP status or error class), as the metrics label
  // them.
  const std::map<std::string, std::map<std::string, int64_t>>& attempts_by_result() const {
    return attempts_by_result_;
  }

 private:
  struct Attempt {
    HttpRequest request;
    std::string endpoint;
    ClassifiedCallback done;
    int attempt = 0;                // 0 = first try
    int rate_limited_tries = 0;     // 429s answered so far
    Duration rate_limited_wait{0};  // waited for 429s so far
    bool slot_reserved = false;     // the rate limiter already granted this attempt its slot
    bool probe = false;             // the circuit breaker's half-open probe
  };

  // False when the attempt waits for its rate-limit slot (in waiting_).
  bool StartOrDefer(Attempt attempt, SteadyTime now);
  void OnFinished(Attempt attempt, SteadyTime started, Result<HttpResponse> result);
  void RetryLater(Attempt attempt, Duration delay);
  void PromoteDueAttempts(SteadyTime now);

  HttpTransport& transport_;
  const Clock& clock_;
  const RetryPolicy& retry_;
  const Duration max_retry_after_;
  RateLimiter& limiter_;
  CircuitBreaker& breaker_;
  JobMetrics* metrics_;
  const size_t max_in_flight_;
  std::mt19937_64 rng_;

  std::deque<Attempt> ready_;                   // may start as soon as a slot is free
  std::multimap<SteadyTime, Attempt> waiting_;  // retry backoff or a reserved rate-limit slot
  size_t in_flight_ = 0;
  int slot_waiting_ = 0;  // attempts holding a reserved rate-limit slot, not yet started
  bool probe_on_wire_ = false;
  int64_t attempts_ = 0;
  int64_t retries_ = 0;
  std::optional<Error> last_breaker_failure_;
  std::map<std::string, std::map<std::string, int64_t>> attempts_by_result_;
  // Callbacks of requests on the wire hold a weak reference: after AbandonAll or destruction
  // they do nothing.
  std::shared_ptr<int> generation_ = std::make_shared<int>(0);
};

}  // namespace tc
