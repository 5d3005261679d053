#include "lifecycle/prune.h"

#include <fmt/format.h>

#include <cmath>
#include <vector>

#include "lifecycle/orphan_join.h"
#include "log/logger.h"

namespace tc {
namespace {

void LogUsers(std::string_view message, std::span<const int64_t> users, const char* records) {
  for (int64_t user : users) LogInfo(message, {{"user_id", user}, {"records", records}});
}

Status StopCheck(const PruneOptions& options) {
  if (options.stop != nullptr && options.stop->load()) {
    return MakeError(ErrorClass::kInterrupted, "prune stopped before it finished");
  }
  return Status::Ok();
}

}  // namespace

std::string PruneRefusal(const PruneReport& report, double max_fraction) {
  return fmt::format(
      "prune refused: {} of {} caches belong to users without a token, more than "
      "prune.max_fraction ({}) allows ({}); a truncated or wrong token table looks like this. "
      "Check tokens.url and tokens.table, then rerun with --force to delete them anyway",
      report.orphaned_caches, report.caches, max_fraction, report.max_caches);
}

nlohmann::json PruneSummary(const PruneReport& report, const RetentionReport* retention) {
  auto optional = [](const std::optional<int64_t>& value) {
    return value ? nlohmann::json(*value) : nlohmann::json();
  };
  nlohmann::json out = nlohmann::json::object();
  out["command"] = "prune";
  out["status"] = report.refused ? "refused" : "ok";
  out["dry_run"] = report.dry_run;
  out["caches"] = report.caches;
  out["orphaned_caches"] = report.orphaned_caches;
  out["max_caches"] = report.max_caches;
  out["pruned_caches"] = report.pruned_caches;
  out["orphaned_user_states"] = report.orphaned_states;
  out["pruned_user_states"] = report.pruned_states;
  out["runs_deleted"] = retention != nullptr ? optional(retention->runs_deleted) : nullptr;
  out["audit_deleted"] = retention != nullptr ? optional(retention->audit_deleted) : nullptr;
  out["duration_ms"] = report.duration_ms;
  return out;
}

Result<PruneReport> PruneOrphans(TokenSource& tokens, CacheStore& store, const Clock& clock,
                                 const PruneOptions& options) {
  const int64_t started_ms = clock.NowUnixMillis();
  PruneReport report;
  report.dry_run = options.dry_run;
  auto caches = store.CountCaches();
  if (!caches.ok()) {
    return MakeError(caches.error().error_class,
                     "cache store failed counting caches: " + caches.error().ToString());
  }
  report.caches = *caches;
  report.max_caches =
      static_cast<int64_t>(std::floor(options.max_fraction * static_cast<double>(*caches)));

  // Pass 1: count (and list, in a dry run). Nothing is deleted before the bound is judged.
  Status counted = VisitOrphans(tokens, store, UserRecords::kCaches, options.page_size,
                                [&](std::span<const int64_t> users) {
                                  report.orphaned_caches += static_cast<int64_t>(users.size());
                                  if (options.dry_run) LogUsers("would prune", users, "cache");
                                  return StopCheck(options);
                                });
  if (!counted.ok()) return counted.error();
  report.refused = !options.force && report.orphaned_caches > report.max_caches;
  const bool deleting = !options.dry_run && !report.refused;

  // Pass 2: delete page by page, still within the bound.
  if (deleting && report.orphaned_caches > 0) {
    Status deleted = VisitOrphans(
        tokens, store, UserRecords::kCaches, options.page_size,
        [&](std::span<const int64_t> users) -> Status {
          if (Status stop = StopCheck(options); !stop.ok()) return stop;
          if (users.empty()) return Status::Ok();
          if (!options.force &&
              report.pruned_caches + static_cast<int64_t>(users.size()) > report.max_caches) {
            report.refused = true;
            return MakeError(ErrorClass::kInterrupted, "the bound is reached");
          }
          auto gone = store.DeleteUsers(users);
          if (!gone.ok()) {
            return MakeError(gone.error().error_class,
                             "cache store failed deleting caches: " + gone.error().ToString());
          }
          report.pruned_caches += *gone;
          LogUsers("pruned", users, "cache");
          return Status::Ok();
        });
    if (!deleted.ok() && !report.refused) return deleted.error();
  }

  // The failure memory of users without a token and without a cache (a user whose first build
  // keeps failing): never a cache, so no bound of its own; skipped when the prune is refused.
  if (!report.refused) {
    Status states = VisitOrphans(
        tokens, store, UserRecords::kUserStates, options.page_size,
        [&](std::span<const int64_t> users) -> Status {
          if (Status stop = StopCheck(options); !stop.ok()) return stop;
          report.orphaned_states += static_cast<int64_t>(users.size());
          if (users.empty() || options.dry_run) return Status::Ok();
          auto gone = store.DeleteUsers(users);
          if (!gone.ok()) {
            return MakeError(gone.error().error_class,
                             "cache store failed deleting user states: " + gone.error().ToString());
          }
          report.pruned_states += static_cast<int64_t>(users.size());
          LogUsers("pruned", users, "user_state");
          return Status::Ok();
        });
    if (!states.ok()) return states.error();
  }
  report.duration_ms = clock.NowUnixMillis() - started_ms;
  return report;
}

}  // namespace tc
