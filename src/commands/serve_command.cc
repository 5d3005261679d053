#include <atomic>
#include <condition_variable>
#include <csignal>
#include <iostream>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "bytemark/curl_transport.h"
#include "commands/commands.h"
#include "commands/http_endpoint.h"
#include "run/refresh_run.h"
#include "log/logger.h"
#include "log/secret_redactor.h"
#include "report/job_metrics.h"
#include "schedule/cron_schedule.h"

namespace tc {

namespace {

std::atomic<bool> g_serve_stop{false};

extern "C" void RequestServeStop(int /*signal*/) { g_serve_stop.store(true); }

std::string HtmlEscape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// What the daemon knows between runs, shared by the scheduler and the HTTP thread.
struct DaemonState {
  std::mutex mutex;
  bool running = false;
  std::string current_run_id;
  std::string next_fire;
  std::string last_summary_json;
  int64_t skipped_ticks = 0;
};

std::string StatusPage(DaemonState& state, CacheStore& store, const Config& config) {
  std::string page =
      "<!doctype html><html><head><meta charset=\"utf-8\"><title>ticketcache</title>"
      "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
      "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}</style></head><body>"
      "<h1>ticketcache</h1>";
  {
    std::lock_guard lock(state.mutex);
    page += fmt::format(
        "<p>Schedule <code>{}</code> ({}) &middot; next run {} &middot; {} &middot; "
        "{} ticks skipped</p>",
        HtmlEscape(config.schedule.cron), HtmlEscape(config.schedule.timezone),
        HtmlEscape(state.next_fire),
        state.running ? "running " + HtmlEscape(state.current_run_id) : std::string("idle"),
        state.skipped_ticks);
    if (!state.last_summary_json.empty()) {
      page += "<h2>Last run</h2><pre>" + HtmlEscape(state.last_summary_json) + "</pre>";
    }
  }
  page += "<h2>Recent runs</h2><table><tr><th>run</th><th>started</th><th>status</th>"
          "<th>duration</th></tr>";
  if (auto runs = store.RecentRuns(20); runs.ok()) {
    for (const auto& run : *runs) {
      page += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                          HtmlEscape(run.run_id), FormatIsoUtcMillis(run.started_at_ms),
                          HtmlEscape(run.status),
                          run.finished_at_ms
                              ? fmt::format("{:.1f}s", (run.finished_at_ms - run.started_at_ms) / 1000.0)
                              : "-");
    }
  }
  page += "</table><h2>Users failing persistently</h2><table><tr><th>user</th><th>failures</th>"
          "<th>last class</th><th>next attempt</th></tr>";
  if (auto users = store.FailingUsers(20); users.ok()) {
    for (const auto& user : *users) {
      page += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", user.user_id,
                          user.consecutive_failures, HtmlEscape(user.last_error_class),
                          user.next_attempt_at ? FormatIsoUtcMillis(user.next_attempt_at * 1000)
                                               : "next run");
    }
  }
  page += "</table><p><a href=\"/metrics\">/metrics</a> &middot; <a href=\"/healthz\">/healthz</a>"
          " &middot; <a href=\"/readyz\">/readyz</a></p></body></html>";
  return page;
}

}  // namespace

