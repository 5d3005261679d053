#include "run/run_history_totals.h"

#include <vector>

#include "log/logger.h"

namespace tc {

namespace {

constexpr int kRecentRuns = 50;       // enough to find the newest run with totals
constexpr int kLegacyRuns = 100'000;  // a history without totals is summed once, whole

}  // namespace

Result<RunTotals> LoadRunTotals(CacheStore& store, std::string_view shard) {
  for (const int limit : {kRecentRuns, kLegacyRuns}) {
    auto runs = store.RecentRuns(limit);
    if (!runs.ok()) return runs.error();
    std::vector<RunSummary> newer;  // recorded after the base, newest first
    RunTotals totals;
    bool based = false;
    for (const RunRecord& record : *runs) {
      if (record.shard != shard || record.status == "running" || record.finished_at_ms == 0 ||
          record.summary_json.empty()) {
        continue;
      }
      auto json = ParseJsJson(record.summary_json);
      if (!json.ok() || !json->is_object()) continue;
      RunSummary run = SummaryFromJson(*json, record.started_at_ms, record.finished_at_ms);
      if (run.totals.is_object()) {
        totals = RunTotals::FromJson(run.totals);
        based = true;
        break;
      }
      newer.push_back(std::move(run));
    }
    if (!based && static_cast<int>(runs->size()) >= limit && limit < kLegacyRuns) continue;
    for (auto run = newer.rbegin(); run != newer.rend(); ++run) totals.Add(*run);
    return totals;
  }
  return RunTotals{};
}

Json TotalsIncluding(CacheStore& store, const RunSummary& run) {
  auto totals = LoadRunTotals(store, run.shard);
  if (!totals.ok()) {
    LogWarn("could not read the run history for the cumulative counts",
            {{"run_id", run.run_id}, {"error", totals.error().ToString()}});
    return Json();
  }
  totals->Add(run);
  return totals->ToJson();
}

}  // namespace tc
