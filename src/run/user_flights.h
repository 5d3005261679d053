// Which users are being refreshed right now, by whom, across the whole daemon: the sweep and
// on-demand refreshes claim a user here before calling the API for it, so a user is never in
// flight twice. Whoever finds a user already claimed either skips it (the sweep: the on-demand
// refresh covers it) or listens for its result (an on-demand call). Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include "error/error.h"
#include "run/document_writer.h"

namespace tc {

// How one user's refresh ended, as an on-demand caller is told.
struct UserRefreshResult {
  // kInBackoff: not attempted, the user's failure backoff runs (refresh requests only: they
  // respect it, on-demand calls do not).
  enum class Kind {
    kFresh,
    kBuilt,
    kUpdated,
    kUnchanged,
    kFailed,
    kAbandoned,
    kUnknownUser,
    kInBackoff
  };
  Kind kind = Kind::kAbandoned;
  std::optional<ErrorClass> error_class;  // kFailed
  int64_t timestamp = 0;                  // the cache document's (unix seconds); 0 = none
  bool by_sweep = false;                  // the sweep had the user in flight and refreshed it
  int64_t flight_started = 0;  // when the flight that ended was claimed (UserFlights::Now() units)
};

// "fresh" | "built" | "updated" | "unchanged" | "failed" | "abandoned" | "unknown_user" |
// "in_backoff"
const char* UserRefreshKindName(UserRefreshResult::Kind kind);

// What the document writer's outcome tells a caller.
UserRefreshResult ResultOf(const WriteOutcome& outcome);

class UserFlights {
 public:
  enum class Owner { kSweep, kOnDemand };
  using Listener = std::function<void(const UserRefreshResult&)>;

  // A point in the registry's history: on-demand refreshes that end later, and flights claimed
  // later, are "since" it.
  int64_t Now() const;
  // Claims the user unless someone has it in flight, or (`refreshed_since` given) an on-demand
  // refresh wrote its document since then — a run that selected the user as stale before that
  // skips it. The claimer must call Finish.
  bool TryClaim(int64_t user_id, Owner owner, std::optional<int64_t> refreshed_since = {});
  // Adds `listener` to the user's flight: claims the user when it was not in flight (true: the
  // caller must call Finish), else joins the flight under way (false).
  bool ClaimOrListen(int64_t user_id, Owner owner, Listener listener);
  // The user's refresh ended: releases the claim and runs its listeners (outside the lock).
  void Finish(int64_t user_id, const UserRefreshResult& result);

  std::optional<Owner> OwnerOf(int64_t user_id) const;
  size_t in_flight() const;

 private:
  struct Flight {
    Owner owner = Owner::kSweep;
    int64_t started = 0;  // now_ when claimed
    std::vector<Listener> listeners;
  };
  // Users whose document an on-demand refresh wrote, and when (in Now() units). Bounded: when it
  // grows past kRemembered it is cleared, and a run may refresh such a user once more.
  static constexpr size_t kRemembered = 100'000;
  mutable std::mutex mutex_;
  std::unordered_map<int64_t, Flight> flights_;
  std::unordered_map<int64_t, int64_t> written_on_demand_;
  int64_t now_ = 0;
};

}  // namespace tc
