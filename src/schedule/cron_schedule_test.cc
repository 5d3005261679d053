#include "schedule/cron_schedule.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>

namespace tc {
namespace {

using std::chrono::sys_seconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// `count` fire times of `cron` in `zone` after the local wall time `after_local` (which must
// exist and be unique), formatted as ISO-8601 with offsets.
std::vector<std::string> Fires(const std::string& cron, const std::string& zone_name,
                               const std::string& after_local, int count) {
  auto expression = CronExpression::Parse(cron);
  EXPECT_TRUE(expression.ok()) << expression.error().message;
  auto zone = LocateTimeZone(zone_name);
  EXPECT_TRUE(zone.ok());
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  EXPECT_EQ(std::sscanf(after_local.c_str(), "%d-%d-%dT%d:%d:%d", &y, &mo, &d, &h, &mi, &s), 6);
  const date::local_seconds local =
      date::local_days{date::year{y} / mo / d} + std::chrono::seconds{h * 3600 + mi * 60 + s};
  const sys_seconds after = (*zone)->to_sys(local);
  auto times = NextFireTimes(*expression, **zone, after, count);
  EXPECT_TRUE(times.ok()) << times.error().message;
  std::vector<std::string> formatted;
  for (const auto t : *times) formatted.push_back(FormatZonedTime(**zone, t));
  return formatted;
}

TEST(CronScheduleTest, UtcBasics) {
  EXPECT_THAT(Fires("*/15 * * * *", "UTC", "2026-01-01T00:07:00", 3),
              ElementsAre("2026-01-01T00:15:00+00:00", "2026-01-01T00:30:00+00:00",
                          "2026-01-01T00:45:00+00:00"));
  // Strictly after: a start on a fire time does not return it.
  EXPECT_THAT(Fires("0 * * * *", "UTC", "2026-01-01T05:00:00", 1),
              ElementsAre("2026-01-01T06:00:00+00:00"));
  EXPECT_THAT(Fires("*/20 30 9 * * *", "UTC", "2026-01-01T09:30:00", 3),
              ElementsAre("2026-01-01T09:30:20+00:00", "2026-01-01T09:30:40+00:00",
                          "2026-01-02T09:30:00+00:00"));
  EXPECT_THAT(Fires("0 0 13 * FRI", "UTC", "2026-03-01T00:00:00", 3),
              ElementsAre("2026-03-06T00:00:00+00:00", "2026-03-13T00:00:00+00:00",
                          "2026-03-20T00:00:00+00:00"));
  EXPECT_THAT(Fires("@weekly", "UTC", "2026-03-25T12:00:00", 2),
              ElementsAre("2026-03-29T00:00:00+00:00", "2026-04-05T00:00:00+00:00"));
}

TEST(CronScheduleTest, SparseExpressionsSkipByField) {
  // 29 February: leap years only, and 2100 is not one.
  EXPECT_THAT(Fires("0 0 29 2 *", "UTC", "2026-01-01T00:00:00", 2),
              ElementsAre("2028-02-29T00:00:00+00:00", "2032-02-29T00:00:00+00:00"));
  EXPECT_THAT(Fires("0 0 29 2 *", "UTC", "2096-03-01T00:00:00", 1),
              ElementsAre("2104-02-29T00:00:00+00:00"));
  EXPECT_THAT(Fires("59 59 23 31 DEC *", "Europe/Berlin", "2026-01-01T00:00:00", 1),
              ElementsAre("2026-12-31T23:59:59+01:00"));
}

TEST(CronScheduleTest, BerlinSpringForwardGap) {
  // 2026-03-29: 02:00 CET jumps to 03:00 CEST; 02:xx does not exist.
  // A fixed time in the gap fires shifted by the gap, once.
  EXPECT_THAT(Fires("30 2 * * *", "Europe/Berlin", "2026-03-28T12:00:00", 2),
              ElementsAre("2026-03-29T03:30:00+02:00", "2026-03-30T02:30:00+02:00"));
  EXPECT_THAT(Fires("0 2 * * *", "Europe/Berlin", "2026-03-28T12:00:00", 1),
              ElementsAre("2026-03-29T03:00:00+02:00"));
  // 02:30 shifted is 03:30, which the expression selects anyway: one run, not two.
  EXPECT_THAT(Fires("30 2,3 * * *", "Europe/Berlin", "2026-03-29T01:00:00", 2),
              ElementsAre("2026-03-29T03:30:00+02:00", "2026-03-30T02:30:00+02:00"));
  // Every-hour schedules follow the wall clock: the missing minutes are skipped.
  EXPECT_THAT(Fires("*/20 * * * *", "Europe/Berlin", "2026-03-29T01:30:00", 3),
              ElementsAre("2026-03-29T01:40:00+01:00", "2026-03-29T03:00:00+02:00",
                          "2026-03-29T03:20:00+02:00"));
}

TEST(CronScheduleTest, BerlinFallBackRepeatedHour) {
  // 2026-10-25: 03:00 CEST falls back to 02:00 CET; 02:xx happens twice.
  // A fixed time fires once, at the first occurrence.
  EXPECT_THAT(Fires("30 2 * * *", "Europe/Berlin", "2026-10-24T12:00:00", 2),
              ElementsAre("2026-10-25T02:30:00+02:00", "2026-10-26T02:30:00+01:00"));
  EXPECT_THAT(Fires("15,45 2 * * *", "Europe/Berlin", "2026-10-24T12:00:00", 3),
              ElementsAre("2026-10-25T02:15:00+02:00", "2026-10-25T02:45:00+02:00",
                          "2026-10-26T02:15:00+01:00"));
  // Every-hour schedules fire in both copies, keeping their interval.
  EXPECT_THAT(Fires("*/30 * * * *", "Europe/Berlin", "2026-10-25T01:45:00", 5),
              ElementsAre("2026-10-25T02:00:00+02:00", "2026-10-25T02:30:00+02:00",
                          "2026-10-25T02:00:00+01:00", "2026-10-25T02:30:00+01:00",
                          "2026-10-25T03:00:00+01:00"));
}

TEST(CronScheduleTest, BerlinFallBackStartingInsideTheRepeat) {
  auto expression = CronExpression::Parse("30 2 * * *");
  ASSERT_TRUE(expression.ok());
  const date::time_zone& zone = **LocateTimeZone("Europe/Berlin");
  // 02:15 CET, in the second copy of 02:xx: 02:30 already fired at its first occurrence.
  const sys_seconds second_copy =
      zone.to_sys(date::local_days{date::year{2026} / 10 / 25} + std::chrono::minutes{135},
                  date::choose::latest);
  auto next = NextFireTime(*expression, zone, second_copy);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(FormatZonedTime(zone, *next), "2026-10-26T02:30:00+01:00");
}

TEST(CronScheduleTest, NewYorkTransitions) {
  // 2026-03-08: 02:00 EST -> 03:00 EDT.
  EXPECT_THAT(Fires("0 2 * * *", "America/New_York", "2026-03-07T12:00:00", 2),
              ElementsAre("2026-03-08T03:00:00-04:00", "2026-03-09T02:00:00-04:00"));
  EXPECT_THAT(Fires("45 1-3 * * *", "America/New_York", "2026-03-08T00:00:00", 3),
              ElementsAre("2026-03-08T01:45:00-05:00", "2026-03-08T03:45:00-04:00",
                          "2026-03-09T01:45:00-04:00"));
  // 2026-11-01: 02:00 EDT -> 01:00 EST.
  EXPECT_THAT(Fires("30 1 * * *", "America/New_York", "2026-10-31T12:00:00", 2),
              ElementsAre("2026-11-01T01:30:00-04:00", "2026-11-02T01:30:00-05:00"));
  EXPECT_THAT(Fires("0 * * * *", "America/New_York", "2026-10-31T23:30:00", 4),
              ElementsAre("2026-11-01T00:00:00-04:00", "2026-11-01T01:00:00-04:00",
                          "2026-11-01T01:00:00-05:00", "2026-11-01T02:00:00-05:00"));
}

TEST(CronScheduleTest, HalfHourAndQuarterHourZones) {
  // Lord Howe 2026-10-04: 02:00 +10:30 -> 02:30 +11:00 (a 30-minute gap).
  EXPECT_THAT(Fires("15 2 * * *", "Australia/Lord_Howe", "2026-10-03T12:00:00", 2),
              ElementsAre("2026-10-04T02:45:00+11:00", "2026-10-05T02:15:00+11:00"));
  EXPECT_THAT(Fires("*/20 * * * *", "Australia/Lord_Howe", "2026-10-04T01:30:00", 3),
              ElementsAre("2026-10-04T01:40:00+10:30", "2026-10-04T02:40:00+11:00",
                          "2026-10-04T03:00:00+11:00"));
  EXPECT_THAT(Fires("0 12 * * *", "Asia/Kolkata", "2026-01-01T00:00:00", 1),
              ElementsAre("2026-01-01T12:00:00+05:30"));
  EXPECT_THAT(Fires("0 12 * * *", "Pacific/Chatham", "2026-01-01T00:00:00", 1),
              ElementsAre("2026-01-01T12:00:00+13:45"));
}

TEST(CronScheduleTest, UnknownZoneNamesTheSetting) {
  auto zone = LocateTimeZone("Mars/Olympus_Mons");
  ASSERT_FALSE(zone.ok());
  EXPECT_EQ(zone.error().error_class, ErrorClass::kConfig);
  EXPECT_THAT(zone.error().message, HasSubstr("schedule.timezone"));
  EXPECT_THAT(zone.error().message, HasSubstr("Mars/Olympus_Mons"));
}

}  // namespace
}  // namespace tc
