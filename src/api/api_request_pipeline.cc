#include "api/api_request_pipeline.h"

#include <algorithm>
#include <utility>

#include "api/retry_backoff.h"
#include "bytemark/response_classification.h"
#include "clock/saturating_time.h"
#include "failure/blame.h"

namespace tc {

namespace {

std::string Seconds(Duration duration) {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(duration).count()) + "s";
}

std::string ResultLabel(const Result<HttpResponse>& result) {
  if (result.ok()) return std::to_string(result->status);
  return std::string(ErrorClassName(result.error().error_class));
}

}  // namespace

ApiRequestPipeline::ApiRequestPipeline(HttpTransport& transport, const Clock& clock,
                                       const RetryPolicy& retry, Duration max_retry_after,
                                       RateLimiter& limiter, CircuitBreaker& breaker,
                                       JobMetrics* metrics, int max_in_flight, uint64_t seed)
    : transport_(transport),
      clock_(clock),
      retry_(retry),
      max_retry_after_(std::max(Duration(0), max_retry_after)),
      limiter_(limiter),
      breaker_(breaker),
      metrics_(metrics),
      max_in_flight_(static_cast<size_t>(std::max(1, max_in_flight))),
      rng_(seed) {}

ApiRequestPipeline::~ApiRequestPipeline() {
  generation_.reset();
  if (probe_on_wire_) breaker_.ReleaseProbe();  // its answer will never be recorded
}

void ApiRequestPipeline::Send(HttpRequest request, std::string endpoint, ClassifiedCallback done) {
  ready_.push_back(Attempt{std::move(request), std::move(endpoint), std::move(done)});
}

void ApiRequestPipeline::PromoteDueAttempts(SteadyTime now) {
  std::deque<Attempt> reserved;
  while (!waiting_.empty() && waiting_.begin()->first <= now) {
    // Due attempts go to the front: they have waited longest. One whose rate-limit slot is due
    // goes first of all, so that its slot is used now.
    Attempt attempt = std::move(waiting_.begin()->second);
    waiting_.erase(waiting_.begin());
    if (attempt.slot_reserved) {
      reserved.push_back(std::move(attempt));
    } else {
      ready_.push_front(std::move(attempt));
    }
  }
  for (Attempt& attempt : reserved) ready_.push_front(std::move(attempt));
}

void ApiRequestPipeline::Step(Duration max_wait) {
  SteadyTime now = clock_.SteadyNow();
  PromoteDueAttempts(now);
  while (!ready_.empty() && in_flight_ < max_in_flight_) {
    // While an attempt waits for its reserved rate-limit slot, nobody else asks for one.
    if (slot_waiting_ > 0 && !ready_.front().slot_reserved) break;
    if (!ready_.front().probe) {  // a probe waiting for its rate-limit slot was admitted already
      const CircuitBreaker::Admission admission = breaker_.Admit(now);
      if (admission == CircuitBreaker::Admission::kRefused) break;  // wait for the probe
      ready_.front().probe = admission == CircuitBreaker::Admission::kProbe;
    }
    Attempt attempt = std::move(ready_.front());
    ready_.pop_front();
    // One attempt at a time waits for its rate-limit slot: slots are never reserved far ahead
    // at a slowed-down rate, so a recovering limiter's rate applies at once.
    if (!StartOrDefer(std::move(attempt), now)) break;
  }
  Duration wait = max_wait;
  if (!waiting_.empty()) {
    const Duration until_due =
        SaturatingCeilMillisBetween(clock_.SteadyNow(), waiting_.begin()->first);
    wait = std::clamp(until_due, Duration(0), max_wait);
  }
  if (!ready_.empty() && in_flight_ < max_in_flight_) {
    // Held back by the breaker: look again soon.
    wait = std::min(wait, Duration(50));
  }
  transport_.Drive(wait);
}

Duration ApiRequestPipeline::UntilNextAttempt() const {
  if (!ready_.empty()) return Duration(0);
  if (waiting_.empty()) return Duration::max();
  return SaturatingCeilMillisBetween(clock_.SteadyNow(), waiting_.begin()->first);
}

