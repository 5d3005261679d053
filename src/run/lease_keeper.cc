#include "run/lease_keeper.h"

#include <algorithm>
#include <utility>

#include "log/logger.h"

namespace tc {

LeaseKeeper::LeaseKeeper(CacheStore& store, const Clock& clock, std::string lock_name,
                         std::string owner, Duration ttl, int64_t expires_at_ms,
                         std::function<void(std::string)> on_lost)
    : store_(store),
      clock_(clock),
      lock_name_(std::move(lock_name)),
      owner_(std::move(owner)),
      ttl_(std::max(ttl, Duration(3))),
      on_lost_(std::move(on_lost)),
      expires_at_ms_(expires_at_ms),
      next_due_(clock.SteadyNow() + ttl_ / 3) {}

LeaseKeeper::~LeaseKeeper() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void LeaseKeeper::Start() {
  thread_ = std::thread([this] {
    ScopedLogContext context(LogFields{{"run_id", owner_}});  // the owner is the run's id
    Loop();
  });
}

void LeaseKeeper::Stop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  RenewIfDue();
}

bool LeaseKeeper::lost() const {
  std::lock_guard lock(mutex_);
  return lost_;
}

void LeaseKeeper::Loop() {
  std::unique_lock lock(mutex_);
  while (!stop_ && !lost_) {
    const SteadyTime now = clock_.SteadyNow();
    if (now >= next_due_) {
      lock.unlock();
      RenewIfDue();
      lock.lock();
      continue;
    }
    const auto wait = std::min<Duration>(std::chrono::ceil<Duration>(next_due_ - now), kMaxWait);
    wake_.wait_for(lock, wait, [&] { return stop_; });
  }
}

void LeaseKeeper::RenewIfDue() {
  {
    std::lock_guard lock(mutex_);
    if (lost_ || clock_.SteadyNow() < next_due_) return;
  }
  const int64_t now_ms = clock_.NowUnixMillis();
  auto renewed = store_.TryLock(lock_name_, owner_, now_ms, now_ms + ttl_.count());
  std::string lost_reason;
  {
    std::lock_guard lock(mutex_);
    if (renewed.ok() && *renewed) {
      expires_at_ms_ = now_ms + ttl_.count();
      next_due_ = clock_.SteadyNow() + ttl_ / 3;
      return;
    }
    if (renewed.ok()) {
      lost_reason = "lock lease lost: '" + lock_name_ + "' is held by another run";
    } else if (now_ms >= expires_at_ms_) {
      lost_reason =
          "lock lease lost: renewals failed until it expired (" + renewed.error().ToString() + ")";
    } else {
      LogWarn("could not renew run lock; retrying", {{"lock", lock_name_},
                                                     {"error", renewed.error().ToString()},
                                                     {"lease_left_ms", expires_at_ms_ - now_ms}});
      next_due_ = clock_.SteadyNow() + std::max(ttl_ / 10, Duration(1));
      return;
    }
    lost_ = true;
  }
  LogError("run lock lost: stopping the run", {{"lock", lock_name_}, {"reason", lost_reason}});
  on_lost_(lost_reason);
}

}  // namespace tc
