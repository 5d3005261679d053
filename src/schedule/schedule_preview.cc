#include "schedule/schedule_preview.h"

#include "schedule/cron_expression.h"
#include "schedule/cron_schedule.h"

namespace tc {

int PrintNextFireTimes(const std::string& expression, const std::string& time_zone, int count,
                       std::chrono::sys_seconds from, std::ostream& out, std::ostream& err) {
  if (count < 1) {
    err << "error: --next must be at least 1, got " << count << "\n";
    return 2;
  }
  auto parsed = CronExpression::Parse(expression);
  if (!parsed.ok()) {
    err << "error: " << parsed.error().message << "\n";
    return 2;
  }
  auto zone = LocateTimeZone(time_zone);
  if (!zone.ok()) {
    err << "error: " << zone.error().message << "\n";
    return 2;
  }
  auto times = NextFireTimes(*parsed, **zone, from, count);
  if (!times.ok()) {
    err << "error: " << times.error().message << "\n";
    return 1;
  }
  for (const auto instant : *times) out << FormatZonedTime(**zone, instant) << "\n";
  return 0;
}

}  // namespace tc
