#include "commands/status_report.h"

#include <fmt/format.h>

#include <map>
#include <optional>

#include "engine/shard.h"
#include "report/run_summary.h"

namespace tc {

namespace {

Json RunToJson(const RunRecord& run) {
  Json out = Json::object();
  out["run_id"] = run.run_id;
  out["started_at"] = FormatIsoUtcMillis(run.started_at_ms);
  out["finished_at"] = run.finished_at_ms ? Json(FormatIsoUtcMillis(run.finished_at_ms)) : Json();
  out["status"] = run.status;
  if (!run.shard.empty()) out["shard"] = run.shard;
  auto summary = ParseJsJson(run.summary_json);
  out["summary"] = summary.ok() ? *summary : Json();
  return out;
}

Json UserToJson(const UserState& user) {
  Json out = Json::object();
  out["user_id"] = user.user_id;
  out["consecutive_failures"] = user.consecutive_failures;
  out["last_error_class"] = user.last_error_class;
  out["last_error"] = user.last_error_message;
  out["last_attempt_at"] = FormatIsoUtcMillis(user.last_attempt_at * 1000);
  out["next_attempt_at"] =
      user.next_attempt_at ? Json(FormatIsoUtcMillis(user.next_attempt_at * 1000)) : Json();
  return out;
}

int64_t SummaryField(const Json& summary, const char* key) {
  return summary.is_object() && summary.contains(key) && summary[key].is_number_integer()
             ? summary[key].get<int64_t>()
             : 0;
}

std::string LockNameOf(const RunRecord& run) {
  if (run.shard.empty()) return RunLockName(nullptr);
  auto shard = ParseShard(run.shard);
  return shard.ok() ? RunLockName(&*shard) : RunLockName(nullptr);
}

}  // namespace

Result<StatusReport> GatherStatus(CacheStore& store, int runs, int failing_users, int64_t now_ms) {
  StatusReport report;
  auto recent = store.RecentRuns(runs);
  if (!recent.ok()) return recent.error();
  report.runs = std::move(*recent);
  auto failing = store.FailingUsers(failing_users);
  if (!failing.ok()) return failing.error();
  report.failing_users = std::move(*failing);

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

Json StatusReportToJson(const StatusReport& report) {
  Json out = Json::object();
  out["runs"] = Json::array();
  for (const auto& run : report.runs) out["runs"].push_back(RunToJson(run));
  out["failing_users"] = Json::array();
  for (const auto& user : report.failing_users) out["failing_users"].push_back(UserToJson(user));
  return out;
}

std::string RenderStatusText(const StatusReport& report) {
  std::string out =
      fmt::format("{:<28} {:<24} {:<12} {:>9} {:>8} {:>8} {:>8} {:>7} {:>10}\n", "RUN", "STARTED",
                  "STATUS", "DURATION", "SEEN", "REFRESH", "FAILED", "BACKOFF", "API CALLS");
  for (const auto& run : report.runs) {
    const Json summary = RunToJson(run)["summary"];
    const int64_t refreshed = SummaryField(summary, "built") + SummaryField(summary, "updated") +
                              SummaryField(summary, "unchanged");
    const std::string duration =
        run.finished_at_ms
            ? fmt::format("{:.1f}s",
                          static_cast<double>(run.finished_at_ms - run.started_at_ms) / 1000.0)
            : "-";
    out += fmt::format("{:<28} {:<24} {:<12} {:>9} {:>8} {:>8} {:>8} {:>7} {:>10}\n", run.run_id,
                       FormatIsoUtcMillis(run.started_at_ms), run.status, duration,
                       SummaryField(summary, "users_seen"), refreshed,
                       SummaryField(summary, "failed"), SummaryField(summary, "skipped_backoff"),
                       SummaryField(summary, "api_requests"));
  }
  out += fmt::format("\nUsers failing persistently ({} shown):\n", report.failing_users.size());
  out += fmt::format("{:>12} {:>9} {:<16} {:<24} {}\n", "USER", "FAILURES", "LAST CLASS",
                     "NEXT ATTEMPT", "LAST ERROR");
  for (const auto& user : report.failing_users) {
    out += fmt::format(
        "{:>12} {:>9} {:<16} {:<24} {}\n", user.user_id, user.consecutive_failures,
        user.last_error_class,
        user.next_attempt_at ? FormatIsoUtcMillis(user.next_attempt_at * 1000) : "next run",
        user.last_error_message);
  }
  return out;
}

}  // namespace tc
