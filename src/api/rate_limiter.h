// The run's global API rate limit (refresh.rate_limit requests/s over every endpoint and page),
// adaptive on 429 (SPEC §3, issue 5).
//
// A token bucket in its "virtual scheduling" form (GCRA): each request reserves the next slot
// and is told how long to wait for it, so callers never spin. The burst is small,
// max(1, rate / 25): after an idle spell at most rate + burst - 1 requests start in any
// 1-second window, i.e. under 4 % over the limit.
//
// On 429 every request pauses until Retry-After (1 s when absent) and the effective rate halves
// (at most once per pause: the other in-flight requests' 429s answer the same overload). Without
// a configured rate, the first 429 sets an effective rate of half the rate observed over the
// last second. Successes then raise the effective rate step by step (one step per second, 10 %
// of the target each) back to the configured rate — or, when unlimited, to twice the rate seen at
// the 429, at which point the limit is dropped again.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <optional>

#include "clock/clock.h"

namespace tc {

class RateLimiter {
 public:
  // rate_per_second: 0 = unlimited. `start`: the time the bucket is full at.
  RateLimiter(double rate_per_second, SteadyTime start);

  // Reserves the next request slot and returns how long the caller must wait before starting
  // it (0 = go now). Rounded up to whole milliseconds, so a caller never starts early.
  // Every returned slot counts, whether or not the caller uses it.
  Duration DelayForNext(SteadyTime now);

  // The API answered 429. `retry_after`: the server's Retry-After, when it sent one.
  void OnRateLimited(SteadyTime now, std::optional<Duration> retry_after);

  // The API answered anything but 429: lets the effective rate recover.
  void OnSuccess(SteadyTime now);

  // How long from `now` the current 429 pause lasts (0 when not paused). A caller that was
  // granted a slot before a pause began may check this before starting.
  Duration PausedFor(SteadyTime now) const;

  double configured_rate() const;  // 0 = unlimited
  double effective_rate() const;   // 0 = unlimited
  int burst() const;               // of the effective rate; 0 when unlimited

 private:
  static constexpr int kBuckets = 10;  // observed-rate window: 10 x 100 ms

  void RecordStart(SteadyTime at);
  double ObservedRate(SteadyTime now) const;
  double RecoveryTarget() const;

  mutable std::mutex mutex_;
  const double configured_rate_;
  double effective_rate_;           // 0 = unlimited
  double rate_at_slowdown_ = 0;     // unlimited mode: the observed rate when 429s began
  SteadyTime theoretical_arrival_;  // GCRA: when the bucket would be empty again
  SteadyTime paused_until_;
  SteadyTime last_adjustment_;
  std::array<int64_t, kBuckets> bucket_ids_{};
  std::array<int64_t, kBuckets> bucket_counts_{};
};

}  // namespace tc
