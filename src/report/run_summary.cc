#include "report/run_summary.h"

#include <fmt/format.h>

namespace tc {

Json CountsToJson(const std::map<std::string, int64_t>& counts) {
  Json out = Json::object();
  for (const auto& [name, count] : counts) out[name] = count;
  return out;
}

Json NestedCountsToJson(const std::map<std::string, std::map<std::string, int64_t>>& counts) {
  Json out = Json::object();
  for (const auto& [name, inner] : counts) out[name] = CountsToJson(inner);
  return out;
}

const char* RunStatusName(RunStatus status) {
  switch (status) {
    case RunStatus::kOk:
      return "ok";
    case RunStatus::kDegraded:
      return "degraded";
    case RunStatus::kAborted:
      return "aborted";
    case RunStatus::kInterrupted:
      return "interrupted";
    case RunStatus::kLocked:
      return "locked";
  }
  return "aborted";
}

Json RunSummary::ToJson() const {
  Json out = Json::object();
  out["run_id"] = run_id;
  out["started_at"] = FormatIsoUtcMillis(started_at_ms);
  out["finished_at"] = FormatIsoUtcMillis(finished_at_ms);
  out["duration_ms"] = finished_at_ms - started_at_ms;
  out["status"] = RunStatusName(status);
  if (!abort_reason.empty()) out["reason"] = abort_reason;
  if (!shard.empty()) out["shard"] = shard;
  if (dry_run) out["dry_run"] = true;
  out["users_seen"] = users_seen;
  out["fresh"] = fresh;
  out["built"] = built;
  out["updated"] = updated;
  out["unchanged"] = unchanged;
  out["failed"] = failed;
  out["skipped_backoff"] = skipped_backoff;
  out["abandoned"] = abandoned;
  if (dry_run) {
    out["would_refresh"] = would_refresh;
    Json by_reason = Json::object();
    for (const auto& [reason, count] : would_refresh_by_reason) by_reason[reason] = count;
    out["would_refresh_by_reason"] = std::move(by_reason);
    Json sample = Json::array();
    for (const int64_t user_id : would_refresh_sample) sample.push_back(user_id);
    out["would_refresh_sample"] = std::move(sample);
  }
  out["skipped_duplicates"] = skipped_duplicates;
  out["skipped_invalid_rows"] = skipped_invalid_rows;
  out["api_requests"] = api_requests;
  out["api_retries"] = api_retries;
  out["passes_created"] = passes_created;
  out["passes_changed"] = passes_changed;
  out["free_tickets_added"] = free_tickets_added;
  out["write_conflicts"] = write_conflicts;
  out["breaker_opened"] = breaker_opened;
  out["failures_by_class"] = CountsToJson(failures_by_class);
  out["api_requests_by_result"] = NestedCountsToJson(api_requests_by_result);
  if (!started) out["started"] = false;
  if (!dry_run) {
    Json census = Json::object();
    census["complete"] = caches.complete;
    census["oldest_cache_timestamp"] = caches.oldest_cache_timestamp;
    census["stale_caches"] = caches.stale_caches;
    census["users_without_cache"] = caches.users_without_cache;
    out["caches"] = std::move(census);
  }
  if (!totals.is_null()) out["totals"] = totals;
  return out;
}

int RunSummary::ExitCode() const {
  switch (status) {
    case RunStatus::kOk:
    case RunStatus::kInterrupted:
    case RunStatus::kLocked:
      return 0;
    case RunStatus::kAborted:
      return 1;
    case RunStatus::kDegraded:
      return 3;
  }
  return 1;
}

}  // namespace tc
