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
#include "commands/status_page.h"
#include "commands/status_report.h"
#include "commands/store_connector.h"
#include "log/logger.h"
#include "report/job_metrics.h"
#include "run/refresh_run.h"
#include "schedule/cron_schedule.h"

namespace tc {

namespace {

std::atomic<bool> g_serve_stop{false};

extern "C" void RequestServeStop(int /*signal*/) { g_serve_stop.store(true); }

constexpr int kStatusPageRuns = 20;
constexpr int kStatusPageFailingUsers = 20;

// What the daemon knows between runs, shared by the scheduler and the HTTP threads.
struct DaemonState {
  std::mutex mutex;
  ScheduleState schedule;  // guarded by mutex
  // Until the stores open: why not yet (for /readyz); then the store and its probe.
  std::string waiting_for = "opening the stores\n";  // guarded by mutex
  CacheStore* store = nullptr;                       // guarded by mutex
  ReadinessProbe* readiness = nullptr;               // guarded by mutex
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

  const Config& cfg = *config;
  SystemClock clock;
  JobMetrics metrics;
  DaemonState state;
  state.schedule.cron = cfg.schedule.cron;
  state.schedule.timezone = cfg.schedule.timezone;
  ConnectedStores stores;  // opened once HTTP answers, so a store that is down is "not ready"
  std::optional<ReadinessProbe> readiness;

  HttpEndpoint http;
  Status listening =
      http.Start(cfg.server.listen, [&](const std::string& /*method*/, const std::string& target) {
        const std::string path = target.substr(0, target.find('?'));
        if (path == "/metrics") {
          return HttpAnswer{200, "text/plain; version=0.0.4; charset=utf-8", metrics.Render()};
        }
        if (path == "/healthz") return HttpAnswer{200, "text/plain", "ok\n"};
        ReadinessProbe* probe = nullptr;
        CacheStore* store = nullptr;
        std::string waiting_for;
        {
          std::lock_guard lock(state.mutex);
          probe = state.readiness;
          store = state.store;
          waiting_for = state.waiting_for;
        }
        if (store == nullptr && (path == "/readyz" || path == "/")) {
          return HttpAnswer{503, "text/plain", "not ready\n" + waiting_for};
        }
        if (path == "/readyz") {
          const Readiness ready = probe->Check();
          return HttpAnswer{ready.ready ? 200 : 503, "text/plain", ready.detail};
        }
        if (path == "/") {
          ScheduleState schedule;
          {
            std::lock_guard lock(state.mutex);
            schedule = state.schedule;
          }
          const auto report =
              GatherStatus(*store, kStatusPageRuns, kStatusPageFailingUsers, clock.NowUnixMillis());
          return HttpAnswer{200, "text/html; charset=utf-8", RenderStatusPage(schedule, report)};
        }
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
    std::lock_guard lock(state.mutex);
    state.store = stores.store.get();
    state.readiness = &*readiness;
    LogInfo("stores open", {});
  }

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
    RunEnvironment env{cfg,   *stores.tokens, *stores.store, transport,
                       clock, &metrics,       &g_serve_stop};
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
