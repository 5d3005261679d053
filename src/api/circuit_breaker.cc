#include "api/circuit_breaker.h"

#include <algorithm>

namespace tc {

CircuitBreaker::CircuitBreaker(const BreakerPolicy& policy)
    : failure_ratio_(policy.failure_ratio),
      min_calls_(std::max(1, policy.min_calls)),
      open_for_(policy.open_for),
      window_(static_cast<size_t>(std::max(1, policy.window)), false) {}

bool CircuitBreaker::CountsAsFailure(ErrorClass error_class) {
  switch (error_class) {
    case ErrorClass::kTransient:
    case ErrorClass::kTimeout:
    case ErrorClass::kNetwork:
      return true;
    default:
      return false;
  }
}

CircuitBreaker::Outcome CircuitBreaker::Classify(std::optional<ErrorClass> failure) {
  if (!failure) return Outcome::kSuccess;
  if (CountsAsFailure(*failure)) return Outcome::kFailure;
  if (*failure == ErrorClass::kRejectedToken || *failure == ErrorClass::kMalformed) {
    return Outcome::kSuccess;  // the API answered; the user's token or data is at fault
  }
  return Outcome::kNeutral;
}

bool CircuitBreaker::Allow(SteadyTime now) {
  std::lock_guard lock(mutex_);
  switch (state_) {
    case BreakerState::kClosed:
      return true;
    case BreakerState::kOpen:
      if (now - opened_at_ < open_for_) return false;
      state_ = BreakerState::kHalfOpen;
      probe_in_flight_ = true;
      probe_started_ = now;
      return true;
    case BreakerState::kHalfOpen:
      if (probe_in_flight_ && now - probe_started_ < open_for_) return false;
      probe_in_flight_ = true;  // first probe, or the previous one was lost
      probe_started_ = now;
      return true;
  }
  return false;
}

bool CircuitBreaker::Refusing(SteadyTime now) const {
  std::lock_guard lock(mutex_);
  switch (state_) {
    case BreakerState::kClosed:
      return false;
    case BreakerState::kOpen:
      return now - opened_at_ < open_for_;
    case BreakerState::kHalfOpen:
      return probe_in_flight_ && now - probe_started_ < open_for_;
  }
  return false;
}

void CircuitBreaker::Record(SteadyTime now, std::optional<ErrorClass> failure) {
  const Outcome outcome = Classify(failure);
  std::lock_guard lock(mutex_);
  switch (state_) {
    case BreakerState::kOpen:
      return;  // a call started before the breaker opened: already accounted for
    case BreakerState::kHalfOpen:
      if (outcome == Outcome::kSuccess) {
        CloseLocked();
      } else if (outcome == Outcome::kFailure) {
        OpenLocked(now);
      } else {
        probe_in_flight_ = false;  // inconclusive: let another probe go
      }
      return;
    case BreakerState::kClosed:
      break;
  }
  if (outcome == Outcome::kNeutral) return;
  const bool is_failure = outcome == Outcome::kFailure;
  if (calls_ == static_cast<int>(window_.size())) {
    failures_ -= window_[next_] ? 1 : 0;  // the oldest outcome leaves the window
  } else {
    ++calls_;
  }
  window_[next_] = is_failure;
  failures_ += is_failure ? 1 : 0;
  next_ = (next_ + 1) % window_.size();
  if (calls_ >= min_calls_ &&
      static_cast<double>(failures_) >= failure_ratio_ * static_cast<double>(calls_)) {
    OpenLocked(now);
  }
}

void CircuitBreaker::OpenLocked(SteadyTime now) {
  if (state_ == BreakerState::kClosed) not_closed_since_ = now;
  state_ = BreakerState::kOpen;
  opened_at_ = now;
  probe_in_flight_ = false;
  ++times_opened_;
}

void CircuitBreaker::CloseLocked() {
  state_ = BreakerState::kClosed;
  not_closed_since_.reset();
  probe_in_flight_ = false;
  std::fill(window_.begin(), window_.end(), false);
  next_ = 0;
  calls_ = 0;
  failures_ = 0;
}

BreakerState CircuitBreaker::state() const {
  std::lock_guard lock(mutex_);
  return state_;
}

int CircuitBreaker::times_opened() const {
  std::lock_guard lock(mutex_);
  return times_opened_;
}

std::optional<SteadyTime> CircuitBreaker::NotClosedSince() const {
  std::lock_guard lock(mutex_);
  return not_closed_since_;
}

}  // namespace tc
