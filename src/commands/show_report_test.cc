#include "commands/show_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tc {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;

constexpr int64_t kNow = 1'790'000'000;  // 2026-09-21T…

CacheDocument DocumentAged(int64_t age_seconds) {
  CacheDocument document;
  document.user_id = 42;
  document.timestamp = kNow - age_seconds;
  PassEntry pass;
  pass.pass_uuid = "p-1";
  pass.status = "USABLE";
  pass.payload = Json{{"uuid", "p-1"}};
  document.passes.push_back(pass);
  return document;
}

RefreshConfig HourlyTtl() {
  RefreshConfig refresh;
  refresh.ttl = 60min;
  refresh.refresh_ahead = 5min;
  return refresh;
}

TEST(ShowReportTest, FormatsAges) {
  EXPECT_EQ(FormatAge(-5), "0s");
  EXPECT_EQ(FormatAge(45), "45s");
  EXPECT_EQ(FormatAge(35 * 60 + 10), "35m");
  EXPECT_EQ(FormatAge(2 * 3600 + 5 * 60), "2h05m");
  EXPECT_EQ(FormatAge(3 * 86400 + 4 * 3600), "3d04h");
}

TEST(ShowReportTest, FreshCacheSaysWhenTheNextRunRefreshesIt) {
  const std::string text = RenderShowText(DocumentAged(35 * 60), std::nullopt, HourlyTtl(), kNow);
  EXPECT_THAT(text, HasSubstr("user      42\n"));
  EXPECT_THAT(text, HasSubstr("(35m ago)"));
  EXPECT_THAT(text, HasSubstr("cache     fresh: the next run after "));
  EXPECT_THAT(text, HasSubstr("(in 20m)"));  // stale at 55 minutes (ttl - refresh_ahead)
  EXPECT_THAT(text, HasSubstr("failures  none\n"));
  EXPECT_THAT(text, HasSubstr("passes    1 active, 0 expired\n"));
  EXPECT_THAT(text, HasSubstr("\"pass_uuid\": \"p-1\""));
}

TEST(ShowReportTest, StaleCacheSaysForHowLong) {
  const std::string text = RenderShowText(DocumentAged(65 * 60), std::nullopt, HourlyTtl(), kNow);
  EXPECT_THAT(text, HasSubstr("cache     stale for 10m: the next run refreshes it"));
}

TEST(ShowReportTest, FailingUserInBackoffShowsTheLastError) {
  UserState state;
  state.user_id = 42;
  state.consecutive_failures = 3;
  state.last_error_class = "rejected_token";
  state.last_error_message = "HTTP 401: token rejected";
  state.last_attempt_at = kNow - 600;
  state.next_attempt_at = kNow + 2 * 3600;
  const std::string text = RenderShowText(DocumentAged(3 * 3600), state, HourlyTtl(), kNow);
  EXPECT_THAT(text, HasSubstr("failures  3 in a row, in backoff until "));
  EXPECT_THAT(text, HasSubstr("(in 2h00m)"));
  EXPECT_THAT(text, HasSubstr("last error rejected_token: HTTP 401: token rejected (at "));

  state.next_attempt_at = 0;  // a failure of the API's: no backoff
  const std::string failing = RenderShowText(DocumentAged(3 * 3600), state, HourlyTtl(), kNow);
  EXPECT_THAT(failing, HasSubstr("failures  3 in a row, failing (tried again by the next run)"));
  EXPECT_THAT(failing, Not(HasSubstr("backoff")));
}

}  // namespace
}  // namespace tc
