#include "clock/saturating_time.h"

#include <gtest/gtest.h>

namespace tc {
namespace {

TEST(SaturatingTimeTest, AddsNormally) {
  const SteadyTime t0 = SteadyTime(std::chrono::seconds(100));
  EXPECT_EQ(SaturatingAdd(t0, Duration(1500)), t0 + std::chrono::milliseconds(1500));
  EXPECT_EQ(SaturatingAdd(t0, Duration(-1500)), t0 - std::chrono::milliseconds(1500));
}

TEST(SaturatingTimeTest, SaturatesInsteadOfOverflowing) {
  const SteadyTime t0 = SteadyTime(std::chrono::hours(24 * 365));
  // Retry-After: 9223372036854775 seconds, as milliseconds.
  EXPECT_EQ(SaturatingAdd(t0, Duration(9223372036854775LL * 1000)), SteadyTime::max());
  EXPECT_EQ(SaturatingAdd(t0, Duration::max()), SteadyTime::max());
  EXPECT_EQ(SaturatingAdd(t0, Duration::min()), SteadyTime::min());
  EXPECT_EQ(SaturatingAdd(SteadyTime::max() - std::chrono::milliseconds(1), Duration(5)),
            SteadyTime::max());
}

TEST(SaturatingTimeTest, CeilMillisBetween) {
  const SteadyTime t0 = SteadyTime(std::chrono::seconds(100));
  EXPECT_EQ(SaturatingCeilMillisBetween(t0, t0), Duration(0));
  EXPECT_EQ(SaturatingCeilMillisBetween(t0 + std::chrono::nanoseconds(1), t0), Duration(0));
  EXPECT_EQ(SaturatingCeilMillisBetween(t0, t0 + std::chrono::nanoseconds(1)), Duration(1));
  EXPECT_EQ(SaturatingCeilMillisBetween(SteadyTime::min(), SteadyTime::max()), Duration::max());
}

}  // namespace
}  // namespace tc
