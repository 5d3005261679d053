// Tells an API-wide failure from per-user ones (docs/failure-model.md). Over the API outcomes of
// the last `window` users tried (and only once at least `min_users` were tried), one failure
// class on at least `ratio` of them is the API's: a wrong base path answering 404 (malformed) to
// everyone, a blanket 403 (rejected_token), an HTML error page, an outage. Not thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>

#include "config/config.h"
#include "error/error.h"

namespace tc {

class ApiWideJudge {
 public:
  explicit ApiWideJudge(const ApiWidePolicy& policy);

  // The classes judged: what the API answered about a user (rejected_token, malformed,
  // transient, timeout, network, rate_limited). Store, conflict, circuit_open, interrupted, …
  // say nothing about the API and are never recorded.
  static bool IsJudged(ErrorClass error_class);

  // One user's API outcome: nullopt when the API answered it correctly. REQUIRES: a failure's
  // class IsJudged. Once a verdict is reached it stays.
  void Record(std::optional<ErrorClass> failure);

  int64_t recorded() const { return recorded_; }
  std::optional<ErrorClass> verdict() const { return verdict_; }
  // "malformed for 50 of the last 50 users tried"; empty without a verdict.
  const std::string& description() const { return description_; }

 private:
  const size_t min_users_;
  const size_t window_;
  const double ratio_;
  std::deque<std::optional<ErrorClass>> recent_;
  std::map<ErrorClass, int> in_window_;
  int64_t recorded_ = 0;
  std::optional<ErrorClass> verdict_;
  std::string description_;
};

}  // namespace tc
