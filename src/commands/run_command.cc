#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <iostream>
#include <string>

#include "alerts/metrics_push.h"
#include "alerts/webhook_alert.h"
#include "bytemark/curl_transport.h"
#include "bytemark/transport_options.h"
#include "clock/clock.h"
#include "commands/commands.h"
#include "commands/standard_output.h"
#include "log/logger.h"
#include "log/secret_redactor.h"
#include "report/job_metrics.h"
#include "run/metrics_observer.h"
#include "run/progress_report.h"
#include "run/refresh_run.h"
#include "storage/open_cache_store.h"

namespace tc {

namespace {

std::atomic<bool> g_stop_requested{false};

extern "C" void RequestStop(int /*signal*/) { g_stop_requested.store(true); }

// --push-metrics: a push that fails is logged; the run's exit code does not change.
void PushRunMetrics(const RunFlags& flags, const JobMetrics& metrics) {
  CurlTransport transport;
  if (Status pushed = PushMetrics(transport, flags.push_metrics, flags.shard, metrics.Render());
      !pushed.ok()) {
    LogWarn("could not push metrics", {{"error", pushed.error().ToString()}});
  }
}

// The run could not start (a token source or store that cannot be opened): it still ends with
// its one summary on stdout, status "aborted" and the reason, like every run that got this far.
int AbortedBeforeStart(const RunFlags& flags, RunAlerts& alerts, const std::string& what,
                       const Error& error) {
  SystemClock clock;
  RunSummary summary;
  summary.started_at_ms = summary.finished_at_ms = clock.NowUnixMillis();
  summary.run_id =
      fmt::format("{}-000000", FormatIsoUtcMillis(summary.started_at_ms).substr(0, 19));
  summary.dry_run = flags.dry_run;
  summary.shard = flags.shard;
  summary.status = RunStatus::kAborted;
  summary.abort_reason = what + ": " + RedactSecrets(error.ToString());
  summary.started = false;
  WriteMetricsFileAfterRun(JobMetrics(MetricsScope::kTextfile), summary,
                           flags.dry_run ? "" : flags.metrics_file);
  alerts.OnRunFinished(summary);
  alerts.Wait();
  WriteSummaryLine(summary.ToJson().dump());
  ReportStartupError(what, error);
  return error.error_class == ErrorClass::kConfig ? kExitUsage : kExitAborted;
}

}  // namespace

int RunCommand(const CommonOptions& common, const RunFlags& flags) {
  auto config = LoadJobConfig(common);
  if (!config.ok()) return ReportStartupError("configuration", config.error());

  RunRequest request;
  request.only_users = flags.users;
  request.force = flags.force;
  request.dry_run = flags.dry_run;
  if (!flags.shard.empty()) {
    auto shard = ParseShard(flags.shard);
    if (!shard.ok()) return ReportStartupError("usage", shard.error());
    request.shard = *shard;
  }

  auto alerts = RunAlerts::Create(config->alerts);
  if (!alerts.ok()) return ReportStartupError("configuration", alerts.error());
  auto tokens = OpenTokenSource(config->tokens);
  if (!tokens.ok()) return AbortedBeforeStart(flags, **alerts, "token source", tokens.error());
  auto store = OpenCacheStore(config->store);
  if (!store.ok()) return AbortedBeforeStart(flags, **alerts, "cache store", store.error());

  CurlTransport transport(TransportOptionsFor(*config));
  SystemClock clock;
  JobMetrics metrics(MetricsScope::kTextfile);
  const std::string metrics_file = flags.dry_run ? "" : flags.metrics_file;
  if (!metrics_file.empty() || (!flags.push_metrics.empty() && !flags.dry_run)) {
    PrepareJobMetrics(metrics, *config, **store, request.shard ? request.shard->ToString() : "");
  }
  MetricsRunObserver metrics_observer(metrics, metrics_file);

  // SIGHUP too: a closed terminal or session (ssh dropped) stops the run the same orderly way,
  // instead of killing it with the lock held and the run recorded as running.
  g_stop_requested = false;
  for (const int signal : kStopSignals) std::signal(signal, RequestStop);

  RunProgressReport progress(isatty(STDERR_FILENO) == 1, flags.progress,
                             config->log.progress_interval, std::cerr);
  RunObservers observers({progress.observer(), (*alerts)->observer(), &metrics_observer});
  RunEnvironment env{*config, **tokens, (*alerts)->Watch(**store), transport,
                     clock,   &metrics, &g_stop_requested,         &observers};
  const RunSummary summary = ExecuteRun(env, request);

  // Every side effect first (the run record is saved by ExecuteRun): a reader of stdout that is
  // gone, or slow, costs neither the metrics nor the alert, and the exit code is the run's.
  WriteMetricsFileAfterRun(metrics, summary, metrics_file);
  // A run that never started pushes nothing either: the gateway keeps the other run's numbers.
  if (!flags.push_metrics.empty() && !flags.dry_run && summary.started) {
    PushRunMetrics(flags, metrics);
  }
  (*alerts)->Wait();  // at most alerts.webhook_timeout
  WriteSummaryLine(summary.ToJson().dump());
  for (const int signal : kStopSignals) std::signal(signal, SIG_DFL);
  return summary.ExitCode();
}

}  // namespace tc
