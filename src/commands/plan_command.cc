// `ticketcache plan`: the refresh planner (docs/operations.md). Counts the users, takes one census
// of the caches' ages and prints what the configured budget can do (schedule/refresh_plan.h).
#include <algorithm>
#include <chrono>

#include "clock/clock.h"
#include "commands/commands.h"
#include "commands/standard_output.h"
#include "schedule/refresh_plan.h"
#include "selection/cache_age_census.h"
#include "selection/freshness.h"
#include "storage/open_cache_store.h"

namespace tc {

namespace {

double Seconds(std::chrono::milliseconds duration) {
  return static_cast<double>(duration.count()) / 1000.0;
}

}  // namespace

int PlanCommand(const CommonOptions& common, const PlanFlags& flags) {
  auto config = LoadJobConfig(common);
  if (!config.ok()) return ReportStartupError("configuration", config.error());
  const RefreshConfig& refresh = config->refresh;
  if (refresh.ttl <= refresh.refresh_ahead) {
    return ReportStartupError(
        "configuration",
        MakeError(ErrorClass::kConfig, "refresh.refresh_ahead must be shorter than refresh.ttl"));
  }

  PlanInputs inputs;
  inputs.ttl_seconds = Seconds(refresh.ttl);
  inputs.refresh_ahead_seconds = Seconds(refresh.refresh_ahead);
  inputs.rate_limit = flags.rate_limit >= 0 ? flags.rate_limit : refresh.rate_limit;
  inputs.concurrency = flags.concurrency > 0 ? flags.concurrency : refresh.concurrency;
  inputs.latency_seconds = flags.latency_ms / 1000.0;
  inputs.requests_per_user = flags.requests_per_user;
  inputs.shards = flags.shards;

  if (flags.users >= 0) {
    inputs.ages.users = flags.users;  // a what-if: no store is read
  } else {
    auto tokens = OpenTokenSource(config->tokens);
    if (!tokens.ok()) return ReportStartupError("token source", tokens.error());
    auto store = OpenCacheStore(config->store, StoreAccess::kReadOnly);
    if (!store.ok()) return ReportStartupError("cache store", store.error());
    SystemClock clock;
    const int64_t now = clock.NowUnixSeconds();
    const int64_t due_at_or_before = StaleAtOrBefore(now, refresh);
    const int64_t expired_at_or_before = now - static_cast<int64_t>(inputs.ttl_seconds);
    CacheAges& ages = inputs.ages;
    Status visited = VisitCacheAges(**tokens, **store, config->tokens.page_size, std::nullopt,
                                    [&](int64_t /*user_id*/, std::optional<int64_t> timestamp) {
                                      ++ages.users;
                                      if (!timestamp) {
                                        ++ages.missing;
                                        return;
                                      }
                                      ages.due_now += *timestamp <= due_at_or_before ? 1 : 0;
                                      ages.expired += *timestamp <= expired_at_or_before ? 1 : 0;
                                      ages.oldest_age_seconds =
                                          std::max(ages.oldest_age_seconds, now - *timestamp);
                                    });
    if (!visited.ok()) return ReportStartupError("census", visited.error());
    ages.due_now += ages.missing;
    ages.expired += ages.missing;
  }

  const RefreshPlan plan = ComputeRefreshPlan(inputs);
  return WriteStandardOutput(flags.json ? RenderRefreshPlanJson(inputs, plan)
                                        : RenderRefreshPlanText(inputs, plan));
}

}  // namespace tc
