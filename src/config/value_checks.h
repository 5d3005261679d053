// What a configuration value must satisfy beyond its type, one function per rule. Each returns
// the problem as text, or nothing; the caller prefixes the key and where the value came from.
#pragma once

#include <chrono>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "config/value_codecs.h"

namespace tc {

namespace value_checks_detail {
inline double AsNumber(double value) { return value; }
inline double AsNumber(int64_t value) { return static_cast<double>(value); }
inline double AsNumber(int value) { return value; }
inline double AsNumber(std::chrono::milliseconds value) {
  return static_cast<double>(value.count());
}
}  // namespace value_checks_detail

template <typename T>
Problem Positive(const T& value) {
  if (!(value_checks_detail::AsNumber(value) > 0)) return "must be greater than zero";
  return std::nullopt;
}

template <typename T>
Problem NonNegative(const T& value) {
  const double number = value_checks_detail::AsNumber(value);
  if (!std::isfinite(number) || number < 0) return "must be zero or more";
  return std::nullopt;
}

// lo <= value <= hi.
template <int64_t kLo, int64_t kHi>
Problem Between(const int& value) {
  if (value < kLo || value > kHi) {
    return "must be between " + std::to_string(kLo) + " and " + std::to_string(kHi);
  }
  return std::nullopt;
}

Problem Ratio(const double& value);  // 0 < x <= 1
Problem NonEmpty(const std::string& value);
Problem PlainName(const std::string& value);  // config/plain_identifier.h
Problem TokensUrl(const std::string& value);  // config/storage_url.h, role tokens
Problem StoreUrl(const std::string& value);   // config/storage_url.h, role store
Problem HttpUrl(const std::string& value);    // http(s)://host[:port]…, config/url_syntax.h
Problem LogLevel(const std::string& value);
Problem LogFormat(const std::string& value);
Problem ScheduleMode(const std::string& value);        // cron | continuous
Problem ListenAddress(const std::string& value);       // host:port
Problem ActivityTypes(const std::vector<int>& value);  // non-empty, each >= 0

}  // namespace tc
