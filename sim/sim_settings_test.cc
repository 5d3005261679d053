#include "sim_settings.h"

#include <gtest/gtest.h>

namespace tc::sim {
namespace {

using nlohmann::json;

TEST(SimSettingsTest, PatchAppliesOnlyGivenKeys) {
  SimSettings settings;
  ASSERT_TRUE(ApplySimSettingsPatch(json{{"latency_ms", 5},
                                         {"latency_dist", "exponential"},
                                         {"fault_429", 0.25},
                                         {"next_style", "true"},
                                         {"users", 7}},
                                    settings)
                  .ok());
  EXPECT_EQ(settings.latency_ms, 5);
  EXPECT_EQ(settings.latency_dist, LatencyDistribution::kExponential);
  EXPECT_EQ(settings.fault_429, 0.25);
  EXPECT_EQ(settings.next_style, NextStyle::kTrue);
  EXPECT_EQ(settings.users, 7);
  EXPECT_EQ(settings.passes, 10);  // untouched
  EXPECT_EQ(SimSettingsToJson(settings)["latency_dist"], "exponential");
}

TEST(SimSettingsTest, BadPatchNamesTheKeyAndChangesNothing) {
  SimSettings settings;
  Status status = ApplySimSettingsPatch(json{{"passes", 3}, {"latncy_ms", 5}}, settings);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().error_class, ErrorClass::kConfig);
  EXPECT_NE(status.error().message.find("latncy_ms"), std::string::npos);
  EXPECT_EQ(settings.passes, 10);

  for (const json& bad : {json{{"passes", -1}}, json{{"passes", "3"}}, json{{"fault_5xx", 1.5}},
                          json{{"latency_dist", "normal"}}, json{{"next_style", 1}},
                          json{{"fault_5xx", 0.6}, {"fault_429", 0.6}}, json::array()}) {
    EXPECT_FALSE(ApplySimSettingsPatch(bad, settings).ok()) << bad.dump();
  }
  EXPECT_EQ(settings.fault_5xx, 0);
}

}  // namespace
}  // namespace tc::sim