bool ApiRequestPipeline::StartOrDefer(Attempt attempt, SteadyTime now) {
  if (!attempt.slot_reserved) {
    const Duration delay = limiter_.DelayForNext(now);
    if (delay > Duration(0)) {
      attempt.slot_reserved = true;
      ++slot_waiting_;
      waiting_.emplace(SaturatingAdd(now, delay), std::move(attempt));
      return false;
    }
  } else {
    --slot_waiting_;
  }
  attempt.slot_reserved = false;
  ++attempts_;
  if (attempt.attempt > 0 || attempt.rate_limited_tries > 0) ++retries_;
  ++in_flight_;
  if (attempt.probe) probe_on_wire_ = true;
  HttpRequest request = attempt.request;  // the attempt keeps its copy for a retry
  std::weak_ptr<int> alive = generation_;
  const SteadyTime started = now;
  transport_.Start(std::move(request), [this, alive, started, attempt = std::move(attempt)](
                                           Result<HttpResponse> result) mutable {
    if (alive.expired()) return;
    OnFinished(std::move(attempt), started, std::move(result));
  });
  return true;
}

void ApiRequestPipeline::OnFinished(Attempt attempt, SteadyTime started,
                                    Result<HttpResponse> result) {
  --in_flight_;
  const SteadyTime now = clock_.SteadyNow();
  const std::string result_label = ResultLabel(result);
  ++attempts_by_result_[attempt.endpoint][result_label];
  if (metrics_ != nullptr) {
    const double seconds = std::chrono::duration<double>(now - started).count();
    metrics_->ObserveApiRequest(attempt.endpoint, result_label, seconds);
  }

  // One classification decides the breaker, the limiter and the retry. The uncapped
  // Retry-After is kept so that a request told to wait too long is recognised as such.
  const Status verdict =
      result.ok() ? ClassifyHttpResponse(*result, clock_.NowUnixSeconds(), Duration::max())
                  : Status(result.error());
  const std::optional<ErrorClass> failure =
      verdict.ok() ? std::nullopt : std::optional<ErrorClass>(verdict.error().error_class);
  limiter_.OnAnswer(now, failure == ErrorClass::kRateLimited);
  if (attempt.probe) {
    // Only the half-open probe speaks to the breaker per request; users are judged by their
    // callers once all their requests are done (RecordUser).
    attempt.probe = false;
    probe_on_wire_ = false;
    breaker_.RecordProbe(now, failure);
  }
  if (failure && IsApiHealthFailure(*failure)) last_breaker_failure_ = verdict.error();

  if (!failure || !IsRetryable(*failure)) {
    attempt.done(std::move(result), verdict);
    return;
  }

  if (*failure == ErrorClass::kRateLimited) {
    const std::optional<Duration> retry_after = verdict.error().retry_after;
    const Duration wait = retry_after.value_or(
        FullJitterBackoff(attempt.rate_limited_tries, retry_.base_delay, retry_.max_delay, rng_));
    if (wait > max_retry_after_ - attempt.rate_limited_wait) {
      const Error too_long = MakeError(ErrorClass::kRateLimited,
                                       "HTTP 429: told to wait " + Seconds(wait) +
                                           ", over bytemark.max_retry_after (" +
                                           Seconds(max_retry_after_) + "): left for a later run");
      attempt.done(too_long, too_long);
      return;
    }
    if (++attempt.rate_limited_tries >= kMaxRateLimitedTries) {
      attempt.done(std::move(result), verdict);
      return;
    }
    attempt.rate_limited_wait += wait;
    RetryLater(std::move(attempt), wait);
    return;
  }

  if (ShouldRetry(verdict.error(), attempt.attempt, retry_.retries)) {
    const Duration delay =
        FullJitterBackoff(attempt.attempt, retry_.base_delay, retry_.max_delay, rng_);
    ++attempt.attempt;
    RetryLater(std::move(attempt), delay);
    return;
  }
  attempt.done(std::move(result), verdict);
}

void ApiRequestPipeline::RetryLater(Attempt attempt, Duration delay) {
  attempt.slot_reserved = false;
  waiting_.emplace(SaturatingAdd(clock_.SteadyNow(), delay), std::move(attempt));
}

void ApiRequestPipeline::AbandonAll(const Error& error) {
  generation_ = std::make_shared<int>(0);  // requests on the wire: callbacks now do nothing
  in_flight_ = 0;
  if (probe_on_wire_) {
    probe_on_wire_ = false;
    breaker_.ReleaseProbe();  // the next caller probes at once instead of waiting for it
  }
  AbandonQueued(error);
}

void ApiRequestPipeline::AbandonQueued(const Error& error) {
  slot_waiting_ = 0;
  std::deque<Attempt> pending;
  pending.swap(ready_);
  for (auto& [due, attempt] : waiting_) pending.push_back(std::move(attempt));
  waiting_.clear();
  for (Attempt& attempt : pending) {
    if (attempt.probe) breaker_.ReleaseProbe();  // admitted, waiting for its rate-limit slot
    attempt.done(error, error);
  }
}

}  // namespace tc
