#include "schedule/refresh_plan.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace tc {
namespace {

using ::testing::HasSubstr;

PlanInputs TenMillionUsersAtAThousandPerSecond() {
  PlanInputs in;
  in.ages.users = 10'000'000;
  in.ttl_seconds = 3600;
  in.refresh_ahead_seconds = 300;
  in.rate_limit = 1000;
  in.concurrency = 64;
  in.latency_seconds = 0.05;
  in.requests_per_user = 2;
  return in;
}

TEST(RefreshPlanTest, TenMillionUsersAtAThousandRequestsPerSecondMissTheHour) {
  const RefreshPlan plan = ComputeRefreshPlan(TenMillionUsersAtAThousandPerSecond());
  EXPECT_DOUBLE_EQ(plan.window_seconds, 3300);
  EXPECT_DOUBLE_EQ(plan.requests_per_window, 20'000'000);
  EXPECT_DOUBLE_EQ(plan.process_rate, 1000);  // 64 / 50 ms = 1,280 > 1,000
  EXPECT_FALSE(plan.bound_by_concurrency);
  EXPECT_DOUBLE_EQ(plan.budget_per_window, 3'300'000);
  EXPECT_DOUBLE_EQ(plan.sweep_seconds, 20'000);  // 5.56 hours
  EXPECT_DOUBLE_EQ(plan.projected_max_age_seconds, 20'000.1);
  EXPECT_FALSE(plan.meets_ttl);
  EXPECT_NEAR(plan.rate_needed, 6060.6, 0.1);
  EXPECT_EQ(plan.shards_needed, 7);
  EXPECT_EQ(plan.users_beyond_budget, 10'000'000 - 1'650'000);
}

TEST(RefreshPlanTest, ConcurrencyOverLatencyBindsWhenBelowTheRateLimit) {
  PlanInputs in = TenMillionUsersAtAThousandPerSecond();
  in.concurrency = 8;  // 8 / 50 ms = 160 requests/s
  const RefreshPlan plan = ComputeRefreshPlan(in);
  EXPECT_TRUE(plan.bound_by_concurrency);
  EXPECT_DOUBLE_EQ(plan.process_rate, 160);
  EXPECT_EQ(plan.shards_needed, 38);  // 6,060.6 / 160
}

TEST(RefreshPlanTest, UnlimitedRateIsBoundByConcurrency) {
  PlanInputs in = TenMillionUsersAtAThousandPerSecond();
  in.rate_limit = 0;
  const RefreshPlan plan = ComputeRefreshPlan(in);
  EXPECT_TRUE(plan.bound_by_concurrency);
  EXPECT_DOUBLE_EQ(plan.process_rate, 1280);
}

TEST(RefreshPlanTest, ABudgetThatFitsMeetsTheTtlWithOneShard) {
  PlanInputs in = TenMillionUsersAtAThousandPerSecond();
  in.ages.users = 100'000;
  const RefreshPlan plan = ComputeRefreshPlan(in);
  EXPECT_TRUE(plan.meets_ttl);
  EXPECT_DOUBLE_EQ(plan.projected_max_age_seconds, 3300.1);  // the window, not the sweep
  EXPECT_EQ(plan.shards_needed, 1);
  EXPECT_EQ(plan.users_beyond_budget, 0);
}

TEST(RefreshPlanTest, ShardsMultiplyTheBudget) {
  PlanInputs in = TenMillionUsersAtAThousandPerSecond();
  in.shards = 7;
  const RefreshPlan plan = ComputeRefreshPlan(in);
  EXPECT_DOUBLE_EQ(plan.total_rate, 7000);
  EXPECT_TRUE(plan.meets_ttl);
}

TEST(RefreshPlanTest, TextNamesTheVerdictAndTheWayOut) {
  const PlanInputs in = TenMillionUsersAtAThousandPerSecond();
  const std::string text = RenderRefreshPlanText(in, ComputeRefreshPlan(in));
  EXPECT_THAT(text, HasSubstr("users:                     10000000"));
  EXPECT_THAT(text, HasSubstr("5.56 h -> MISSES the ttl"));
  EXPECT_THAT(text, HasSubstr("rate needed for the ttl:   6060.6 requests/s"));
  EXPECT_THAT(text, HasSubstr("shards needed:             7 at 1000.0 requests/s each"));
}

TEST(RefreshPlanTest, JsonCarriesEveryFigureAndNullForUnbounded) {
  PlanInputs in = TenMillionUsersAtAThousandPerSecond();
  const auto json = nlohmann::json::parse(RenderRefreshPlanJson(in, ComputeRefreshPlan(in)));
  EXPECT_EQ(json["users"], 10'000'000);
  EXPECT_EQ(json["shards_needed"], 7);
  EXPECT_EQ(json["meets_ttl"], false);
  EXPECT_NEAR(json["sweep_seconds"].get<double>(), 20'000, 0.001);
  in.ages.users = 0;
  const auto empty = nlohmann::json::parse(RenderRefreshPlanJson(in, ComputeRefreshPlan(in)));
  EXPECT_EQ(empty["users_beyond_budget"], 0);
  EXPECT_EQ(empty["meets_ttl"], true);
}

}  // namespace
}  // namespace tc
