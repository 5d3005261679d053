#include "schedule/cron_expression.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <optional>
#include <vector>

namespace tc {
namespace {

struct FieldSpec {
  std::string_view name;
  int min;
  int max;
  // Three-letter names for the values min.. in order (empty when the field takes none).
  std::vector<std::string_view> names;
};

const FieldSpec kSecond{"second", 0, 59, {}};
const FieldSpec kMinute{"minute", 0, 59, {}};
const FieldSpec kHour{"hour", 0, 23, {}};
const FieldSpec kDayOfMonth{"day-of-month", 1, 31, {}};
const FieldSpec kMonth{
    "month",
    1,
    12,
    {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}};
// 7 is Sunday as well as 0; the parser folds it onto 0.
const FieldSpec kDayOfWeek{"day-of-week", 0, 7, {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}};

// The 5-field expansion of each macro.
constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kMacros{{
    {"@yearly", "0 0 1 1 *"},
    {"@annually", "0 0 1 1 *"},
    {"@monthly", "0 0 1 * *"},
    {"@weekly", "0 0 * * 0"},
    {"@daily", "0 0 * * *"},
    {"@midnight", "0 0 * * *"},
    {"@hourly", "0 * * * *"},
}};

Error FieldError(const FieldSpec& spec, const std::string& what) {
  return MakeError(ErrorClass::kConfig, fmt::format("cron field '{}': {}", spec.name, what));
}

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

// A number or (for months and days of week) a name, checked against the field's range.
Result<int> ParseValue(const FieldSpec& spec, std::string_view token) {
  if (token.empty()) return FieldError(spec, "missing value");
  if (std::isalpha(static_cast<unsigned char>(token.front()))) {
    for (size_t i = 0; i < spec.names.size(); ++i) {
      if (EqualsIgnoringCase(spec.names[i], token)) return spec.min + static_cast<int>(i);
    }
    if (spec.names.empty()) {
      return FieldError(spec, fmt::format("'{}' is not a number", token));
    }
    return FieldError(spec, fmt::format("unknown name '{}' (expected {}-{})", token,
                                        spec.names.front(), spec.names.back()));
  }
  int value = 0;
  const auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), value);
  if (end != token.data() + token.size()) {
    return FieldError(spec, fmt::format("'{}' is not a number", token));
  }
  if (ec == std::errc::result_out_of_range || value < spec.min || value > spec.max) {
    return FieldError(spec, fmt::format("value {} out of range {}-{}", token, spec.min, spec.max));
  }
  return value;
}

// One comma-separated item: `*`, `N`, `N-M`, each optionally followed by `/STEP`.
Status AddItem(const FieldSpec& spec, std::string_view item, std::vector<bool>& selected) {
  if (item.empty()) return FieldError(spec, "empty list item");
  std::string_view base = item;
  std::optional<int> step;
  if (const size_t slash = item.find('/'); slash != std::string_view::npos) {
    base = item.substr(0, slash);
    const std::string_view step_text = item.substr(slash + 1);
    int step_value = 0;
    const auto [end, ec] =
        std::from_chars(step_text.data(), step_text.data() + step_text.size(), step_value);
    if (step_text.empty() || end != step_text.data() + step_text.size() || ec != std::errc()) {
      return FieldError(spec, fmt::format("step '{}' is not a number", step_text));
    }
    if (step_value < 1) {
      return FieldError(spec, fmt::format("step {} must be at least 1", step_value));
    }
    step = step_value;
  }
  int first = spec.min;
  int last = spec.max;
  if (base != "*") {
    const size_t dash = base.find('-');
    auto low = ParseValue(spec, base.substr(0, dash));
    if (!low.ok()) return low.error();
    first = *low;
    if (dash != std::string_view::npos) {
      auto high = ParseValue(spec, base.substr(dash + 1));
      if (!high.ok()) return high.error();
      last = *high;
      if (first > last) {
        return FieldError(spec, fmt::format("range {} is reversed", base));
      }
    } else if (!step) {
      last = first;  // a single value; `N/S` means N through the maximum, every S
    }
  }
  // Written so that a huge step cannot overflow.
  for (int value = first;; value += step.value_or(1)) {
    selected[value] = true;
    if (last - value < step.value_or(1)) break;
  }
  return Status::Ok();
}

