// `ticketcache plan` on a real SQLite portal and cache: the census counts users, missing and due
// caches; what-if flags replace the stores' and the configuration's figures.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/job_fixture.h"

namespace tc {
namespace {

using ::testing::HasSubstr;

Json ParsePlan(const ChildResult& result) {
  auto json = ParseJsJson(result.out);
  EXPECT_TRUE(json.ok()) << result.out << result.err;
  return json.ok() ? *json : Json();
}

TEST(PlanCommandTest, CountsUsersAndMissingCachesBeforeAndAfterARun) {
  JobFixture job(JobFixtureOptions().WithUsers(40).WithRefresh(
      "rate_limit = 50\nconcurrency = 4\nretries = 1\nlock_ttl = \"3s\"\n"));
  ASSERT_TRUE(job.error().empty()) << job.error();

  const ChildResult before = job.Ticketcache({"plan", "--json"});
  ASSERT_EQ(before.exit_code, 0) << before.err;
  const Json empty = ParsePlan(before);
  EXPECT_EQ(empty["users"], 40);
  EXPECT_EQ(empty["missing"], 40);
  EXPECT_EQ(empty["due_now"], 40);
  EXPECT_EQ(empty["rate_limit"].get<double>(), 50);
  EXPECT_EQ(empty["requests_per_window"].get<double>(), 80);
  EXPECT_EQ(empty["meets_ttl"], true);

  ASSERT_EQ(job.Run().exit_code, 0);
  const Json fresh = ParsePlan(job.Ticketcache({"plan", "--json"}));
  EXPECT_EQ(fresh["users"], 40);
  EXPECT_EQ(fresh["missing"], 0);
  EXPECT_EQ(fresh["due_now"], 0);
  EXPECT_LT(fresh["oldest_age_seconds"].get<int64_t>(), 600);
}

TEST(PlanCommandTest, WhatIfTenMillionUsersAtAThousandRequestsPerSecond) {
  JobFixture job(JobFixtureOptions().WithUsers(5));
  ASSERT_TRUE(job.error().empty()) << job.error();
  const ChildResult result = job.Ticketcache(
      {"plan", "--users", "10000000", "--rate-limit", "1000", "--concurrency", "64"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("users:                     10000000"));
  EXPECT_THAT(result.out, HasSubstr("5.56 h -> MISSES the ttl"));
  EXPECT_THAT(result.out, HasSubstr("shards needed:             7"));
}

TEST(PlanCommandTest, ARefreshAheadNotShorterThanTheTtlIsAConfigurationError) {
  JobFixture job(JobFixtureOptions().WithUsers(5).WithRefresh("ttl = \"10m\"\n"));
  ASSERT_TRUE(job.error().empty()) << job.error();
  const ChildResult result =
      job.Ticketcache({"plan"}, {{"TICKETCACHE_REFRESH_REFRESH_AHEAD", "10m"}});
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_THAT(result.err, HasSubstr("refresh.refresh_ahead"));
}

}  // namespace
}  // namespace tc
