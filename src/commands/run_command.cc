#include <fmt/format.h>

#include <atomic>
#include <csignal>
#include <iostream>
#include <string>

#include "bytemark/curl_transport.h"
#include "clock/clock.h"
#include "commands/commands.h"
#include "log/logger.h"
#include "log/secret_redactor.h"
#include "report/job_metrics.h"
#include "run/metrics_observer.h"
#include "run/refresh_run.h"

namespace tc {

namespace {

std::atomic<bool> g_stop_requested{false};

extern "C" void RequestStop(int /*signal*/) { g_stop_requested.store(true); }

// The run could not start (a token source or store that cannot be opened): it still ends with
// its one summary on stdout, status "aborted" and the reason, like every run that got this far.
int AbortedBeforeStart(const RunFlags& flags, const std::string& what, const Error& error) {
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
  std::cout << summary.ToJson().dump() << std::endl;
  WriteMetricsFileAfterRun(JobMetrics(MetricsScope::kTextfile), summary, flags.metrics_file);
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

  auto tokens = OpenTokenSource(config->tokens);
  if (!tokens.ok()) return AbortedBeforeStart(flags, "token source", tokens.error());
  auto store = OpenCacheStore(config->store);
  if (!store.ok()) return AbortedBeforeStart(flags, "cache store", store.error());

  CurlTransport transport(TransportOptionsFor(*config));
  SystemClock clock;
  JobMetrics metrics(MetricsScope::kTextfile);
  const std::string metrics_file = flags.dry_run ? "" : flags.metrics_file;
  if (!metrics_file.empty()) {
    PrepareJobMetrics(metrics, *config, **store, request.shard ? request.shard->ToString() : "");
  }
  MetricsRunObserver metrics_observer(metrics, metrics_file);

  g_stop_requested = false;
  std::signal(SIGTERM, RequestStop);
  std::signal(SIGINT, RequestStop);

  RunEnvironment env{*config, **tokens, **store, transport, clock, &metrics, &g_stop_requested};
  env.observer = &metrics_observer;
  const RunSummary summary = ExecuteRun(env, request);

  std::signal(SIGTERM, SIG_DFL);
  std::signal(SIGINT, SIG_DFL);

  std::cout << summary.ToJson().dump() << std::endl;
  WriteMetricsFileAfterRun(metrics, summary, metrics_file);
  LogInfo("run finished", {{"run_id", summary.run_id},
                           {"status", RunStatusName(summary.status)},
                           {"users_seen", summary.users_seen},
                           {"failed", summary.failed},
                           {"duration_ms", summary.finished_at_ms - summary.started_at_ms}});
  return summary.ExitCode();
}

}  // namespace tc
