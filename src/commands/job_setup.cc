#include "commands/job_setup.h"

#include <iostream>

#include "config/config_loader.h"
#include "log/log.h"

namespace tc {

Result<Config> LoadJobConfig(const CommonOptions& options) {
  ConfigSources sources;
  sources.file = options.config_file;
  sources.env = CaptureEnvironment();
  sources.overrides = options.overrides;
  auto config = LoadConfig(sources);
  if (!config.ok()) return config;
  InitLogging(config->log);
  if (!config->tokens.password.empty()) RegisterSecret(config->tokens.password);
  if (!config->store.password.empty()) RegisterSecret(config->store.password);
  return config;
}

int ReportStartupError(const std::string& what, const Error& error) {
  std::cerr << "ticketcache: " << what << ": " << RedactSecrets(error.ToString()) << "\n";
  return error.error_class == ErrorClass::kConfig ? kExitUsage : kExitAborted;
}

}  // namespace tc
