#include <atomic>
#include <csignal>
#include <iostream>
#include <mutex>

#include "api/circuit_breaker.h"
#include "api/rate_limiter.h"
#include "bytemark/curl_transport.h"
#include "commands/commands.h"
#include "commands/http_endpoint.h"
#include "commands/on_demand_route.h"
#include "commands/readiness_probe.h"
#include "commands/schedule_loop.h"
#include "commands/status_page.h"
#include "commands/status_report.h"
#include "log/logger.h"
#include "log/secret_redactor.h"
#include "report/job_metrics.h"
#include "run/on_demand_refresher.h"
#include "run/refresh_run.h"
#include "run/user_flights.h"
#include "schedule/cron_schedule.h"

namespace tc {

namespace {

std::atomic<bool> g_serve_stop{false};

extern "C" void RequestServeStop(int /*signal*/) { g_serve_stop.store(true); }

constexpr int kStatusPageRuns = 20;
constexpr int kStatusPageFailingUsers = 20;
constexpr size_t kMaxRequestBodyBytes = 4096;  // POST bodies (the on-demand endpoint reads none)

// What the daemon knows between runs, shared by the scheduler and the HTTP threads.
struct DaemonState {
  std::mutex mutex;
  ScheduleState schedule;  // guarded by mutex
};

}  // namespace

int ServeCommand(const CommonOptions& common) {
  auto config = LoadJobConfig(common);
  if (!config.ok()) return ReportStartupError("configuration", config.error());
  auto cron = CronExpression::Parse(config->schedule.cron);
  if (!cron.ok()) {
    return ReportStartupError(
        "configuration", MakeError(ErrorClass::kConfig, "schedule.cron: " + cron.error().message));
  }
  auto zone = LocateTimeZone(config->schedule.timezone);
  if (!zone.ok()) return ReportStartupError("configuration", zone.error());
  auto tokens = OpenTokenSource(config->tokens);
  if (!tokens.ok()) return ReportStartupError("token source", tokens.error());
  auto store = OpenCacheStore(config->store);
  if (!store.ok()) return ReportStartupError("cache store", store.error());

  const Config& cfg = *config;
  CacheStore& cache_store = **store;
  SystemClock clock;
  JobMetrics metrics;
  DaemonState state;
  state.schedule.cron = cfg.schedule.cron;
  state.schedule.timezone = cfg.schedule.timezone;
  ReadinessProbe readiness(clock, cache_store, [&cfg] { return OpenTokenSource(cfg.tokens); });

  // One rate limit, one breaker and one set of users in flight for every API request of the
  // daemon: sweeps and on-demand refreshes alike.
  RateLimiter limiter(cfg.refresh.rate_limit, clock.SteadyNow());
  CircuitBreaker breaker(cfg.refresh.breaker);
  UserFlights flights;
  std::string bearer_token;
  std::unique_ptr<TokenSource> on_demand_tokens;
  std::unique_ptr<CurlTransport> on_demand_transport;
  std::unique_ptr<OnDemandRefresher> on_demand;
  if (!cfg.on_demand.token_file.empty()) {
    auto token = ReadBearerTokenFile(cfg.on_demand.token_file);
    if (!token.ok()) return ReportStartupError("configuration", token.error());
    bearer_token = std::move(*token);
    RegisterSecret(bearer_token);
    auto own_tokens = OpenTokenSource(cfg.tokens);  // the refresher's thread has its own
    if (!own_tokens.ok()) return ReportStartupError("token source", own_tokens.error());
    on_demand_tokens = std::move(*own_tokens);
    on_demand_transport = std::make_unique<CurlTransport>(TransportOptionsFor(cfg));
    on_demand = std::make_unique<OnDemandRefresher>(
        cfg, cfg.on_demand.deadline, *on_demand_tokens, cache_store, *on_demand_transport, clock,
        SharedApiState{limiter, breaker, flights}, &metrics);
    on_demand->Start();
  }
  const OnDemandRoute on_demand_route(bearer_token, on_demand.get());

  HttpEndpointOptions http_options;
  http_options.limits.max_body_bytes = kMaxRequestBodyBytes;
  HttpEndpoint http(http_options);
  const auto routes = [&](const std::string& /*method*/, const std::string& target) {
    const std::string path = target.substr(0, target.find('?'));
    if (path == "/metrics") {
      return HttpAnswer{200, "text/plain; version=0.0.4; charset=utf-8", metrics.Render()};
    }
    if (path == "/healthz") return HttpAnswer{200, "text/plain", "ok\n"};
    if (path == "/readyz") {
      const Readiness ready = readiness.Check();
      return HttpAnswer{ready.ready ? 200 : 503, "text/plain", ready.detail};
    }
    if (path == "/") {
      ScheduleState schedule;
      {
        std::lock_guard lock(state.mutex);
        schedule = state.schedule;
      }
      const auto report = GatherStatus(cache_store, kStatusPageRuns, kStatusPageFailingUsers,
                                       clock.NowUnixMillis());
      return HttpAnswer{200, "text/html; charset=utf-8", RenderStatusPage(schedule, report)};
    }
    return HttpAnswer{404, "text/plain", "not found\n"};
  };
  Status listening = http.StartAsync(
      cfg.server.listen, [&](const HttpServerRequest& request, const HttpResponder& respond) {
        const std::string path = request.target.substr(0, request.target.find('?'));
        if (OnDemandRoute::Matches(path)) return on_demand_route.Handle(request, respond);
        if (request.method == "POST") {
          return respond(HttpAnswer{405, "text/plain; charset=utf-8", "GET or HEAD only\n"});
        }
        respond(routes(request.method, request.target));
      });
  if (!listening.ok()) return ReportStartupError("http", listening.error());

  g_serve_stop = false;
  std::signal(SIGTERM, RequestServeStop);
  std::signal(SIGINT, RequestServeStop);
  LogInfo("serving", {{"listen", cfg.server.listen},
                      {"port", http.port()},
                      {"cron", cfg.schedule.cron},
                      {"timezone", cfg.schedule.timezone},
                      {"on_demand", on_demand_route.enabled()}});

  const date::time_zone& time_zone = **zone;
  ScheduleLoop::Callbacks callbacks;
  callbacks.on_next = [&](ScheduleLoop::FireTime next) {
    std::lock_guard lock(state.mutex);
    state.schedule.next_fire = FormatZonedTime(time_zone, next);
  };
  callbacks.on_skip = [&](ScheduleLoop::FireTime tick) {
    metrics.CountSkippedTick();
    {
      std::lock_guard lock(state.mutex);
      ++state.schedule.skipped_ticks;
    }
    LogWarn("tick skipped: previous run still going", {{"tick", FormatZonedTime(time_zone, tick)}});
  };
  callbacks.run = [&](ScheduleLoop::FireTime /*tick*/) {
    {
      std::lock_guard lock(state.mutex);
      state.schedule.running = true;
    }
    CurlTransport transport(TransportOptionsFor(cfg));
    RunEnvironment env{cfg, **tokens, cache_store, transport, clock, &metrics, &g_serve_stop};
    env.shared_limiter = &limiter;
    env.shared_breaker = &breaker;
    env.flights = &flights;
    const RunSummary summary = ExecuteRun(env, RunRequest{});
    const std::string summary_json = summary.ToJson().dump();
    std::cout << summary_json << std::endl;  // one JSON object per run, as `run` prints it
    {
      std::lock_guard lock(state.mutex);
      state.schedule.running = false;
      state.schedule.last_summary_json = summary_json;
    }
    LogInfo("run finished", {{"run_id", summary.run_id},
                             {"status", RunStatusName(summary.status)},
                             {"users_seen", summary.users_seen},
                             {"failed", summary.failed}});
  };
  ScheduleLoop loop(clock, *cron, time_zone, g_serve_stop, std::move(callbacks));
  if (Status looped = loop.Run(); !looped.ok()) {
    LogError("no next fire time; stopping", {{"error", looped.error().message}});
  }

  LogInfo("stopping", {{"runs", loop.runs()}, {"ticks_skipped", loop.skipped_ticks()}});
  if (on_demand) on_demand->Stop();  // answers its waiting callers while the endpoint still runs
  http.Stop();
  std::signal(SIGTERM, SIG_DFL);
  std::signal(SIGINT, SIG_DFL);
  LogInfo("stopped", {});
  return kExitOk;
}

}  // namespace tc
