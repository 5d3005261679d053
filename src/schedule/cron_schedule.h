// When a cron expression fires, in an IANA time zone (tz database via Howard Hinnant's date/tz,
// since g++ 12 has no std::chrono::tzdb).
//
// The fields are matched against the zone's wall clock. Across DST changes (docs/cron.md):
// - A wall time that does not exist (spring-forward gap) fires as if the clock had not jumped,
//   i.e. shifted later by the gap (02:30 in a 02:00->03:00 gap fires at 03:30 new time), unless
//   the expression selects every hour: then it is skipped, like every other minute the clock
//   never showed.
// - A wall time that happens twice (fall-back) fires once, at its first occurrence, unless the
//   expression selects every hour: then it fires at both, keeping the interval between runs.
// This is what npm's cron-parser does; cron_differential_test.cc checks it.
#pragma once

#include <chrono>
#include <ostream>
#include <string>
#include <vector>

#include "date/tz.h"
#include "error/error.h"
#include "schedule/cron_expression.h"

namespace tc {

// The zone named `name` (e.g. "Europe/Berlin"); kConfig naming `schedule.timezone` if unknown.
Result<const date::time_zone*> LocateTimeZone(const std::string& name);

// The first fire time strictly after `after`. Searches field by field (months, then days, then
// times of day), so sparse expressions like `0 0 29 2 *` cost a few hundred steps, not a scan.
// Every expression that CronExpression::Parse accepts fires at least every 8 years; kInternal
// if none is found within 12 years (a bug).
Result<std::chrono::sys_seconds> NextFireTime(const CronExpression& expression,
                                              const date::time_zone& zone,
                                              std::chrono::sys_seconds after);

// The next `count` fire times after `after`, ascending.
Result<std::vector<std::chrono::sys_seconds>> NextFireTimes(const CronExpression& expression,
                                                            const date::time_zone& zone,
                                                            std::chrono::sys_seconds after,
                                                            int count);

// ISO-8601 local time with the zone's UTC offset, e.g. "2026-03-29T03:00:00+02:00".
std::string FormatZonedTime(const date::time_zone& zone, std::chrono::sys_seconds instant);

}  // namespace tc
