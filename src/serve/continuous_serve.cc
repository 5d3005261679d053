#include "serve/continuous_serve.h"

#include <algorithm>
#include <chrono>

#include "bytemark/curl_transport.h"
#include "bytemark/transport_options.h"
#include "log/logger.h"
#include "run/refresh_run.h"
#include "selection/cache_age_census.h"

namespace tc {

ContinuousLoopOptions ContinuousOptionsFor(const RefreshConfig& refresh) {
  ContinuousLoopOptions options;
  options.ttl_seconds = std::chrono::duration_cast<std::chrono::seconds>(refresh.ttl).count();
  options.refresh_ahead_seconds =
      std::chrono::duration_cast<std::chrono::seconds>(refresh.refresh_ahead).count();
  options.slice_seconds = kContinuousSliceSeconds;
  options.census_every_slices = kContinuousCensusEverySlices;
  options.capacity_per_slice =
      refresh.rate_limit > 0
          ? std::max<int64_t>(1, static_cast<int64_t>(refresh.rate_limit * kContinuousSliceSeconds /
                                                      kRequestsPerUser))
          : 0;
  return options;
}

double PassRateLimit(const RefreshConfig& refresh, size_t users, int64_t slice_seconds) {
  const double spread = static_cast<double>(users) * kRequestsPerUser /
                        (0.9 * static_cast<double>(std::max<int64_t>(1, slice_seconds)));
  const double floor_rate = 1.0;  // a pass of one user still starts at once
  const double rate = std::max(spread, floor_rate);
  return refresh.rate_limit > 0 ? std::min(refresh.rate_limit, rate) : rate;
}

void RunContinuousMode(const ContinuousServeEnvironment& env) {
  const Config& cfg = env.config;
  ContinuousLoop::Callbacks callbacks;
  callbacks.census = [&]() -> Result<std::vector<CensusEntry>> {
    std::vector<CensusEntry> entries;
    Status visited = VisitCacheAges(env.tokens, env.store, cfg.tokens.page_size, std::nullopt,
                                    [&](int64_t user, std::optional<int64_t> timestamp) {
                                      entries.push_back(CensusEntry{user, timestamp});
                                    });
    if (!visited.ok()) return visited.error();
    return entries;
  };
  callbacks.refresh = [&](const std::vector<int64_t>& users, Duration slice) {
    Config pass_config = cfg;
    pass_config.refresh.rate_limit = PassRateLimit(
        cfg.refresh, users.size(), std::chrono::duration_cast<std::chrono::seconds>(slice).count());
    CurlTransport transport(TransportOptionsFor(pass_config));
    RunEnvironment run_env{pass_config, env.tokens,  env.store, transport,
                           env.clock,   env.metrics, &env.stop};
    RunRequest request;
    request.only_users = users;
    request.continuous_pass = true;
    request.force = true;  // taken ahead of their due time by the pace: refresh them anyway
    if (env.prepare_run) env.prepare_run(run_env);
    const RunSummary summary = ExecuteRun(run_env, request);
    if (env.on_run) env.on_run(summary);
  };
  if (env.recently_active != nullptr) {
    callbacks.recently_active = [&env](int64_t user) {
      const int64_t since = env.clock.NowUnixMillis() - env.config.refresh.ttl.count();
      return env.recently_active->ActiveSince(user, since);
    };
  }
  callbacks.on_pass = [&](const ContinuousPass& pass) {
    if (env.metrics != nullptr) {
      env.metrics->ObserveContinuousPass(pass.due_in_horizon, pass.overdue, pass.past_ttl,
                                         pass.will_miss_ttl);
    }
    if (pass.will_miss_ttl > 0) {
      LogWarn("continuous pass: the budget does not cover every user within the ttl",
              {{"users", static_cast<int64_t>(pass.users.size())},
               {"pace_per_minute", pass.pace_per_slice},
               {"overdue", pass.overdue},
               {"past_ttl", pass.past_ttl},
               {"will_miss_ttl", pass.will_miss_ttl}});
    }
  };
  callbacks.on_census_error = [](const Error& error) {
    LogWarn("continuous census failed; keeping the previous due table",
            {{"error", error.ToString()}});
  };
  ContinuousLoop loop(env.clock, ContinuousOptionsFor(cfg.refresh), std::move(callbacks), env.stop);
  loop.Run();
}

}  // namespace tc
