// The clock seam: wall time (document timestamps, staleness), monotonic time (timeouts, rate
// limiting, backoff) and every wait come from a Clock, so tests drive time by hand and no
// backoff or timeout needs real seconds to test.
//
// Nothing outside src/clock/ reads a std::chrono clock or sleeps (scripts/check-layers.py checks
// it). Where no Clock is handed in, a SystemClock reads real time on purpose: log line stamps
// (log/logger.cc), the intervals of progress for people (run/run_observer.h), MongoDB write
// claims, which other processes judge by their own clocks (mongo/mongo_cache_store.h), and where
// `ticketcache schedule` starts (commands/cli.cc). Waits that are not a Clock's, and why:
// - deadlines of real sockets, kept by their libraries: libcurl's request timeouts and the
//   timeout it asks the transport's epoll wait for (a SystemClock, bytemark/curl_transport.cc),
//   Boost.Beast's expires_after (serve/http_endpoint.cc), MariaDB's connect and I/O timeouts,
//   SQLite's busy timeout, libmongoc's socket timeouts;
// - condition-variable waits that an event ends (run/blocking_queue.h, run/store_backlog.h,
//   run/lease_keeper.cc, run/on_demand_refresher.cc, the run's progress ticker): their timeout
//   only bounds how long a thread sleeps before it reads the Clock again; what is due when is
//   decided from the Clock.
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
  // Unix time in seconds (document and entry timestamps are whole seconds, as in the Node job).
  virtual int64_t NowUnixSeconds() const = 0;
  // Unix time in milliseconds, for run records and logs.
  virtual int64_t NowUnixMillis() const = 0;
  // Monotonic time, for deadlines, rate limiting and backoff.
  virtual SteadyTime SteadyNow() const = 0;
  // Blocks the calling thread for `duration` (nothing for zero or less). Thread-safe.
  virtual void SleepFor(Duration duration) const = 0;
  // Blocks until SteadyNow() >= deadline; returns at once when it already is.
  void WaitUntil(SteadyTime deadline) const;
};

class SystemClock final : public Clock {
 public:
  int64_t NowUnixSeconds() const override;
  int64_t NowUnixMillis() const override;
  SteadyTime SteadyNow() const override;
  void SleepFor(Duration duration) const override;
};

// A clock that moves only when told to. Thread-safe. SleepFor does not block: it advances the
// clock by the duration (a sleeping caller is the only one that moves time), so code that waits
// runs instantly and deterministically in tests; slept() says how long it waited in total.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t unix_millis = 1'700'000'000'000) : unix_millis_(unix_millis) {}
  int64_t NowUnixSeconds() const override;
  int64_t NowUnixMillis() const override;
  SteadyTime SteadyNow() const override;
  void SleepFor(Duration duration) const override;
  void Advance(Duration by) const;
  void SetUnixSeconds(int64_t seconds);
  Duration slept() const;

 private:
  mutable std::mutex mutex_;
  mutable int64_t unix_millis_;
  mutable Duration steady_offset_{0};
  mutable Duration slept_{0};
};

}  // namespace tc
