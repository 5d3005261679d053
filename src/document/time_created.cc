// GCC 12 reports a false "may be used uninitialized" inside date::parse's seconds parsing, at
// the end of this file where the template is instantiated: off for the whole file.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include "document/time_created.h"

#include <cstdint>
#include <sstream>
#include <string>

namespace tc {
namespace {

// Instant counts nanoseconds in 64 bits: years 1678..2261. A date outside that range (year 0000,
// 9999) still orders before or after every other pass, so it is clamped to the first or last
// representable instant rather than overflowing.
Instant ClampedInstant(date::sys_days day, std::chrono::seconds time_of_day,
                       std::chrono::nanoseconds subsecond) {
  const date::sys_seconds whole = day + time_of_day;  // seconds: no overflow for any 16-bit year
  static const date::sys_seconds kFirst =
      date::ceil<std::chrono::seconds>(Instant::min()) + std::chrono::seconds(1);
  static const date::sys_seconds kLast =
      date::floor<std::chrono::seconds>(Instant::max()) - std::chrono::seconds(1);
  if (whole < kFirst) return Instant::min();
  if (whole > kLast) return Instant::max();
  return Instant(whole) + subsecond;
}

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
  return ClampedInstant(
      date::sys_days(ymd),
      std::chrono::hours(hour) + std::chrono::minutes(minute) + std::chrono::seconds(second),
      std::chrono::nanoseconds(nanos));
}

}  // namespace

std::optional<Instant> ParseInstantGeneral(std::string_view text) {
  static constexpr const char* kFormats[] = {"%FT%TZ", "%FT%T%Ez", "%FT%T%z", "%FT%T", "%F"};
  for (const char* format : kFormats) {
    // date::parse into a sys_time<nanoseconds> overflows (undefined behaviour) for years outside
    // Instant's range; the fields are read here and combined by ClampedInstant instead.
    std::istringstream in{std::string(text)};
    date::fields<std::chrono::nanoseconds> fields{};
    fields.has_tod = true;
    std::chrono::minutes offset{0};
    date::from_stream(in, format, fields, static_cast<std::string*>(nullptr), &offset);
    if (in.fail() || !fields.ymd.ok() || !fields.tod.in_conventional_range() ||
        in.peek() != std::char_traits<char>::eof()) {
      continue;
    }
    const std::chrono::nanoseconds time_of_day = fields.tod.to_duration();
    const auto whole_seconds = date::floor<std::chrono::seconds>(time_of_day);
    return ClampedInstant(date::sys_days(fields.ymd), whole_seconds - offset,
                          time_of_day - whole_seconds);
  }
  return std::nullopt;
}

std::optional<Instant> ParseTimeCreated(std::string_view text) {
  if (auto instant = ParseCommonForm(text)) return instant;
  return ParseInstantGeneral(text);
}

}  // namespace tc
