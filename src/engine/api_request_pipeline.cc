#include "engine/api_request_pipeline.h"

#include <algorithm>
#include <utility>

#include "bytemark/bytemark_api.h"
#include "engine/retry_backoff.h"

namespace tc {

namespace {

// 429s are the API asking us to slow down, not a failure of the request: they get more tries
// than `refresh.retry.retries` (the limiter has already slowed the whole run down).
constexpr int kMaxRateLimitedTries = 10;

bool IsServerError(long status) { return status >= 500 && status <= 599; }

std::string ResultLabel(const Result<HttpResponse>& result) {
  if (result.ok()) return std::to_string(result->status);
  return std::string(ErrorClassName(result.error().error_class));
}

}  // namespace

ApiRequestPipeline::ApiRequestPipeline(HttpTransport& transport, const Clock& clock,
                                       const RetryPolicy& retry, RateLimiter& limiter,
                                       CircuitBreaker& breaker, JobMetrics* metrics,
                                       int max_in_flight, uint64_t seed)
    : transport_(transport),
      clock_(clock),
      retry_(retry),
      limiter_(limiter),
      breaker_(breaker),
      metrics_(metrics),
      max_in_flight_(static_cast<size_t>(std::max(1, max_in_flight))),
      rng_(seed) {}

ApiRequestPipeline::~ApiRequestPipeline() { generation_.reset(); }

void ApiRequestPipeline::Send(HttpRequest request, std::string endpoint, HttpCallback done) {
  ready_.push_back(Attempt{std::move(request), std::move(endpoint), std::move(done)});
}

void ApiRequestPipeline::PromoteDueAttempts(SteadyTime now) {
  while (!waiting_.empty() && waiting_.begin()->first <= now) {
    // Due attempts go to the front: they have waited longest.
    ready_.push_front(std::move(waiting_.begin()->second));
    waiting_.erase(waiting_.begin());
  }
}

void ApiRequestPipeline::Step(Duration max_wait) {
  SteadyTime now = clock_.SteadyNow();
  PromoteDueAttempts(now);
  while (!ready_.empty() && in_flight_ < max_in_flight_) {
    if (!breaker_.Allow(now)) break;  // open: queued requests wait for the half-open probe
    Attempt attempt = std::move(ready_.front());
    ready_.pop_front();
    StartOrDefer(std::move(attempt), now);
  }
  Duration wait = max_wait;
  if (!waiting_.empty()) {
    const auto until_due =
        std::chrono::duration_cast<Duration>(waiting_.begin()->first - clock_.SteadyNow());
    wait = std::clamp(until_due, Duration(0), max_wait);
  }
  if (!ready_.empty() && in_flight_ < max_in_flight_) {
    // Held back by the breaker: look again soon.
    wait = std::min(wait, Duration(50));
  }
  transport_.Drive(wait);
}

void ApiRequestPipeline::StartOrDefer(Attempt attempt, SteadyTime now) {
  if (!attempt.slot_reserved) {
    const Duration delay = limiter_.DelayForNext(now);
    if (delay > Duration(0)) {
      attempt.slot_reserved = true;
      waiting_.emplace(now + delay, std::move(attempt));
      return;
    }
  }
  attempt.slot_reserved = false;
  ++attempts_;
  if (attempt.attempt > 0 || attempt.rate_limited_tries > 0) ++retries_;
  ++in_flight_;
  HttpRequest request = attempt.request;  // the attempt keeps its copy for a retry
  std::weak_ptr<int> alive = generation_;
  const SteadyTime started = now;
  transport_.Start(std::move(request),
                   [this, alive, started, attempt = std::move(attempt)](
                       Result<HttpResponse> result) mutable {
                     if (alive.expired()) return;
                     OnFinished(std::move(attempt), started, std::move(result));
                   });
}

void ApiRequestPipeline::OnFinished(Attempt attempt, SteadyTime started,
                                    Result<HttpResponse> result) {
  --in_flight_;
  const SteadyTime now = clock_.SteadyNow();
  if (metrics_ != nullptr) {
    const double seconds = std::chrono::duration<double>(now - started).count();
    metrics_->ObserveApiRequest(attempt.endpoint, ResultLabel(result), seconds);
  }

  // Classify the attempt for the breaker, the limiter and the retry decision.
  std::optional<ErrorClass> failure;
  std::optional<Duration> retry_after;
  if (!result.ok()) {
    failure = result.error().error_class;
  } else if (result->status == 429) {
    failure = ErrorClass::kRateLimited;
    if (result->retry_after) {
      retry_after = ParseRetryAfter(*result->retry_after, clock_.NowUnixSeconds());
    }
  } else if (IsServerError(result->status)) {
    failure = ErrorClass::kTransient;
  }

  if (!failure) {
    breaker_.RecordSuccess(now);
    limiter_.OnSuccess(now);
    attempt.done(std::move(result));
    return;
  }

  if (*failure == ErrorClass::kRateLimited) {
    limiter_.OnRateLimited(now, retry_after);
    if (++attempt.rate_limited_tries < kMaxRateLimitedTries) {
      // The limiter pauses every request until Retry-After; this one waits in line again.
      RetryLater(std::move(attempt), retry_after.value_or(Duration(0)));
      return;
    }
    attempt.done(std::move(result));
    return;
  }

  breaker_.RecordFailure(now, *failure);
  const Error error =
      result.ok() ? MakeError(*failure, "HTTP " + std::to_string(result->status)) : result.error();
  if (ShouldRetry(error, attempt.attempt, retry_.retries)) {
    const Duration delay =
        FullJitterBackoff(attempt.attempt, retry_.base_delay, retry_.max_delay, rng_);
    ++attempt.attempt;
    RetryLater(std::move(attempt), delay);
    return;
  }
  attempt.done(std::move(result));
}

void ApiRequestPipeline::RetryLater(Attempt attempt, Duration delay) {
  attempt.slot_reserved = false;
  waiting_.emplace(clock_.SteadyNow() + delay, std::move(attempt));
}

void ApiRequestPipeline::AbandonAll(const Error& error) {
  generation_ = std::make_shared<int>(0);  // requests on the wire: callbacks now do nothing
  in_flight_ = 0;
  std::deque<Attempt> pending;
  pending.swap(ready_);
  for (auto& [due, attempt] : waiting_) pending.push_back(std::move(attempt));
  waiting_.clear();
  for (Attempt& attempt : pending) attempt.done(error);
}

}  // namespace tc
