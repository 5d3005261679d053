// What every command needs before it can act: the effective configuration (file < env < flags),
// logging set up with secrets registered for redaction, and the stores it names.
#pragma once

#include <csignal>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "date/tz.h"
#include "error/error.h"
#include "schedule/cron_expression.h"
#include "store/cache_store.h"
#include "tokens/token_source.h"

namespace tc {

constexpr int kExitOk = 0;
constexpr int kExitAborted = 1;
constexpr int kExitUsage = 2;
constexpr int kExitDegraded = 3;

// The signals that stop `run` and `serve` in order (no new users, in-flight ones get the grace
// period, the run is recorded as interrupted, the lock released). SIGHUP is one of them: a closed
// terminal or session must not kill a run with its lock held; it never means "reload".
inline constexpr int kStopSignals[] = {SIGTERM, SIGINT, SIGHUP};

struct CommonOptions {
  std::optional<std::string> config_file;
  std::vector<std::pair<std::string, std::string>> overrides;  // "section.key" → value
};

// Loads the configuration and sets up logging. On error, logging is set up as far as the broken
// configuration tells (log.format from the file, TICKETCACHE_LOG_FORMAT or --log-format), so
// that ReportStartupError speaks the format the logs would have.
Result<Config> LoadJobConfig(const CommonOptions& options);

// The configured schedule, checked: what `serve` runs on and `config` validates.
struct ConfiguredSchedule {
  CronExpression cron;
  const date::time_zone* zone = nullptr;
};
// kConfig naming schedule.cron or schedule.timezone.
Result<ConfiguredSchedule> ParseConfiguredSchedule(const ScheduleConfig& schedule);

// Prints "ticketcache: <what>: <error>" to stderr, or, when logs are JSON, one JSON line
// {"time","level":"error","message":"<what>: <error>","error_class","exit_code"}; returns the
// exit code for the error class.
int ReportStartupError(const std::string& what, const Error& error);

}  // namespace tc
