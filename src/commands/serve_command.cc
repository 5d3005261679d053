#include <atomic>
#include <csignal>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>

#include "bytemark/curl_transport.h"
#include "commands/commands.h"
#include "commands/http_endpoint.h"
#include "commands/readiness_probe.h"
#include "commands/schedule_loop.h"
#include "commands/status_service.h"
#include "commands/store_connector.h"
#include "commands/webhook_alert.h"
#include "log/logger.h"
#include "report/job_metrics.h"
#include "run/progress_report.h"
#include "run/refresh_run.h"
#include "schedule/cron_schedule.h"

namespace tc {

namespace {

std::atomic<bool> g_serve_stop{false};

extern "C" void RequestServeStop(int /*signal*/) { g_serve_stop.store(true); }

// What the HTTP threads need from the stores, published once they are open.
struct DaemonState {
  std::mutex mutex;
  // Until the stores open: why not yet (for /readyz and /); then the probe and the status.
  std::string waiting_for = "opening the stores\n";  // guarded by mutex
  ReadinessProbe* readiness = nullptr;               // guarded by mutex
  StatusService* status = nullptr;                   // guarded by mutex
};

}  // namespace

int ServeCommand(const CommonOptions& common) {
  auto config = LoadJobConfig(common);
  if (!config.ok()) return ReportStartupError("configuration", config.error());
  auto parsed_schedule = ParseConfiguredSchedule(config->schedule);
  if (!parsed_schedule.ok()) return ReportStartupError("configuration", parsed_schedule.error());
  auto alerts = RunAlerts::Create(config->alerts);
  if (!alerts.ok()) return ReportStartupError("configuration", alerts.error());

  const Config& cfg = *config;
  SystemClock clock;
  JobMetrics metrics;
  DaemonState state;
  ConnectedStores stores;  // opened once HTTP answers, so a store that is down is "not ready"
  std::optional<ReadinessProbe> readiness;
  std::optional<StatusService> status;

  HttpEndpoint http;
  Status listening = http.Start(cfg.server.listen, [&](const std::string& /*method*/,
                                                       const std::string& target) {
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
  });
  if (!listening.ok()) return ReportStartupError("http", listening.error());

  g_serve_stop = false;
  std::signal(SIGTERM, RequestServeStop);
  std::signal(SIGINT, RequestServeStop);
  LogInfo("serving", {{"listen", cfg.server.listen},
                      {"port", http.port()},
                      {"cron", cfg.schedule.cron},
                      {"timezone", cfg.schedule.timezone}});

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
    std::signal(SIGTERM, SIG_DFL);
    std::signal(SIGINT, SIG_DFL);
    return ReportStartupError("configuration", connected.error());
  }
  if (connected.ok()) {
    stores = std::move(*connected);
    readiness.emplace(clock, *stores.store, [&cfg] { return OpenTokenSource(cfg.tokens); });
    status.emplace(*stores.store, clock, cfg.schedule, /*daemon=*/true);
    std::lock_guard lock(state.mutex);
    state.readiness = &*readiness;
    state.status = &*status;
    LogInfo("stores open", {});
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
  callbacks.run = [&](ScheduleLoop::FireTime /*tick*/) {
    CurlTransport transport(TransportOptionsFor(cfg));
    RunLogReporter run_log(cfg.log.progress_interval);  // "run started", progress, "run finished"
    RunObservers observers({&run_log, &status->observer(), (*alerts)->observer()});
    RunEnvironment env{cfg,           *stores.tokens, (*alerts)->Watch(*stores.store),
                       transport,     clock,          &metrics,
                       &g_serve_stop, &observers};
    const RunSummary summary = ExecuteRun(env, RunRequest{});
    const std::string summary_json = summary.ToJson().dump();
    std::cout << summary_json << std::endl;  // one JSON object per run, as `run` prints it
  };
  ScheduleLoop loop(clock, parsed_schedule->cron, time_zone, g_serve_stop, std::move(callbacks));
  if (stores.store) {  // else stopped while waiting for the stores: nothing ran
    if (Status looped = loop.Run(); !looped.ok()) {
      LogError("no next fire time; stopping", {{"error", looped.error().message}});
    }
  }

  LogInfo("stopping", {{"runs", loop.runs()}, {"ticks_skipped", loop.skipped_ticks()}});
  http.Stop();
  std::signal(SIGTERM, SIG_DFL);
  std::signal(SIGINT, SIG_DFL);
  LogInfo("stopped", {});
  return kExitOk;
}

}  // namespace tc
