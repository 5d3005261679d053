// Stops calling an API that is down (see docs/design.md, failure model). Thread-safe.
//
// closed: every call allowed. Opens when, over the last `window` recorded calls (and at
//   least `min_calls` of them), failures / calls >= `failure_ratio`.
// open: no call allowed for `open_for`; then half-open.
// half-open: ONE probe call allowed. Its success closes the breaker (window cleared), its failure
//   opens it again. A probe never recorded within `open_for` is taken as lost and another
//   is allowed.
//
// Failures are the classes that say the API (or the way to it) is unhealthy: transient (5xx,
// reset), timeout, network. A rejected token or a malformed body counts as a healthy call: the
// API answered, the fault is the user's. 429 is neutral (the rate limiter handles it), as are
// classes that are not API outcomes (store, conflict, interrupted, …).
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

#include "clock/clock.h"
#include "config/config.h"
#include "error/error.h"

namespace tc {

// Values match report/job_metrics.h's BreakerStateValue.
enum class BreakerState { kClosed = 0, kHalfOpen = 1, kOpen = 2 };

class CircuitBreaker {
 public:
  explicit CircuitBreaker(const BreakerPolicy& policy);

  // May a call start now? In half-open, true once (the probe) until that probe is recorded.
  bool Allow(SteadyTime now);

  // The outcome of a call that Allow() let through. `failure` nullopt = success.
  void Record(SteadyTime now, std::optional<ErrorClass> failure);
  void RecordSuccess(SteadyTime now) { Record(now, std::nullopt); }
  void RecordFailure(SteadyTime now, ErrorClass error_class) { Record(now, error_class); }

  // Would Allow() refuse a call now? (open and not yet due for a probe, or a probe under way.)
  // Does not change the state.
  bool Refusing(SteadyTime now) const;

  BreakerState state() const;
  // How many times the breaker went to open (from closed or from a failed probe).
  int times_opened() const;
  // When the breaker last left closed; nullopt while closed. The engine gives up (run
  // degraded) once this is give_up_after in the past.
  std::optional<SteadyTime> NotClosedSince() const;

  // True for the classes that count as failures in the window.
  static bool CountsAsFailure(ErrorClass error_class);

 private:
  enum class Outcome { kSuccess, kFailure, kNeutral };
  static Outcome Classify(std::optional<ErrorClass> failure);
  void OpenLocked(SteadyTime now);
  void CloseLocked();

  const double failure_ratio_;
  const int min_calls_;
  const Duration open_for_;

  mutable std::mutex mutex_;
  BreakerState state_ = BreakerState::kClosed;
  std::vector<bool> window_;  // ring of recent outcomes, true = failure
  size_t next_ = 0;           // ring position of the next outcome
  int calls_ = 0;             // outcomes in the window
  int failures_ = 0;          // failures in the window
  SteadyTime opened_at_{};
  std::optional<SteadyTime> not_closed_since_;
  bool probe_in_flight_ = false;
  SteadyTime probe_started_{};
  int times_opened_ = 0;
};

}  // namespace tc
