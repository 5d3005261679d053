#include "commands/job_setup.h"

#include <iostream>

#include "config/config_loader.h"
#include "log/logger.h"
#include "log/secret_redactor.h"
#include "schedule/cron_schedule.h"

namespace tc {

Result<Config> LoadJobConfig(const CommonOptions& options) {
  ConfigSources sources;
  sources.file = options.config_file;
  sources.env = CaptureEnvironment();
  sources.overrides = options.overrides;
  auto config = LoadConfig(sources);
  if (!config.ok()) {
    (void)InitLogging(LogConfig{"info", BestEffortLogFormat(sources)});
    return config;
  }
  if (Status logging = InitLogging(config->log); !logging.ok()) return logging.error();
  RegisterConfigSecrets(*config);
  for (const std::string& variable : config->ignored_environment) {
    LogDebug("ignoring environment variable set by Kubernetes for a Service",
             {{"variable", variable}});
  }
  return config;
}

Result<ConfiguredSchedule> ParseConfiguredSchedule(const ScheduleConfig& schedule) {
  auto cron = CronExpression::Parse(schedule.cron);
  if (!cron.ok()) {
    return MakeError(ErrorClass::kConfig, "schedule.cron: " + cron.error().message);
  }
  auto zone = LocateTimeZone(schedule.timezone);
  if (!zone.ok()) return zone.error();
  return ConfiguredSchedule{std::move(*cron), *zone};
}

int ReportStartupError(const std::string& what, const Error& error) {
  const int exit_code = error.error_class == ErrorClass::kConfig ? kExitUsage : kExitAborted;
  if (LogFormatName() == "json" && LogEnabled(LogLevel::kError)) {
    LogError(what + ": " + error.ToString(),
             {{"error_class", std::string(ErrorClassName(error.error_class))},
              {"exit_code", exit_code}});
    FlushLogs();
  } else {
    std::cerr << "ticketcache: " << what << ": " << RedactSecrets(error.ToString()) << "\n";
  }
  return exit_code;
}

}  // namespace tc
