// Stops calling an API that is down (docs/failure-model.md). Thread-safe. A daemon shares one
// breaker between its sweeps, continuous passes and on-demand refreshes; its state lives across
// runs.
//
// The state machine:
//
//   closed ──(failing users reach failure_ratio of the window)──▶ open
//   open ──(open_for elapsed; the next Admit)──▶ half-open, that call is the probe
//   half-open ──(probe answered: the API is up)──▶ closed (window cleared: judging starts afresh)
//   half-open ──(probe failed: transient, timeout, network)──▶ open (again for open_for)
//   half-open ──(probe inconclusive: 429, …; or released by its caller)──▶ half-open, next probe
//
// closed: every call allowed. The judgement is over USERS, not requests: RecordUser takes one
//   user's outcome (all its pages and retries are one outcome). Over the last `window` users, and
//   only once at least `min_users` were recorded, failing users / users >= `failure_ratio` opens
//   the breaker. A handful of users whose calls always fail therefore never opens it.
// open: no call allowed for `open_for`.
// half-open: ONE probe call (Admit answers kProbe). Its outcome (RecordProbe) decides. The probe
//   is given `probe_timeout` (the whole request timeout) before it is taken as lost and another
//   is allowed; a caller that abandons its probe releases it (ReleaseProbe) so the next caller —
//   e.g. the next run of a daemon — probes at once. User outcomes are not judged outside closed.
//
// A failure is a class that says the API (or the way to it) is unhealthy: transient (5xx, reset),
// timeout, network (failure/blame.h). A rejected token or a malformed body is the API answering:
// healthy. 429 and the classes that are not API outcomes (store, conflict, interrupted, …) are
// neutral.
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
  enum class Admission { kRefused, kCall, kProbe };

  // `probe_timeout`: how long a probe may take before it is taken as lost (the request timeout;
  // at least open_for).
  CircuitBreaker(const BreakerPolicy& policy, Duration probe_timeout);
  // The breaker a configuration asks for: refresh.breaker_*, and a probe is given one whole
  // request (bytemark.timeout plus bytemark.connect_timeout).
  explicit CircuitBreaker(const Config& config)
      : CircuitBreaker(config.refresh.breaker,
                       config.bytemark.timeout + config.bytemark.connect_timeout) {}

  // May a call start now? kProbe: this call is the half-open probe; report its outcome with
  // RecordProbe (or ReleaseProbe when it is abandoned).
  Admission Admit(SteadyTime now);
  bool Allow(SteadyTime now) { return Admit(now) != Admission::kRefused; }

  // The outcome of the probe Admit handed out. `failure` nullopt = success.
  void RecordProbe(SteadyTime now, std::optional<ErrorClass> failure);
  // The probe will never be recorded (its caller abandoned it): another may go at once.
  void ReleaseProbe();

  // One user's API outcome, after all its pages and retries. `failure` nullopt = success.
  // Judged while closed only.
  void RecordUser(SteadyTime now, std::optional<ErrorClass> failure);
  void RecordSuccess(SteadyTime now) { RecordUser(now, std::nullopt); }
  void RecordFailure(SteadyTime now, ErrorClass error_class) { RecordUser(now, error_class); }

  // Would Admit() refuse a call now? (open and not yet due for a probe, or a probe under way.)
  // Does not change the state.
  bool Refusing(SteadyTime now) const;
  // A probe is on the wire and within its probe_timeout: a run waits for it before giving up.
  bool ProbeUnderWay(SteadyTime now) const;

  BreakerState state() const;
  // How many times the breaker went to open (from closed or from a failed probe).
  int times_opened() const;
  // When the breaker last left closed; nullopt while closed.
  std::optional<SteadyTime> NotClosedSince() const;

 private:
  enum class Outcome { kSuccess, kFailure, kNeutral };
  static Outcome Classify(std::optional<ErrorClass> failure);
  void OpenLocked(SteadyTime now);
  void CloseLocked();
  bool ProbeUnderWayLocked(SteadyTime now) const;

  const double failure_ratio_;
  const int min_users_;
  const Duration open_for_;
  const Duration probe_timeout_;

  mutable std::mutex mutex_;
  BreakerState state_ = BreakerState::kClosed;
  std::vector<bool> window_;  // ring of recent users' outcomes, true = failure
  size_t next_ = 0;           // ring position of the next outcome
  int users_ = 0;             // outcomes in the window
  int failures_ = 0;          // failures in the window
  SteadyTime opened_at_{};
  std::optional<SteadyTime> not_closed_since_;
  bool probe_in_flight_ = false;
  SteadyTime probe_started_{};
  int times_opened_ = 0;
};

}  // namespace tc
