#include "api/rate_limiter.h"

#include <algorithm>
#include <cmath>

#include "clock/saturating_time.h"

namespace tc {
namespace {

using Nanos = std::chrono::nanoseconds;

constexpr double kSlowdownFactor = 0.5;
constexpr double kRecoveryStepFraction = 0.1;                  // of the recovery target, per step
constexpr double kCleanRecoveryFactor = 2.0;                   // per step while no answer is a 429
constexpr auto kAdjustmentInterval = std::chrono::seconds(1);  // between slowdowns
constexpr auto kRecoveryDelay = std::chrono::seconds(1);  // after a slowdown: answers still arrive
// The API counts as accepting again after this long without a 429 (and kMinCleanAnswers answers);
// also the shortest time between two such recovery steps.
constexpr auto kCleanInterval = std::chrono::milliseconds(250);
constexpr double kMinFractionOfConfigured = 0.01;  // repeated 429s never stop the run entirely
constexpr double kMinDerivedRate = 1.0;            // requests/s, unlimited mode
constexpr auto kBucketWidth = std::chrono::milliseconds(100);
constexpr int kMinAnswers = 20;         // no slowdown judged on fewer answers
constexpr int kMinRecoveryAnswers = 5;  // nor a gradual recovery step
constexpr int kMinCleanAnswers = 2;     // answers since the last 429 before a doubling step
constexpr int kPushBackQuarters = 1;    // 429s >= 1/4 of the window's answers: slow down

int BurstFor(double rate) {
  if (rate <= 0) return 0;
  return std::max(1, static_cast<int>(rate / 25));
}

}  // namespace

RateLimiter::RateLimiter(double rate_per_second, SteadyTime start)
    : configured_rate_(std::max(0.0, rate_per_second)),
      effective_rate_(configured_rate_),
      theoretical_arrival_(start),
      last_adjustment_(start) {
  bucket_ids_.fill(-1);
}

Duration RateLimiter::DelayForNext(SteadyTime now) {
  const Duration own = ReserveOwnSlot(now);
  if (ceiling_ == nullptr) return own;
  return std::max(own, ceiling_->DelayForNext(now));
}

void RateLimiter::OnAnswer(SteadyTime now, bool rate_limited) {
  RecordOwnAnswer(now, rate_limited);
  if (ceiling_ != nullptr) ceiling_->OnAnswer(now, rate_limited);
}

Duration RateLimiter::ReserveOwnSlot(SteadyTime now) {
  std::lock_guard lock(mutex_);
  if (effective_rate_ <= 0) {
    RecordStart(now);
    return Duration(0);
  }
  // Rounded up: the limiter may lose a nanosecond per slot, never grant one too many.
  const auto interval =
      std::chrono::ceil<Nanos>(std::chrono::duration<double>(1.0 / effective_rate_));
  const auto tolerance = interval * (BurstFor(effective_rate_) - 1);
  const SteadyTime arrival = std::max(theoretical_arrival_, now);
  const SteadyTime allowed = std::max(now, SaturatingAdd(arrival, -tolerance));
  theoretical_arrival_ = SaturatingAdd(arrival, interval);
  RecordStart(allowed);
  return SaturatingCeilMillisBetween(now, allowed);
}

bool RateLimiter::PushedBack() const {
  return answers_seen_ >= kMinAnswers &&
         rate_limited_in_window_ * 4 >= kPushBackQuarters * answers_seen_;
}

void RateLimiter::RecordOwnAnswer(SteadyTime now, bool rate_limited) {
  std::lock_guard lock(mutex_);
  if (answers_seen_ == kAnswers) {
    rate_limited_in_window_ -= answers_[answers_next_] ? 1 : 0;
  } else {
    ++answers_seen_;
  }
  answers_[answers_next_] = rate_limited;
  rate_limited_in_window_ += rate_limited ? 1 : 0;
  answers_next_ = (answers_next_ + 1) % kAnswers;
  if (rate_limited) {
    last_rate_limited_ = now;
    answers_since_rate_limited_ = 0;
  } else {
    ++answers_since_rate_limited_;
  }

  const auto since_adjustment = now - last_adjustment_;
  if (PushedBack()) {
    if (adjusted_ && since_adjustment < kAdjustmentInterval) return;
    if (effective_rate_ > 0) {
      const double floor =
          configured_rate_ > 0 ? configured_rate_ * kMinFractionOfConfigured : kMinDerivedRate;
      effective_rate_ = std::max(floor, effective_rate_ * kSlowdownFactor);
    } else {
      const double observed = ObservedRate(now);
      if (observed <= 0) return;
      rate_at_slowdown_ = observed;
      effective_rate_ = std::max(kMinDerivedRate, observed * kSlowdownFactor);
    }
    ++slowdowns_;
    // Judge the new rate on fresh answers, not on the 429s that caused this slowdown.
    ClearAnswerWindow();
    MarkAdjusted(now, /*slowdown=*/true);
    return;
  }

  // Not pushed back: climb towards the target while slowed down.
  if (effective_rate_ <= 0 || effective_rate_ == configured_rate_) return;
  if (last_was_slowdown_ && since_adjustment < kRecoveryDelay) return;
  const double target = RecoveryTarget();
  const bool api_accepting = answers_since_rate_limited_ >= kMinCleanAnswers &&
                             (!last_rate_limited_ || now - *last_rate_limited_ >= kCleanInterval);
  if (api_accepting && since_adjustment >= kCleanInterval) {
    effective_rate_ = std::max(effective_rate_ * kCleanRecoveryFactor,
                               effective_rate_ + target * kRecoveryStepFraction);
    // The 429s still in the window are from before the API stopped refusing.
    ClearAnswerWindow();
  } else if (since_adjustment >= kAdjustmentInterval && answers_seen_ >= kMinRecoveryAnswers &&
             rate_limited_in_window_ * 4 < kPushBackQuarters * answers_seen_) {
    effective_rate_ += target * kRecoveryStepFraction;
  } else {
    return;
  }
  MarkAdjusted(now, /*slowdown=*/false);
  if (effective_rate_ >= target * (1 - 1e-9)) {
    // Back at the configured rate, or (unlimited) well past the rate that drew the 429s.
    effective_rate_ = configured_rate_;
    rate_at_slowdown_ = 0;
  }
}

void RateLimiter::ClearAnswerWindow() {
  answers_seen_ = 0;
  answers_next_ = 0;
  rate_limited_in_window_ = 0;
}

void RateLimiter::MarkAdjusted(SteadyTime now, bool slowdown) {
  adjusted_ = true;
  last_adjustment_ = now;
  last_was_slowdown_ = slowdown;
}

double RateLimiter::configured_rate() const { return configured_rate_; }

double RateLimiter::effective_rate() const {
  std::lock_guard lock(mutex_);
  return effective_rate_;
}

int RateLimiter::burst() const {
  std::lock_guard lock(mutex_);
  return BurstFor(effective_rate_);
}

int RateLimiter::slowdowns() const {
  std::lock_guard lock(mutex_);
  return slowdowns_;
}

double RateLimiter::RecoveryTarget() const {
  if (configured_rate_ > 0) return configured_rate_;
  return std::max(kMinDerivedRate, 2 * rate_at_slowdown_);
}

void RateLimiter::RecordStart(SteadyTime at) {
  const int64_t id = at.time_since_epoch() / kBucketWidth;
  const size_t slot = static_cast<size_t>(((id % kBuckets) + kBuckets) % kBuckets);
  if (bucket_ids_[slot] != id) {
    bucket_ids_[slot] = id;
    bucket_counts_[slot] = 0;
  }
  ++bucket_counts_[slot];
}

double RateLimiter::ObservedRate(SteadyTime now) const {
  const int64_t now_id = now.time_since_epoch() / kBucketWidth;
  int64_t count = 0;
  for (size_t slot = 0; slot < kBuckets; ++slot) {
    if (bucket_ids_[slot] > now_id - kBuckets && bucket_ids_[slot] <= now_id) {
      count += bucket_counts_[slot];
    }
  }
  return static_cast<double>(count);  // starts over the last second = requests/s
}

}  // namespace tc
