#include "config/config_loader.h"

#include <fmt/format.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <variant>

extern char** environ;  // POSIX: the process environment.

namespace tc {
namespace {

using Milliseconds = std::chrono::milliseconds;
using Slot =
    std::variant<std::string*, int*, int64_t*, double*, Milliseconds*, std::vector<std::string>*>;

constexpr std::string_view kEnvPrefix = "TICKETCACHE_";
constexpr std::string_view kTestEnvPrefix = "TICKETCACHE_TEST_";
constexpr std::string_view kDefaultFile = "ticketcache.toml";
constexpr std::string_view kRedacted = "<redacted>";

// What a value must satisfy beyond its type.
enum class Rule {
  kAny,
  kNonEmpty,
  kPositive,
  kNonNegative,
  kRatio,       // 0 < x <= 1
  kIdentifier,  // table / collection names: interpolated into SQL, so [A-Za-z_][A-Za-z0-9_]*
  kTokensUrl,   // sqlite:PATH | mysql://…
  kStoreUrl,    // sqlite:PATH | mysql://… | mongodb://… | mongodb+srv://…
  kHttpUrl,     // http(s)://host…
  kLogLevel,
  kLogFormat,
  kListen,        // host:port
  kSecret,        // a password: environment only
  kPasswordFile,  // a path whose contents become the password in the slot
};

struct KeySpec {
  std::string_view name;  // "section.key"
  Slot (*slot)(Config&);
  Rule rule;
};

// Every key of Config, in the order of config.h (which is also the rendering order).
const KeySpec kKeys[] = {
    {"tokens.url", [](Config& c) -> Slot { return &c.tokens.url; }, Rule::kTokensUrl},
    {"tokens.table", [](Config& c) -> Slot { return &c.tokens.table; }, Rule::kIdentifier},
    {"tokens.page_size", [](Config& c) -> Slot { return &c.tokens.page_size; }, Rule::kPositive},
    {"tokens.password", [](Config& c) -> Slot { return &c.tokens.password; }, Rule::kSecret},
    {"tokens.password_file", [](Config& c) -> Slot { return &c.tokens.password; },
     Rule::kPasswordFile},
    {"tokens.tls_ca", [](Config& c) -> Slot { return &c.tokens.tls_ca; }, Rule::kAny},
    {"store.url", [](Config& c) -> Slot { return &c.store.url; }, Rule::kStoreUrl},
    {"store.cache_collection", [](Config& c) -> Slot { return &c.store.cache_collection; },
     Rule::kIdentifier},
    {"store.log_collection", [](Config& c) -> Slot { return &c.store.log_collection; },
     Rule::kIdentifier},
    {"store.password", [](Config& c) -> Slot { return &c.store.password; }, Rule::kSecret},
    {"store.password_file", [](Config& c) -> Slot { return &c.store.password; },
     Rule::kPasswordFile},
    {"store.tls_ca", [](Config& c) -> Slot { return &c.store.tls_ca; }, Rule::kAny},
    {"bytemark.customer_api", [](Config& c) -> Slot { return &c.bytemark.customer_api; },
     Rule::kHttpUrl},
    {"bytemark.page_size", [](Config& c) -> Slot { return &c.bytemark.page_size; },
     Rule::kPositive},
    {"bytemark.timeout", [](Config& c) -> Slot { return &c.bytemark.timeout; }, Rule::kPositive},
    {"bytemark.connect_timeout", [](Config& c) -> Slot { return &c.bytemark.connect_timeout; },
     Rule::kPositive},
    {"bytemark.max_pages", [](Config& c) -> Slot { return &c.bytemark.max_pages; },
     Rule::kPositive},
    {"bytemark.max_response_bytes",
     [](Config& c) -> Slot { return &c.bytemark.max_response_bytes; }, Rule::kPositive},
    {"bytemark.ca_path", [](Config& c) -> Slot { return &c.bytemark.ca_path; }, Rule::kAny},
    {"refresh.ttl", [](Config& c) -> Slot { return &c.refresh.ttl; }, Rule::kPositive},
    {"refresh.refresh_ahead", [](Config& c) -> Slot { return &c.refresh.refresh_ahead; },
     Rule::kNonNegative},
    {"refresh.concurrency", [](Config& c) -> Slot { return &c.refresh.concurrency; },
     Rule::kPositive},
    {"refresh.rate_limit", [](Config& c) -> Slot { return &c.refresh.rate_limit; },
     Rule::kNonNegative},
    {"refresh.retries", [](Config& c) -> Slot { return &c.refresh.retry.retries; }, Rule::kNonNegative},
    {"refresh.free_product_uuids", [](Config& c) -> Slot { return &c.refresh.free_product_uuids; },
     Rule::kAny},
    {"refresh.grace_period", [](Config& c) -> Slot { return &c.refresh.grace_period; },
     Rule::kNonNegative},
    {"refresh.retry_base_delay", [](Config& c) -> Slot { return &c.refresh.retry.base_delay; },
     Rule::kPositive},
    {"refresh.retry_max_delay", [](Config& c) -> Slot { return &c.refresh.retry.max_delay; },
     Rule::kPositive},
    {"refresh.breaker_failure_ratio",
     [](Config& c) -> Slot { return &c.refresh.breaker.failure_ratio; }, Rule::kRatio},
    {"refresh.breaker_window", [](Config& c) -> Slot { return &c.refresh.breaker.window; },
     Rule::kPositive},
    {"refresh.breaker_min_calls", [](Config& c) -> Slot { return &c.refresh.breaker.min_calls; },
     Rule::kPositive},
    {"refresh.breaker_open_for", [](Config& c) -> Slot { return &c.refresh.breaker.open_for; },
     Rule::kPositive},
    {"refresh.breaker_give_up_after",
     [](Config& c) -> Slot { return &c.refresh.breaker.give_up_after; }, Rule::kPositive},
    {"refresh.user_backoff_base", [](Config& c) -> Slot { return &c.refresh.user_backoff.base; },
     Rule::kPositive},
    {"refresh.user_backoff_max", [](Config& c) -> Slot { return &c.refresh.user_backoff.max; },
     Rule::kPositive},
    {"refresh.lock_ttl", [](Config& c) -> Slot { return &c.refresh.lock.ttl; }, Rule::kPositive},
    {"schedule.cron", [](Config& c) -> Slot { return &c.schedule.cron; }, Rule::kNonEmpty},
    {"schedule.timezone", [](Config& c) -> Slot { return &c.schedule.timezone; }, Rule::kNonEmpty},
    {"server.listen", [](Config& c) -> Slot { return &c.server.listen; }, Rule::kListen},
    {"log.level", [](Config& c) -> Slot { return &c.log.level; }, Rule::kLogLevel},
    {"log.format", [](Config& c) -> Slot { return &c.log.format; }, Rule::kLogFormat},
};

const KeySpec* FindKey(std::string_view name) {
  for (const KeySpec& spec : kKeys) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

std::string_view SectionOf(std::string_view name) { return name.substr(0, name.find('.')); }
std::string_view KeyOf(std::string_view name) { return name.substr(name.find('.') + 1); }

bool IsSection(std::string_view section) {
  return std::any_of(std::begin(kKeys), std::end(kKeys),
                     [&](const KeySpec& spec) { return SectionOf(spec.name) == section; });
}

std::string EnvNameOf(std::string_view name) {
  std::string env(kEnvPrefix);
  for (char c : name) {
    env += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return env;
}

// Levenshtein distance, for "did you mean" hints (a dozen lines; no Debian package offers it
// without pulling in far more than it saves).
size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// The closest known key (or section when `sections`), if it is close enough to be a typo.
std::optional<std::string> ClosestName(std::string_view unknown, bool sections) {
  std::optional<std::string> best;
  size_t best_distance = std::max<size_t>(2, unknown.size() / 3) + 1;
  for (const KeySpec& spec : kKeys) {
    std::string_view candidate = sections ? SectionOf(spec.name) : spec.name;
    size_t distance = EditDistance(unknown, candidate);
    if (distance < best_distance) {
      best_distance = distance;
      best = std::string(candidate);
    }
  }
  return best;
}

std::string UnknownKeyMessage(std::string_view name, std::string_view where) {
  std::string message = fmt::format("unknown key '{}' ({})", name, where);
  if (auto hint = ClosestName(name, false)) message += fmt::format("; did you mean '{}'?", *hint);
  return message;
}

bool IsIdentifier(std::string_view text) {
  if (text.empty() || std::isdigit(static_cast<unsigned char>(text[0]))) return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// The [begin, end) range of the password in scheme://user:password@host…, if any.
std::optional<std::pair<size_t, size_t>> UrlPasswordRange(std::string_view url) {
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::nullopt;
  size_t rest = scheme_end + 3;
  size_t query = url.find_first_of("?#", rest);
  std::string_view before_query =
      url.substr(rest, query == std::string_view::npos ? url.npos : query - rest);
  // The LAST '@' ends the user info, so an unencoded '@' inside a password is still covered.
  size_t at = before_query.rfind('@');
  if (at == std::string_view::npos) return std::nullopt;
  size_t colon = before_query.substr(0, at).find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  return std::make_pair(rest + colon + 1, rest + at);
}

std::string QuoteForMessage(std::string_view text) { return fmt::format("\"{}\"", text); }

// A value as it may be echoed in an error message.
std::string EchoValue(const KeySpec& spec, std::string_view text) {
  if (spec.rule == Rule::kSecret) return std::string(kRedacted);
  if (spec.rule == Rule::kTokensUrl || spec.rule == Rule::kStoreUrl ||
      spec.rule == Rule::kHttpUrl) {
    return QuoteForMessage(RedactUrlPassword(text));
  }
  return QuoteForMessage(text);
}

// Where a value came from, for error messages.
enum class Layer { kFile, kEnv, kOverride };
struct Origin {
  Layer layer;
  std::string where;  // "ticketcache.toml line 3", "TICKETCACHE_REFRESH_TTL", "command line"
};

Error ConfigError(std::string_view name, const Origin& origin, std::string_view problem) {
  return MakeError(ErrorClass::kConfig, fmt::format("{} ({}): {}", name, origin.where, problem));
}

// Checks the value now in the slot against the key's rule. Returns the problem, if any.
std::optional<std::string> CheckRule(const KeySpec& spec, Config& config) {
  Slot slot = spec.slot(config);
  auto number = [&]() -> std::optional<double> {
    if (auto* v = std::get_if<int*>(&slot)) return **v;
    if (auto* v = std::get_if<int64_t*>(&slot)) return static_cast<double>(**v);
    if (auto* v = std::get_if<double*>(&slot)) return **v;
    if (auto* v = std::get_if<Milliseconds*>(&slot)) return static_cast<double>((*v)->count());
    return std::nullopt;
  };
  const std::string* text = nullptr;
  if (auto* v = std::get_if<std::string*>(&slot)) text = *v;

  switch (spec.rule) {
    case Rule::kAny:
    case Rule::kSecret:
    case Rule::kPasswordFile:
      return std::nullopt;
    case Rule::kNonEmpty:
      if (text->empty()) return "must not be empty";
      return std::nullopt;
    case Rule::kPositive:
      if (!(number().value() > 0)) return "must be greater than zero";
      return std::nullopt;
    case Rule::kNonNegative: {
      double value = number().value();
      if (!std::isfinite(value) || value < 0) return "must be zero or more";
      return std::nullopt;
    }
    case Rule::kRatio: {
      double value = number().value();
      if (!(value > 0 && value <= 1)) return "must be a ratio in (0, 1]";
      return std::nullopt;
    }
    case Rule::kIdentifier:
      if (!IsIdentifier(*text)) {
        return fmt::format("{} is not a plain name (letters, digits, underscore)",
                           QuoteForMessage(*text));
      }
      return std::nullopt;
    case Rule::kTokensUrl:
    case Rule::kStoreUrl: {
      bool sqlite = StartsWith(*text, "sqlite:") && text->size() > 7;
      bool mysql = StartsWith(*text, "mysql://") && text->size() > 8;
      bool mongo = (StartsWith(*text, "mongodb://") && text->size() > 10) ||
                   (StartsWith(*text, "mongodb+srv://") && text->size() > 14);
      if (sqlite || mysql || (spec.rule == Rule::kStoreUrl && mongo)) return std::nullopt;
      return fmt::format("unsupported url {}; expected {}", EchoValue(spec, *text),
                         spec.rule == Rule::kStoreUrl
                             ? "sqlite:PATH, mysql://user@host:port/db or mongodb://…"
                             : "sqlite:PATH or mysql://user@host:port/db");
    }
    case Rule::kHttpUrl: {
      bool http = StartsWith(*text, "http://") && text->size() > 7;
      bool https = StartsWith(*text, "https://") && text->size() > 8;
      if (http || https) return std::nullopt;
      return fmt::format("unsupported url {}; expected http://host[:port] or https://…",
                         EchoValue(spec, *text));
    }
    case Rule::kLogLevel: {
      static constexpr std::string_view kLevels[] = {"trace", "debug", "info",
                                                     "warn",  "error", "off"};
      if (std::find(std::begin(kLevels), std::end(kLevels), *text) != std::end(kLevels)) {
        return std::nullopt;
      }
      return fmt::format("unknown log level {}; expected trace, debug, info, warn, error or off",
                         QuoteForMessage(*text));
    }
    case Rule::kLogFormat:
      if (*text == "json" || *text == "text") return std::nullopt;
      return fmt::format("unknown log format {}; expected json or text", QuoteForMessage(*text));
    case Rule::kListen: {
      size_t colon = text->rfind(':');
      int port = -1;
      if (colon != std::string::npos && colon > 0) {
        std::string_view digits = std::string_view(*text).substr(colon + 1);
        auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
        if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty()) port = -1;
      }
      if (port < 0 || port > 65535) {
        return fmt::format("{} is not host:port", QuoteForMessage(*text));
      }
      return std::nullopt;
    }
  }
  return std::nullopt;
}

template <typename Int>
std::optional<Int> ParseInteger(std::string_view text) {
  Int value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

// Reads a password file: its content without the trailing newline.
Result<std::string> ReadPasswordFile(std::string_view name, const Origin& origin,
                                     const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return ConfigError(name, origin, fmt::format("cannot read password file \"{}\"", path));
  std::ostringstream content;
  content << in.rdbuf();
  std::string password = content.str();
  while (!password.empty() && (password.back() == '\n' || password.back() == '\r')) {
    password.pop_back();
  }
  if (password.empty()) {
    return ConfigError(name, origin, fmt::format("password file \"{}\" is empty", path));
  }
  return password;
}

// Assigns `text` (from the environment or a flag) to the key. Lists are comma-separated.
Status AssignText(const KeySpec& spec, Config& config, std::string_view text,
                  const Origin& origin) {
  Slot slot = spec.slot(config);
  if (spec.rule == Rule::kPasswordFile) {
    Result<std::string> password = ReadPasswordFile(spec.name, origin, std::string(text));
    if (!password.ok()) return password.error();
    *std::get<std::string*>(slot) = std::move(password).value();
    return Status::Ok();
  }
  std::optional<std::string> problem;
  std::visit(
      [&](auto* target) {
        using T = std::remove_pointer_t<decltype(target)>;
        if constexpr (std::is_same_v<T, std::string>) {
          *target = std::string(text);
        } else if constexpr (std::is_same_v<T, int> || std::is_same_v<T, int64_t>) {
          if (auto value = ParseInteger<T>(Trim(text))) {
            *target = *value;
          } else {
            problem = fmt::format("expected a whole number, got {}", EchoValue(spec, text));
          }
        } else if constexpr (std::is_same_v<T, double>) {
          std::string_view trimmed = Trim(text);
          double value = 0;
          auto [end, ec] = std::from_chars(trimmed.data(), trimmed.data() + trimmed.size(), value);
          if (ec != std::errc() || end != trimmed.data() + trimmed.size() || trimmed.empty() ||
              !std::isfinite(value)) {
            problem = fmt::format("expected a number, got {}", EchoValue(spec, text));
          } else {
            *target = value;
          }
        } else if constexpr (std::is_same_v<T, Milliseconds>) {
          Result<Milliseconds> duration = ParseDuration(text);
          if (duration.ok()) {
            *target = *duration;
          } else {
            problem = duration.error().message;
          }
        } else {
          target->clear();
          std::string_view rest = text;
          while (!rest.empty()) {
            size_t comma = rest.find(',');
            std::string_view item = Trim(rest.substr(0, comma));
            if (!item.empty()) target->emplace_back(item);
            rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
          }
        }
      },
      slot);
  if (problem) return ConfigError(spec.name, origin, *problem);
  if (auto rule_problem = CheckRule(spec, config)) {
    return ConfigError(spec.name, origin, *rule_problem);
  }
  return Status::Ok();
}

std::string_view TomlTypeName(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    default:
      return "a date/time";
  }
}

// Assigns a TOML value from the file to the key, checking its type.
Status AssignNode(const KeySpec& spec, Config& config, const toml::node& node,
                  const Origin& origin) {
  if (spec.rule == Rule::kSecret) {
    return ConfigError(spec.name, origin,
                       fmt::format("passwords are not accepted in the config file; set {} or {}",
                                   EnvNameOf(spec.name), std::string(spec.name) + "_file"));
  }
  Slot slot = spec.slot(config);
  auto wrong_type = [&](std::string_view expected) {
    return ConfigError(spec.name, origin,
                       fmt::format("expected {}, got {}", expected, TomlTypeName(node)));
  };
  if (spec.rule == Rule::kPasswordFile) {
    if (!node.is_string()) return wrong_type("a path string");
    return AssignText(spec, config, **node.as_string(), origin);
  }
  if (std::holds_alternative<std::string*>(slot)) {
    if (!node.is_string()) return wrong_type("a string");
    *std::get<std::string*>(slot) = **node.as_string();
  } else if (std::holds_alternative<int*>(slot) || std::holds_alternative<int64_t*>(slot)) {
    if (!node.is_integer()) return wrong_type("a whole number");
    int64_t value = **node.as_integer();
    if (auto* target = std::get_if<int*>(&slot)) {
      if (value < std::numeric_limits<int>::min() || value > std::numeric_limits<int>::max()) {
        return ConfigError(spec.name, origin, fmt::format("{} is out of range", value));
      }
      **target = static_cast<int>(value);
    } else {
      *std::get<int64_t*>(slot) = value;
    }
  } else if (auto* real = std::get_if<double*>(&slot)) {
    if (node.is_integer()) {
      **real = static_cast<double>(**node.as_integer());
    } else if (node.is_floating_point()) {
      **real = **node.as_floating_point();
      if (!std::isfinite(**real)) return wrong_type("a finite number");
    } else {
      return wrong_type("a number");
    }
  } else if (auto* duration = std::get_if<Milliseconds*>(&slot)) {
    if (!node.is_string()) return wrong_type("a duration string such as \"90s\"");
    Result<Milliseconds> parsed = ParseDuration(**node.as_string());
    if (!parsed.ok()) return ConfigError(spec.name, origin, parsed.error().message);
    **duration = *parsed;
  } else {
    auto* list = std::get<std::vector<std::string>*>(slot);
    if (!node.is_array()) return wrong_type("an array of strings");
    list->clear();
    for (const toml::node& item : *node.as_array()) {
      if (!item.is_string()) return wrong_type("an array of strings");
      list->push_back(**item.as_string());
    }
  }
  if (auto problem = CheckRule(spec, config)) return ConfigError(spec.name, origin, *problem);
  return Status::Ok();
}

Origin FileOrigin(const std::string& path, const toml::node& node) {
  return Origin{Layer::kFile, fmt::format("{} line {}", path, node.source().begin.line)};
}

Status ApplyFile(const std::string& path, Config& config) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return MakeError(ErrorClass::kConfig, fmt::format("config file \"{}\" not found", path));
  }
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& error) {
    return MakeError(ErrorClass::kConfig,
                     fmt::format("{} line {}: invalid TOML: {}", path, error.source().begin.line,
                                 error.description()));
  }
  // toml++ tables iterate in key order, not file order: of several mistakes, the alphabetically
  // first is reported.
  for (const auto& [section_key, section_node] : root) {
    std::string_view section = section_key.str();
    if (!section_node.is_table()) {
      if (IsSection(section)) {
        return MakeError(ErrorClass::kConfig,
                         fmt::format("{} ({}): expected a [{}] section", section,
                                     FileOrigin(path, section_node).where, section));
      }
      return MakeError(ErrorClass::kConfig,
                       UnknownKeyMessage(section, FileOrigin(path, section_node).where));
    }
    if (!IsSection(section)) {
      std::string message =
          fmt::format("unknown section [{}] ({})", section, FileOrigin(path, section_node).where);
      if (auto hint = ClosestName(section, true)) {
        message += fmt::format("; did you mean [{}]?", *hint);
      }
      return MakeError(ErrorClass::kConfig, message);
    }
    for (const auto& [key, node] : *section_node.as_table()) {
      std::string name = fmt::format("{}.{}", section, key.str());
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

Status ApplyEnvironment(const std::map<std::string, std::string>& env, Config& config) {
  for (const auto& [variable, value] : env) {
    if (!StartsWith(variable, kEnvPrefix) || StartsWith(variable, kTestEnvPrefix)) continue;
    Origin origin{Layer::kEnv, variable};
    std::string_view rest = std::string_view(variable).substr(kEnvPrefix.size());
    size_t underscore = rest.find('_');
    std::string name;
    if (underscore != std::string_view::npos) {
      for (char c : rest.substr(0, underscore)) {
        name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
      name += '.';
      for (char c : rest.substr(underscore + 1)) {
        name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
    }
    const KeySpec* spec = FindKey(name);
    if (spec == nullptr) {
      std::string message = fmt::format("unknown environment variable {}", variable);
      if (auto hint = ClosestName(name, false)) {
        message += fmt::format("; did you mean {}?", EnvNameOf(*hint));
      }
      return MakeError(ErrorClass::kConfig, message);
    }
    if (spec->rule == Rule::kSecret && env.count(EnvNameOf(std::string(spec->name) + "_file"))) {
      return ConfigError(spec->name, origin,
                         fmt::format("set either {} or {}, not both", variable,
                                     EnvNameOf(std::string(spec->name) + "_file")));
    }
    if (spec->rule == Rule::kSecret) {
      *std::get<std::string*>(spec->slot(config)) = value;  // the one place a password is read
      continue;
    }
    if (Status status = AssignText(*spec, config, value, origin); !status.ok()) return status;
  }
  return Status::Ok();
}

Status ApplyOverrides(const std::vector<std::pair<std::string, std::string>>& overrides,
                      Config& config) {
  Origin origin{Layer::kOverride, "command line"};
  for (const auto& [name, value] : overrides) {
    const KeySpec* spec = FindKey(name);
    if (spec == nullptr)
      return MakeError(ErrorClass::kConfig, UnknownKeyMessage(name, origin.where));
    if (spec->rule == Rule::kSecret) {
      return ConfigError(spec->name, origin,
                         fmt::format("passwords are not accepted on the command line; set {} or {}",
                                     EnvNameOf(spec->name), std::string(spec->name) + "_file"));
    }
    if ((spec->rule == Rule::kTokensUrl || spec->rule == Rule::kStoreUrl ||
         spec->rule == Rule::kHttpUrl) &&
        UrlPasswordRange(value)) {
      std::string problem =
          "a password in a URL is not accepted on the command line (it would show in the "
          "process list)";
      const std::string password_key = std::string(SectionOf(spec->name)) + ".password";
      if (const KeySpec* password = FindKey(password_key)) {
        problem += fmt::format("; set {} or {}_file", EnvNameOf(password->name), password->name);
      }
      return ConfigError(spec->name, origin, problem);
    }
    Status status = AssignText(*spec, config, value, origin);
    if (!status.ok()) return status;
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

template <typename T>
std::string TomlValueText(T value) {
  std::ostringstream out;
  // Without allow_literal_strings: strings print "double-quoted", as in the docs and examples.
  out << toml::toml_formatter(toml::value<T>(std::move(value)), toml::format_flags::none);
  return out.str();
}

}  // namespace

Result<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  // Hand-written: no Debian-packaged C++ library parses Go-style durations.
  auto bad = [&] {
    return MakeError(ErrorClass::kConfig,
                     fmt::format("bad duration \"{}\"; expected e.g. \"90s\", \"5m\", \"1h30m\", "
                                 "\"250ms\"",
                                 text));
  };
  std::string_view rest = Trim(text);
  if (rest.empty()) return bad();
  int64_t total_ms = 0;
  while (!rest.empty()) {
    size_t digits = 0;
    while (digits < rest.size() && std::isdigit(static_cast<unsigned char>(rest[digits]))) {
      ++digits;
    }
    if (digits == 0) return bad();
    std::optional<int64_t> amount = ParseInteger<int64_t>(rest.substr(0, digits));
    if (!amount) return bad();
    rest.remove_prefix(digits);
    int64_t unit_ms = 0;
    if (StartsWith(rest, "ms")) {
      unit_ms = 1;
      rest.remove_prefix(2);
    } else if (!rest.empty() &&
               (rest[0] == 's' || rest[0] == 'm' || rest[0] == 'h' || rest[0] == 'd')) {
      unit_ms = rest[0] == 's'   ? 1'000
                : rest[0] == 'm' ? 60'000
                : rest[0] == 'h' ? 3'600'000
                                 : 86'400'000;
      rest.remove_prefix(1);
    } else {
      return bad();
    }
    constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
    if (*amount > kMax / unit_ms || total_ms > kMax - *amount * unit_ms) return bad();
    total_ms += *amount * unit_ms;
  }
  return std::chrono::milliseconds(total_ms);
}

std::string FormatDuration(std::chrono::milliseconds duration) {
  int64_t ms = duration.count();
  if (ms == 0) return "0s";
  std::string text;
  if (ms < 0) {
    text = "-";
    ms = -ms;
  }
  const std::pair<int64_t, std::string_view> kUnits[] = {
      {86'400'000, "d"}, {3'600'000, "h"}, {60'000, "m"}, {1'000, "s"}, {1, "ms"}};
  for (const auto& [unit_ms, suffix] : kUnits) {
    if (ms >= unit_ms) {
      text += fmt::format("{}{}", ms / unit_ms, suffix);
      ms %= unit_ms;
    }
  }
  return text;
}

std::string RedactUrlPassword(std::string_view url) {
  auto range = UrlPasswordRange(url);
  if (!range) return std::string(url);
  std::string redacted(url.substr(0, range->first));
  redacted += kRedacted;
  redacted += url.substr(range->second);
  return redacted;
}

std::map<std::string, std::string> CaptureEnvironment() {
  std::map<std::string, std::string> env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    size_t equals = text.find('=');
    if (equals == std::string_view::npos) continue;
    env.emplace(std::string(text.substr(0, equals)), std::string(text.substr(equals + 1)));
  }
  return env;
}

Result<Config> LoadConfig(const ConfigSources& sources) {
  Config config;
  std::optional<std::string> file = sources.file;
  std::error_code ec;
  if (!file && std::filesystem::is_regular_file(std::string(kDefaultFile), ec)) {
    file = std::string(kDefaultFile);
  }
  if (file) {
    if (Status status = ApplyFile(*file, config); !status.ok()) return status.error();
  }
  if (Status status = ApplyEnvironment(sources.env, config); !status.ok()) return status.error();
  if (Status status = ApplyOverrides(sources.overrides, config); !status.ok()) {
    return status.error();
  }
  if (Status status = CheckCrossKeyRules(config); !status.ok()) return status.error();
  return config;
}

std::string RenderRedactedConfig(const Config& config) {
  Config copy = config;  // slots hand out mutable pointers; render from a copy
  std::string out;
  std::string_view section;
  for (const KeySpec& spec : kKeys) {
    if (spec.rule == Rule::kPasswordFile) continue;  // its effect is the password itself
    if (SectionOf(spec.name) != section) {
      section = SectionOf(spec.name);
      out += fmt::format("{}[{}]\n", out.empty() ? "" : "\n", section);
    }
    std::string value;
    std::visit(
        [&](auto* target) {
          using T = std::remove_pointer_t<decltype(target)>;
          if constexpr (std::is_same_v<T, std::string>) {
            if (spec.rule == Rule::kSecret) {
              value = TomlValueText(std::string(kRedacted));
            } else {
              value = TomlValueText(RedactUrlPassword(*target));
            }
          } else if constexpr (std::is_same_v<T, int> || std::is_same_v<T, int64_t>) {
            value = TomlValueText<int64_t>(*target);
          } else if constexpr (std::is_same_v<T, double>) {
            value = TomlValueText(*target);
          } else if constexpr (std::is_same_v<T, Milliseconds>) {
            value = TomlValueText(FormatDuration(*target));
          } else {
            toml::array array;
            for (const std::string& item : *target) array.push_back(item);
            std::ostringstream stream;
            stream << toml::toml_formatter(array, toml::format_flags::none);
            value = stream.str();
          }
        },
        spec.slot(copy));
    if (spec.rule == Rule::kSecret && std::get<std::string*>(spec.slot(copy))->empty()) {
      // An unset password is a comment, so the rendering stays a loadable config file.
      out += fmt::format("# {} is not set ({} or {}_file)\n", KeyOf(spec.name),
                         EnvNameOf(spec.name), KeyOf(spec.name));
      continue;
    }
    out += fmt::format("{} = {}\n", KeyOf(spec.name), value);
  }
  return out;
}

}  // namespace tc
