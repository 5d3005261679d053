// `ticketcache schedule --cron EXPR --timezone TZ --next N`: lets people check an expression
// before deploying it.
#pragma once

#include <chrono>
#include <ostream>
#include <string>

namespace tc {

// Prints the next `count` fire times of `expression` in zone `time_zone` after `from` to `out`,
// one per line as ISO-8601 local time with the zone's offset ("2026-03-29T03:00:00+02:00").
// Returns 0; or, for a bad expression, zone or count, prints the error (naming the field or
// `schedule.timezone`) to `err` and returns 2.
int PrintNextFireTimes(const std::string& expression, const std::string& time_zone, int count,
                       std::chrono::sys_seconds from, std::ostream& out, std::ostream& err);

}  // namespace tc
