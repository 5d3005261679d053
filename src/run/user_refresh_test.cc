#include "run/user_refresh.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <vector>

#include "testing/run_test_support.h"

namespace tc {
namespace {

using testing_run::FakeTransport;
using testing_run::PassesResponse;
using testing_run::Reply;
using testing_run::Token;
using testing_run::UserOf;

class UserFetchesTest : public ::testing::Test {
 protected:
  UserFetchesTest() { config_.refresh.retry.retries = 0; }

  // Fetches `users` through one pipeline until every one of them left the set.
  void FetchAll(FakeTransport& transport, const std::vector<int64_t>& users) {
    RateLimiter limiter(0, clock_.SteadyNow());
    CircuitBreaker breaker(config_);
    ApiRequestPipeline pipeline(transport, clock_, config_.refresh.retry,
                                config_.bytemark.max_retry_after, limiter, breaker, nullptr, 8, 1);
    UserFetches fetches(
        config_.bytemark, clock_, pipeline,
        UserFetches::Callbacks{
            .fetched =
                [this](std::unique_ptr<UserFetch> fetch) {
                  fetched_[fetch->user.user_id].push_back(std::move(fetch));
                },
            .gives_up =
                [](const Error& error) { return error.error_class == ErrorClass::kRejectedToken; },
            .given_up =
                [this](std::unique_ptr<UserFetch> fetch) {
                  given_up_.push_back(fetch->user.user_id);
                }});
    for (int64_t user : users) {
      StaleUser stale;
      stale.user_id = user;
      stale.token = Token(user);
      fetches.Start(std::move(stale));
      EXPECT_TRUE(fetches.contains(user));
    }
    for (int step = 0; step < 1000 && !fetches.empty(); ++step) pipeline.Step(Duration(10));
    EXPECT_TRUE(fetches.empty());
  }

  Config config_;
  FakeClock clock_;
  std::map<int64_t, std::vector<std::unique_ptr<UserFetch>>> fetched_;
  std::vector<int64_t> given_up_;
};

// Both lists of a user arrive together, once: the active list from /passes, the expired one
// from /v4.0/passes.
TEST_F(UserFetchesTest, BothListsOfEachUserArriveTogetherOnce) {
  FakeTransport transport(clock_, [](const HttpRequest& request, int) {
    return PassesResponse(UserOf(request), request.url.find("/v4.0/") != std::string::npos);
  });
  FetchAll(transport, {1, 2, 3});
  ASSERT_EQ(fetched_.size(), 3u);
  for (const auto& [user, fetches] : fetched_) {
    ASSERT_EQ(fetches.size(), 1u) << user;
    const UserFetch& fetch = *fetches.front();
    EXPECT_EQ(fetch.active.size(), 3u) << user;
    EXPECT_EQ(fetch.expired.size(), 1u) << user;
    EXPECT_EQ(fetch.failure(), std::nullopt) << user;
  }
  EXPECT_TRUE(given_up_.empty());
  EXPECT_EQ(transport.total_requests(), 6);
}

// One failed list makes the user's one outcome; the other list is still fetched and kept.
TEST_F(UserFetchesTest, AFailedListIsTheUsersOutcome) {
  FakeTransport transport(clock_, [](const HttpRequest& request, int) {
    if (request.url.find("/v4.0/") != std::string::npos) return Reply(404);
    return PassesResponse(UserOf(request), false);
  });
  FetchAll(transport, {7});
  ASSERT_EQ(fetched_[7].size(), 1u);
  const UserFetch& fetch = *fetched_[7].front();
  EXPECT_EQ(fetch.failure(), ErrorClass::kMalformed);
  EXPECT_EQ(fetch.active.size(), 3u);

  FailureStateGate gate(config_.refresh.api_wide);
  const WriteJob job = JudgedWriteJob(std::move(*fetched_[7].front()), gate);
  EXPECT_EQ(job.user.user_id, 7);
  ASSERT_TRUE(job.fetch_error.has_value());
  EXPECT_EQ(job.fetch_error->error_class, ErrorClass::kMalformed);
  EXPECT_EQ(job.active.size(), 3u);
}

// A list error the caller gives up on takes the user out at once: the answer to its other list
// finds nobody, and the user is never reported fetched.
TEST_F(UserFetchesTest, AGivenUpUserLeavesAtOnceAndIsNeverFetched) {
  FakeTransport transport(clock_, [](const HttpRequest& request, int) {
    if (UserOf(request) == 2) return Reply(401);
    return PassesResponse(UserOf(request), request.url.find("/v4.0/") != std::string::npos);
  });
  FetchAll(transport, {1, 2});
  EXPECT_EQ(given_up_, std::vector<int64_t>{2});
  EXPECT_FALSE(fetched_.contains(2));
  EXPECT_EQ(fetched_[1].size(), 1u);
}

}  // namespace
}  // namespace tc