int ServeCommand(const CommonOptions& common) {
  auto config = LoadJobConfig(common);
  if (!config.ok()) return ReportStartupError("configuration", config.error());
  auto cron = CronExpression::Parse(config->schedule.cron);
  if (!cron.ok()) {
    return ReportStartupError("configuration",
                              MakeError(ErrorClass::kConfig, "schedule.cron: " + cron.error().message));
  }
  auto zone = LocateTimeZone(config->schedule.timezone);
  if (!zone.ok()) return ReportStartupError("configuration", zone.error());
  auto tokens = OpenTokenSource(config->tokens);
  if (!tokens.ok()) return ReportStartupError("token source", tokens.error());
  auto store = OpenCacheStore(config->store);
  if (!store.ok()) return ReportStartupError("cache store", store.error());

  JobMetrics metrics;
  DaemonState state;
  HttpEndpoint http;
  const Config& cfg = *config;
  CacheStore& cache_store = **store;
  Status listening = http.Start(cfg.server.listen, [&](const std::string& method,
                                                       const std::string& target) {
    const std::string path = target.substr(0, target.find('?'));
    if (method != "GET" && method != "HEAD") return HttpAnswer{405, "text/plain", "GET only\n"};
    if (path == "/metrics") {
      return HttpAnswer{200, "text/plain; version=0.0.4; charset=utf-8", metrics.Render()};
    }
    if (path == "/healthz") return HttpAnswer{200, "text/plain", "ok\n"};
    if (path == "/readyz") {
      Status store_ok = cache_store.Ping();
      auto probe = OpenTokenSource(cfg.tokens);
      Status tokens_ok = probe.ok() ? Status::Ok() : Status(probe.error());
      if (probe.ok()) {
        auto page = (*probe)->NextPage(std::numeric_limits<int64_t>::max(), 1);
        if (!page.ok()) tokens_ok = page.error();
      }
      if (store_ok.ok() && tokens_ok.ok()) return HttpAnswer{200, "text/plain", "ready\n"};
      std::string why = "not ready\n";
      if (!store_ok.ok()) why += "store: " + RedactSecrets(store_ok.error().ToString()) + "\n";
      if (!tokens_ok.ok()) why += "tokens: " + RedactSecrets(tokens_ok.error().ToString()) + "\n";
      return HttpAnswer{503, "text/plain", why};
    }
    if (path == "/") {
      return HttpAnswer{200, "text/html; charset=utf-8", StatusPage(state, cache_store, cfg)};
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

  SystemClock clock;
  std::thread run_thread;
  std::atomic<bool> run_active{false};
  const auto start_run = [&] {
    if (run_thread.joinable()) run_thread.join();
    run_active = true;
    run_thread = std::thread([&] {
      CurlTransport transport(TransportOptionsFor(cfg));
      RunEnvironment env{cfg, **tokens, cache_store, transport, clock, &metrics, &g_serve_stop};
      RunRequest request;
      {
        std::lock_guard lock(state.mutex);
        state.running = true;
      }
      const RunSummary summary = ExecuteRun(env, request);
      const std::string summary_json = summary.ToJson().dump();
      std::cout << summary_json << std::endl;  // one JSON object per run, as `run` prints it
      {
        std::lock_guard lock(state.mutex);
        state.running = false;
        state.last_summary_json = summary_json;
      }
      LogInfo("run finished", {{"run_id", summary.run_id},
                               {"status", RunStatusName(summary.status)},
                               {"users_seen", summary.users_seen},
                               {"failed", summary.failed}});
      run_active = false;
    });
  };

  auto after = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  while (!g_serve_stop.load()) {
    auto next = NextFireTime(*cron, **zone, after);
    if (!next.ok()) {
      LogError("no next fire time; stopping", {{"error", next.error().message}});
      break;
    }
    {
      std::lock_guard lock(state.mutex);
      state.next_fire = FormatZonedTime(**zone, *next);
    }
    while (!g_serve_stop.load() && std::chrono::system_clock::now() < *next) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (g_serve_stop.load()) break;
    after = *next;
    if (run_active.load()) {
      metrics.CountSkippedTick();
      {
        std::lock_guard lock(state.mutex);
        ++state.skipped_ticks;
      }
      LogWarn("tick skipped: previous run still going", {{"tick", FormatZonedTime(**zone, *next)}});
      continue;
    }
    start_run();
  }

  LogInfo("stopping", {{"run_in_progress", run_active.load()}});
  if (run_thread.joinable()) run_thread.join();  // the run honours the stop flag + grace period
  http.Stop();
  std::signal(SIGTERM, SIG_DFL);
  std::signal(SIGINT, SIG_DFL);
  LogInfo("stopped", {});
  return kExitOk;
}

}  // namespace tc
