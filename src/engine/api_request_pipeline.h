// Every Bytemark API request of a run goes through one pipeline, on the run's network thread:
// at most `max_in_flight` at once, the global rate limit, the circuit breaker, and retries with
// full-jitter backoff for transient failures only (SPEC §3, issue 5). Callers see one final
// result per request, after retries.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <random>
#include <string>

#include "bytemark/http_transport.h"
#include "clock/clock.h"
#include "config/config.h"
#include "engine/circuit_breaker.h"
#include "engine/rate_limiter.h"
#include "report/job_metrics.h"

namespace tc {

class ApiRequestPipeline {
 public:
  // REQUIRES: all arguments outlive the pipeline; every call from one thread.
  ApiRequestPipeline(HttpTransport& transport, const Clock& clock, const RetryPolicy& retry,
                     RateLimiter& limiter, CircuitBreaker& breaker, JobMetrics* metrics,
                     int max_in_flight, uint64_t seed);
  ~ApiRequestPipeline();

  // Queues a request. `endpoint` labels metrics ("passes" | "passes4"). `done` runs once with
  // the final outcome: a response whose status is neither 429 nor 5xx, the last 429/5xx
  // response once retries are spent, or the last transport error.
  void Send(HttpRequest request, std::string endpoint, HttpCallback done);

  // Starts every queued request that may start now, then drives the transport for at most
  // `max_wait` (less when a retry or rate-limit slot is due sooner).
  void Step(Duration max_wait);

  // Fails everything queued or waiting (not yet on the wire) with `error`, and forgets the
  // requests on the wire: their callbacks will never run.
  void AbandonAll(const Error& error);

  size_t queued() const { return ready_.size() + waiting_.size(); }
  size_t in_flight() const { return in_flight_; }
  int64_t attempts() const { return attempts_; }
  int64_t retries() const { return retries_; }

 private:
  struct Attempt {
    HttpRequest request;
    std::string endpoint;
    HttpCallback done;
    int attempt = 0;            // 0 = first try
    int rate_limited_tries = 0; // 429s answered so far
    bool slot_reserved = false; // the rate limiter already granted this attempt its slot
  };

  void StartOrDefer(Attempt attempt, SteadyTime now);
  void OnFinished(Attempt attempt, SteadyTime started, Result<HttpResponse> result);
  void RetryLater(Attempt attempt, Duration delay);
  void PromoteDueAttempts(SteadyTime now);

  HttpTransport& transport_;
  const Clock& clock_;
  const RetryPolicy& retry_;
  RateLimiter& limiter_;
  CircuitBreaker& breaker_;
  JobMetrics* metrics_;
  const size_t max_in_flight_;
  std::mt19937_64 rng_;

  std::deque<Attempt> ready_;                  // may start as soon as a slot is free
  std::multimap<SteadyTime, Attempt> waiting_; // retry backoff or a reserved rate-limit slot
  size_t in_flight_ = 0;
  int64_t attempts_ = 0;
  int64_t retries_ = 0;
  // Callbacks of requests on the wire hold a weak reference: after AbandonAll or destruction
  // they do nothing.
  std::shared_ptr<int> generation_ = std::make_shared<int>(0);
};

}  // namespace tc
