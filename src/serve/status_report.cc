#include "serve/status_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

#include "log/secret_redactor.h"
#include "report/run_summary.h"
#include "tokens/shard.h"

namespace tc {

namespace {

// The outcome counts every run summary carries, in the order the document lists them.
constexpr const char* kOutcomeFields[] = {"users_seen", "fresh",  "built",           "updated",
                                          "unchanged",  "failed", "skipped_backoff", "abandoned"};

Json IntegerOr(const Json& object, const char* key, Json fallback) {
  if (object.is_object() && object.contains(key) && object[key].is_number()) {
    return object[key].is_number_float()
               ? Json(static_cast<int64_t>(std::llround(object[key].get<double>())))
               : Json(object[key].get<int64_t>());
  }
  return fallback;
}

Json StringOrNull(const Json& object, const char* key) {
  if (object.is_object() && object.contains(key) && object[key].is_string()) {
    return object[key];
  }
  return Json();
}

// Where a summary keeps its cache census: the `caches` object runs record, or (older summaries)
// the summary itself.
const Json& CacheCensusOf(const Json& summary) {
  if (summary.is_object()) {
    const auto caches = summary.find("caches");
    if (caches != summary.end() && caches->is_object()) return *caches;
  }
  return summary;
}

// The cache-age figures of a summary, when the run recorded them: the age of the oldest cache
// after the run (given as an age or as the cache's unix timestamp) and how many were stale.
Json OldestCacheAgeSeconds(const Json& run_summary, int64_t finished_at_ms) {
  const Json& summary = CacheCensusOf(run_summary);
  if (!summary.is_object()) return Json();
  Json age = IntegerOr(summary, "oldest_cache_age_seconds", Json());
  if (!age.is_null()) return age;
  for (const char* key : {"oldest_cache_timestamp_seconds", "oldest_cache_timestamp"}) {
    Json timestamp = IntegerOr(summary, key, Json());
    if (!timestamp.is_null() && timestamp.get<int64_t>() > 0 && finished_at_ms > 0) {
      return std::max<int64_t>(0, finished_at_ms / 1000 - timestamp.get<int64_t>());
    }
  }
  return Json();
}

Json RunToJson(const RunRecord& run) {
  auto parsed = ParseJsJson(run.summary_json);
  const Json summary = parsed.ok() && parsed->is_object() ? *parsed : Json();
  Json out = Json::object();
  out["run_id"] = run.run_id;
  out["started_at"] = FormatIsoUtcMillis(run.started_at_ms);
  out["finished_at"] = run.finished_at_ms ? Json(FormatIsoUtcMillis(run.finished_at_ms)) : Json();
  out["duration_seconds"] =
      run.finished_at_ms
          ? Json(static_cast<double>(run.finished_at_ms - run.started_at_ms) / 1000.0)
          : Json();
  out["status"] = run.status;
  const Json reason = StringOrNull(summary, "reason");
  out["reason"] = reason.is_null() ? Json() : Json(RedactSecrets(reason.get<std::string>()));
  out["shard"] = run.shard.empty() ? Json() : Json(run.shard);
  out["dry_run"] = summary.is_object() && summary.value("dry_run", false);
  for (const char* field : kOutcomeFields) out[field] = IntegerOr(summary, field, Json());
  out["api_requests"] = IntegerOr(summary, "api_requests", Json());
  out["api_retries"] = IntegerOr(summary, "api_retries", Json());
  Json by_class = Json::object();
  if (summary.is_object() && summary.contains("failures_by_class") &&
      summary["failures_by_class"].is_object()) {
    for (const auto& [name, count] : summary["failures_by_class"].items()) {
      if (count.is_number()) by_class[name] = count;
    }
  }
  out["failures_by_class"] = std::move(by_class);
  out["cache_oldest_age_seconds"] = OldestCacheAgeSeconds(summary, run.finished_at_ms);
  out["stale_caches"] = IntegerOr(CacheCensusOf(summary), "stale_caches", Json());
  out["summary"] = summary;
  return out;
}

Json UserToJson(const UserState& user) {
  Json out = Json::object();
  out["user_id"] = user.user_id;
  out["failed_runs"] = user.consecutive_failures;
  out["last_error_class"] = user.last_error_class;
  out["last_error"] = RedactSecrets(user.last_error_message);
  out["last_attempt_at"] = FormatIsoUtcMillis(user.last_attempt_at * 1000);
  out["next_attempt_at"] =
      user.next_attempt_at ? Json(FormatIsoUtcMillis(user.next_attempt_at * 1000)) : Json();
  return out;
}

Json OutcomesToJson(const RunProgress& progress) {
  Json out = Json::object();
  out["fresh"] = progress.fresh;
  out["built"] = progress.built;
  out["updated"] = progress.updated;
  out["unchanged"] = progress.unchanged;
  out["failed"] = progress.failed;
  out["skipped"] = progress.skipped;
  out["abandoned"] = progress.abandoned;
  if (progress.dry_run) out["would_refresh"] = progress.would_refresh;
  return out;
}

Json OptionalNumber(const std::optional<double>& value) {
  if (!value || !std::isfinite(*value)) return Json();
  return std::round(*value * 10.0) / 10.0;
}

// The run going now: the daemon's own (live progress), else the newest running record.
Json CurrentRunToJson(const std::optional<LiveRunView>& live, const StatusReport* report) {
  Json out = Json::object();
  if (live) {
    const RunProgress& progress = live->progress;
    out["run_id"] = progress.run_id;
    out["source"] = "daemon";
    out["started_at"] = FormatIsoUtcMillis(progress.started_at_ms);
    out["shard"] = progress.shard.empty() ? Json() : Json(progress.shard);
    out["dry_run"] = progress.dry_run;
    out["users_total"] = progress.users_total >= 0 ? Json(progress.users_total) : Json();
    out["users_total_estimated"] = progress.users_total_estimated;
    out["users_seen"] = progress.users_seen;
    out["users_done"] = progress.done();
    out["outcomes"] = OutcomesToJson(progress);
    out["progress"] = progress.users_total > 0
                          ? Json(std::min(1.0, static_cast<double>(progress.done()) /
                                                   static_cast<double>(progress.users_total)))
                          : Json();
    out["users_per_second"] = OptionalNumber(live->users_per_second);
    out["eta_seconds"] = OptionalNumber(live->eta_seconds);
    return out;
  }
  if (report == nullptr || report->current_runs.empty()) return Json();
  const RunRecord& run = report->current_runs.front();
  out["run_id"] = run.run_id;
  out["source"] = "store";  // another process runs it: no live progress
  out["started_at"] = FormatIsoUtcMillis(run.started_at_ms);
  out["shard"] = run.shard.empty() ? Json() : Json(run.shard);
  out["dry_run"] = false;
  for (const char* key : {"users_total", "users_total_estimated", "users_seen", "users_done",
                          "outcomes", "progress", "users_per_second", "eta_seconds"}) {
    out[key] = Json();
  }
  return out;
}

Json ScheduleToJson(const ScheduleView& schedule) {
  Json out = Json::object();
  out["mode"] = schedule.mode;
  out["cron"] = schedule.cron;
  out["timezone"] = schedule.timezone;
  out["next_run_at"] = schedule.next_run_at.empty() ? Json() : Json(schedule.next_run_at);
  out["ticks_skipped"] = schedule.ticks_skipped ? Json(*schedule.ticks_skipped) : Json();
  out["daemon"] = schedule.daemon;
  return out;
}

std::string LockNameOf(const RunRecord& run) {
  if (run.shard.empty()) return RunLockName(nullptr);
  auto shard = ParseShard(run.shard);
  return shard.ok() ? RunLockName(&*shard) : RunLockName(nullptr);
}

std::string TextOf(const Json& value, const std::string& fallback = "-") {
  if (value.is_null()) return fallback;
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_float()) return fmt::format("{:.1f}", value.get<double>());
  return value.dump();
}

}  // namespace

