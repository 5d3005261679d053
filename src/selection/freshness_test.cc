#include "selection/freshness.h"

#include <gtest/gtest.h>

namespace tc {
namespace {

TEST(FreshnessTest, MissingCacheIsStale) {
  RefreshConfig config;
  EXPECT_EQ(Classify(std::nullopt, 1'000'000, config, false), StaleReason::kMissing);
}

TEST(FreshnessTest, RefreshAheadBoundaryOnBothSides) {
  RefreshConfig config;  // ttl 60m, refresh_ahead 5m: stale when timestamp <= now - 55m
  const int64_t now = 1'700'000'000;
  const int64_t boundary = now - 55 * 60;
  EXPECT_EQ(StaleAtOrBefore(now, config), boundary);
  EXPECT_EQ(Classify(boundary, now, config, false), StaleReason::kExpired);
  EXPECT_EQ(Classify(boundary + 1, now, config, false), StaleReason::kFresh);
  EXPECT_EQ(Classify(boundary - 1, now, config, false), StaleReason::kExpired);
}

TEST(FreshnessTest, SeedHourlyScheduleNoLongerSkipsACacheWrittenJustAfterTheHour) {
  RefreshConfig config;
  const int64_t written = 1'700'000'000 + 5;       // refreshed at hh:00:05
  const int64_t next_tick = 1'700'000'000 + 3600;  // the next hourly run at hh+1:00:00
  // The Node job's rule (timestamp < now - ttl) would skip it until hh+2: age ~2 h.
  EXPECT_FALSE(written < next_tick - 3600);
  EXPECT_EQ(Classify(written, next_tick, config, false), StaleReason::kExpired);
}

TEST(FreshnessTest, ForceMakesEveryExistingCacheStale) {
  RefreshConfig config;
  EXPECT_EQ(Classify(1'700'000'000, 1'700'000'000, config, true), StaleReason::kForced);
}

}  // namespace
}  // namespace tc
