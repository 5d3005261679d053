// The webhook's message: only for degraded or aborted runs and users newly failing
// persistently, Slack-compatible, with no secret in it.
#include "alerts/webhook_alert.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "storage/open_cache_store.h"

namespace tc {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

RunSummary Summary(RunStatus status) {
  RunSummary summary;
  summary.run_id = "2026-12-02T10:00:00-abc123";
  summary.status = status;
  summary.users_seen = 500;
  summary.failed = 3;
  summary.api_requests = 994;
  return summary;
}

TEST(AlertPayloadTest, HealthyRunsSayNothing) {
  EXPECT_FALSE(AlertPayload(Summary(RunStatus::kOk), {}, "host-a"));
  EXPECT_FALSE(AlertPayload(Summary(RunStatus::kInterrupted), {}, "host-a"));
  RunSummary dry = Summary(RunStatus::kAborted);
  dry.dry_run = true;
  EXPECT_FALSE(AlertPayload(dry, {}, "host-a"));
}

TEST(AlertPayloadTest, DegradedRunGivesItsReasonInSlackForm) {
  RunSummary summary = Summary(RunStatus::kDegraded);
  summary.abort_reason = "circuit breaker open: 9 of 10 calls failed <transient> & more";
  auto payload = AlertPayload(summary, {}, "host-a");
  ASSERT_TRUE(payload);
  const std::string text = (*payload)["text"];
  EXPECT_THAT(text, HasSubstr("`2026-12-02T10:00:00-abc123` ended *degraded*"));
  EXPECT_THAT(text, HasSubstr("&lt;transient&gt; &amp; more"));
  EXPECT_THAT(text, HasSubstr("host-a · 500 users seen, 3 failed, 994 API requests"));
  ASSERT_EQ((*payload)["blocks"].size(), 2u);
  EXPECT_EQ((*payload)["blocks"][0]["type"], "section");
  EXPECT_EQ((*payload)["blocks"][0]["text"]["type"], "mrkdwn");
  EXPECT_EQ((*payload)["blocks"][1]["type"], "context");
}

TEST(AlertPayloadTest, AbortedRunReasonIsRedacted) {
  RunSummary summary = Summary(RunStatus::kAborted);
  summary.abort_reason = "cache store: cannot connect to mysql://app:hunter2@db/cache";
  auto payload = AlertPayload(summary, {}, "host-a");
  ASSERT_TRUE(payload);
  EXPECT_THAT(payload->dump(), HasSubstr("ended *aborted*"));
  EXPECT_THAT(payload->dump(), Not(HasSubstr("hunter2")));
}

TEST(AlertPayloadTest, UsersNewlyFailingPersistentlyAreCountedWithTheFirstIds) {
  NewlyPersistent persistent;
  persistent.count = 42;
  persistent.first_ids = {3, 4, 9};
  auto payload = AlertPayload(Summary(RunStatus::kOk), persistent, "host-a");
  ASSERT_TRUE(payload);
  EXPECT_THAT((*payload)["text"].get<std::string>(),
              HasSubstr("42 users newly failing persistently (2 runs in a row)"));
  EXPECT_THAT((*payload)["text"].get<std::string>(), HasSubstr(": 3, 4, 9, …"));
  EXPECT_THAT((*payload)["text"].get<std::string>(), Not(HasSubstr("ended")));
}

TEST(WebhookHostTest, OnlyTheHostIsKept) {
  EXPECT_EQ(WebhookHost("https://hooks.slack.com/services/T0/B0/secretpart"), "hooks.slack.com");
  EXPECT_EQ(WebhookHost("http://127.0.0.1:8080/hook?key=abc"), "127.0.0.1:8080");
  EXPECT_EQ(WebhookHost("https://user:pw@example.test/x"), "example.test");
  EXPECT_EQ(WebhookHost("not a url"), "");
}

class PersistentFailureWatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StoreConfig config;
    config.url = "sqlite:" + ::testing::TempDir() + "/watcher_test.db";
    std::remove(config.url.substr(7).c_str());
    auto opened = OpenCacheStore(config, StoreAccess::kCreate);
    ASSERT_TRUE(opened.ok()) << opened.error().ToString();
    store_ = std::move(*opened);
    ASSERT_TRUE(store_->Init().ok());
  }
  std::unique_ptr<CacheStore> store_;
};

TEST_F(PersistentFailureWatcherTest, SeesUsersReachingTheirSecondFailureOnly) {
  PersistentFailureWatcher watcher(*store_);
  std::vector<UserState> states(4);
  for (int i = 0; i < 4; ++i) {
    states[i].user_id = 20 - i;
    states[i].consecutive_failures = i;  // 0 (a success), 1 (one-off), 2 (new), 3 (old news)
  }
  ASSERT_TRUE(watcher.SaveUserStates(states).ok());
  states[0].consecutive_failures = 2;
  ASSERT_TRUE(watcher.SaveUserStates(std::span(states).first(1)).ok());
  NewlyPersistent seen = watcher.Take();
  EXPECT_EQ(seen.count, 2);
  EXPECT_THAT(seen.first_ids, ::testing::ElementsAre(18, 20));
  EXPECT_EQ(watcher.Take().count, 0);  // taken
  // The writes went through.
  auto failing = store_->FailingUsers(10);
  ASSERT_TRUE(failing.ok());
  EXPECT_EQ(failing->size(), 4u);
}

TEST(RunAlertsTest, WithoutAWebhookItDoesNothing) {
  auto alerts = RunAlerts::Create(AlertsConfig{});
  ASSERT_TRUE(alerts.ok());
  EXPECT_EQ((*alerts)->observer(), nullptr);
}

TEST(RunAlertsTest, AnUnreadableEmptyOrWrongUrlFileIsAConfigErrorNamingTheKey) {
  AlertsConfig config;
  config.webhook_url_file = ::testing::TempDir() + "/no-such-webhook-file";
  auto missing = RunAlerts::Create(config);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().error_class, ErrorClass::kConfig);
  EXPECT_THAT(missing.error().message, HasSubstr("alerts.webhook_url_file"));
  EXPECT_THAT(missing.error().message, HasSubstr("TICKETCACHE_ALERTS_WEBHOOK_URL_FILE"));

  config.webhook_url_file = ::testing::TempDir() + "/webhook-url";
  std::ofstream(config.webhook_url_file) << "\n";
  EXPECT_THAT(RunAlerts::Create(config).error().message, HasSubstr("is empty"));
  std::ofstream(config.webhook_url_file) << "ftp://example.test/secret-path\n";
  auto wrong = RunAlerts::Create(config);
  ASSERT_FALSE(wrong.ok());
  EXPECT_THAT(wrong.error().message, HasSubstr("http(s) URL"));
  EXPECT_THAT(wrong.error().message, Not(HasSubstr("secret-path")));  // the file's name only
  for (const char* malformed :
       {"https://hooks.example.test:99999/secret-path\n",
        "https://hooks.example.test/secret path\n", "https:///secret-path"}) {
    std::ofstream(config.webhook_url_file) << malformed;
    auto refused = RunAlerts::Create(config);
    ASSERT_FALSE(refused.ok()) << malformed;
    EXPECT_EQ(refused.error().error_class, ErrorClass::kConfig);
    EXPECT_THAT(refused.error().message, HasSubstr("does not hold a valid http(s) URL"));
    EXPECT_THAT(refused.error().message, Not(HasSubstr("secret")));
  }
  config.webhook_url_file = ::testing::TempDir();
  EXPECT_THAT(RunAlerts::Create(config).error().message, HasSubstr("is a directory"));
}

}  // namespace
}  // namespace tc
