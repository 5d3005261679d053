// A parsed cron expression: which seconds, minutes, hours, days and months it selects.
//
// Grammar (docs/cron.md): 5 fields `minute hour day-of-month month day-of-week`, or 6 with
// `second` first. Each field is a comma list of `*`, `N`, `N-M`, `*/S`, `N-M/S` or `N/S` (N up to
// the field's maximum, step S). Months take JAN-DEC and days of week SUN-SAT (case-insensitive);
// day of week 7 is Sunday like 0. Macros: @yearly @annually @monthly @weekly @daily @midnight
// @hourly. Written by hand: Debian packages no C++ cron library.
#pragma once

#include <bitset>
#include <string>
#include <string_view>

#include "date/date.h"
#include "error/error.h"

namespace tc {

class CronExpression {
 public:
  // Parses `text`. Errors are kConfig with a message naming the field, e.g.
  // "cron field 'hour': value 24 out of range 0-23".
  static Result<CronExpression> Parse(std::string_view text);

  // Vixie cron's day rule: when both day-of-month and day-of-week are restricted (written as
  // anything but a bare `*`), a day matches if EITHER matches; otherwise both must.
  bool MatchesDay(date::year_month_day day) const;
  bool MatchesMonth(date::month month) const { return months_[unsigned{month}]; }
  bool MatchesHour(int hour) const { return hours_[hour]; }
  bool MatchesMinute(int minute) const { return minutes_[minute]; }
  bool MatchesSecond(int second) const { return seconds_[second]; }

  // True when every hour of the day is selected (`*`, `0-23`, `*/1`…). Such a schedule is
  // "interval-like": across DST changes it follows the clock on the wall (fires in both copies of
  // a repeated hour, skips times that do not exist), see cron_schedule.h.
  bool SelectsEveryHour() const { return hours_.all(); }

  // The expression as written, for logs.
  const std::string& text() const { return text_; }

 private:
  CronExpression() = default;

  std::string text_;
  std::bitset<60> seconds_;
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_of_month_;  // bit 0 unused
  std::bitset<13> months_;         // bit 0 unused
  std::bitset<7> days_of_week_;    // 0 = Sunday
  bool day_of_month_restricted_ = false;
  bool day_of_week_restricted_ = false;
};

}  // namespace tc