// Parses one field into `bits` (indexed by value). Returns whether it was restricted, i.e.
// written as anything but a bare `*`.
template <size_t N>
Result<bool> ParseField(const FieldSpec& spec, std::string_view text, std::bitset<N>& bits) {
  std::vector<bool> selected(spec.max + 1, false);
  size_t start = 0;
  while (true) {
    const size_t comma = text.find(',', start);
    const Status added = AddItem(spec, text.substr(start, comma - start), selected);
    if (!added.ok()) return added.error();
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  for (int value = spec.min; value <= spec.max; ++value) {
    if (selected[value]) bits.set(value % static_cast<int>(N));  // folds day-of-week 7 onto 0
  }
  return text != "*";
}

std::vector<std::string_view> SplitWhitespace(std::string_view text) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    const size_t start = i;
    while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i > start) words.push_back(text.substr(start, i - start));
  }
  return words;
}

constexpr std::array<int, 13> kLongestMonthDays{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

}  // namespace

Result<CronExpression> CronExpression::Parse(std::string_view text) {
  CronExpression expression;
  expression.text_ = std::string(text);
  std::vector<std::string_view> fields = SplitWhitespace(text);
  if (fields.size() == 1 && fields[0].starts_with('@')) {
    const auto macro = std::find_if(kMacros.begin(), kMacros.end(), [&](const auto& entry) {
      return EqualsIgnoringCase(entry.first, fields[0]);
    });
    if (macro == kMacros.end()) {
      return MakeError(ErrorClass::kConfig,
                       fmt::format("cron expression: unknown macro '{}' (expected one of @yearly "
                                   "@annually @monthly @weekly @daily @midnight @hourly)",
                                   fields[0]));
    }
    fields = SplitWhitespace(macro->second);
  }
  if (fields.size() != 5 && fields.size() != 6) {
    return MakeError(ErrorClass::kConfig,
                     fmt::format("cron expression '{}' has {} fields; expected 5 (minute hour "
                                 "day-of-month month day-of-week) or 6 (second first)",
                                 text, fields.size()));
  }
  if (fields.size() == 5) {
    expression.seconds_.set(0);
  } else {
    auto parsed = ParseField(kSecond, fields.front(), expression.seconds_);
    if (!parsed.ok()) return parsed.error();
    fields.erase(fields.begin());
  }
  if (auto parsed = ParseField(kMinute, fields[0], expression.minutes_); !parsed.ok()) {
    return parsed.error();
  }
  if (auto parsed = ParseField(kHour, fields[1], expression.hours_); !parsed.ok()) {
    return parsed.error();
  }
  auto day_of_month = ParseField(kDayOfMonth, fields[2], expression.days_of_month_);
  if (!day_of_month.ok()) return day_of_month.error();
  expression.day_of_month_restricted_ = *day_of_month;
  if (auto parsed = ParseField(kMonth, fields[3], expression.months_); !parsed.ok()) {
    return parsed.error();
  }
  auto day_of_week = ParseField(kDayOfWeek, fields[4], expression.days_of_week_);
  if (!day_of_week.ok()) return day_of_week.error();
  expression.day_of_week_restricted_ = *day_of_week;

  // An expression that can never fire is a mistake (e.g. `0 0 30 2 *`). With day-of-week
  // restricted as well, the day-of-week alone makes it fire, so only the lone day-of-month case
  // is checked. February counts 29 days: `0 0 29 2 *` fires in leap years.
  if (!expression.day_of_week_restricted_) {
    int first_day = 1;
    while (!expression.days_of_month_[first_day]) ++first_day;
    int longest = 0;
    for (int month = 1; month <= 12; ++month) {
      if (expression.months_[month]) longest = std::max(longest, kLongestMonthDays[month]);
    }
    if (first_day > longest) {
      return FieldError(kDayOfMonth,
                        fmt::format("day {} never occurs in the selected months", first_day));
    }
  }
  return expression;
}

bool CronExpression::MatchesDay(date::year_month_day day) const {
  const bool day_of_month = days_of_month_[unsigned{day.day()}];
  const bool day_of_week = days_of_week_[date::weekday(day).c_encoding()];
  if (day_of_month_restricted_ && day_of_week_restricted_) return day_of_month || day_of_week;
  return day_of_month && day_of_week;
}

}  // namespace tc
