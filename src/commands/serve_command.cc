#include <atomic>
#include <csignal>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "alerts/webhook_alert.h"
#include "api/rate_limiter.h"
#include "bytemark/curl_transport.h"
#include "bytemark/transport_options.h"
#include "commands/commands.h"
#include "commands/standard_output.h"
#include "failure/circuit_breaker.h"
#include "log/logger.h"
#include "log/secret_redactor.h"
#include "report/job_metrics.h"
#include "report/lifecycle_metrics.h"
#include "report/refresh_request_metrics.h"
#include "run/metrics_observer.h"
#include "run/on_demand_refresher.h"
#include "run/progress_report.h"
#include "run/refresh_request_drain.h"
#include "run/refresh_run.h"
#include "run/user_flights.h"
#include "schedule/cron_expression.h"
#include "schedule/cron_schedule.h"
#include "serve/continuous_serve.h"
#include "serve/housekeeping.h"
#include "serve/http_endpoint.h"
#include "serve/on_demand_route.h"
#include "serve/operator_api.h"
#include "serve/readiness_probe.h"
#include "serve/schedule_loop.h"
#include "serve/status_service.h"
#include "serve/store_connector.h"
#include "storage/open_cache_store.h"
#include "tokens/refresh_request_source.h"

namespace tc {

namespace {

std::atomic<bool> g_serve_stop{false};

extern "C" void RequestServeStop(int /*signal*/) { g_serve_stop.store(true); }

void HandleStopSignals(bool handle) {
  for (const int signal : kStopSignals) std::signal(signal, handle ? RequestServeStop : SIG_DFL);
}

constexpr size_t kMaxRequestBodyBytes = 4096;  // POST bodies (the on-demand endpoint reads none)

// What the HTTP threads need from the stores, published once they are open.
struct DaemonState {
  std::mutex mutex;
  // Until the stores open: why not yet (for /readyz and /); then the probe, the status and the
  // on-demand route.
  std::string waiting_for = "opening the stores\n";  // guarded by mutex
  ReadinessProbe* readiness = nullptr;               // guarded by mutex
  StatusService* status = nullptr;                   // guarded by mutex
  const OnDemandRoute* on_demand = nullptr;          // guarded by mutex
  const OperatorApi* operator_api = nullptr;         // guarded by mutex
};

const char* BreakerStateName(BreakerState state) {
  switch (state) {
    case BreakerState::kClosed:
      return "closed";
    case BreakerState::kHalfOpen:
      return "half-open";
    case BreakerState::kOpen:
      return "open";
  }
  return "closed";
}

// Opens the refresh request table (retrying every poll interval while it cannot) and drains it
// until `stop`.
void DrainRefreshRequests(const Config& cfg, OnDemandRefresher& refresher, UserFlights& flights,
                          const Clock& clock, RefreshRequestMetrics& request_metrics,
                          StatusService& status, const std::atomic<bool>& stop) {
  std::unique_ptr<RefreshRequestSource> source;
  while (!stop.load()) {
    auto opened = OpenRefreshRequestSource(cfg.tokens, cfg.refresh_requests);
    if (opened.ok()) {
      source = std::move(*opened);
      break;
    }
    request_metrics.CountPollError();
    LogError("refresh requests: cannot open the table; retrying",
             {{"error", RedactSecrets(opened.error().ToString())}});
    for (Duration waited{0}; waited < cfg.refresh_requests.poll_interval && !stop.load();
         waited += Duration(100)) {
      clock.SleepFor(Duration(100));
    }
  }
  if (!source) return;
  RefreshRequestOptions options;
  options.types = cfg.refresh_requests.types;
  options.page_size = cfg.tokens.page_size;
  RefreshRequestDrain drain(*source, refresher, flights, clock, options, &request_metrics);
  status.SetRefreshRequests([&drain, &clock] {
    return RefreshRequestsStatusJson(drain.Snapshot(), clock.NowUnixSeconds());
  });
  LogInfo("refresh requests: draining",
          {{"table", cfg.refresh_requests.table},
           {"poll_interval_ms", cfg.refresh_requests.poll_interval.count()}});
  drain.RunUntil(stop, cfg.refresh_requests.poll_interval);
  status.SetRefreshRequests(nullptr);  // the drain is gone
}

}  // namespace

int ServeCommand(const CommonOptions& common) {
  auto config = LoadJobConfig(common);
  if (!config.ok()) return ReportStartupError("configuration", config.error());
  auto parsed_schedule = ParseConfiguredSchedule(config->schedule);
  if (!parsed_schedule.ok()) return ReportStartupError("configuration", parsed_schedule.error());
  auto alerts = RunAlerts::Create(config->alerts);
  if (!alerts.ok()) return ReportStartupError("configuration", alerts.error());
  std::optional<CronExpression> prune_cron;
  if (!config->prune.cron.empty()) {
    auto parsed = CronExpression::Parse(config->prune.cron);
    if (!parsed.ok()) {
      return ReportStartupError(
          "configuration", MakeError(ErrorClass::kConfig, "prune.cron: " + parsed.error().message));
    }
    prune_cron = std::move(*parsed);
  }

  const Config& cfg = *config;
  std::string bearer_token;  // empty: the on-demand endpoint is off
  if (!cfg.on_demand.token_file.empty()) {
    auto token = ReadBearerTokenFile(cfg.on_demand.token_file);
    if (!token.ok()) return ReportStartupError("configuration", token.error());
    bearer_token = std::move(*token);
    RegisterSecret(bearer_token);
  }

  SystemClock clock;
  JobMetrics metrics;
  LifecycleMetrics lifecycle_metrics(metrics.registry());
  MetricsRunObserver metrics_observer(metrics);
  std::unique_ptr<TokenSource> housekeeping_tokens;  // the prune thread's own
  std::optional<Housekeeping> housekeeping;
  DaemonState state;
  ConnectedStores stores;  // opened once HTTP answers, so a store that is down is "not ready"
  std::optional<ReadinessProbe> readiness;
  std::optional<StatusService> status;

  // One rate limit, one breaker and one set of users in flight for every API request of the
  // daemon: sweeps and on-demand refreshes alike.
  RateLimiter limiter(cfg.refresh.rate_limit, clock.SteadyNow());
  CircuitBreaker breaker(cfg);
  UserFlights flights;
  std::unique_ptr<TokenSource> on_demand_tokens;
  std::unique_ptr<CurlTransport> on_demand_transport;
  std::unique_ptr<OnDemandRefresher> on_demand;
  std::optional<OnDemandRoute> on_demand_route;
  std::optional<OperatorApi> operator_api;
  // The status page's "start a run now": taken by the schedule loop while it waits.
  std::atomic<bool> run_now{false};
  std::atomic<bool> run_going{false};
  const RunNowRequester request_run = [&]() -> RunNowAnswer {
    if (cfg.schedule.mode == "continuous") {
      return {false,
              "continuous mode refreshes users as their caches age: refresh one user instead"};
    }
    if (run_going.load()) return {false, "a run is going; it must finish first"};
    run_now = true;
    return {true, "a run starts within a second"};
  };

  const auto routes = [&](const std::string& target) {
    const std::string path = target.substr(0, target.find('?'));
    if (path == "/metrics") {
      return HttpAnswer{200, "text/plain; version=0.0.4; charset=utf-8", metrics.Render()};
    }
    if (path == "/healthz") return HttpAnswer{200, "text/plain", "ok\n"};
    ReadinessProbe* probe = nullptr;
    StatusService* status_service = nullptr;
    std::string waiting_for;
    {
      std::lock_guard lock(state.mutex);
      probe = state.readiness;
      status_service = state.status;
      waiting_for = state.waiting_for;
    }
    if (status_service == nullptr && (path == "/readyz" || path == "/" || path == "/api/status")) {
      return HttpAnswer{503, "text/plain", "not ready\n" + waiting_for};
    }
    if (path == "/readyz") {
      const Readiness ready = probe->Check();
      return HttpAnswer{ready.ready ? 200 : 503, "text/plain", ready.detail};
    }
    if (auto answer = status_service->Answer(path)) return *answer;  // / and /api/status
    return HttpAnswer{404, "text/plain", "not found\n"};
  };
  HttpEndpointOptions http_options;
  http_options.limits.max_body_bytes = kMaxRequestBodyBytes;
  HttpEndpoint http(http_options);
  Status listening = http.StartAsync(
      cfg.server.listen, [&](const HttpServerRequest& request, const HttpResponder& respond) {
        const std::string path = request.target.substr(0, request.target.find('?'));
        if (OnDemandRoute::Matches(path)) {
          const OnDemandRoute* route = nullptr;
          {
            std::lock_guard lock(state.mutex);
            route = state.on_demand;
          }
          if (route != nullptr) return route->Handle(request, respond);
          if (bearer_token.empty()) {
            return respond(HttpAnswer{404, "text/plain; charset=utf-8", "not found\n"});
          }
          return respond(HttpAnswer{503, "text/plain; charset=utf-8", "not ready\n"});
        }
        if (OperatorApi::Matches(path)) {
          const OperatorApi* api = nullptr;
          {
            std::lock_guard lock(state.mutex);
            api = state.operator_api;
          }
          if (api != nullptr) return respond(api->Handle(request));
          return respond(HttpAnswer{503, "text/plain; charset=utf-8", "not ready\n"});
        }
        if (request.method == "POST") {
          return respond(HttpAnswer{405, "text/plain; charset=utf-8", "GET or HEAD only\n"});
        }
        respond(routes(request.target));
      });
  if (!listening.ok()) return ReportStartupError("http", listening.error());

  g_serve_stop = false;
  HandleStopSignals(true);
  LogInfo("serving", {{"listen", cfg.server.listen},
                      {"port", http.port()},
                      {"mode", cfg.schedule.mode},
                      {"cron", cfg.schedule.cron},
                      {"timezone", cfg.schedule.timezone},
                      {"on_demand", !bearer_token.empty()},
                      {"refresh_requests", cfg.refresh_requests.enabled}});

  StoreOpeners openers{[&cfg] { return OpenTokenSource(cfg.tokens); },
                       [&cfg] { return OpenCacheStore(cfg.store); }};
  auto connected = ConnectStores(openers, clock, g_serve_stop,
                                 [&](const std::string& reason, Duration retry_in) {
                                   LogWarn("not ready: cannot open a store; retrying",
                                           {{"error", reason}, {"retry_in_ms", retry_in.count()}});
                                   std::lock_guard lock(state.mutex);
                                   state.waiting_for = reason + "\n";
                                 });
  if (!connected.ok() && connected.error().error_class == ErrorClass::kConfig) {
    http.Stop();
    HandleStopSignals(false);
    return ReportStartupError("configuration", connected.error());
  }
  if (connected.ok()) {
    stores = std::move(*connected);
    PrepareJobMetrics(metrics, cfg, *stores.store, "");  // counters and last success from history
    readiness.emplace(clock, *stores.store, [&cfg] { return OpenTokenSource(cfg.tokens); });
    status.emplace(*stores.store, clock, cfg.schedule, /*daemon=*/true);
    status->SetBreakerState([&breaker] { return std::string(BreakerStateName(breaker.state())); });
    operator_api.emplace(*stores.store, clock, cfg.refresh, bearer_token, request_run);
    if (!bearer_token.empty() || cfg.refresh_requests.enabled) {
      // The refresher's thread has its own token source and transport.
      auto own_tokens = OpenTokenSource(cfg.tokens);
      if (own_tokens.ok()) {
        on_demand_tokens = std::move(*own_tokens);
        on_demand_transport = std::make_unique<CurlTransport>(TransportOptionsFor(cfg));
        on_demand = std::make_unique<OnDemandRefresher>(
            cfg, cfg.on_demand.deadline, *on_demand_tokens, *stores.store, *on_demand_transport,
            clock, SharedApiState{limiter, breaker, flights}, &metrics);
        on_demand->Start();
        if (!bearer_token.empty()) on_demand_route.emplace(bearer_token, on_demand.get());
      } else {
        LogError("on-demand refresh and refresh requests are off: cannot open a token source",
                 {{"error", own_tokens.error().ToString()}});
      }
    }
    if (prune_cron) {
      auto own_tokens = OpenTokenSource(cfg.tokens);
      if (own_tokens.ok()) {
        housekeeping_tokens = std::move(*own_tokens);
      } else {
        LogError("scheduled prune is off: cannot open its token source",
                 {{"error", own_tokens.error().ToString()}});
        prune_cron.reset();
      }
    }
    // Retention runs daily even without a prune schedule (it needs no token source).
    TokenSource& prune_tokens = housekeeping_tokens ? *housekeeping_tokens : *stores.tokens;
    housekeeping.emplace(cfg, prune_tokens, *stores.store, clock, lifecycle_metrics, g_serve_stop,
                         prune_cron, *parsed_schedule->zone);
    housekeeping->Start();
    std::lock_guard lock(state.mutex);
    state.readiness = &*readiness;
    state.status = &*status;
    if (on_demand_route) state.on_demand = &*on_demand_route;
    state.operator_api = &*operator_api;
    LogInfo("stores open", {});
  }

  // Refresh requests: drained beside the schedule, through the on-demand refresher.
  std::optional<RefreshRequestMetrics> request_metrics;
  std::thread request_drain;
  if (on_demand && cfg.refresh_requests.enabled) {
    request_metrics.emplace(metrics.registry());
    request_drain = std::thread([&] {
      DrainRefreshRequests(cfg, *on_demand, flights, clock, *request_metrics, *status,
                           g_serve_stop);
    });
  }

  const date::time_zone& time_zone = *parsed_schedule->zone;
  ScheduleLoop::Callbacks callbacks;
  callbacks.on_next = [&](ScheduleLoop::FireTime next) {
    status->SetNextRun(FormatZonedTime(time_zone, next));
  };
  callbacks.on_skip = [&](ScheduleLoop::FireTime tick) {
    metrics.CountSkippedTick();
    status->CountSkippedTick();
    LogWarn("tick skipped: previous run still going", {{"tick", FormatZonedTime(time_zone, tick)}});
  };
  const auto report_run = [&](const RunSummary& summary) {
    const std::string summary_json = summary.ToJson().dump();
    WriteSummaryLine(summary_json);  // one JSON object per run, as `run` prints it
  };
  // Every run of the daemon: its log lines, the status page's view, the alerts, and the API state
  // shared with on-demand refreshes.
  RunLogReporter run_log(cfg.log.progress_interval);  // "run started", progress, "run finished"
  const auto prepare_run = [&](RunEnvironment& env, RunObservers& observers) {
    observers =
        RunObservers({&run_log, &status->observer(), (*alerts)->observer(), &metrics_observer});
    env.observer = &observers;
    env.shared_breaker = &breaker;
    env.flights = &flights;
    // A continuous pass keeps its own pace limiter under the daemon's limit (a scheduled run
    // uses the daemon's limiter itself): on-demand refreshes and passes share rate_limit.
    env.ceiling_limiter = &limiter;
  };
  callbacks.run_now = &run_now;
  callbacks.run = [&](ScheduleLoop::FireTime /*tick*/) {
    run_going = true;
    CurlTransport transport(TransportOptionsFor(cfg));
    RunEnvironment env{cfg,      *stores.tokens, (*alerts)->Watch(*stores.store), transport, clock,
                       &metrics, &g_serve_stop};
    RunObservers observers(std::vector<RunObserver*>{});
    prepare_run(env, observers);
    env.shared_limiter = &limiter;
    report_run(ExecuteRun(env, RunRequest{}));
    run_going = false;
  };
  if (!stores.store) {
    LogInfo("stopping", {});  // stopped while waiting for the stores: nothing ran
  } else if (cfg.schedule.mode == "continuous") {
    RunObservers pass_observers(std::vector<RunObserver*>{});
    RunContinuousMode(
        ContinuousServeEnvironment{cfg, *stores.tokens, (*alerts)->Watch(*stores.store), clock,
                                   &metrics, g_serve_stop, on_demand.get(), report_run,
                                   [&](RunEnvironment& env) { prepare_run(env, pass_observers); }});
    LogInfo("stopping", {});
  } else {
    ScheduleLoop loop(clock, parsed_schedule->cron, time_zone, g_serve_stop, std::move(callbacks));
    if (Status looped = loop.Run(); !looped.ok()) {
      LogError("no next fire time; stopping", {{"error", looped.error().message}});
    }
    LogInfo("stopping", {{"runs", loop.runs()}, {"ticks_skipped", loop.skipped_ticks()}});
  }
  if (housekeeping) housekeeping->Join();  // a prune in progress finishes its page first
  if (request_drain.joinable()) request_drain.join();  // stops dispatching before the refresher
  if (on_demand) on_demand->Stop();  // answers its waiting callers while the endpoint still runs
  http.Stop();
  HandleStopSignals(false);
  LogInfo("stopped", {});
  return kExitOk;
}

}  // namespace tc
