#include "fault_injection.h"

#include <gtest/gtest.h>

#include <map>

namespace tc::sim {
namespace {

using nlohmann::json;

TEST(FaultInjectionTest, ParsesEveryKindAndList) {
  for (const char* name : {"500", "503", "401", "403", "429", "timeout", "reset", "malformed",
                           "wrong_shape", "html", "empty", "oversized", "forever"}) {
    std::optional<UserFault> fault = ParseUserFault(json{{"kind", name}});
    ASSERT_TRUE(fault) << name;
    EXPECT_EQ(UserFaultKindName(fault->kind), name);
    EXPECT_TRUE(fault->active_list && fault->expired_list);
  }
  std::optional<UserFault> numeric = ParseUserFault(json{{"kind", 503}, {"list", "expired"}});
  ASSERT_TRUE(numeric);
  EXPECT_EQ(numeric->kind, UserFaultKind::k503);
  EXPECT_FALSE(numeric->active_list);
  EXPECT_TRUE(numeric->expired_list);
  std::optional<UserFault> active = ParseUserFault(json{{"kind", "html"}, {"list", "active"}});
  ASSERT_TRUE(active);
  EXPECT_TRUE(active->active_list);
  EXPECT_FALSE(active->expired_list);
}

TEST(FaultInjectionTest, RejectsBadFaults) {
  EXPECT_FALSE(ParseUserFault(json{{"kind", "explode"}}));
  EXPECT_FALSE(ParseUserFault(json{{"kind", 502}}));
  EXPECT_FALSE(ParseUserFault(json{{"list", "both"}}));
  EXPECT_FALSE(ParseUserFault(json{{"kind", "500"}, {"list", "some"}}));
  EXPECT_FALSE(ParseUserFault(json{{"kind", "500"}, {"extra", 1}}));
  EXPECT_FALSE(ParseUserFault(json::array()));
}

TEST(FaultInjectionTest, DrawsAreDeterministicAndFollowTheRates) {
  SimSettings settings;
  settings.fault_5xx = 0.1;
  settings.fault_timeout = 0.05;
  settings.fault_malformed = 0.05;
  settings.fault_401 = 0.02;
  settings.fault_429 = 0.08;
  std::map<RandomFault, int> counts;
  const int draws = 100000;
  for (uint64_t n = 0; n < draws; ++n) {
    RandomFault fault = DrawRandomFault(settings, 7, n);
    EXPECT_EQ(fault, DrawRandomFault(settings, 7, n));
    ++counts[fault];
  }
  auto near = [&](RandomFault fault, double p) {
    EXPECT_NEAR(counts[fault] / static_cast<double>(draws), p, 0.01);
  };
  near(RandomFault::kNone, 0.70);
  near(RandomFault::k5xx, 0.10);
  near(RandomFault::kTimeout, 0.05);
  near(RandomFault::kMalformed, 0.05);
  near(RandomFault::k401, 0.02);
  near(RandomFault::k429, 0.08);

  int differing = 0;
  for (uint64_t n = 0; n < 1000; ++n) {
    differing += DrawRandomFault(settings, 7, n) != DrawRandomFault(settings, 8, n);
  }
  EXPECT_GT(differing, 0);  // the seed matters
  EXPECT_EQ(DrawRandomFault(SimSettings{}, 7, 1), RandomFault::kNone);
}

}  // namespace
}  // namespace tc::sim
