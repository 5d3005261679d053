#include "run/refresh_request_drain.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tc {
namespace {

TEST(RefreshRequestCountsJsonTest, ListsEveryCountInItsOrder) {
  RefreshRequestCounts counts;
  counts.rows_read = 9;
  counts.users = 7;
  counts.users_refreshed = 4;
  counts.users_without_token = 1;
  counts.users_failed = 1;
  counts.users_in_backoff = 1;
  counts.users_abandoned = 0;
  counts.rows_processed = 6;
  counts.rows_left_pending = 3;
  counts.failures_by_class = {{"transient", 1}};
  const Json json = RefreshRequestCountsJson(counts);
  std::vector<std::string> keys;
  for (auto it = json.begin(); it != json.end(); ++it) keys.push_back(it.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"rows_read", "users", "users_refreshed",
                                            "users_without_token", "users_failed",
                                            "users_in_backoff", "users_abandoned", "rows_processed",
                                            "rows_left_pending", "failures_by_class"}));
  EXPECT_EQ(json.dump(),
            R"({"rows_read":9,"users":7,"users_refreshed":4,"users_without_token":1,)"
            R"("users_failed":1,"users_in_backoff":1,"users_abandoned":0,"rows_processed":6,)"
            R"("rows_left_pending":3,"failures_by_class":{"transient":1}})");
}

TEST(RefreshRequestCountsJsonTest, NoFailuresIsAnEmptyObject) {
  EXPECT_EQ(RefreshRequestCountsJson({})["failures_by_class"], Json::object());
}

}  // namespace
}  // namespace tc
