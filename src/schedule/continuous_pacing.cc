#include "schedule/continuous_pacing.h"

#include <algorithm>
#include <unordered_set>

namespace tc {

ContinuousPass PlanContinuousPass(std::vector<DueUser>& table, int64_t now,
                                  const PacingOptions& options,
                                  const std::function<bool(int64_t)>& recently_active) {
  ContinuousPass pass;
  const int64_t slice = std::max<int64_t>(1, options.slice_seconds);
  const int64_t horizon_end = now + std::max(slice, options.horizon_seconds);
  std::sort(table.begin(), table.end(), [](const DueUser& a, const DueUser& b) {
    return a.due_at != b.due_at ? a.due_at < b.due_at : a.user_id < b.user_id;
  });

  // The pace: the smallest constant rate (users per slice) such that, for every k, the users due
  // by the end of slice k (overdue ones included) fit in k slices. A slice takes those due by its
  // end, or more when the pace asks for it: a burst of equal due times is reached ahead of time,
  // spread over the slices before it; a lone user is left until its due time.
  size_t in_horizon = 0;
  size_t due_this_slice = 0;
  double pace = 0;
  for (; in_horizon < table.size() && table[in_horizon].due_at <= horizon_end; ++in_horizon) {
    const DueUser& user = table[in_horizon];
    if (user.due_at <= now) ++pass.overdue;
    if (user.expires_at <= now) ++pass.past_ttl;
    if (user.due_at <= now + slice) due_this_slice = in_horizon + 1;
    const int64_t slices_until_due = std::max<int64_t>(1, (user.due_at - now + slice - 1) / slice);
    pace =
        std::max(pace, static_cast<double>(in_horizon + 1) / static_cast<double>(slices_until_due));
  }
  pass.due_in_horizon = static_cast<int64_t>(in_horizon);
  pass.pace_per_slice = std::max(static_cast<int64_t>(due_this_slice), static_cast<int64_t>(pace));
  // Unlimited capacity reaches everyone due in the horizon within this slice.
  const int64_t capacity = options.capacity_per_slice > 0
                               ? options.capacity_per_slice
                               : std::max<int64_t>(1, static_cast<int64_t>(in_horizon));
  const int64_t take = std::min(pass.pace_per_slice, capacity);

  // Priority: the recently active due by the end of this slice, then everyone by due time.
  std::vector<size_t> order;
  order.reserve(in_horizon);
  if (recently_active) {
    for (size_t i = 0; i < in_horizon && table[i].due_at <= now + slice; ++i) {
      if (recently_active(table[i].user_id)) order.push_back(i);
    }
  }
  const size_t promoted = order.size();
  {
    std::unordered_set<size_t> taken(order.begin(), order.end());
    for (size_t i = 0; i < in_horizon; ++i) {
      if (promoted == 0 || !taken.contains(i)) order.push_back(i);
    }
  }
  for (size_t rank = 0; rank < order.size(); ++rank) {
    const DueUser& user = table[order[rank]];
    if (static_cast<int64_t>(rank) < take) pass.users.push_back(user.user_id);
    // At `capacity` users per slice, this user is reached by the end of slice rank / capacity.
    const int64_t reached_by = now + (static_cast<int64_t>(rank) / capacity + 1) * slice;
    // Already past it (no cache yet, or long stale): counted in past_ttl, not as missing it.
    if (user.expires_at > now && reached_by > user.expires_at) ++pass.will_miss_ttl;
  }
  return pass;
}

}  // namespace tc
