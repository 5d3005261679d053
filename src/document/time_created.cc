// GCC 12 reports a false "may be used uninitialized" inside date::parse's seconds parsing, at
// the end of this file where the template is instantiated: off for the whole file.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include "document/time_created.h"

#include <cstdint>
#include <sstream>
#include <string>

namespace tc {
namespace {

// Digits [pos, pos + count) as a number; -1 when one is not a digit.
int Digits(std::string_view text, size_t pos, size_t count) {
  int value = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    const char c = text[i];
    if (c < '0' || c > '9') return -1;
    value = value * 10 + (c - '0');
  }
  return value;
}

// YYYY-MM-DDThh:mm:ss[.f{1,9}]Z with a valid calendar date, hour <= 23, minute and second <= 59;
// nullopt for anything else (which the general reader then decides on).
std::optional<Instant> ParseCommonForm(std::string_view text) {
  if (text.size() < 20 || text.size() > 30 || text[4] != '-' || text[7] != '-' || text[10] != 'T' ||
      text[13] != ':' || text[16] != ':' || text.back() != 'Z') {
    return std::nullopt;
  }
  const int year = Digits(text, 0, 4);
  const int month = Digits(text, 5, 2);
  const int day = Digits(text, 8, 2);
  const int hour = Digits(text, 11, 2);
  const int minute = Digits(text, 14, 2);
  const int second = Digits(text, 17, 2);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0 || hour > 23 ||
      minute > 59 || second > 59) {
    return std::nullopt;
  }
  int64_t nanos = 0;
  if (text.size() > 20) {  // ".f{1,9}" between the seconds and the Z
    if (text[19] != '.' || text.size() < 22) return std::nullopt;
    const size_t fraction_digits = text.size() - 21;
    const int fraction = Digits(text, 20, fraction_digits);
    if (fraction < 0) return std::nullopt;
    nanos = fraction;
    for (size_t i = fraction_digits; i < 9; ++i) nanos *= 10;
  }
  const date::year_month_day ymd{date::year{year}, date::month{static_cast<unsigned>(month)},
                                 date::day{static_cast<unsigned>(day)}};
  if (!ymd.ok()) return std::nullopt;
  return Instant(date::sys_days(ymd)) + std::chrono::hours(hour) + std::chrono::minutes(minute) +
         std::chrono::seconds(second) + std::chrono::nanoseconds(nanos);
}

}  // namespace

std::optional<Instant> ParseInstantGeneral(std::string_view text) {
  static constexpr const char* kFormats[] = {"%FT%TZ", "%FT%T%Ez", "%FT%T%z", "%FT%T", "%F"};
  for (const char* format : kFormats) {
    std::istringstream in{std::string(text)};
    Instant instant;
    in >> date::parse(format, instant);
    if (!in.fail() && in.peek() == std::char_traits<char>::eof()) return instant;
  }
  return std::nullopt;
}

std::optional<Instant> ParseTimeCreated(std::string_view text) {
  if (auto instant = ParseCommonForm(text)) return instant;
  return ParseInstantGeneral(text);
}

}  // namespace tc
