// Keeps the run's lock lease alive from its own thread, off the network loop: renews it every
// ttl/3 by the Clock. A failed renewal is logged and retried; the lease is lost when another run
// holds the lock or when renewals kept failing until the lease ran out — then `on_lost` runs once
// (the run stops and ends aborted: another run may be writing).
//
// The thread waits on a condition variable for the Clock's next due time (re-checked at least
// every kMaxWait, so a clock moved by someone else — a test's FakeClock — is noticed). Stop()
// renews once more when a renewal is due by the clock, so whether a lease was lost depends on the
// clock and the store, never on thread timing.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "clock/clock.h"
#include "store/cache_store.h"

namespace tc {

class LeaseKeeper {
 public:
  static constexpr Duration kMaxWait{1000};

  // The lease was taken at `taken_at` (Clock::SteadyNow) until `expires_at_ms` (unix ms).
  // REQUIRES: the arguments outlive the keeper.
  LeaseKeeper(CacheStore& store, const Clock& clock, std::string lock_name, std::string owner,
              Duration ttl, int64_t expires_at_ms, std::function<void(std::string)> on_lost);
  ~LeaseKeeper();

  void Start();
  // Stops the thread (idempotent), then renews once if a renewal is due.
  void Stop();
  bool lost() const;

  // One step: renews when due at the clock's now. Public for tests.
  void RenewIfDue();

 private:
  void Loop();

  CacheStore& store_;
  const Clock& clock_;
  const std::string lock_name_;
  const std::string owner_;
  const Duration ttl_;
  const std::function<void(std::string)> on_lost_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  bool lost_ = false;
  int64_t expires_at_ms_;
  SteadyTime next_due_;
  std::thread thread_;
};

}  // namespace tc
