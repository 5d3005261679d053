// How and why a run stops taking users. Any thread may stop it; the first reason wins, except that
// aborted (store trouble, a lost lock) outranks the others. Thread-safe.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <string>

#include "report/run_summary.h"

namespace tc {

class RunControl {
 public:
  // `on_stop` runs once, on the first Stop (e.g. closes the queue of users waiting to start).
  explicit RunControl(std::function<void()> on_stop) : on_stop_(std::move(on_stop)) {}

  // `stop_writes`: nothing more may be written (the store is failing, or the lock is lost and
  // another run may be writing); users whose API answers are in hand are abandoned.
  void Stop(RunStatus status, const std::string& reason, bool stop_writes = false) {
    bool first = false;
    {
      std::lock_guard lock(mutex_);
      first = !stopping_.load();
      if (first || (status == RunStatus::kAborted && status_ != RunStatus::kAborted)) {
        status_ = status;
        reason_ = reason;
      }
      stopping_ = true;
      if (stop_writes) writes_stopped_ = true;
    }
    if (first && on_stop_) on_stop_();
  }

  bool stopping() const { return stopping_.load(); }
  bool writes_stopped() const { return writes_stopped_.load(); }
  RunStatus status() const {
    std::lock_guard lock(mutex_);
    return status_;
  }
  std::string reason() const {
    std::lock_guard lock(mutex_);
    return reason_;
  }

 private:
  const std::function<void()> on_stop_;
  mutable std::mutex mutex_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> writes_stopped_{false};
  RunStatus status_ = RunStatus::kOk;
  std::string reason_;
};

}  // namespace tc
