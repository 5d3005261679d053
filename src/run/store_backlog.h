// The users the store workers hold (queued or being written), shared by the network loop and the
// store workers. When the store stage is full the network loop sleeps until a worker finishes a
// user, instead of polling the count.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <utility>

namespace tc {

class StoreBacklog {
 public:
  // `wake` (optional) interrupts the network loop's wait on the transport (HttpTransport::Wakeup).
  explicit StoreBacklog(std::function<void()> wake = {}) : wake_(std::move(wake)) {}

  int64_t pending() const { return pending_.load(); }

  // The network loop hands a user to the store workers.
  void Add() { ++pending_; }

  // A store worker is done with a user. Wakes the network loop only when it asked to be woken, so
  // a loop that is not held back by the store costs no wake-up per user.
  void Done() {
    --pending_;
    if (!wake_requested_.exchange(false)) return;
    {
      std::lock_guard lock(mutex_);  // orders the notify after a waiter's predicate check
    }
    progress_.notify_all();
    if (wake_) wake_();
  }

  // The network loop is held back by the store: the next Done() wakes it (WaitBelow, or its wait
  // on the transport). Returns the count as seen after asking, so a Done() that came just before
  // is not missed.
  int64_t RequestWake() {
    wake_requested_.store(true);
    return pending_.load();
  }

  // Waits until fewer than `limit` users are pending, or `timeout` passes.
  void WaitBelow(int64_t limit, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    progress_.wait_for(lock, timeout, [&] {
      // Asked before looking: a Done() after the look sees the request and notifies, under the
      // mutex, so not before this thread waits.
      wake_requested_.store(true);
      return pending_.load() < limit;
    });
  }

 private:
  std::atomic<int64_t> pending_{0};
  std::atomic<bool> wake_requested_{false};
  std::mutex mutex_;
  std::condition_variable progress_;
  std::function<void()> wake_;
};

}  // namespace tc
