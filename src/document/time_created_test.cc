#include "document/time_created.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace tc {
namespace {

using namespace std::chrono_literals;

TEST(TimeCreatedTest, ReadsTheCommonFormDirectly) {
  const auto instant = ParseTimeCreated("2024-01-05T10:00:00.250Z");
  ASSERT_TRUE(instant.has_value());
  EXPECT_EQ(*instant, Instant(date::sys_days(date::year{2024} / 1 / 5)) + 10h + 250ms);
  EXPECT_EQ(ParseTimeCreated("2024-02-29T23:59:59Z"),
            Instant(date::sys_days(date::year{2024} / 2 / 29)) + 23h + 59min + 59s);
}

TEST(TimeCreatedTest, OtherFormsGoThroughTheGeneralReader) {
  EXPECT_EQ(ParseTimeCreated("2024-01-05T12:00:00+02:00"),
            ParseTimeCreated("2024-01-05T10:00:00Z"));
  EXPECT_EQ(ParseTimeCreated("2024-01-05"), ParseTimeCreated("2024-01-05T00:00:00Z"));
  EXPECT_FALSE(ParseTimeCreated("2023-02-29T10:00:00Z").has_value());
  EXPECT_FALSE(ParseTimeCreated("yesterday").has_value());
  EXPECT_FALSE(ParseTimeCreated("").has_value());
}

// Years outside what 64-bit nanoseconds hold (1678..2261) still order before or after every
// other date, through either reader and with an offset, instead of overflowing.
TEST(TimeCreatedTest, YearsBeyondTheNanosecondRangeClampToEitherEnd) {
  EXPECT_EQ(ParseTimeCreated("0000-01-01T00:00:00Z"), Instant::min());
  EXPECT_EQ(ParseTimeCreated("9999-12-31T23:59:59.999999999Z"), Instant::max());
  EXPECT_EQ(ParseTimeCreated("0001-01-01T00:00:00+01:00"), Instant::min());
  EXPECT_EQ(ParseTimeCreated("3000-06-01"), Instant::max());
  EXPECT_LT(*ParseTimeCreated("1677-01-01T00:00:00Z"), *ParseTimeCreated("1970-01-01T00:00:00Z"));
  EXPECT_LT(*ParseTimeCreated("2024-01-05T10:00:00Z"), *ParseTimeCreated("2262-06-01T00:00:00Z"));
  EXPECT_EQ(ParseTimeCreated("2024-01-05T10:00:00.5+01:00"),
            *ParseTimeCreated("2024-01-05T09:00:00.5Z"));
}

// The direct reader and date::parse agree on every input, valid or not: the common form with
// every fraction length, out-of-range fields, and near misses of the form.
TEST(TimeCreatedTest, AgreesWithTheGeneralReader) {
  std::vector<std::string> inputs = {
      "2024-01-05T10:00:00Z",        "2024-01-05T10:00:00.Z",     "2024-01-05T10:00:00.1234567891Z",
      "2024-13-05T10:00:00Z",        "2024-00-05T10:00:00Z",      "2024-01-00T10:00:00Z",
      "2024-01-32T10:00:00Z",        "2023-02-29T10:00:00Z",      "2000-02-29T10:00:00Z",
      "1900-02-29T10:00:00Z",        "2024-01-05T24:00:00Z",      "2024-01-05T23:60:00Z",
      "2024-01-05T23:59:60Z",        "2024-01-05 10:00:00Z",      "2024-01-05T10:00:00z",
      "2024-1-05T10:00:00Z",         "0000-01-01T00:00:00Z",      "9999-12-31T23:59:59.999999999Z",
      "2024-01-05T10:00:00.5+01:00", "2024-01-05T10:00:0aZ",      "+024-01-05T10:00:00Z",
      "2024-01-05T10:00:00.12a4Z",   "2024-01-05T10:00:00.000Z ", " 2024-01-05T10:00:00.000Z"};
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> year(1960, 2100), month(0, 13), day(0, 32), hour(0, 24),
      minute(0, 60), fraction_digits(0, 10), digit(0, 9);
  for (int i = 0; i < 3000; ++i) {
    std::string text = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", year(rng), month(rng),
                                   day(rng), hour(rng), minute(rng), minute(rng));
    const int digits = fraction_digits(rng);
    if (digits > 0) {
      text += '.';
      for (int d = 0; d < digits; ++d) text += static_cast<char>('0' + digit(rng));
    }
    inputs.push_back(text + "Z");
  }
  for (const std::string& input : inputs) {
    EXPECT_EQ(ParseTimeCreated(input), ParseInstantGeneral(input)) << input;
  }
}

}  // namespace
}  // namespace tc
