#include "schedule/schedule_preview.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "date/date.h"

namespace tc {
namespace {

using ::testing::HasSubstr;

const std::chrono::sys_seconds kFrom{date::sys_days{date::year{2026} / 3 / 28} +
                                     std::chrono::hours{12}};

TEST(SchedulePreviewTest, PrintsOneIsoLinePerFireTime) {
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(PrintNextFireTimes("0 3 * * *", "Europe/Berlin", 3, kFrom, out, err), 0);
  EXPECT_EQ(out.str(),
            "2026-03-29T03:00:00+02:00\n2026-03-30T03:00:00+02:00\n2026-03-31T03:00:00+02:00\n");
  EXPECT_EQ(err.str(), "");
}

TEST(SchedulePreviewTest, BadExpressionExitsTwoNamingTheField) {
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(PrintNextFireTimes("0 24 * * *", "UTC", 5, kFrom, out, err), 2);
  EXPECT_EQ(out.str(), "");
  EXPECT_THAT(err.str(), HasSubstr("cron field 'hour': value 24 out of range 0-23"));
}

TEST(SchedulePreviewTest, BadZoneExitsTwoNamingTheSetting) {
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(PrintNextFireTimes("0 3 * * *", "Europe/Atlantis", 5, kFrom, out, err), 2);
  EXPECT_THAT(err.str(), HasSubstr("schedule.timezone"));
}

TEST(SchedulePreviewTest, CountMustBePositive) {
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(PrintNextFireTimes("0 3 * * *", "UTC", 0, kFrom, out, err), 2);
  EXPECT_THAT(err.str(), HasSubstr("--next"));
}

}  // namespace
}  // namespace tc
