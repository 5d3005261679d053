#include "config/duration.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tc {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

TEST(ParseDurationTest, ValidForms) {
  EXPECT_EQ(ParseDuration("90s").value(), 90s);
  EXPECT_EQ(ParseDuration("5m").value(), 5min);
  EXPECT_EQ(ParseDuration("1h").value(), 1h);
  EXPECT_EQ(ParseDuration("250ms").value(), 250ms);
  EXPECT_EQ(ParseDuration("1h30m").value(), 90min);
  EXPECT_EQ(ParseDuration("1m30s500ms").value(), 90500ms);
  EXPECT_EQ(ParseDuration("2d").value(), 48h);
  EXPECT_EQ(ParseDuration("0s").value(), 0ms);
  EXPECT_EQ(ParseDuration(" 10s ").value(), 10s);
}

TEST(ParseDurationTest, InvalidForms) {
  for (const char* text : {"", " ", "10", "s", "6o m", "1.5s", "-5s", "5 m", "5x", "5mm",
                           "99999999999999999999s", "9223372036854775807h", "1h-"}) {
    Result<milliseconds> parsed = ParseDuration(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.error().error_class, ErrorClass::kConfig);
    EXPECT_THAT(parsed.error().message, HasSubstr("bad duration"));
  }
}

TEST(FormatDurationTest, RoundTrips) {
  for (milliseconds value :
       std::initializer_list<milliseconds>{0ms, 250ms, 1s, 90s, 5min, 60min, 90min, 24h, 90500ms}) {
    EXPECT_EQ(ParseDuration(FormatDuration(value)).value(), value) << FormatDuration(value);
  }
  EXPECT_EQ(FormatDuration(90min), "1h30m");
  EXPECT_EQ(FormatDuration(250ms), "250ms");
}

TEST(FormatDurationTest, NegativeAndMixed) {
  EXPECT_EQ(FormatDuration(-90s), "-1m30s");
  EXPECT_EQ(FormatDuration(48h + 1ms), "2d1ms");
}

}  // namespace
}  // namespace tc
