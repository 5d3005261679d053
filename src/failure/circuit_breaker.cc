#include "failure/circuit_breaker.h"

#include <algorithm>

#include "failure/blame.h"

namespace tc {

CircuitBreaker::CircuitBreaker(const BreakerPolicy& policy, Duration probe_timeout)
    : failure_ratio_(policy.failure_ratio),
      min_users_(std::max(1, policy.min_calls)),
      open_for_(policy.open_for),
      probe_timeout_(std::max(policy.open_for, probe_timeout)),
      window_(static_cast<size_t>(std::max(1, policy.window)), false) {}

CircuitBreaker::Outcome CircuitBreaker::Classify(std::optional<ErrorClass> failure) {
  if (!failure) return Outcome::kSuccess;
  if (IsApiHealthFailure(*failure)) return Outcome::kFailure;
  if (ApiAnswered(*failure)) return Outcome::kSuccess;  // the user's token or data is at fault
  return Outcome::kNeutral;
}

CircuitBreaker::Admission CircuitBreaker::Admit(SteadyTime now) {
  std::lock_guard lock(mutex_);
  switch (state_) {
    case BreakerState::kClosed:
      return Admission::kCall;
    case BreakerState::kOpen:
      if (now - opened_at_ < open_for_) return Admission::kRefused;
      state_ = BreakerState::kHalfOpen;
      break;
    case BreakerState::kHalfOpen:
      if (ProbeUnderWayLocked(now)) return Admission::kRefused;
      break;  // first probe, or the previous one was lost or released
  }
  probe_in_flight_ = true;
  probe_started_ = now;
  return Admission::kProbe;
}

bool CircuitBreaker::ProbeUnderWayLocked(SteadyTime now) const {
  return state_ == BreakerState::kHalfOpen && probe_in_flight_ &&
         now - probe_started_ < probe_timeout_;
}

bool CircuitBreaker::ProbeUnderWay(SteadyTime now) const {
  std::lock_guard lock(mutex_);
  return ProbeUnderWayLocked(now);
}

bool CircuitBreaker::Refusing(SteadyTime now) const {
  std::lock_guard lock(mutex_);
  switch (state_) {
    case BreakerState::kClosed:
      return false;
    case BreakerState::kOpen:
      return now - opened_at_ < open_for_;
    case BreakerState::kHalfOpen:
      return ProbeUnderWayLocked(now);
  }
  return false;
}

void CircuitBreaker::RecordProbe(SteadyTime now, std::optional<ErrorClass> failure) {
  const Outcome outcome = Classify(failure);
  std::lock_guard lock(mutex_);
  if (state_ != BreakerState::kHalfOpen) return;  // a lost probe answering late
  if (outcome == Outcome::kSuccess) {
    CloseLocked();
  } else if (outcome == Outcome::kFailure) {
    OpenLocked(now);
  } else {
    probe_in_flight_ = false;  // inconclusive: let another probe go
  }
}

void CircuitBreaker::ReleaseProbe() {
  std::lock_guard lock(mutex_);
  probe_in_flight_ = false;
}

void CircuitBreaker::RecordUser(SteadyTime now, std::optional<ErrorClass> failure) {
  const Outcome outcome = Classify(failure);
  std::lock_guard lock(mutex_);
  // Outside closed only probes decide: a user's outcome there comes from calls started before the
  // breaker opened, or waited behind it.
  if (state_ != BreakerState::kClosed || outcome == Outcome::kNeutral) return;
  const bool is_failure = outcome == Outcome::kFailure;
  if (users_ == static_cast<int>(window_.size())) {
    failures_ -= window_[next_] ? 1 : 0;  // the oldest outcome leaves the window
  } else {
    ++users_;
  }
  window_[next_] = is_failure;
  failures_ += is_failure ? 1 : 0;
  next_ = (next_ + 1) % window_.size();
  if (users_ >= min_users_ &&
      static_cast<double>(failures_) >= failure_ratio_ * static_cast<double>(users_)) {
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
  users_ = 0;
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
