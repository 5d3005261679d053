// A blocking FIFO between the run's threads, with a capacity (back-pressure) and Close() to wake
// every waiter when the run stops. Thread-safe.
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
  explicit BlockingQueue(size_t capacity) : capacity_(capacity) {}

  // Blocks while full; false (and `item` dropped) once closed.
  bool Push(T item) {
    std::unique_lock lock(mutex_);
    not_full_.wait(lock, [&] { return closed_ || items_.size() < capacity_; });
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
  size_t size() const {
    std::lock_guard lock(mutex_);
    return items_.size();
  }

 private:
  std::optional<T> PopLocked() {
    if (items_.empty()) return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    not_full_.notify_one();
    return item;
  }

  const size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable not_full_;
  std::condition_variable not_empty_;
  std::deque<T> items_;
  bool closed_ = false;
};

}  // namespace tc
