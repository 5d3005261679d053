// What `status`, `status --json`, serve's `/api/status` and its status page show, built in one
// place: the schedule, the run going now (with live progress when the daemon runs it), recent
// runs with their counts and reasons (a run whose process died shows as "lost"), and the users
// failing persistently, with one-off failures counted apart. Field names: docs/operations.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "error/error.h"
#include "json/js_json.h"
#include "run/run_observer.h"
#include "store/cache_store.h"

namespace tc {

// A run record says "running" from its start until it saves its outcome. After a kill -9 or an
// OOM it never saves one; its lock lease is what tells: a running record whose run lock is free,
// expired, or held by another run is "lost" (docs/operations.md).
inline constexpr const char* kRunStatusLost = "lost";

// How many failing users GatherStatus reads to count persistent and one-off failures. Beyond
// that the counts are lower bounds (`failures.complete` is false).
inline constexpr int kFailingUsersCounted = 1000;

struct StatusReport {
  std::vector<RunRecord> runs;  // newest first; status "lost" where the lease is gone
  std::vector<UserState> persistent_failures;  // most failures first, at most the asked number
  std::vector<RunRecord> current_runs;         // the runs of `runs` still "running"
  int64_t persistent_count = 0;
  int64_t one_off_count = 0;
  bool counts_complete = true;  // false when more than kFailingUsersCounted users are failing
};

// Reads the last `runs` run records, the failing users (`failing_users` persistent ones kept),
// and each running record's lock lease, judged at `now_ms`. Errors are the store's.
Result<StatusReport> GatherStatus(CacheStore& store, int runs, int failing_users, int64_t now_ms);

// The schedule as the document shows it.
struct ScheduleView {
  std::string mode = "cron";
  std::string cron;
  std::string timezone;
  std::string next_run_at;               // zoned ISO time; empty: unknown
  std::optional<int64_t> ticks_skipped;  // the daemon's count; nullopt outside the daemon
  bool daemon = false;                   // the document comes from `serve`
};

// A run this process is running, as its RunObserver last saw it.
struct LiveRunView {
  RunProgress progress;
  std::optional<double> users_per_second;  // nullopt until measurable
  std::optional<double> eta_seconds;       // nullopt when the total or the rate is unknown
};

// The status document (`status --json`, `/api/status`). `report` may be an error (the store is
// down): the document then says so in `store_error` and still carries schedule and live run.
Json BuildStatusDocument(const Result<StatusReport>& report, const ScheduleView& schedule,
                         const std::optional<LiveRunView>& live, int64_t now_ms);

// `status`: schedule and current run, a runs table with reasons, then persistent failures and
// the one-off count, from the document above.
std::string RenderStatusText(const Json& document);

}  // namespace tc
