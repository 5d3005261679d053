// `run --refresh-requests`: drains the due refresh requests once and exits, for platforms that
// keep a cron (docs/operations.md). One JSON summary on stdout with the drain's own counts.
#include <fmt/format.h>

#include <atomic>
#include <csignal>
#include <iostream>
#include <string>

#include "api/rate_limiter.h"
#include "bytemark/curl_transport.h"
#include "bytemark/transport_options.h"
#include "clock/clock.h"
#include "commands/commands.h"
#include "commands/job_setup.h"
#include "failure/circuit_breaker.h"
#include "json/js_json.h"
#include "log/logger.h"
#include "log/secret_redactor.h"
#include "run/on_demand_refresher.h"
#include "run/refresh_request_drain.h"
#include "run/user_flights.h"
#include "storage/open_cache_store.h"
#include "tokens/refresh_request_source.h"

namespace tc {
namespace {

std::atomic<bool> g_drain_stop{false};

extern "C" void RequestDrainStop(int /*signal*/) { g_drain_stop.store(true); }

}  // namespace

int RefreshRequestsCommand(const CommonOptions& common, const RunFlags& flags) {
  auto config = LoadJobConfig(common);
  if (!config.ok()) return ReportStartupError("configuration", config.error());
  if (!flags.users.empty() || flags.force || flags.dry_run) {
    return ReportStartupError(
        "usage", MakeError(ErrorClass::kConfig,
                           "--refresh-requests takes no --user, --force or --dry-run: the due "
                           "requests say who is refreshed"));
  }
  RefreshRequestOptions options;
  options.types = config->refresh_requests.types;
  options.page_size = config->tokens.page_size;
  if (!flags.shard.empty()) {
    auto shard = ParseShard(flags.shard);
    if (!shard.ok()) return ReportStartupError("usage", shard.error());
    options.shard = *shard;
  }

  SystemClock clock;
  const int64_t started_at = clock.NowUnixMillis();
  Json summary = Json::object();
  summary["kind"] = "refresh_requests";
  summary["started_at"] = FormatIsoUtcMillis(started_at);
  const auto print = [&](const char* status, const std::string& reason) {
    const int64_t finished_at = clock.NowUnixMillis();
    Json out = summary;
    out["finished_at"] = FormatIsoUtcMillis(finished_at);
    out["duration_ms"] = finished_at - started_at;
    out["status"] = status;
    if (!reason.empty()) out["reason"] = reason;
    if (options.shard) out["shard"] = options.shard->ToString();
    std::cout << out.dump() << std::endl;
  };
  const auto aborted = [&](const std::string& what, const Error& error) {
    summary.update(RefreshRequestCountsJson({}));
    summary["api_requests"] = 0;
    print("aborted", what + ": " + RedactSecrets(error.ToString()));
    ReportStartupError(what, error);
    return error.error_class == ErrorClass::kConfig ? kExitUsage : kExitAborted;
  };
  auto requests = OpenRefreshRequestSource(config->tokens, config->refresh_requests);
  if (!requests.ok()) return aborted("refresh request table", requests.error());
  auto tokens = OpenTokenSource(config->tokens);
  if (!tokens.ok()) return aborted("token source", tokens.error());
  auto store = OpenCacheStore(config->store);
  if (!store.ok()) return aborted("cache store", store.error());

  g_drain_stop = false;
  for (const int signal : kStopSignals) std::signal(signal, RequestDrainStop);
  RateLimiter limiter(config->refresh.rate_limit, clock.SteadyNow());
  CircuitBreaker breaker(*config);
  UserFlights flights;
  CurlTransport transport(TransportOptionsFor(*config));
  // No caller waits on a deadline here: the drain waits for every outcome.
  OnDemandRefresher refresher(*config, config->on_demand.deadline, **tokens, **store, transport,
                              clock, SharedApiState{limiter, breaker, flights});
  refresher.Start();
  RefreshRequestDrain drain(**requests, refresher, flights, clock, options);
  auto drained = drain.DrainOnce(g_drain_stop);
  refresher.Stop();  // answers what a stop left in flight (abandoned: rows stay pending)
  drain.ApplyOutcomes();
  for (const int signal : kStopSignals) std::signal(signal, SIG_DFL);
  if (!drained.ok()) return aborted("refresh request table", drained.error());

  const RefreshRequestCounts& counts = drain.counts();
  summary.update(RefreshRequestCountsJson(counts));
  summary["api_requests"] = refresher.api_requests();
  const bool degraded =
      counts.failures_by_class.contains(std::string(ErrorClassName(ErrorClass::kCircuitOpen)));
  print(degraded ? "degraded" : "ok", "");
  LogInfo("refresh requests drained", {{"rows_read", counts.rows_read},
                                       {"users", counts.users},
                                       {"rows_processed", counts.rows_processed},
                                       {"users_failed", counts.users_failed}});
  return degraded ? kExitDegraded : kExitOk;
}

}  // namespace tc
