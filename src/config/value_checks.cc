#include "config/value_checks.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <iterator>
#include <string_view>

#include "config/config_text.h"
#include "config/plain_identifier.h"
#include "config/storage_url.h"
#include "config/url_credentials.h"
#include "config/url_syntax.h"

namespace tc {
namespace {

Problem Unless(const std::string& problem) {
  if (problem.empty()) return std::nullopt;
  return problem;
}

}  // namespace

Problem Ratio(const double& value) {
  if (!(value > 0 && value <= 1)) return "must be a ratio in (0, 1]";
  return std::nullopt;
}

Problem NonEmpty(const std::string& value) {
  if (value.empty()) return "must not be empty";
  return std::nullopt;
}

Problem PlainName(const std::string& value) {
  if (IsPlainIdentifier(value)) return std::nullopt;
  return fmt::format("{} is not a plain name (letters, digits, underscore; at most 64)",
                     Quoted(value));
}

Problem TokensUrl(const std::string& value) {
  return Unless(StorageUrlProblem(value, StorageRole::kTokens));
}

Problem StoreUrl(const std::string& value) {
  return Unless(StorageUrlProblem(value, StorageRole::kStore));
}

Problem HttpUrl(const std::string& value) { return Unless(HttpUrlProblem(value)); }

Problem LogLevel(const std::string& value) {
  static constexpr std::string_view kLevels[] = {"trace", "debug", "info", "warn", "error", "off"};
  if (std::find(std::begin(kLevels), std::end(kLevels), value) != std::end(kLevels)) {
    return std::nullopt;
  }
  return fmt::format("unknown log level {}; expected trace, debug, info, warn, error or off",
                     Quoted(value));
}

Problem LogFormat(const std::string& value) {
  if (value == "json" || value == "text") return std::nullopt;
  return fmt::format("unknown log format {}; expected json or text", Quoted(value));
}

Problem ScheduleMode(const std::string& value) {
  if (value == "cron" || value == "continuous") return std::nullopt;
  return fmt::format("unknown schedule mode {}; expected cron or continuous", Quoted(value));
}

Problem ListenAddress(const std::string& value) {
  const size_t colon = value.rfind(':');
  int port = -1;
  if (colon != std::string::npos && colon > 0) {
    const std::string_view digits = std::string_view(value).substr(colon + 1);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty()) port = -1;
  }
  if (port < 0 || port > 65535) return fmt::format("{} is not host:port", Quoted(value));
  return std::nullopt;
}

Problem ActivityTypes(const std::vector<int>& value) {
  if (value.empty()) return "must name at least one activity type";
  for (int type : value) {
    if (type < 0) return fmt::format("activity type {} must be zero or more", type);
  }
  return std::nullopt;
}

}  // namespace tc
