// The clock seam: wall time (document timestamps, staleness) and monotonic time (timeouts, rate
// limiting, backoff) come from a Clock so tests can drive time by hand.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>

namespace tc {

using Duration = std::chrono::milliseconds;
using SteadyTime = std::chrono::steady_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  // Unix time in seconds (document and entry timestamps are whole seconds, as in the seed).
  virtual int64_t NowUnixSeconds() const = 0;
  // Unix time in milliseconds, for run records and logs.
  virtual int64_t NowUnixMillis() const = 0;
  // Monotonic time, for deadlines, rate limiting and backoff.
  virtual SteadyTime SteadyNow() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t NowUnixSeconds() const override;
  int64_t NowUnixMillis() const override;
  SteadyTime SteadyNow() const override;
};

// A clock that moves only when told to. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t unix_millis = 1'700'000'000'000) : unix_millis_(unix_millis) {}
  int64_t NowUnixSeconds() const override;
  int64_t NowUnixMillis() const override;
  SteadyTime SteadyNow() const override;
  void Advance(Duration by);
  void SetUnixSeconds(int64_t seconds);

 private:
  mutable std::mutex mutex_;
  int64_t unix_millis_;
  Duration steady_offset_{0};
};

}  // namespace tc
