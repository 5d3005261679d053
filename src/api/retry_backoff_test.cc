#include "api/retry_backoff.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace tc {
namespace {

using namespace std::chrono_literals;

TEST(ShouldRetryTest, OnlyRetryableClassesWithinTheBound) {
  for (ErrorClass error_class : {ErrorClass::kTransient, ErrorClass::kTimeout, ErrorClass::kNetwork,
                                 ErrorClass::kRateLimited}) {
    const Error error = MakeError(error_class, "x");
    EXPECT_TRUE(ShouldRetry(error, 0, 3));
    EXPECT_TRUE(ShouldRetry(error, 2, 3));
    EXPECT_FALSE(ShouldRetry(error, 3, 3));
    EXPECT_FALSE(ShouldRetry(error, 0, 0));
  }
  for (ErrorClass error_class :
       {ErrorClass::kRejectedToken, ErrorClass::kMalformed, ErrorClass::kStore, ErrorClass::kConfig,
        ErrorClass::kCircuitOpen, ErrorClass::kInterrupted}) {
    EXPECT_FALSE(ShouldRetry(MakeError(error_class, "x"), 0, 3));
  }
}

TEST(FullJitterBackoffTest, StaysWithinTheExponentialCap) {
  std::mt19937_64 rng(7);
  const Duration base = 200ms;
  const Duration max = 10s;
  for (int attempt = 0; attempt < 70; ++attempt) {
    const Duration cap =
        attempt < 20 ? std::min<Duration>(max, base * (int64_t{1} << attempt)) : max;
    Duration highest{0};
    for (int i = 0; i < 2000; ++i) {
      const Duration delay = FullJitterBackoff(attempt, base, max, rng);
      ASSERT_GE(delay, 0ms);
      ASSERT_LE(delay, cap) << "attempt " << attempt;
      highest = std::max(highest, delay);
    }
    // The whole range is used: the largest of 2000 draws is near the cap.
    EXPECT_GE(highest, cap * 9 / 10) << "attempt " << attempt;
  }
}

TEST(FullJitterBackoffTest, RoughlyUniform) {
  std::mt19937_64 rng(11);
  // attempt 3: cap = min(10 s, 100 ms * 8) = 800 ms. Ten buckets of 80 ms.
  std::vector<int> buckets(10);
  const int draws = 20'000;
  int64_t total_ms = 0;
  for (int i = 0; i < draws; ++i) {
    const Duration delay = FullJitterBackoff(3, 100ms, 10s, rng);
    total_ms += delay.count();
    buckets[std::min<size_t>(9, static_cast<size_t>(delay.count() / 80))] += 1;
  }
  for (int count : buckets) {
    EXPECT_GT(count, draws / 10 * 8 / 10);
    EXPECT_LT(count, draws / 10 * 12 / 10);
  }
  EXPECT_NEAR(static_cast<double>(total_ms) / draws, 400.0, 15.0);
}

TEST(FullJitterBackoffTest, DeterministicForASeed) {
  std::mt19937_64 a(99);
  std::mt19937_64 b(99);
  for (int attempt = 0; attempt < 10; ++attempt) {
    EXPECT_EQ(FullJitterBackoff(attempt, 50ms, 5s, a), FullJitterBackoff(attempt, 50ms, 5s, b));
  }
}

TEST(FullJitterBackoffTest, DegenerateBounds) {
  std::mt19937_64 rng(1);
  EXPECT_EQ(FullJitterBackoff(5, 0ms, 10s, rng), 0ms);
  EXPECT_EQ(FullJitterBackoff(5, 100ms, 0ms, rng), 0ms);
  EXPECT_LE(FullJitterBackoff(-1, 100ms, 10s, rng), 100ms);
  EXPECT_LE(FullJitterBackoff(1000, Duration::max() / 2, 10s, rng), 10s);
}

}  // namespace
}  // namespace tc
