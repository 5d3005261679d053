// Loads the effective Config from its three layers (file < environment < flags).
// Every key, its default and its environment name are listed in docs/configuration.md.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.h"
#include "config/duration.h"
#include "error/error.h"

namespace tc {

// The environment variable naming the config file when --config is not given.
inline constexpr const char* kConfigFileVariable = "TICKETCACHE_CONFIG";

struct ConfigSources {
  // --config F. When absent: the file named by TICKETCACHE_CONFIG (which must exist), else
  // ./ticketcache.toml, else `system_file`, each only if it exists; else the defaults alone.
  std::optional<std::string> file;
  std::string system_file = "/etc/ticketcache/ticketcache.toml";
  // The process environment. Only TICKETCACHE_* variables are read (TICKETCACHE_CONFIG names the
  // file); TICKETCACHE_TEST_* are left to test harnesses and ignored.
  std::map<std::string, std::string> env;
  // From command-line flags, as {"section.key", "text"}, e.g. {"refresh.concurrency", "64"}.
  // Applied in order; a later one wins. Never a password (docs/configuration.md#secrets).
  std::vector<std::pair<std::string, std::string>> overrides;
};

// Applies defaults < file < env TICKETCACHE_<SECTION>_<KEY> < overrides and validates the result.
// Any unknown key, bad value or misplaced secret is a kConfig error whose message names the key
// (and where it came from: file line, environment variable or "command line"), never a secret.
// The same rules apply in every layer. Passwords come only from
// TICKETCACHE_{TOKENS,STORE}_PASSWORD or a `password_file` key, never from a URL.
Result<Config> LoadConfig(const ConfigSources& sources);

// The file LoadConfig reads, by the order above; nullopt for none (defaults). May name a file
// that does not exist (--config or TICKETCACHE_CONFIG): LoadConfig reports that.
std::optional<std::string> ResolveConfigFile(const ConfigSources& sources);

// The log format to report an error in when LoadConfig failed, as far as it can be known: the
// last valid log.format among the file (if it parses), TICKETCACHE_LOG_FORMAT and the flags;
// else the default.
std::string BestEffortLogFormat(const ConfigSources& sources);

// True for the variables Kubernetes injects into a pod for a Service whose name starts with
// "ticketcache" (TICKETCACHE_SERVICE_HOST, TICKETCACHE_SERVICE_PORT[_NAME], TICKETCACHE_PORT,
// TICKETCACHE_PORT_8080_TCP[_PROTO|_PORT|_ADDR], and the same after TICKETCACHE_<MORE>_).
// LoadConfig skips these (listing them in Config::ignored_environment) when they name no key; any
// other unknown TICKETCACHE_* variable is an error.
bool IsKubernetesServiceVariable(std::string_view variable);

// The process environment (environ) as a map.
std::map<std::string, std::string> CaptureEnvironment();

}  // namespace tc
