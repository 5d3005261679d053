#include "commands/job_setup.h"

#include <algorithm>
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

CurlTransportOptions TransportOptionsFor(const Config& config) {
  CurlTransportOptions options;
  options.ca_path = config.bytemark.ca_path;
  options.max_connections = std::max(8, config.refresh.concurrency * 2);
  return options;
}

int ReportStartupError(const std::string& what, const Error& error) {
  std::cerr << "ticketcache: " << what << ": " << RedactSecrets(error.ToString()) << "\n";
  return error.error_class == ErrorClass::kConfig ? kExitUsage : kExitAborted;
}

}  // namespace tc
