#include "schedule/continuous_loop.h"

#include <algorithm>
#include <unordered_set>
#include <utility>

namespace tc {

ContinuousLoop::ContinuousLoop(const Clock& clock, ContinuousLoopOptions options,
                               Callbacks callbacks, const std::atomic<bool>& stop)
    : clock_(clock), options_(options), callbacks_(std::move(callbacks)), stop_(stop) {}

void ContinuousLoop::TakeCensus() {
  auto census = callbacks_.census();
  if (!census.ok()) {
    if (callbacks_.on_census_error) callbacks_.on_census_error(census.error());
    return;
  }
  const int64_t window = options_.ttl_seconds - options_.refresh_ahead_seconds;
  table_.clear();
  table_.reserve(census->size());
  for (const CensusEntry& entry : *census) {
    // No cache: due and expired at 0, the oldest there is.
    const int64_t due = entry.timestamp ? *entry.timestamp + window : 0;
    const int64_t expires = entry.timestamp ? *entry.timestamp + options_.ttl_seconds : 0;
    table_.push_back(DueUser{entry.user_id, due, expires});
  }
  have_census_ = true;
  slices_since_census_ = 0;
}

void ContinuousLoop::MarkRefreshed(const std::vector<int64_t>& users, int64_t at) {
  if (users.empty()) return;
  // The pass's users sit among the table's first (earliest due) entries, plus promoted ones.
  std::unordered_set<int64_t> pending(users.begin(), users.end());
  const int64_t window = options_.ttl_seconds - options_.refresh_ahead_seconds;
  for (DueUser& user : table_) {
    if (pending.erase(user.user_id) == 0) continue;
    user.due_at = at + window;
    user.expires_at = at + options_.ttl_seconds;
    if (pending.empty()) break;
  }
}

ContinuousPass ContinuousLoop::RunSlice() {
  const SteadyTime slice_end = clock_.SteadyNow() + std::chrono::seconds(options_.slice_seconds);
  if (!have_census_ || slices_since_census_ >= options_.census_every_slices) TakeCensus();
  ++slices_since_census_;
  const int64_t now = clock_.NowUnixSeconds();
  PacingOptions pacing;
  pacing.slice_seconds = options_.slice_seconds;
  pacing.horizon_seconds = options_.ttl_seconds - options_.refresh_ahead_seconds;
  pacing.capacity_per_slice = options_.capacity_per_slice;
  ContinuousPass pass = PlanContinuousPass(table_, now, pacing, callbacks_.recently_active);
  if (callbacks_.on_pass) callbacks_.on_pass(pass);
  if (!pass.users.empty()) {
    callbacks_.refresh(pass.users, std::chrono::seconds(options_.slice_seconds));
    // The slice's start is the conservative refresh time: due times never come late.
    MarkRefreshed(pass.users, now);
  }
  ++passes_;
  while (!stop_.load() && clock_.SteadyNow() < slice_end) {
    const auto left = std::chrono::duration_cast<Duration>(slice_end - clock_.SteadyNow());
    clock_.SleepFor(std::min<Duration>(left, std::chrono::milliseconds(200)));
  }
  return pass;
}

void ContinuousLoop::Run() {
  while (!stop_.load()) RunSlice();
}

}  // namespace tc
