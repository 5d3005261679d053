#include "api/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace tc {
namespace {

using Nanos = std::chrono::nanoseconds;

constexpr double kSlowdownFactor = 0.5;
constexpr double kRecoveryStepFraction = 0.1;  // of the recovery target, per step
constexpr auto kRecoveryInterval = std::chrono::seconds(1);
constexpr double kMinFractionOfConfigured = 0.01;  // repeated 429s never stop the run entirely
constexpr double kMinDerivedRate = 1.0;            // requests/s, unlimited mode
constexpr auto kDefaultPause = std::chrono::seconds(1);
constexpr auto kBucketWidth = std::chrono::milliseconds(100);

int BurstFor(double rate) {
  if (rate <= 0) return 0;
  return std::max(1, static_cast<int>(rate / 25));
}

Duration CeilToMillis(SteadyTime::duration wait) {
  if (wait <= SteadyTime::duration::zero()) return Duration(0);
  return std::chrono::ceil<Duration>(wait);
}

}  // namespace

RateLimiter::RateLimiter(double rate_per_second, SteadyTime start)
    : configured_rate_(std::max(0.0, rate_per_second)),
      effective_rate_(configured_rate_),
      theoretical_arrival_(start),
      paused_until_(start),
      last_adjustment_(start) {
  bucket_ids_.fill(-1);
}

Duration RateLimiter::DelayForNext(SteadyTime now) {
  std::lock_guard lock(mutex_);
  const SteadyTime earliest = std::max(now, paused_until_);
  if (effective_rate_ <= 0) {
    RecordStart(earliest);
    return CeilToMillis(earliest - now);
  }
  // Rounded up: the limiter may lose a nanosecond per slot, never grant one too many.
  const auto interval =
      std::chrono::ceil<Nanos>(std::chrono::duration<double>(1.0 / effective_rate_));
  const auto tolerance = interval * (BurstFor(effective_rate_) - 1);
  const SteadyTime arrival = std::max(theoretical_arrival_, earliest);
  const SteadyTime allowed = std::max(earliest, arrival - tolerance);
  theoretical_arrival_ = arrival + interval;
  RecordStart(allowed);
  return CeilToMillis(allowed - now);
}

void RateLimiter::OnRateLimited(SteadyTime now, std::optional<Duration> retry_after) {
  std::lock_guard lock(mutex_);
  const Duration pause = std::max(Duration(0), retry_after.value_or(kDefaultPause));
  const bool already_paused = now < paused_until_;
  paused_until_ = std::max(paused_until_, now + pause);
  last_adjustment_ = now;
  if (already_paused) return;  // the same overload: slow down once per pause
  if (effective_rate_ > 0) {
    const double floor =
        configured_rate_ > 0 ? configured_rate_ * kMinFractionOfConfigured : kMinDerivedRate;
    effective_rate_ = std::max(floor, effective_rate_ * kSlowdownFactor);
  } else {
    const double observed = ObservedRate(now);
    if (observed > 0) {
      rate_at_slowdown_ = observed;
      effective_rate_ = std::max(kMinDerivedRate, observed * kSlowdownFactor);
    }
  }
}

void RateLimiter::OnSuccess(SteadyTime now) {
  std::lock_guard lock(mutex_);
  if (effective_rate_ <= 0 || effective_rate_ == configured_rate_) return;
  if (now < paused_until_ || now - last_adjustment_ < kRecoveryInterval) return;
  last_adjustment_ = now;
  const double target = RecoveryTarget();
  effective_rate_ += target * kRecoveryStepFraction;
  if (effective_rate_ >= target) {
    // Back at the configured rate, or (unlimited) well past the rate that drew the 429s.
    effective_rate_ = configured_rate_;
    rate_at_slowdown_ = 0;
  }
}

Duration RateLimiter::PausedFor(SteadyTime now) const {
  std::lock_guard lock(mutex_);
  return CeilToMillis(paused_until_ - now);
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

double RateLimiter::RecoveryTarget() const {
  if (configured_rate_ > 0) return configured_rate_;
  return std::max(kMinDerivedRate, 2 * rate_at_slowdown_);
}

void RateLimiter::RecordStart(SteadyTime at) {
  const int64_t id = at.time_since_epoch() / kBucketWidth;
  const size_t slot = static_cast<size_t>(id % kBuckets);
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
