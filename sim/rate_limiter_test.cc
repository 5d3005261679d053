#include "rate_limiter.h"

#include <gtest/gtest.h>

namespace tc::sim {
namespace {

using std::chrono::milliseconds;

TEST(RateLimiterTest, ZeroRateAdmitsEverything) {
  RateLimiter limiter;
  RateLimiter::TimePoint now{};
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(limiter.Admit(0, now));
}

TEST(RateLimiterTest, AdmitsOneSecondBurstThenTheRate) {
  RateLimiter limiter;
  RateLimiter::TimePoint now{};
  int admitted = 0;
  for (int i = 0; i < 50; ++i) admitted += limiter.Admit(10, now);
  EXPECT_EQ(admitted, 10);
  EXPECT_FALSE(limiter.Admit(10, now + milliseconds(50)));
  EXPECT_TRUE(limiter.Admit(10, now + milliseconds(100)));
  EXPECT_FALSE(limiter.Admit(10, now + milliseconds(100)));
  // Over 10 more seconds at most 10/s (+ nothing banked beyond the burst).
  admitted = 0;
  for (int ms = 110; ms <= 10100; ms += 10) admitted += limiter.Admit(10, now + milliseconds(ms));
  EXPECT_GE(admitted, 99);
  EXPECT_LE(admitted, 101);
}

TEST(RateLimiterTest, FractionalRateAndRateChange) {
  RateLimiter limiter;
  RateLimiter::TimePoint now{};
  EXPECT_TRUE(limiter.Admit(0.5, now));
  EXPECT_FALSE(limiter.Admit(0.5, now + milliseconds(1000)));
  EXPECT_TRUE(limiter.Admit(0.5, now + milliseconds(2000)));
  // A new rate starts with a full bucket.
  int admitted = 0;
  for (int i = 0; i < 10; ++i) admitted += limiter.Admit(5, now + milliseconds(2000));
  EXPECT_EQ(admitted, 5);
}

}  // namespace
}  // namespace tc::sim
