// Who a failure is blamed on, from its class alone (docs/failure-model.md). Every rule of the
// failure model that asks "whose fault is this?" asks here: the circuit breaker, the API-wide
// judge, the failure-state gate, the per-user backoff and the run's verdict.
//
// | class                                   | blamed on | breaker | judged API-wide | backoff |
// |-----------------------------------------|-----------|---------|-----------------|---------|
// | rejected_token, malformed               | the user  | healthy | yes             | yes     |
// | transient, timeout, network             | the API   | failure | yes             | no      |
// | rate_limited                            | the API   | neutral | yes             | no      |
// | conflict                                | nobody    | neutral | no              | no      |
// | config, store, internal, locked         | our side  | neutral | no              | no      |
// | interrupted, circuit_open               | no attempt| neutral | no              | no      |
//
// "Our side" can never be a user's fault: such a failure never enters a user's failure memory and
// a run that meets one never ends ok.
#pragma once

#include "error/error.h"

namespace tc {

enum class Blame {
  kUser,          // the user's token or data: the API answered
  kApi,           // the API or the way to it
  kNobody,        // a race (a concurrent writer won five times)
  kOurSide,       // configuration, the store, a bug: every user would fail alike
  kNotAnAttempt,  // the run stopped, or the breaker refused the call
};

Blame BlameOf(ErrorClass error_class);

// The classes that say the API is unhealthy: the circuit breaker's failures.
bool IsApiHealthFailure(ErrorClass error_class);
// The API answered, and the answer is the user's fault: the breaker's healthy calls.
bool ApiAnswered(ErrorClass error_class);
// The classes of what the API answered about a user, which the API-wide judge weighs.
bool IsJudgedApiWide(ErrorClass error_class);
// A failure that schedules the user's backoff (from the 2nd in a row).
inline bool IsUsersOwnFault(ErrorClass error_class) { return BlameOf(error_class) == Blame::kUser; }
// Never a user's fault: configuration, the store, a bug.
inline bool IsOurSide(ErrorClass error_class) { return BlameOf(error_class) == Blame::kOurSide; }
// Not a real attempt: leaves the user's failure memory unchanged.
inline bool WasNotAnAttempt(ErrorClass error_class) {
  return BlameOf(error_class) == Blame::kNotAnAttempt;
}

}  // namespace tc
