// Counts over a shard's recorded runs: what the cumulative metrics export, so that they stay
// monotonic across processes (every `run` is a new process, `serve` restarts). Each recorded
// summary carries the totals up to and including its own run ("totals"), so restoring them reads
// the newest recorded run only; runs recorded without totals (by an older version) are added
// from their summaries.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "json/js_json.h"
#include "report/run_summary.h"

namespace tc {

// Upper bounds (seconds) of the run duration histogram: 1 s to 4 h, close enough together that a
// quantile read from them lands near the runs' real durations (runs of 32-40 s read between 30
// and 40 s, not at 57 s). Every bound of the older set {1, 5, 15, 30, 60, 120, 300, 600, 1200,
// 1800, 3600} is kept, so totals recorded with it carry over exactly (RunTotals::FromJson).
inline constexpr std::array<double, 23> kRunDurationBuckets = {
    1,   2,   5,   10,  15,  20,   30,   40,   50,   60,   90,   120,
    180, 300, 450, 600, 900, 1200, 1800, 2700, 3600, 7200, 14400};

struct RunTotals {
  std::map<std::string, int64_t> runs_by_status;
  std::map<std::string, int64_t> users_by_outcome;
  std::map<std::string, int64_t> failures_by_class;
  std::map<std::string, std::map<std::string, int64_t>> api_requests;  // endpoint → result → n
  int64_t api_retries = 0;
  int64_t write_conflicts = 0;
  // Runs per duration bucket: one per bound of kRunDurationBuckets, then +Inf (not cumulative).
  std::vector<int64_t> run_duration_buckets = std::vector<int64_t>(kRunDurationBuckets.size() + 1);
  double run_duration_seconds = 0;

  // State after the newest run.
  int64_t last_run_at_ms = 0;
  int64_t last_success_at_ms = 0;  // the newest run with status ok; 0 if none
  int64_t last_run_users_seen = 0;
  int64_t last_run_skipped_backoff = 0;
  bool caches_known = false;  // some run reported its cache census
  RunSummary::CacheCensus caches;

  // Adds one recorded run. A run with an incomplete cache census cannot show the caches got
  // better than last known: the oldest timestamp only moves older, the counts only up.
  void Add(const RunSummary& run);

  Json ToJson() const;
  static RunTotals FromJson(const Json& json);  // missing keys count as 0
};

// The per-run values of a recorded summary (the JSON the run printed), as RunTotals::Add needs
// them. Missing keys count as 0.
RunSummary SummaryFromJson(const Json& json, int64_t started_at_ms, int64_t finished_at_ms);

}  // namespace tc
