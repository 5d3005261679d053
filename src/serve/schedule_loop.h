// `serve`'s scheduler: waits for each cron fire time through the Clock, runs the job on the
// loop's own thread, and counts the fire times that passed while a run was going as skipped
// ticks (never two runs at once; a skipped tick is not made up later). docs/operations.md.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>

#include "clock/clock.h"
#include "date/tz.h"
#include "error/error.h"
#include "schedule/cron_expression.h"

namespace tc {

class ScheduleLoop {
 public:
  using FireTime = std::chrono::sys_seconds;
  struct Callbacks {
    std::function<void(FireTime next)> on_next;  // the loop now waits for `next`
    std::function<void(FireTime tick)> run;      // a tick fired: run the job (blocks the loop)
    std::function<void(FireTime tick)> on_skip;  // `tick` passed while the previous run was going
    // Set from another thread (the status page's "start a run now"): the waiting loop runs at
    // once, with the current time as its tick, then waits for the next fire time as usual.
    std::atomic<bool>* run_now = nullptr;
  };

  // `stop` is read between waits of at most `wait_slice` each, so a stop is seen that promptly
  // while waiting (a run in progress sees it through its own stop flag). `cron` and `zone` must
  // outlive the loop.
  ScheduleLoop(const Clock& clock, const CronExpression& cron, const date::time_zone& zone,
               const std::atomic<bool>& stop, Callbacks callbacks,
               Duration wait_slice = std::chrono::milliseconds(200));

  // Loops until `stop` is set (Ok) or the expression has no next fire time (that error). The
  // first tick is the first fire time strictly after the clock's now.
  Status Run();

  int64_t runs() const { return runs_; }
  int64_t skipped_ticks() const { return skipped_ticks_; }

 private:
  // Sleeps until the wall clock reaches `when` or a run is asked for now (woke_for_run_now_);
  // false when stopped first.
  bool WaitUntilWallTime(FireTime when);
  FireTime Now() const;

  const Clock& clock_;
  const CronExpression& cron_;
  const date::time_zone& zone_;
  const std::atomic<bool>& stop_;
  Callbacks callbacks_;
  Duration wait_slice_;
  int64_t runs_ = 0;
  int64_t skipped_ticks_ = 0;
  bool woke_for_run_now_ = false;
};

}  // namespace tc
