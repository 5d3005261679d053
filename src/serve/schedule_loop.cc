#include "serve/schedule_loop.h"

#include <algorithm>

#include "schedule/cron_schedule.h"

namespace tc {

ScheduleLoop::ScheduleLoop(const Clock& clock, const CronExpression& cron,
                           const date::time_zone& zone, const std::atomic<bool>& stop,
                           Callbacks callbacks, Duration wait_slice)
    : clock_(clock),
      cron_(cron),
      zone_(zone),
      stop_(stop),
      callbacks_(std::move(callbacks)),
      wait_slice_(std::max(wait_slice, Duration(1))) {}

ScheduleLoop::FireTime ScheduleLoop::Now() const {
  // Whole seconds, rounded down: fire times are whole seconds and "strictly after" the now.
  return std::chrono::floor<std::chrono::seconds>(std::chrono::sys_time<std::chrono::milliseconds>(
      std::chrono::milliseconds(clock_.NowUnixMillis())));
}

bool ScheduleLoop::WaitUntilWallTime(FireTime when) {
  const int64_t when_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch()).count();
  // Re-reads the wall clock after every slice: a clock step (NTP) moves the wait with it.
  woke_for_run_now_ = false;
  while (!stop_.load()) {
    if (callbacks_.run_now != nullptr && callbacks_.run_now->exchange(false)) {
      woke_for_run_now_ = true;
      return true;
    }
    const int64_t remaining = when_ms - clock_.NowUnixMillis();
    if (remaining <= 0) return true;
    clock_.SleepFor(std::min(Duration(remaining), wait_slice_));
  }
  return false;
}

Status ScheduleLoop::Run() {
  auto next = NextFireTime(cron_, zone_, Now());
  while (!stop_.load()) {
    if (!next.ok()) return next.error();
    if (callbacks_.on_next) callbacks_.on_next(*next);
    if (!WaitUntilWallTime(*next)) break;
    const FireTime tick = woke_for_run_now_ ? Now() : *next;
    ++runs_;
    if (callbacks_.run) callbacks_.run(tick);
    // Every fire time that came while the run was going is a skipped tick.
    const int64_t now_ms = clock_.NowUnixMillis();
    next = NextFireTime(cron_, zone_, tick);
    while (
        next.ok() &&
        std::chrono::duration_cast<std::chrono::milliseconds>(next->time_since_epoch()).count() <=
            now_ms) {
      ++skipped_ticks_;
      if (callbacks_.on_skip) callbacks_.on_skip(*next);
      next = NextFireTime(cron_, zone_, *next);
    }
  }
  return Status::Ok();
}

}  // namespace tc