Result<StatusReport> GatherStatus(CacheStore& store, int runs, int failing_users, int64_t now_ms) {
  StatusReport report;
  auto recent = store.RecentRuns(runs);
  if (!recent.ok()) return recent.error();
  report.runs = std::move(*recent);
  auto failing = store.FailingUsers(kFailingUsersCounted);
  if (!failing.ok()) return failing.error();
  report.counts_complete = failing->size() < static_cast<size_t>(kFailingUsersCounted);
  for (UserState& user : *failing) {
    if (user.consecutive_failures >= kPersistentFailureRuns) {
      ++report.persistent_count;
      if (report.persistent_failures.size() < static_cast<size_t>(std::max(failing_users, 0))) {
        report.persistent_failures.push_back(std::move(user));
      }
    } else {
      ++report.one_off_count;
    }
  }

  std::map<std::string, std::optional<LockLease>> leases;  // lock name → lease, read once each
  for (RunRecord& run : report.runs) {
    if (run.status != "running") continue;
    const std::string lock = LockNameOf(run);
    if (!leases.contains(lock)) {
      auto lease = store.ReadLock(lock);
      if (!lease.ok()) return lease.error();
      leases[lock] = *lease;
    }
    const std::optional<LockLease>& lease = leases[lock];
    const bool alive = lease && lease->owner == run.run_id && lease->expires_at_ms > now_ms;
    if (alive) {
      report.current_runs.push_back(run);
    } else {
      run.status = kRunStatusLost;
    }
  }
  return report;
}

