#include "report/run_totals.h"

#include <algorithm>

namespace tc {

namespace {

int64_t IntAt(const Json& json, const char* key) {
  if (!json.is_object()) return 0;
  const auto found = json.find(key);
  if (found == json.end() || !found->is_number()) return 0;
  return found->get<int64_t>();
}

std::map<std::string, int64_t> CountsAt(const Json& json, const char* key) {
  std::map<std::string, int64_t> out;
  if (!json.is_object() || !json.contains(key) || !json[key].is_object()) return out;
  for (const auto& [name, value] : json[key].items()) {
    if (value.is_number()) out[name] = value.get<int64_t>();
  }
  return out;
}

std::map<std::string, std::map<std::string, int64_t>> NestedCountsAt(const Json& json,
                                                                     const char* key) {
  std::map<std::string, std::map<std::string, int64_t>> out;
  if (!json.is_object() || !json.contains(key) || !json[key].is_object()) return out;
  for (const auto& [outer, inner] : json[key].items()) {
    if (!inner.is_object()) continue;
    for (const auto& [name, value] : inner.items()) {
      if (value.is_number()) out[outer][name] = value.get<int64_t>();
    }
  }
  return out;
}

RunSummary::CacheCensus CensusFromJson(const Json& json) {
  RunSummary::CacheCensus census;
  if (!json.is_object()) return census;
  census.complete = json.value("complete", false);
  census.oldest_cache_timestamp = IntAt(json, "oldest_cache_timestamp");
  census.stale_caches = IntAt(json, "stale_caches");
  census.users_without_cache = IntAt(json, "users_without_cache");
  return census;
}

Json CensusToJson(const RunSummary::CacheCensus& census) {
  Json out = Json::object();
  out["complete"] = census.complete;
  out["oldest_cache_timestamp"] = census.oldest_cache_timestamp;
  out["stale_caches"] = census.stale_caches;
  out["users_without_cache"] = census.users_without_cache;
  return out;
}

}  // namespace

void RunTotals::Add(const RunSummary& run) {
  ++runs_by_status[RunStatusName(run.status)];
  const std::pair<const char*, int64_t> outcomes[] = {
      {"fresh", run.fresh},        {"built", run.built},
      {"updated", run.updated},    {"unchanged", run.unchanged},
      {"failed", run.failed},      {"skipped_backoff", run.skipped_backoff},
      {"abandoned", run.abandoned}};
  for (const auto& [outcome, count] : outcomes) users_by_outcome[outcome] += count;
  for (const auto& [error_class, count] : run.failures_by_class) {
    failures_by_class[error_class] += count;
  }
  for (const auto& [endpoint, results] : run.api_requests_by_result) {
    for (const auto& [result, count] : results) api_requests[endpoint][result] += count;
  }
  api_retries += run.api_retries;
  write_conflicts += run.write_conflicts;

  const double seconds =
      static_cast<double>(std::max<int64_t>(0, run.finished_at_ms - run.started_at_ms)) / 1000.0;
  run_duration_buckets.resize(kRunDurationBuckets.size() + 1);
  const auto bucket =
      std::lower_bound(kRunDurationBuckets.begin(), kRunDurationBuckets.end(), seconds) -
      kRunDurationBuckets.begin();
  ++run_duration_buckets[static_cast<size_t>(bucket)];
  run_duration_seconds += seconds;

  last_run_at_ms = run.finished_at_ms;
  if (run.status == RunStatus::kOk) last_success_at_ms = run.finished_at_ms;
  last_run_users_seen = run.users_seen;
  last_run_skipped_backoff = run.skipped_backoff;

  const RunSummary::CacheCensus& seen = run.caches;
  const bool says_nothing = !seen.complete && seen.oldest_cache_timestamp == 0 &&
                            seen.stale_caches == 0 && seen.users_without_cache == 0;
  if (says_nothing) return;  // no census (an older version's run, or no user enumerated)
  if (seen.complete || !caches_known) {
    caches = seen;
  } else {
    if (seen.oldest_cache_timestamp != 0) {
      caches.oldest_cache_timestamp =
          caches.oldest_cache_timestamp == 0
              ? seen.oldest_cache_timestamp
              : std::min(caches.oldest_cache_timestamp, seen.oldest_cache_timestamp);
    }
    caches.stale_caches = std::max(caches.stale_caches, seen.stale_caches);
    caches.users_without_cache = std::max(caches.users_without_cache, seen.users_without_cache);
    caches.complete = false;
  }
  caches_known = true;
}

Json RunTotals::ToJson() const {
  Json out = Json::object();
  out["runs"] = CountsToJson(runs_by_status);
  out["users"] = CountsToJson(users_by_outcome);
  out["failures_by_class"] = CountsToJson(failures_by_class);
  out["api_requests"] = NestedCountsToJson(api_requests);
  out["api_retries"] = api_retries;
  out["write_conflicts"] = write_conflicts;
  out["run_duration_buckets"] = run_duration_buckets;
  out["run_duration_bounds"] =
      std::vector<double>(kRunDurationBuckets.begin(), kRunDurationBuckets.end());
  out["run_duration_seconds"] = run_duration_seconds;
  out["last_run_at_ms"] = last_run_at_ms;
  out["last_success_at_ms"] = last_success_at_ms;
  out["last_run_users_seen"] = last_run_users_seen;
  out["last_run_skipped_backoff"] = last_run_skipped_backoff;
  if (caches_known) out["caches"] = CensusToJson(caches);
  return out;
}

RunTotals RunTotals::FromJson(const Json& json) {
  RunTotals totals;
  if (!json.is_object()) return totals;
  totals.runs_by_status = CountsAt(json, "runs");
  totals.users_by_outcome = CountsAt(json, "users");
  totals.failures_by_class = CountsAt(json, "failures_by_class");
  totals.api_requests = NestedCountsAt(json, "api_requests");
  totals.api_retries = IntAt(json, "api_retries");
  totals.write_conflicts = IntAt(json, "write_conflicts");
  if (const auto buckets = json.find("run_duration_buckets");
      buckets != json.end() && buckets->is_array()) {
    // Counts recorded under other bounds (totals without "run_duration_bounds" used the first
    // set) go to the bucket of their upper bound; the count above the last old bound stays +Inf.
    std::vector<double> bounds = {1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600};
    if (const auto recorded = json.find("run_duration_bounds");
        recorded != json.end() && recorded->is_array()) {
      bounds.clear();
      for (const auto& bound : *recorded)
        bounds.push_back(bound.is_number() ? bound.get<double>() : 0);
    }
    for (size_t i = 0; i < buckets->size(); ++i) {
      if (!(*buckets)[i].is_number()) continue;
      size_t to = kRunDurationBuckets.size();  // +Inf
      if (i < bounds.size()) {
        to = static_cast<size_t>(
            std::lower_bound(kRunDurationBuckets.begin(), kRunDurationBuckets.end(), bounds[i]) -
            kRunDurationBuckets.begin());
      }
      totals.run_duration_buckets[to] += (*buckets)[i].get<int64_t>();
    }
  }
  if (const auto sum = json.find("run_duration_seconds"); sum != json.end() && sum->is_number()) {
    totals.run_duration_seconds = sum->get<double>();
  }
  totals.last_run_at_ms = IntAt(json, "last_run_at_ms");
  totals.last_success_at_ms = IntAt(json, "last_success_at_ms");
  totals.last_run_users_seen = IntAt(json, "last_run_users_seen");
  totals.last_run_skipped_backoff = IntAt(json, "last_run_skipped_backoff");
  if (json.contains("caches")) {
    totals.caches_known = true;
    totals.caches = CensusFromJson(json["caches"]);
  }
  return totals;
}

RunSummary SummaryFromJson(const Json& json, int64_t started_at_ms, int64_t finished_at_ms) {
  RunSummary run;
  run.started_at_ms = started_at_ms;
  run.finished_at_ms = finished_at_ms;
  if (!json.is_object()) return run;
  run.run_id = json.value("run_id", "");
  const std::string status = json.value("status", "");
  for (RunStatus candidate :
       {RunStatus::kOk, RunStatus::kDegraded, RunStatus::kAborted, RunStatus::kInterrupted}) {
    if (status == RunStatusName(candidate)) run.status = candidate;
  }
  run.shard = json.value("shard", "");
  run.users_seen = IntAt(json, "users_seen");
  run.fresh = IntAt(json, "fresh");
  run.built = IntAt(json, "built");
  run.updated = IntAt(json, "updated");
  run.unchanged = IntAt(json, "unchanged");
  run.failed = IntAt(json, "failed");
  run.skipped_backoff = IntAt(json, "skipped_backoff");
  run.abandoned = IntAt(json, "abandoned");
  run.api_requests = IntAt(json, "api_requests");
  run.api_retries = IntAt(json, "api_retries");
  run.write_conflicts = IntAt(json, "write_conflicts");
  run.failures_by_class = CountsAt(json, "failures_by_class");
  run.api_requests_by_result = NestedCountsAt(json, "api_requests_by_result");
  if (json.contains("caches")) run.caches = CensusFromJson(json["caches"]);
  if (json.contains("totals")) run.totals = json["totals"];
  return run;
}

}  // namespace tc
