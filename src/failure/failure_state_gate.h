// Per-user failure states wait here until the API-wide judge has seen enough users after them to
// know their class is the user's, not the API's (docs/failure-model.md): a state of a judged class
// is written once `window` more users were tried without a verdict for that class, and never
// when the verdict names it. Memory: at most the failures among the last `window` users plus those
// in flight. Thread-safe: the network loop records outcomes, the store workers admit and take
// states.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "error/error.h"
#include "failure/api_wide_judge.h"
#include "store/cache_store.h"

namespace tc {

class FailureStateGate {
 public:
  explicit FailureStateGate(const ApiWidePolicy& policy);

  // One user's API outcome (see ApiWideJudge::Record); failures of classes the judge does not
  // judge are not recorded. Returns the user's ticket for Admit.
  int64_t RecordOutcome(std::optional<ErrorClass> failure);
  std::optional<ErrorClass> verdict() const;
  std::string description() const;

  // `state` is a user's state after a failure of `error_class`; `ticket` is the one
  // RecordOutcome gave for that user. Returns the states that may be written now: `state` itself
  // when its class is not judged, plus any held state whose hold is over.
  std::vector<UserState> Admit(int64_t ticket, ErrorClass error_class, UserState state);
  // Held states whose hold is over.
  std::vector<UserState> TakeReleased();
  // End of the run: every state still held except those of the verdict's class and of the
  // classes `api_wide` names (e.g. the breaker's classes when it stopped the run).
  std::vector<UserState> Finish(const std::function<bool(ErrorClass)>& api_wide);

 private:
  struct Held {
    int64_t ticket = 0;
    ErrorClass error_class = ErrorClass::kInternal;
    UserState state;
  };
  void ReleaseLocked(std::vector<UserState>& out);

  const int64_t hold_for_;
  mutable std::mutex mutex_;
  ApiWideJudge judge_;
  std::deque<Held> held_;  // in admission order; tickets roughly ascending
};

}  // namespace tc
