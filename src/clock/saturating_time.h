// Overflow-safe time arithmetic. Durations that come from outside (a server's Retry-After, a
// configured delay) may be absurdly large; adding them to a time point must saturate at the end
// of time, never wrap (signed overflow is undefined behaviour).
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>

#include "clock/clock.h"

namespace tc {

// `at + by`, saturating at SteadyTime::max() (and ::min() for a negative `by`).
inline SteadyTime SaturatingAdd(SteadyTime at, SteadyTime::duration by) {
  using Rep = SteadyTime::duration::rep;
  constexpr Rep kMax = std::numeric_limits<Rep>::max();
  constexpr Rep kMin = std::numeric_limits<Rep>::min();
  const Rep base = at.time_since_epoch().count();
  const Rep ticks = by.count();
  if (ticks > 0 && base > kMax - ticks) return SteadyTime::max();
  if (ticks < 0 && base < kMin - ticks) return SteadyTime::min();
  return SteadyTime(SteadyTime::duration(base + ticks));
}

inline SteadyTime SaturatingAdd(SteadyTime at, Duration by) {
  using Ticks = SteadyTime::duration;
  using Rep = Ticks::rep;
  constexpr Rep kPerMilli = std::chrono::duration_cast<Ticks>(Duration(1)).count();
  const int64_t millis = by.count();
  if (millis > std::numeric_limits<Rep>::max() / kPerMilli) return SteadyTime::max();
  if (millis < std::numeric_limits<Rep>::min() / kPerMilli) return SteadyTime::min();
  return SaturatingAdd(at, Ticks(static_cast<Rep>(millis) * kPerMilli));
}

// `later - earlier` in whole milliseconds rounded up, 0 when `later` is not after `earlier`,
// saturating at Duration::max().
inline Duration SaturatingCeilMillisBetween(SteadyTime earlier, SteadyTime later) {
  if (later <= earlier) return Duration(0);
  using Rep = SteadyTime::duration::rep;
  const Rep a = earlier.time_since_epoch().count();
  const Rep b = later.time_since_epoch().count();
  if (a < 0 && b > std::numeric_limits<Rep>::max() + a) return Duration::max();
  return std::chrono::ceil<Duration>(SteadyTime::duration(b - a));
}

}  // namespace tc
