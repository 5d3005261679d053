// A blocking FIFO between the run's threads, with a capacity (back-pressure) and Close() to wake
// every waiter when the run stops. Thread-safe. A producer that finds the queue full sleeps until
// it is down to half its capacity, then refills it: it wakes once per half a queue of items, not
// once per item taken (each wake-up is a context switch).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <utility>

namespace tc {

template <typename T>
class BlockingQueue {
 public:
  // REQUIRES: capacity > 0.
  explicit BlockingQueue(size_t capacity) : capacity_(capacity), resume_at_(capacity / 2) {}

  // Blocks while full (until the queue is down to half); false (and `item` dropped) once closed.
  bool Push(T item) {
    std::unique_lock lock(mutex_);
    if (items_.size() >= capacity_) {
      ++blocked_producers_;
      not_full_.wait(lock, [&] { return closed_ || items_.size() <= resume_at_; });
      --blocked_producers_;
    }
    if (closed_) return false;
    items_.push_back(std::move(item));
    not_empty_.notify_one();
    return true;
  }
  // Never blocks; nullopt when empty.
  std::optional<T> TryPop() {
    std::lock_guard lock(mutex_);
    return PopLocked();
  }
  // Blocks while empty and open; nullopt when closed and drained.
  std::optional<T> Pop() {
    std::unique_lock lock(mutex_);
    not_empty_.wait(lock, [&] { return closed_ || !items_.empty(); });
    return PopLocked();
  }
  // Takes everything left (the run stopped early); wakes blocked pushers.
  std::deque<T> Drain() {
    std::lock_guard lock(mutex_);
    std::deque<T> out;
    out.swap(items_);
    not_full_.notify_all();
    return out;
  }
  // Blocks until an item is there, the queue is closed, or `timeout` passes. This bounds an idle
  // thread's wait for work; it never measures time the run depends on.
  void WaitForItem(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    not_empty_.wait_for(lock, timeout, [&] { return closed_ || !items_.empty(); });
  }
  // Pushes fail from now on; Pop drains what is left, then returns nullopt.
  void Close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    not_full_.notify_all();
    not_empty_.notify_all();
  }
  bool closed() const {
    std::lock_guard lock(mutex_);
    return closed_;
  }
  // Producers waiting in Push for room.
  size_t blocked_producers() const {
    std::lock_guard lock(mutex_);
    return blocked_producers_;
  }
  size_t size() const {
    std::lock_guard lock(mutex_);
    return items_.size();
  }

 private:
  std::optional<T> PopLocked() {
    if (items_.empty()) return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    if (items_.size() == resume_at_) not_full_.notify_all();
    return item;
  }

  const size_t capacity_;
  const size_t resume_at_;  // a blocked producer resumes once the queue is down to this size
  mutable std::mutex mutex_;
  std::condition_variable not_full_;
  std::condition_variable not_empty_;
  std::deque<T> items_;
  size_t blocked_producers_ = 0;
  bool closed_ = false;
};

}  // namespace tc
