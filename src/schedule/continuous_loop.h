// `serve` in continuous mode (docs/design.md): one short pass per slice instead of an hourly
// sweep. Each slice the loop plans a pass over its due table (PlanContinuousPass) and hands the
// users to `refresh`, which runs them through the ordinary run machinery; the table comes from a
// census of every user's cache timestamp, taken again every few slices, and in between the loop
// moves the users it refreshed one window ahead.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "clock/clock.h"
#include "error/error.h"
#include "schedule/continuous_pacing.h"

namespace tc {

// One user's cache as the census found it.
struct CensusEntry {
  int64_t user_id = 0;
  std::optional<int64_t> timestamp;  // nullopt: no cache document
};

struct ContinuousLoopOptions {
  int64_t ttl_seconds = 3600;
  int64_t refresh_ahead_seconds = 300;
  int64_t slice_seconds = 60;
  int64_t capacity_per_slice = 0;  // users the budget refreshes per slice; 0 = unlimited
  int64_t census_every_slices = 10;
};

class ContinuousLoop {
 public:
  struct Callbacks {
    // Every user and its cache timestamp (one streaming pass over tokens and store).
    std::function<Result<std::vector<CensusEntry>>()> census;
    // Refreshes these users, spreading them over `slice` (blocks; may return early).
    std::function<void(const std::vector<int64_t>& users, Duration slice)> refresh;
    // Users with recent on-demand activity; may be empty.
    std::function<bool(int64_t user_id)> recently_active;
    // Told each pass before it runs (log, metrics); may be empty.
    std::function<void(const ContinuousPass& pass)> on_pass;
    // Told when a census fails (the loop keeps its table and goes on); may be empty.
    std::function<void(const Error& error)> on_census_error;
  };

  ContinuousLoop(const Clock& clock, ContinuousLoopOptions options, Callbacks callbacks,
                 const std::atomic<bool>& stop);

  // One slice: census when due, plan, refresh, then wait out the rest of the slice (through the
  // clock; a stop ends the wait). Returns the pass it ran.
  ContinuousPass RunSlice();
  // Slices until `stop` is set.
  void Run();

  int64_t passes() const { return passes_; }

 private:
  void TakeCensus();
  void MarkRefreshed(const std::vector<int64_t>& users, int64_t at);

  const Clock& clock_;
  const ContinuousLoopOptions options_;
  Callbacks callbacks_;
  const std::atomic<bool>& stop_;
  std::vector<DueUser> table_;
  bool have_census_ = false;
  int64_t slices_since_census_ = 0;
  int64_t passes_ = 0;
};

}  // namespace tc