Json BuildStatusDocument(const Result<StatusReport>& report, const ScheduleView& schedule,
                         const std::optional<LiveRunView>& live, int64_t now_ms) {
  Json out = Json::object();
  out["generated_at"] = FormatIsoUtcMillis(now_ms);
  out["schedule"] = ScheduleToJson(schedule);
  out["current_run"] = CurrentRunToJson(live, report.ok() ? &*report : nullptr);
  out["runs"] = Json::array();
  out["failures"] = Json::object();
  out["failing_users"] = Json::array();
  out["store_error"] = Json();
  if (!report.ok()) {
    out["failures"]["persistent_users"] = Json();
    out["failures"]["one_off_users"] = Json();
    out["failures"]["complete"] = false;
    out["failures"]["persistent_after_runs"] = kPersistentFailureRuns;
    out["store_error"] = RedactSecrets(report.error().ToString());
    return out;
  }
  for (const auto& run : report->runs) out["runs"].push_back(RunToJson(run));
  out["failures"]["persistent_users"] = report->persistent_count;
  out["failures"]["one_off_users"] = report->one_off_count;
  out["failures"]["complete"] = report->counts_complete;
  out["failures"]["persistent_after_runs"] = kPersistentFailureRuns;
  for (const auto& user : report->persistent_failures) {
    out["failing_users"].push_back(UserToJson(user));
  }
  return out;
}

std::string RenderStatusText(const Json& document) {
  std::string out;
  const Json& schedule = document["schedule"];
  out += fmt::format("Schedule: {} ({}, {}) next run {}\n", TextOf(schedule["cron"]),
                     TextOf(schedule["timezone"]), TextOf(schedule["mode"]),
                     TextOf(schedule["next_run_at"], "unknown"));
  const Json& current = document["current_run"];
  if (current.is_null()) {
    out += "Now: idle\n";
  } else if (current["users_done"].is_null()) {
    out += fmt::format("Now: running {} since {}\n", TextOf(current["run_id"]),
                       TextOf(current["started_at"]));
  } else {
    out += fmt::format("Now: running {} since {}: {}/{} users, {} users/s, ETA {} s\n",
                       TextOf(current["run_id"]), TextOf(current["started_at"]),
                       TextOf(current["users_done"]), TextOf(current["users_total"], "?"),
                       TextOf(current["users_per_second"]), TextOf(current["eta_seconds"]));
  }
  if (!document["store_error"].is_null()) {
    out += "Store unavailable: " + TextOf(document["store_error"]) + "\n";
    return out;
  }

  out += fmt::format("\n{:<28} {:<24} {:<12} {:>9} {:>7} {:>7} {:>7} {:>9} {:>7} {:>7} {:>9}\n",
                     "RUN", "STARTED", "STATUS", "DURATION", "SEEN", "BUILT", "UPDATED",
                     "UNCHANGED", "FAILED", "BACKOFF", "API CALLS");
  std::vector<std::string> reasons;
  for (const auto& run : document["runs"]) {
    const std::string duration =
        run["duration_seconds"].is_null()
            ? "-"
            : fmt::format("{:.1f}s", run["duration_seconds"].get<double>());
    out += fmt::format("{:<28} {:<24} {:<12} {:>9} {:>7} {:>7} {:>7} {:>9} {:>7} {:>7} {:>9}\n",
                       TextOf(run["run_id"]), TextOf(run["started_at"]), TextOf(run["status"]),
                       duration, TextOf(run["users_seen"]), TextOf(run["built"]),
                       TextOf(run["updated"]), TextOf(run["unchanged"]), TextOf(run["failed"]),
                       TextOf(run["skipped_backoff"]), TextOf(run["api_requests"]));
    if (!run["reason"].is_null()) {
      reasons.push_back(fmt::format("  {} {}: {}", TextOf(run["run_id"]), TextOf(run["status"]),
                                    TextOf(run["reason"])));
    }
  }
  if (!reasons.empty()) {
    out += "\nWhy runs stopped early:\n";
    for (const std::string& line : reasons) out += line + "\n";
  }

  const Json& failures = document["failures"];
  const std::string at_least = failures["complete"].get<bool>() ? "" : "at least ";
  out += fmt::format(
      "\nUsers failing persistently ({}{} users failed {} or more runs in a row; {} shown):\n",
      at_least, TextOf(failures["persistent_users"]), kPersistentFailureRuns,
      document["failing_users"].size());
  out += fmt::format("{:>12} {:>11} {:<16} {:<24} {:<24} {}\n", "USER", "FAILED RUNS", "LAST CLASS",
                     "LAST ATTEMPT", "NEXT ATTEMPT", "LAST ERROR");
  for (const auto& user : document["failing_users"]) {
    out += fmt::format("{:>12} {:>11} {:<16} {:<24} {:<24} {}\n", TextOf(user["user_id"]),
                       TextOf(user["failed_runs"]), TextOf(user["last_error_class"]),
                       TextOf(user["last_attempt_at"]), TextOf(user["next_attempt_at"], "next run"),
                       TextOf(user["last_error"]));
  }
  out += fmt::format("One-off failures (failed their last attempt only, retried next run): {}{}\n",
                     at_least, TextOf(failures["one_off_users"]));
  return out;
}

}  // namespace tc
