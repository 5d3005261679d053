#include <iostream>

#include <fmt/format.h>

#include "commands/commands.h"
#include "report/run_summary.h"

namespace tc {

namespace {

constexpr int kFailingUsersShown = 20;

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

}  // namespace

int StatusCommand(const CommonOptions& common, bool json, int runs) {
  auto config = LoadJobConfig(common);
  if (!config.ok()) return ReportStartupError("configuration", config.error());
  auto store = OpenCacheStore(config->store, StoreAccess::kReadOnly);
  if (!store.ok()) return ReportStartupError("cache store", store.error());
  auto recent = (*store)->RecentRuns(runs);
  if (!recent.ok()) return ReportStartupError("run history", recent.error());
  auto failing = (*store)->FailingUsers(kFailingUsersShown);
  if (!failing.ok()) return ReportStartupError("user state", failing.error());

  if (json) {
    Json out = Json::object();
    out["runs"] = Json::array();
    for (const auto& run : *recent) out["runs"].push_back(RunToJson(run));
    out["failing_users"] = Json::array();
    for (const auto& user : *failing) out["failing_users"].push_back(UserToJson(user));
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }

  std::cout << fmt::format("{:<28} {:<24} {:<12} {:>9} {:>8} {:>8} {:>8} {:>7} {:>10}\n",
                           "RUN", "STARTED", "STATUS", "DURATION", "SEEN", "REFRESH", "FAILED",
                           "BACKOFF", "API CALLS");
  for (const auto& run : *recent) {
    const Json summary = RunToJson(run)["summary"];
    const int64_t refreshed = SummaryField(summary, "built") + SummaryField(summary, "updated") +
                              SummaryField(summary, "unchanged");
    const std::string duration =
        run.finished_at_ms ? fmt::format("{:.1f}s", (run.finished_at_ms - run.started_at_ms) / 1000.0)
                           : "-";
    std::cout << fmt::format("{:<28} {:<24} {:<12} {:>9} {:>8} {:>8} {:>8} {:>7} {:>10}\n",
                             run.run_id, FormatIsoUtcMillis(run.started_at_ms), run.status,
                             duration, SummaryField(summary, "users_seen"), refreshed,
                             SummaryField(summary, "failed"),
                             SummaryField(summary, "skipped_backoff"),
                             SummaryField(summary, "api_requests"));
  }
  std::cout << "\nUsers failing persistently (" << failing->size() << " shown):\n";
  std::cout << fmt::format("{:>12} {:>9} {:<16} {:<24} {}\n", "USER", "FAILURES", "LAST CLASS",
                           "NEXT ATTEMPT", "LAST ERROR");
  for (const auto& user : *failing) {
    std::cout << fmt::format(
        "{:>12} {:>9} {:<16} {:<24} {}\n", user.user_id, user.consecutive_failures,
        user.last_error_class,
        user.next_attempt_at ? FormatIsoUtcMillis(user.next_attempt_at * 1000) : "next run",
        user.last_error_message);
  }
  return kExitOk;
}

}  // namespace tc
