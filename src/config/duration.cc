#include "config/duration.h"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>
#include <utility>

namespace tc {
namespace {

std::string_view Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

std::optional<int64_t> ParseDigits(std::string_view digits) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty()) {
    return std::nullopt;
  }
  return value;
}

// The unit at the start of `rest` in milliseconds, and its length; nullopt for an unknown unit.
std::optional<std::pair<int64_t, size_t>> Unit(std::string_view rest) {
  if (rest.starts_with("ms")) return std::pair<int64_t, size_t>{1, 2};
  if (rest.empty()) return std::nullopt;
  switch (rest[0]) {
    case 's':
      return std::pair<int64_t, size_t>{1'000, 1};
    case 'm':
      return std::pair<int64_t, size_t>{60'000, 1};
    case 'h':
      return std::pair<int64_t, size_t>{3'600'000, 1};
    case 'd':
      return std::pair<int64_t, size_t>{86'400'000, 1};
    default:
      return std::nullopt;
  }
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
    const std::optional<int64_t> amount = ParseDigits(rest.substr(0, digits));
    if (!amount) return bad();
    rest.remove_prefix(digits);
    const auto unit = Unit(rest);
    if (!unit) return bad();
    rest.remove_prefix(unit->second);
    const int64_t unit_ms = unit->first;
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

}  // namespace tc
