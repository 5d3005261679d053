#include "config/config_loader.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <cctype>
#include <filesystem>
#include <regex>

#include "config/config_keys.h"
#include "config/regular_file.h"
#include "config/storage_url.h"
#include "config/url_credentials.h"

extern char** environ;  // POSIX: the process environment.

namespace tc {
namespace {

constexpr std::string_view kEnvPrefix = "TICKETCACHE_";
constexpr std::string_view kTestEnvPrefix = "TICKETCACHE_TEST_";
constexpr std::string_view kDefaultFile = "ticketcache.toml";

// Where a value came from, for error messages: "ticketcache.toml line 3",
// "TICKETCACHE_REFRESH_TTL" or "command line".
enum class Layer { kFile, kEnv, kOverride };
struct Origin {
  Layer layer;
  std::string where;
};

Error ConfigError(std::string_view name, const Origin& origin, std::string_view problem) {
  return MakeError(ErrorClass::kConfig, fmt::format("{} ({}): {}", name, origin.where, problem));
}

// Reads a password file: its content without the trailing newline.
Result<std::string> ReadPasswordFile(std::string_view name, const Origin& origin,
                                     const std::string& path) {
  Result<std::string> content = ReadRegularFile(path, "password file");
  if (!content.ok()) return ConfigError(name, origin, content.error().message);
  std::string password = std::move(content).value();
  while (!password.empty() && (password.back() == '\n' || password.back() == '\r')) {
    password.pop_back();
  }
  if (password.empty()) {
    return ConfigError(name, origin, fmt::format("password file \"{}\" is empty", path));
  }
  return password;
}

Error MisplacedSecret(const KeySpec& spec, const Origin& origin) {
  const std::string_view place =
      origin.layer == Layer::kFile ? "in the config file" : "on the command line";
  return ConfigError(spec.name, origin,
                     fmt::format("passwords are not accepted {}; set {} or {}_file", place,
                                 EnvNameOf(spec.name), spec.name));
}

// Assigns `text` (from the environment, a flag, or a password_file path from the file).
Status AssignText(const KeySpec& spec, Config& config, std::string_view text,
                  const Origin& origin) {
  switch (spec.kind) {
    case KeyKind::kSecret:
      if (origin.layer != Layer::kEnv) return MisplacedSecret(spec, origin);
      spec.text(config) = std::string(text);  // the one place a password is read
      return Status::Ok();
    case KeyKind::kPasswordFile: {
      Result<std::string> password = ReadPasswordFile(spec.name, origin, std::string(text));
      if (!password.ok()) return password.error();
      spec.text(config) = std::move(password).value();
      return Status::Ok();
    }
    case KeyKind::kUrl:
      // One rule for every layer: a URL never carries a password (it would be printed, logged
      // and, on a command line, visible to every user of the machine).
      if (UrlHasPassword(text)) return ConfigError(spec.name, origin, UrlPasswordAdvice(spec.name));
      break;
    case KeyKind::kValue:
      break;
  }
  if (Problem problem = spec.from_text(config, text)) {
    return ConfigError(spec.name, origin, *problem);
  }
  return Status::Ok();
}

// Assigns a TOML value from the file to the key.
Status AssignNode(const KeySpec& spec, Config& config, const toml::node& node,
                  const Origin& origin) {
  if (spec.kind == KeyKind::kSecret) return MisplacedSecret(spec, origin);
  if (spec.kind == KeyKind::kPasswordFile || spec.kind == KeyKind::kUrl) {
    if (!node.is_string()) {
      return ConfigError(spec.name, origin,
                         fmt::format("expected {}, got {}",
                                     spec.kind == KeyKind::kUrl ? "a string" : "a path string",
                                     TomlTypeName(node)));
    }
    return AssignText(spec, config, **node.as_string(), origin);
  }
  if (Problem problem = spec.from_toml(config, node)) {
    return ConfigError(spec.name, origin, *problem);
  }
  return Status::Ok();
}

Origin FileOrigin(const std::string& path, const toml::node& node) {
  return Origin{Layer::kFile, fmt::format("{} line {}", path, node.source().begin.line)};
}

Status ApplyFile(const std::string& path, Config& config) {
  Result<std::string> text = ReadRegularFile(path, "config file");
  if (!text.ok()) return text.error();
  toml::table root;
  try {
    root = toml::parse(*text, path);
  } catch (const toml::parse_error& error) {
    return MakeError(ErrorClass::kConfig,
                     fmt::format("{} line {}: invalid TOML: {}", path, error.source().begin.line,
                                 error.description()));
  }
  // toml++ tables iterate in key order, not file order: of several mistakes, the alphabetically
  // first is reported.
  for (const auto& [section_key, section_node] : root) {
    const std::string_view section = section_key.str();
    const std::string where = FileOrigin(path, section_node).where;
    if (!section_node.is_table()) {
      if (IsSection(section)) {
        return MakeError(ErrorClass::kConfig,
                         fmt::format("{} ({}): expected a [{}] section", section, where, section));
      }
      return MakeError(ErrorClass::kConfig, UnknownKeyMessage(section, where));
    }
    if (!IsSection(section)) {
      std::string message = fmt::format("unknown section [{}] ({})", section, where);
      if (auto hint = ClosestName(section, true)) {
        message += fmt::format("; did you mean [{}]?", *hint);
      }
      return MakeError(ErrorClass::kConfig, message);
    }
    for (const auto& [key, node] : *section_node.as_table()) {
      const std::string name = fmt::format("{}.{}", section, key.str());
      const KeySpec* spec = FindKey(name);
      if (spec == nullptr) {
        return MakeError(ErrorClass::kConfig,
                         UnknownKeyMessage(name, FileOrigin(path, node).where));
      }
      Status status = AssignNode(*spec, config, node, FileOrigin(path, node));
      if (!status.ok()) return status;
    }
  }
  return Status::Ok();
}

// TICKETCACHE_REFRESH_BREAKER_OPEN_FOR -> "refresh.breaker_open_for": the key whose environment
// name it is. Matched against every key rather than split at an underscore, because section
// names contain underscores too (TICKETCACHE_ON_DEMAND_DEADLINE is on_demand.deadline). For an
// unknown variable: a best guess (the first '_' after the prefix taken as the dot), for the hint.
std::string KeyNameOfVariable(std::string_view variable) {
  for (const KeySpec& spec : ConfigKeys()) {
    if (EnvNameOf(spec.name) == variable) return std::string(spec.name);
  }
  const std::string_view rest = variable.substr(kEnvPrefix.size());
  const size_t underscore = rest.find('_');
  if (underscore == std::string_view::npos) return {};
  std::string name;
  for (char c : rest) {
    name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  name[underscore] = '.';
  return name;
}

}  // namespace

bool IsKubernetesServiceVariable(std::string_view variable) {
  // For a Service named S (here ticketcache or ticketcache-…, upper-cased, '-' as '_'), the
  // kubelet injects S_SERVICE_HOST, S_SERVICE_PORT, S_SERVICE_PORT_<PORT NAME>, S_PORT and, per
  // port, S_PORT_<n>_<TCP|UDP|SCTP> with _PROTO, _PORT and _ADDR.
  static const std::regex kPattern(
      "TICKETCACHE(_[A-Z0-9_]+)?_(SERVICE_HOST|SERVICE_PORT(_[A-Z0-9_]+)?|PORT|"
      "PORT_[0-9]+_(TCP|UDP|SCTP)(_(PROTO|PORT|ADDR))?)");
  return std::regex_match(variable.begin(), variable.end(), kPattern);
}

namespace {

Status ApplyEnvironment(const std::map<std::string, std::string>& env, Config& config) {
  for (const auto& [variable, value] : env) {
    if (!variable.starts_with(kEnvPrefix) || variable.starts_with(kTestEnvPrefix) ||
        variable == kConfigFileVariable) {
      continue;
    }
    const Origin origin{Layer::kEnv, variable};
    const std::string name = KeyNameOfVariable(variable);
    const KeySpec* spec = FindKey(name);
    if (spec == nullptr && IsKubernetesServiceVariable(variable)) {
      config.ignored_environment.push_back(variable);
      continue;
    }
    if (spec == nullptr) {
      std::string message = fmt::format("unknown environment variable {}", variable);
      if (auto hint = ClosestName(name, false)) {
        message += fmt::format("; did you mean {}?", EnvNameOf(*hint));
      }
      return MakeError(ErrorClass::kConfig, message);
    }
    const std::string file_variable = EnvNameOf(std::string(spec->name) + "_file");
    if (spec->kind == KeyKind::kSecret && env.count(file_variable)) {
      return ConfigError(spec->name, origin,
                         fmt::format("set either {} or {}, not both", variable, file_variable));
    }
    if (Status status = AssignText(*spec, config, value, origin); !status.ok()) return status;
  }
  return Status::Ok();
}

Status ApplyOverrides(const std::vector<std::pair<std::string, std::string>>& overrides,
                      Config& config) {
  const Origin origin{Layer::kOverride, "command line"};
  for (const auto& [name, value] : overrides) {
    const KeySpec* spec = FindKey(name);
    if (spec == nullptr) {
      return MakeError(ErrorClass::kConfig, UnknownKeyMessage(name, origin.where));
    }
    if (Status status = AssignText(*spec, config, value, origin); !status.ok()) return status;
  }
  return Status::Ok();
}

// Rules between keys, checked on the effective configuration.
Status CheckCrossKeyRules(const Config& config) {
  auto error = [](std::string message) {
    return MakeError(ErrorClass::kConfig, std::move(message));
  };
  const RefreshConfig& refresh = config.refresh;
  if (refresh.refresh_ahead >= refresh.ttl) {
    return error(fmt::format("refresh.refresh_ahead ({}) must be shorter than refresh.ttl ({})",
                             FormatDuration(refresh.refresh_ahead), FormatDuration(refresh.ttl)));
  }
  if (refresh.retry.max_delay < refresh.retry.base_delay) {
    return error(fmt::format(
        "refresh.retry_max_delay ({}) must not be shorter than refresh.retry_base_delay ({})",
        FormatDuration(refresh.retry.max_delay), FormatDuration(refresh.retry.base_delay)));
  }
  if (refresh.breaker.min_calls > refresh.breaker.window) {
    return error(
        fmt::format("refresh.breaker_min_calls ({}) must not exceed refresh.breaker_window ({})",
                    refresh.breaker.min_calls, refresh.breaker.window));
  }
  if (refresh.user_backoff.max < refresh.user_backoff.base) {
    return error(fmt::format(
        "refresh.user_backoff_max ({}) must not be shorter than refresh.user_backoff_base ({})",
        FormatDuration(refresh.user_backoff.max), FormatDuration(refresh.user_backoff.base)));
  }
  if (config.bytemark.connect_timeout > config.bytemark.timeout) {
    return error(fmt::format(
        "bytemark.connect_timeout ({}) must not be longer than bytemark.timeout ({})",
        FormatDuration(config.bytemark.connect_timeout), FormatDuration(config.bytemark.timeout)));
  }
  return Status::Ok();
}

}  // namespace

std::map<std::string, std::string> CaptureEnvironment() {
  std::map<std::string, std::string> env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const size_t equals = text.find('=');
    if (equals == std::string_view::npos) continue;
    env.emplace(std::string(text.substr(0, equals)), std::string(text.substr(equals + 1)));
  }
  return env;
}

std::optional<std::string> ResolveConfigFile(const ConfigSources& sources) {
  if (sources.file) return sources.file;
  if (const auto named = sources.env.find(kConfigFileVariable);
      named != sources.env.end() && !named->second.empty()) {
    return named->second;
  }
  std::error_code ec;
  for (const std::string& candidate : {std::string(kDefaultFile), sources.system_file}) {
    // Present in any form: a FIFO or a directory by that name is refused when read, not skipped.
    if (!candidate.empty() && std::filesystem::exists(candidate, ec)) return candidate;
  }
  return std::nullopt;
}

std::string BestEffortLogFormat(const ConfigSources& sources) {
  const auto valid = [](const std::string& format) { return format == "json" || format == "text"; };
  std::string format = LogConfig{}.format;
  if (const auto file = ResolveConfigFile(sources)) {
    const Result<std::string> text = ReadRegularFile(*file, "config file");
    try {
      const toml::table root = toml::parse(text.ok() ? *text : std::string(), *file);
      if (auto value = root["log"]["format"].value<std::string>(); value && valid(*value)) {
        format = *value;
      }
    } catch (const toml::parse_error&) {
      // An unreadable file says nothing about the format.
    }
  }
  if (const auto env = sources.env.find(EnvNameOf("log.format"));
      env != sources.env.end() && valid(env->second)) {
    format = env->second;
  }
  for (const auto& [name, value] : sources.overrides) {
    if (name == "log.format" && valid(value)) format = value;
  }
  return format;
}

Result<Config> LoadConfig(const ConfigSources& sources) {
  Config config;
  const std::optional<std::string> file = ResolveConfigFile(sources);
  if (file) {
    if (!sources.file && !std::filesystem::exists(*file)) {
      return MakeError(
          ErrorClass::kConfig,
          fmt::format("config file \"{}\" not found (named by {})", *file, kConfigFileVariable));
    }
    if (Status status = ApplyFile(*file, config); !status.ok()) return status.error();
  }
  if (Status status = ApplyEnvironment(sources.env, config); !status.ok()) return status.error();
  if (Status status = ApplyOverrides(sources.overrides, config); !status.ok()) {
    return status.error();
  }
  if (Status status = CheckCrossKeyRules(config); !status.ok()) return status.error();
  return config;
}

}  // namespace tc
