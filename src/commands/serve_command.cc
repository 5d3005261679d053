#include <atomic>
#include <csignal>
#include <iostream>
#include <mutex>

#include "bytemark/curl_transport.h"
#include "commands/commands.h"
#include "commands/http_endpoint.h"
#include "commands/readiness_probe.h"
#include "commands/schedule_loop.h"
#include "commands/status_page.h"
#include "commands/status_report.h"
#include "log/logger.h"
#include "report/job_metrics.h"
#include "run/metrics_observer.h"
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
  PrepareJobMetrics(metrics, cfg, cache_store, "");
  MetricsRunObserver metrics_observer(metrics);
  DaemonState state;
  state.schedule.cron = cfg.schedule.cron;
  state.schedule.timezone = cfg.schedule.timezone;
  ReadinessProbe readiness(clock, cache_store, [&cfg] { return OpenTokenSource(cfg.tokens); });

  HttpEndpoint http;
  Status listening =
      http.Start(cfg.server.listen, [&](const std::string& /*method*/, const std::string& target) {
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
      });
  if (!listening.ok()) return ReportStartupError("http", listening.error());

  g_serve_stop = false;
  std::signal(SIGTERM, RequestServeStop);
  std::signal(SIGINT, RequestServeStop);
  LogInfo("serving", {{"listen", cfg.server.listen},
                      {"port", http.port()},
                      {"cron", cfg.schedule.cron},
                      {"timezone", cfg.schedule.timezone}});

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
    env.observer = &metrics_observer;
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
  http.Stop();
  std::signal(SIGTERM, SIG_DFL);
  std::signal(SIGINT, SIG_DFL);
  LogInfo("stopped", {});
  return kExitOk;
}

}  // namespace tc
