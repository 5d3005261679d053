#include "schedule/cron_schedule.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

namespace tc {
namespace {

using std::chrono::seconds;
using std::chrono::sys_seconds;

// A cron that Parse accepts fires at least every 8 years (29 February skips 2100); the search
// stops after 12 so a bug cannot loop forever.
constexpr std::chrono::days kSearchHorizon{12 * 366};

date::local_seconds WallTime(sys_seconds instant, seconds offset) {
  return date::local_seconds{instant.time_since_epoch() + offset};
}

sys_seconds Instant(date::local_seconds wall_time, seconds offset) {
  return sys_seconds{wall_time.time_since_epoch() - offset};
}

// The first second of the day at or after `time_of_day` that the time fields select.
std::optional<seconds> FirstTimeOfDayAtOrAfter(const CronExpression& expression,
                                               seconds time_of_day) {
  const int start_hour = static_cast<int>(time_of_day.count() / 3600);
  const int start_minute = static_cast<int>(time_of_day.count() / 60 % 60);
  const int start_second = static_cast<int>(time_of_day.count() % 60);
  for (int hour = start_hour; hour < 24; ++hour) {
    if (!expression.MatchesHour(hour)) continue;
    for (int minute = hour == start_hour ? start_minute : 0; minute < 60; ++minute) {
      if (!expression.MatchesMinute(minute)) continue;
      const bool same_minute = hour == start_hour && minute == start_minute;
      for (int second = same_minute ? start_second : 0; second < 60; ++second) {
        if (expression.MatchesSecond(second)) return seconds{hour * 3600 + minute * 60 + second};
      }
    }
  }
  return std::nullopt;
}

// The first wall-clock time in [from, limit) that the expression selects, skipping whole months
// and days that do not match before looking at times of day.
std::optional<date::local_seconds> NextMatchingWallTime(const CronExpression& expression,
                                                        date::local_seconds from,
                                                        date::local_seconds limit) {
  date::local_days day = date::floor<date::days>(from);
  seconds time_of_day = from - day;
  while (day < limit) {
    const date::year_month_day ymd{day};
    if (!expression.MatchesMonth(ymd.month())) {
      day = date::local_days{ymd.year() / ymd.month() / 1 + date::months{1}};
      time_of_day = seconds{0};
      continue;
    }
    if (expression.MatchesDay(ymd)) {
      if (const auto time = FirstTimeOfDayAtOrAfter(expression, time_of_day)) {
        const date::local_seconds wall_time = day + *time;
        if (wall_time < limit) return wall_time;
        return std::nullopt;
      }
    }
    day += date::days{1};
    time_of_day = seconds{0};
  }
  return std::nullopt;
}

}  // namespace

Result<const date::time_zone*> LocateTimeZone(const std::string& name) {
  try {
    return date::locate_zone(name);
  } catch (const std::exception&) {
    return MakeError(ErrorClass::kConfig,
                     fmt::format("schedule.timezone: unknown time zone '{}' (expected an IANA "
                                 "name such as UTC or Europe/Berlin)",
                                 name));
  }
}

// Walks the zone's offset periods (between two transitions the offset is fixed, so wall time and
// instant map one to one) and, in each, looks for the first selected wall time, applying the DST
// rules of the header at the transition that opens the period.
Result<sys_seconds> NextFireTime(const CronExpression& expression, const date::time_zone& zone,
                                 sys_seconds after) {
  const bool every_hour = expression.SelectsEveryHour();
  const sys_seconds horizon = after + kSearchHorizon;
  sys_seconds cursor = after + seconds{1};
  while (cursor < horizon) {
    const date::sys_info period = zone.get_info(cursor);
    const sys_seconds period_end = std::min(period.end, horizon);
    const seconds offset = period.offset;
    const seconds previous_offset = zone.get_info(period.begin - seconds{1}).offset;

    date::local_seconds from = WallTime(cursor, offset);
    if (!every_hour && previous_offset > offset) {
      // Fall-back: wall times in [begin + offset, begin + previous_offset) already happened in
      // the previous period; their first occurrence was the one that fired.
      from = std::max(from, WallTime(period.begin, previous_offset));
    }
    std::optional<sys_seconds> best;
    if (const auto wall_time =
            NextMatchingWallTime(expression, from, WallTime(period_end, offset))) {
      best = Instant(*wall_time, offset);
    }
    if (!every_hour && previous_offset < offset) {
      // Spring-forward: wall times in the gap [begin + previous_offset, begin + offset) fire as
      // if the clock had kept the previous offset, i.e. early in this period.
      const date::local_seconds gap_from =
          std::max(WallTime(cursor, previous_offset), WallTime(period.begin, previous_offset));
      if (const auto wall_time =
              NextMatchingWallTime(expression, gap_from, WallTime(period.begin, offset))) {
        const sys_seconds shifted = Instant(*wall_time, previous_offset);
        if (!best || shifted < *best) best = shifted;
      }
    }
    if (best) return *best;
    cursor = period_end;
  }
  return MakeError(ErrorClass::kInternal,
                   fmt::format("cron '{}' has no fire time within 12 years", expression.text()));
}

Result<std::vector<sys_seconds>> NextFireTimes(const CronExpression& expression,
                                               const date::time_zone& zone, sys_seconds after,
                                               int count) {
  std::vector<sys_seconds> times;
  times.reserve(static_cast<size_t>(std::max(count, 0)));
  for (int i = 0; i < count; ++i) {
    auto next = NextFireTime(expression, zone, after);
    if (!next.ok()) return next.error();
    times.push_back(*next);
    after = *next;
  }
  return times;
}

std::string FormatZonedTime(const date::time_zone& zone, sys_seconds instant) {
  return date::format("%FT%T%Ez", date::zoned_seconds(&zone, instant));
}

}  // namespace tc
