#include "clock/clock.h"

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

void FakeClock::Advance(Duration by) {
  std::lock_guard lock(mutex_);
  unix_millis_ += by.count();
  steady_offset_ += by;
}

void FakeClock::SetUnixSeconds(int64_t seconds) {
  std::lock_guard lock(mutex_);
  unix_millis_ = seconds * 1000;
}

}  // namespace tc
