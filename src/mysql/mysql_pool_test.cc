#include "mysql/mysql_pool.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tc {
namespace {

using namespace std::chrono_literals;

// Port 1 on loopback refuses connections: a "lost connection" class of failure, so the pool
// retries with backoff, and every wait goes through the clock (instant with a FakeClock).
TEST(MysqlPoolTest, BackoffWaitsOnTheGivenClock) {
  MysqlConnectOptions options;
  options.endpoint.user = "nobody";
  options.endpoint.host = "127.0.0.1";
  options.endpoint.port = 1;
  options.endpoint.database = "none";
  options.connect_timeout = std::chrono::seconds(1);
  FakeClock clock;
  MysqlPool pool(options, 1,
                 MysqlRetryPolicy{.attempts = 4, .base_delay = 200ms, .max_delay = 500ms}, clock);
  Status status = pool.Run([](MysqlConnection&) { return Status::Ok(); });
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().error_class, ErrorClass::kStore);
  EXPECT_THAT(status.error().message, ::testing::HasSubstr("gave up after 4 attempts"));
  EXPECT_EQ(clock.slept(), 200ms + 400ms + 500ms);
}

}  // namespace
}  // namespace tc
