#include "commands/job_setup.h"

#include <iostream>

#include "config/config_loader.h"
#include "log/logger.h"
#include "log/secret_redactor.h"

namespace tc {

Result<Config> LoadJobConfig(const CommonOptions& options) {
  ConfigSources sources;
  sources.file = options.config_file;
  sources.env = CaptureEnvironment();
  sources.overrides = options.overrides;
  auto config = LoadConfig(sources);
  if (!config.ok()) return config;
  if (Status logging = InitLogging(config->log); !logging.ok()) return logging.error();
  RegisterConfigSecrets(*config);
  return config;
}

int ReportStartupError(const std::string& what, const Error& error) {
  std::cerr << "ticketcache: " << what << ": " << RedactSecrets(error.ToString()) << "\n";
  return error.error_class == ErrorClass::kConfig ? kExitUsage : kExitAborted;
}

}  // namespace tc
