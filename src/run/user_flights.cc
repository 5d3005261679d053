#include "run/user_flights.h"

#include <utility>

namespace tc {

const char* UserRefreshKindName(UserRefreshResult::Kind kind) {
  using Kind = UserRefreshResult::Kind;
  switch (kind) {
    case Kind::kFresh:
      return "fresh";
    case Kind::kBuilt:
      return "built";
    case Kind::kUpdated:
      return "updated";
    case Kind::kUnchanged:
      return "unchanged";
    case Kind::kFailed:
      return "failed";
    case Kind::kAbandoned:
      return "abandoned";
    case Kind::kUnknownUser:
      return "unknown_user";
    case Kind::kInBackoff:
      return "in_backoff";
  }
  return "abandoned";
}

UserRefreshResult ResultOf(const WriteOutcome& outcome) {
  using Kind = UserRefreshResult::Kind;
  UserRefreshResult result;
  switch (outcome.kind) {
    case WriteOutcome::Kind::kBuilt:
      result.kind = Kind::kBuilt;
      break;
    case WriteOutcome::Kind::kUpdated:
      result.kind = Kind::kUpdated;
      break;
    case WriteOutcome::Kind::kUnchanged:
      result.kind = Kind::kUnchanged;
      break;
    case WriteOutcome::Kind::kFailed:
      result.kind = Kind::kFailed;
      break;
    case WriteOutcome::Kind::kAbandoned:
      result.kind = Kind::kAbandoned;
      break;
  }
  result.error_class = outcome.error_class;
  result.timestamp = outcome.timestamp;
  return result;
}

int64_t UserFlights::Now() const {
  std::lock_guard lock(mutex_);
  return now_;
}

bool UserFlights::TryClaim(int64_t user_id, Owner owner, std::optional<int64_t> refreshed_since) {
  std::lock_guard lock(mutex_);
  if (refreshed_since) {
    const auto written = written_on_demand_.find(user_id);
    if (written != written_on_demand_.end() && written->second > *refreshed_since) return false;
  }
  const auto [flight, claimed] = flights_.try_emplace(user_id, Flight{owner, now_ + 1, {}});
  if (claimed) ++now_;
  return claimed;
}

bool UserFlights::ClaimOrListen(int64_t user_id, Owner owner, Listener listener) {
  std::lock_guard lock(mutex_);
  auto [flight, claimed] = flights_.try_emplace(user_id, Flight{owner, now_ + 1, {}});
  if (claimed) ++now_;
  flight->second.listeners.push_back(std::move(listener));
  return claimed;
}

void UserFlights::Finish(int64_t user_id, const UserRefreshResult& result) {
  std::vector<Listener> listeners;
  bool by_sweep = false;
  int64_t started = 0;
  {
    std::lock_guard lock(mutex_);
    const auto found = flights_.find(user_id);
    if (found == flights_.end()) return;
    listeners = std::move(found->second.listeners);
    by_sweep = found->second.owner == Owner::kSweep;
    started = found->second.started;
    flights_.erase(found);
    using Kind = UserRefreshResult::Kind;
    if (!by_sweep && (result.kind == Kind::kBuilt || result.kind == Kind::kUpdated ||
                      result.kind == Kind::kUnchanged)) {
      if (written_on_demand_.size() >= kRemembered) written_on_demand_.clear();
      written_on_demand_[user_id] = ++now_;
    }
  }
  UserRefreshResult told = result;
  told.by_sweep = by_sweep;
  told.flight_started = started;
  for (const Listener& listener : listeners) listener(told);
}

std::optional<UserFlights::Owner> UserFlights::OwnerOf(int64_t user_id) const {
  std::lock_guard lock(mutex_);
  const auto found = flights_.find(user_id);
  if (found == flights_.end()) return std::nullopt;
  return found->second.owner;
}

size_t UserFlights::in_flight() const {
  std::lock_guard lock(mutex_);
  return flights_.size();
}

}  // namespace tc
