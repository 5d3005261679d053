// The simulator's global request-rate limit: a token bucket refilled at `rate` tokens per second
// holding at most max(1, rate) tokens (one second's burst). Time is passed in, so tests drive it.
#pragma once

#include <chrono>

namespace tc::sim {

class RateLimiter {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  // True when a request arriving at `now` is within `rate` requests/s (rate <= 0: always true).
  // A change of `rate` starts a full bucket. REQUIRES: external synchronization.
  bool Admit(double rate, TimePoint now);

 private:
  double rate_ = 0;
  double tokens_ = 0;
  TimePoint last_{};
};

}  // namespace tc::sim
