#include "clock/clock.h"

#include <thread>

namespace tc {

int64_t SystemClock::NowUnixSeconds() const {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t SystemClock::NowUnixMillis() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

SteadyTime SystemClock::SteadyNow() const { return std::chrono::steady_clock::now(); }

void SystemClock::SleepFor(Duration duration) const {
  if (duration > Duration(0)) std::this_thread::sleep_for(duration);
}

void Clock::WaitUntil(SteadyTime deadline) const {
  const SteadyTime now = SteadyNow();
  if (deadline > now) {
    // Round up: a deadline a fraction of a millisecond away still has to pass.
    SleepFor(std::chrono::ceil<Duration>(deadline - now));
  }
}

int64_t FakeClock::NowUnixSeconds() const {
  std::lock_guard lock(mutex_);
  return unix_millis_ / 1000;
}

int64_t FakeClock::NowUnixMillis() const {
  std::lock_guard lock(mutex_);
  return unix_millis_;
}

SteadyTime FakeClock::SteadyNow() const {
  std::lock_guard lock(mutex_);
  return SteadyTime{} + steady_offset_;
}

void FakeClock::SleepFor(Duration duration) const {
  if (duration <= Duration(0)) return;
  Advance(duration);
  std::lock_guard lock(mutex_);
  slept_ += duration;
}

void FakeClock::Advance(Duration by) const {
  std::lock_guard lock(mutex_);
  unix_millis_ += by.count();
  steady_offset_ += by;
}

Duration FakeClock::slept() const {
  std::lock_guard lock(mutex_);
  return slept_;
}

void FakeClock::SetUnixSeconds(int64_t seconds) {
  std::lock_guard lock(mutex_);
  unix_millis_ = seconds * 1000;
}

}  // namespace tc
