#include "api/rate_limiter.h"

#include <algorithm>
#include <cmath>

#include "clock/saturating_time.h"

namespace tc {
namespace {

using Nanos = std::chrono::nanoseconds;

constexpr double kMaxSlowdownFactor = 0.5;     // a slowdown at most halves the rate
constexpr double kRecoveryStepFraction = 0.1;  // of the recovery target: the smallest step
constexpr double kRecoveryFactor = 2.0;        // per recovery step
constexpr auto kAdjustmentInterval = std::chrono::seconds(1);  // between slowdowns
constexpr auto kRecoveryDelay = std::chrono::seconds(1);  // after a slowdown: answers still arrive
constexpr auto kRecoveryInterval = std::chrono::milliseconds(250);  // between recovery steps
constexpr double kMinFractionOfConfigured = 0.01;  // repeated 429s never stop the run entirely
constexpr double kMinDerivedRate = 1.0;            // requests/s, unlimited mode
constexpr auto kBucketWidth = std::chrono::milliseconds(100);
// Push-back: at least this many 429s among the last kAnswers answers (a quarter of them). A
// count, not a share of however many answers came: a share judged on a few answers swings
// too far by chance when some 429s are the API's normal answer to some requests.
constexpr int kPushBackCount = 25;
constexpr int kMinRecoveryAnswers = 5;  // answers since the last adjustment before a step up
constexpr int kMinCleanAnswers = 2;     // answers since the last 429 before "accepting again"

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

bool RateLimiter::PushedBack() const { return rate_limited_in_window_ >= kPushBackCount; }

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
    // Down to the share the API accepted (a limit of the API's 30 % under ours refuses 30 %),
    // at most by half per slowdown.
    const double accepted_share =
        1.0 - static_cast<double>(rate_limited_in_window_) / static_cast<double>(answers_seen_);
    const double factor = std::max(kMaxSlowdownFactor, accepted_share);
    climb_ = accepted_share > kMaxSlowdownFactor ? Climb::kUndecided : Climb::kFast;
    share_at_slowdown_ = 1.0 - accepted_share;
    if (effective_rate_ > 0) {
      const double floor =
          configured_rate_ > 0 ? configured_rate_ * kMinFractionOfConfigured : kMinDerivedRate;
      effective_rate_ = std::max(floor, effective_rate_ * factor);
    } else {
      const double observed = ObservedRate(now);
      if (observed <= 0) return;
      rate_at_slowdown_ = observed;
      effective_rate_ = std::max(kMinDerivedRate, observed * factor);
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
  // Up, while under a quarter of the answers since the last adjustment were 429s: the slower
  // rate was enough, or the 429s did not fall with the rate (some requests draw 429s whatever
  // the rate; the pipeline defers those, and holding everybody back would not help them).
  // Or the API accepts again: no 429 for a while (the window may still hold the 429s from before).
  const bool few_refused =
      answers_seen_ >= kMinRecoveryAnswers && rate_limited_in_window_ * 4 < answers_seen_;
  const bool api_accepting =
      answers_since_rate_limited_ >= kMinCleanAnswers &&
      (!last_rate_limited_ || now - *last_rate_limited_ >= kRecoveryInterval);
  if (since_adjustment < kRecoveryInterval || !(few_refused || api_accepting)) return;
  // After a slowdown to the share the API accepted, the first look decides how to climb: did
  // the 429s (nearly) stop at the lower rate (under a third of their share before)? Then the
  // API's limit is near: approach it by small steps, one a second, and step back while 429s
  // come, rather than jump back over it. Did they go on at about the same share? Then they do not
  // depend on the rate: the fast climb below.
  const bool fell = static_cast<double>(rate_limited_in_window_) <
                    share_at_slowdown_ / 3 * static_cast<double>(answers_seen_);
  if (climb_ == Climb::kUndecided) climb_ = fell ? Climb::kProbe : Climb::kFast;
  if (climb_ == Climb::kProbe) {
    if (since_adjustment < kAdjustmentInterval) return;
    // A step back when the last step up drew 429s again: the rate settles at the API's limit.
    effective_rate_ = fell ? effective_rate_ + target * kRecoveryStepFraction
                           : std::max(target * kMinFractionOfConfigured,
                                      effective_rate_ - target * kRecoveryStepFraction);
  } else {
    effective_rate_ = std::max(effective_rate_ * kRecoveryFactor,
                               effective_rate_ + target * kRecoveryStepFraction);
  }
  // The next step is judged on the answers at this rate.
  ClearAnswerWindow();
  MarkAdjusted(now, /*slowdown=*/false);
  if (effective_rate_ >= target * (1 - 1e-9)) {
    climb_ = Climb::kFast;
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
