// Continuous mode's ordering and pacing (docs/design.md): every cache is refreshed as it
// approaches ttl − refresh_ahead, earliest due first, at the lowest constant pace that still
// reaches each user by its due time, capped by the budget. Pure functions over a due table; the
// continuous loop and bench/refresh_simulation both call them.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

namespace tc {

// One user in the due table. A user without a cache is due (and expired) at 0: the oldest.
struct DueUser {
  int64_t user_id = 0;
  int64_t due_at = 0;      // unix seconds: cache timestamp + ttl − refresh_ahead
  int64_t expires_at = 0;  // unix seconds: cache timestamp + ttl
};

struct PacingOptions {
  int64_t slice_seconds = 60;      // one continuous pass per slice
  int64_t horizon_seconds = 3300;  // look-ahead for the pace: ttl − refresh_ahead
  int64_t capacity_per_slice = 0;  // users the budget refreshes per slice; 0 = unlimited
};

struct ContinuousPass {
  std::vector<int64_t> users;  // this slice's users, in the order they go
  int64_t pace_per_slice = 0;  // users due by the slice's end, or the even pace if higher
  int64_t due_in_horizon = 0;  // users due by now + horizon (overdue included)
  int64_t overdue = 0;         // due_at <= now
  int64_t past_ttl = 0;        // expires_at <= now (missing caches included)
  int64_t will_miss_ttl = 0;   // within their ttl now, past it before the capacity reaches them
};

// Plans the pass for the slice starting at `now`. Sorts `table` by due time (earliest first,
// ties by user id). The pass takes min(pace_per_slice, capacity) users: the recently active among
// those due by the slice's end first, then by due time. A user not due within the horizon is never
// taken. `recently_active` may be empty (no on-demand activity known).
ContinuousPass PlanContinuousPass(std::vector<DueUser>& table, int64_t now,
                                  const PacingOptions& options,
                                  const std::function<bool(int64_t)>& recently_active);

}  // namespace tc
