#include "schedule/cron_expression.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tc {
namespace {

using date::day;
using date::month;
using date::year;
using date::year_month_day;
using ::testing::HasSubstr;

CronExpression MustParse(const std::string& text) {
  auto parsed = CronExpression::Parse(text);
  EXPECT_TRUE(parsed.ok()) << text << ": " << parsed.error().message;
  return std::move(parsed).value();
}

std::string ParseError(const std::string& text) {
  auto parsed = CronExpression::Parse(text);
  if (parsed.ok()) return "accepted";
  EXPECT_EQ(parsed.error().error_class, ErrorClass::kConfig);
  return parsed.error().message;
}

TEST(CronExpressionTest, FiveFieldsFireAtSecondZero) {
  const CronExpression cron = MustParse("5 4 * * *");
  EXPECT_TRUE(cron.MatchesSecond(0));
  EXPECT_FALSE(cron.MatchesSecond(1));
  EXPECT_TRUE(cron.MatchesMinute(5));
  EXPECT_FALSE(cron.MatchesMinute(4));
  EXPECT_TRUE(cron.MatchesHour(4));
  EXPECT_FALSE(cron.SelectsEveryHour());
}

TEST(CronExpressionTest, SixFieldsStartWithSeconds) {
  const CronExpression cron = MustParse("*/10 5 4 * * *");
  EXPECT_TRUE(cron.MatchesSecond(0));
  EXPECT_TRUE(cron.MatchesSecond(50));
  EXPECT_FALSE(cron.MatchesSecond(55));
  EXPECT_TRUE(cron.MatchesMinute(5));
  EXPECT_TRUE(cron.MatchesHour(4));
}

TEST(CronExpressionTest, ListsRangesAndSteps) {
  const CronExpression quarter = MustParse("*/15 * * * *");
  for (int minute = 0; minute < 60; ++minute) {
    EXPECT_EQ(quarter.MatchesMinute(minute), minute % 15 == 0) << minute;
  }
  const CronExpression stepped_range = MustParse("1-30/5 * * * *");
  for (int minute = 0; minute < 60; ++minute) {
    EXPECT_EQ(stepped_range.MatchesMinute(minute), minute <= 30 && minute % 5 == 1) << minute;
  }
  const CronExpression huge_step = MustParse("7/2147483647 * * * *");
  for (int minute = 0; minute < 60; ++minute)
    EXPECT_EQ(huge_step.MatchesMinute(minute), minute == 7);
  // `N/S` runs from N to the field's maximum.
  const CronExpression from_five = MustParse("5/10 * * * *");
  for (int minute = 0; minute < 60; ++minute) {
    EXPECT_EQ(from_five.MatchesMinute(minute), minute % 10 == 5) << minute;
  }
  const CronExpression list = MustParse("0 1,3-4,20/2 * * *");
  for (int hour = 0; hour < 24; ++hour) {
    const bool expected = hour == 1 || hour == 3 || hour == 4 || (hour >= 20 && hour % 2 == 0);
    EXPECT_EQ(list.MatchesHour(hour), expected) << hour;
  }
  EXPECT_TRUE(MustParse("0 * * * *").SelectsEveryHour());
  EXPECT_TRUE(MustParse("0 0-23 * * *").SelectsEveryHour());
  EXPECT_TRUE(MustParse("0 */1 * * *").SelectsEveryHour());
}

TEST(CronExpressionTest, NamesAreCaseInsensitive) {
  const CronExpression cron = MustParse("0 0 * jan,Feb-MAR mon-Fri");
  EXPECT_TRUE(cron.MatchesMonth(month{1}));
  EXPECT_TRUE(cron.MatchesMonth(month{3}));
  EXPECT_FALSE(cron.MatchesMonth(month{4}));
  EXPECT_TRUE(cron.MatchesDay(year{2026} / 1 / 5));    // Monday
  EXPECT_TRUE(cron.MatchesDay(year{2026} / 1 / 9));    // Friday
  EXPECT_FALSE(cron.MatchesDay(year{2026} / 1 / 10));  // Saturday
}

TEST(CronExpressionTest, SundayIsZeroAndSeven) {
  for (const std::string text : {"0 0 * * 0", "0 0 * * 7", "0 0 * * SUN"}) {
    const CronExpression cron = MustParse(text);
    EXPECT_TRUE(cron.MatchesDay(year{2026} / 3 / 29)) << text;   // Sunday
    EXPECT_FALSE(cron.MatchesDay(year{2026} / 3 / 30)) << text;  // Monday
  }
  EXPECT_TRUE(MustParse("0 0 * * 5-7").MatchesDay(year{2026} / 3 / 29));
}

TEST(CronExpressionTest, VixieRuleEitherDayMatchesWhenBothRestricted) {
  const CronExpression either = MustParse("0 0 13 * FRI");
  EXPECT_TRUE(either.MatchesDay(year{2026} / 3 / 13));   // Friday the 13th
  EXPECT_TRUE(either.MatchesDay(year{2026} / 4 / 13));   // Monday the 13th
  EXPECT_TRUE(either.MatchesDay(year{2026} / 4 / 17));   // a Friday
  EXPECT_FALSE(either.MatchesDay(year{2026} / 4 / 14));  // neither
  const CronExpression only_day_of_month = MustParse("0 0 13 * *");
  EXPECT_TRUE(only_day_of_month.MatchesDay(year{2026} / 4 / 13));
  EXPECT_FALSE(only_day_of_month.MatchesDay(year{2026} / 4 / 17));
  const CronExpression only_day_of_week = MustParse("0 0 * * FRI");
  EXPECT_FALSE(only_day_of_week.MatchesDay(year{2026} / 4 / 13));
  EXPECT_TRUE(only_day_of_week.MatchesDay(year{2026} / 4 / 17));
  // `*/2` is a restriction (only a bare `*` is not), so this is "odd days OR Mondays".
  const CronExpression stepped = MustParse("0 0 */2 * 1");
  EXPECT_TRUE(stepped.MatchesDay(year{2026} / 4 / 1));
  EXPECT_TRUE(stepped.MatchesDay(year{2026} / 4 / 6));   // Monday, even day
  EXPECT_FALSE(stepped.MatchesDay(year{2026} / 4 / 8));  // Wednesday, even day
}

TEST(CronExpressionTest, MacrosExpand) {
  EXPECT_TRUE(MustParse("@hourly").SelectsEveryHour());
  const CronExpression daily = MustParse("@daily");
  EXPECT_TRUE(daily.MatchesHour(0));
  EXPECT_FALSE(daily.MatchesHour(1));
  EXPECT_TRUE(daily.MatchesDay(year{2026} / 4 / 8));
  const CronExpression midnight = MustParse("@MIDNIGHT");
  EXPECT_TRUE(midnight.MatchesHour(0));
  const CronExpression weekly = MustParse("@weekly");
  EXPECT_TRUE(weekly.MatchesDay(year{2026} / 3 / 29));
  EXPECT_FALSE(weekly.MatchesDay(year{2026} / 3 / 30));
  const CronExpression monthly = MustParse("@monthly");
  EXPECT_TRUE(monthly.MatchesDay(year{2026} / 4 / 1));
  EXPECT_FALSE(monthly.MatchesDay(year{2026} / 4 / 2));
  for (const std::string text : {"@yearly", "@annually"}) {
    const CronExpression yearly = MustParse(text);
    EXPECT_TRUE(yearly.MatchesMonth(month{1}));
    EXPECT_FALSE(yearly.MatchesMonth(month{2}));
    EXPECT_TRUE(yearly.MatchesDay(year{2027} / 1 / 1));
    EXPECT_FALSE(yearly.MatchesDay(year{2027} / 1 / 2));
  }
}

TEST(CronExpressionTest, ErrorsNameTheField) {
  EXPECT_EQ(ParseError("0 24 * * *"), "cron field 'hour': value 24 out of range 0-23");
  EXPECT_EQ(ParseError("60 * * * *"), "cron field 'minute': value 60 out of range 0-59");
  EXPECT_EQ(ParseError("60 0 * * * *"), "cron field 'second': value 60 out of range 0-59");
  EXPECT_EQ(ParseError("0 0 0 * *"), "cron field 'day-of-month': value 0 out of range 1-31");
  EXPECT_EQ(ParseError("0 0 32 * *"), "cron field 'day-of-month': value 32 out of range 1-31");
  EXPECT_EQ(ParseError("0 0 * 13 *"), "cron field 'month': value 13 out of range 1-12");
  EXPECT_EQ(ParseError("0 0 * * 8"), "cron field 'day-of-week': value 8 out of range 0-7");
  EXPECT_EQ(ParseError("0 0 * FOO *"), "cron field 'month': unknown name 'FOO' (expected JAN-DEC)");
  EXPECT_EQ(ParseError("0 0 * * FUN"),
            "cron field 'day-of-week': unknown name 'FUN' (expected SUN-SAT)");
  EXPECT_EQ(ParseError("x * * * *"), "cron field 'minute': 'x' is not a number");
  EXPECT_EQ(ParseError("0 5-2 * * *"), "cron field 'hour': range 5-2 is reversed");
  EXPECT_EQ(ParseError("0 0 * * SAT-MON"), "cron field 'day-of-week': range SAT-MON is reversed");
  EXPECT_EQ(ParseError("*/0 * * * *"), "cron field 'minute': step 0 must be at least 1");
  EXPECT_EQ(ParseError("*/x * * * *"), "cron field 'minute': step 'x' is not a number");
  EXPECT_EQ(ParseError("1,,2 * * * *"), "cron field 'minute': empty list item");
  EXPECT_EQ(ParseError("0 0 30 2 *"),
            "cron field 'day-of-month': day 30 never occurs in the selected months");
  EXPECT_EQ(ParseError("0 0 31 4,6 *"),
            "cron field 'day-of-month': day 31 never occurs in the selected months");
  EXPECT_THAT(ParseError("* * * *"), HasSubstr("has 4 fields; expected 5"));
  EXPECT_THAT(ParseError("* * * * * * *"), HasSubstr("has 7 fields; expected 5"));
  EXPECT_THAT(ParseError(""), HasSubstr("has 0 fields"));
  EXPECT_THAT(ParseError("@reboot"), HasSubstr("unknown macro '@reboot'"));
}

TEST(CronExpressionTest, ImpossibleDayOfMonthIsFineWhenDayOfWeekIsRestricted) {
  // Vixie's OR rule makes `31 2 MON` fire on Mondays in February.
  EXPECT_EQ(ParseError("0 0 31 2 MON"), "accepted");
  EXPECT_EQ(ParseError("0 0 29 2 *"), "accepted");  // leap years
}

}  // namespace
}  // namespace tc
