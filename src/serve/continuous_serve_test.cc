#include "serve/continuous_serve.h"

#include <gtest/gtest.h>

namespace tc {
namespace {

TEST(ContinuousServeTest, TheBudgetPerMinuteIsTheRateLimitOverTwoRequestsPerUser) {
  RefreshConfig refresh;
  refresh.rate_limit = 100;
  const ContinuousLoopOptions options = ContinuousOptionsFor(refresh);
  EXPECT_EQ(options.capacity_per_slice, 3000);  // 100/s × 60 s / 2
  EXPECT_EQ(options.ttl_seconds, 3600);
  EXPECT_EQ(options.refresh_ahead_seconds, 300);
  refresh.rate_limit = 0;
  EXPECT_EQ(ContinuousOptionsFor(refresh).capacity_per_slice, 0);  // unlimited
}

TEST(ContinuousServeTest, APassSpreadsItsRequestsOverTheMinuteWithinTheRateLimit) {
  RefreshConfig refresh;
  refresh.rate_limit = 100;
  EXPECT_DOUBLE_EQ(PassRateLimit(refresh, 270, 60), 10);    // 540 requests over 54 s
  EXPECT_DOUBLE_EQ(PassRateLimit(refresh, 9000, 60), 100);  // never above the limit
  EXPECT_DOUBLE_EQ(PassRateLimit(refresh, 1, 60), 1);       // a lone user is not crawled
  refresh.rate_limit = 0;
  EXPECT_DOUBLE_EQ(PassRateLimit(refresh, 27'000, 60), 1000);
}

}  // namespace
}  // namespace tc
