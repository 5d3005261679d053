// What `status`, `status --json` and `serve`'s status page show, gathered in one place: recent
// runs (a run whose process died shows as "lost"), the users failing persistently, and the runs
// going now.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "error/error.h"
#include "json/js_json.h"
#include "store/cache_store.h"

namespace tc {

// A run record says "running" from its start until it saves its outcome. After a kill -9 or an
// OOM it never saves one; its lock lease is what tells: a running record whose run lock is free,
// expired, or held by another run is "lost" (docs/operations.md).
inline constexpr const char* kRunStatusLost = "lost";

struct StatusReport {
  std::vector<RunRecord> runs;           // newest first; status "lost" where the lease is gone
  std::vector<UserState> failing_users;  // most failures first
  std::vector<RunRecord> current_runs;   // the runs of `runs` still "running"
};

// Reads the last `runs` run records and `failing_users` failing users, and each running record's
// lock lease, judged at `now_ms`. Errors are the store's.
Result<StatusReport> GatherStatus(CacheStore& store, int runs, int failing_users, int64_t now_ms);

// `status --json`: {"runs": [...], "failing_users": [...]}.
Json StatusReportToJson(const StatusReport& report);

// `status`: a runs table, then the failing users.
std::string RenderStatusText(const StatusReport& report);

}  // namespace tc
