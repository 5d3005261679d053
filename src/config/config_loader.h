// Loads the effective Config (SPEC §6) from its three layers and renders it back, redacted.
// Every key, its default and its environment name are listed in docs/configuration.md.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.h"
#include "error/error.h"

namespace tc {

struct ConfigSources {
  // --config F. When absent, ./ticketcache.toml is read if it exists (and skipped if not).
  std::optional<std::string> file;
  // The process environment. Only TICKETCACHE_* variables are read; TICKETCACHE_TEST_* are left
  // to test harnesses and ignored.
  std::map<std::string, std::string> env;
  // From command-line flags, as {"section.key", "text"}, e.g. {"refresh.concurrency", "64"}.
  // Applied in order; a later one wins. Never a password (SPEC §4).
  std::vector<std::pair<std::string, std::string>> overrides;
};

// Applies defaults < file < env TICKETCACHE_<SECTION>_<KEY> < overrides and validates the result.
// Any unknown key, bad value or misplaced secret is a kConfig error whose message names the key
// (and where it came from: file line, environment variable or "command line"), never a secret.
// Passwords come only from TICKETCACHE_{TOKENS,STORE}_PASSWORD or a `password_file` key.
Result<Config> LoadConfig(const ConfigSources& sources);

// The process environment (environ) as a map.
std::map<std::string, std::string> CaptureEnvironment();

// "90s", "5m", "1h", "250ms", "2d", or a sequence of them such as "1h30m". Whole numbers only;
// kConfig for anything else (empty, negative, decimals, unknown unit, overflow).
Result<std::chrono::milliseconds> ParseDuration(std::string_view text);

// The shortest form ParseDuration reads back to the same value: 5400000 ms -> "1h30m", 0 -> "0s".
std::string FormatDuration(std::chrono::milliseconds duration);

// `url` with the password of its user-info part (scheme://user:password@host) replaced by
// "<redacted>". Other URLs are returned unchanged.
std::string RedactUrlPassword(std::string_view url);

// The effective configuration as TOML: every section and key with its value, each password and
// each password inside a URL replaced by "<redacted>". What `ticketcache config` prints.
std::string RenderRedactedConfig(const Config& config);

}  // namespace tc
