#include "failure/user_backoff.h"

#include <gtest/gtest.h>

namespace tc {
namespace {

using namespace std::chrono_literals;

constexpr int64_t kHour = 3600;

UserBackoffPolicy BackoffConfig() {
  UserBackoffPolicy config;
  config.base = 1h;
  config.max = 24h;
  return config;
}

TEST(TokenFingerprintTest, ShortStableOneWay) {
  const std::string fingerprint = TokenFingerprint("secret-token-123");
  EXPECT_EQ(fingerprint.size(), 16u);
  EXPECT_EQ(fingerprint, TokenFingerprint("secret-token-123"));
  EXPECT_NE(fingerprint, TokenFingerprint("secret-token-124"));
  EXPECT_EQ(fingerprint.find("secret"), std::string::npos);
  // SHA-256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
  EXPECT_EQ(TokenFingerprint("abc"), "ba7816bf8f01cfea");
}

TEST(UserBackoffTest, ScheduleDoublesFromTheSecondFailureUpToTheMax) {
  const UserBackoffPolicy config = BackoffConfig();
  const std::string fp = TokenFingerprint("dead-token");
  const Error rejected = MakeError(ErrorClass::kRejectedToken, "HTTP 401");
  UserState state;
  state.user_id = 7;
  int64_t now = 1'700'000'000;
  std::vector<int64_t> waits;
  for (int failure = 1; failure <= 8; ++failure) {
    state = AfterFailure(state, rejected, now, fp, config);
    EXPECT_EQ(state.consecutive_failures, failure);
    EXPECT_EQ(state.user_id, 7);
    EXPECT_EQ(state.last_error_class, "rejected_token");
    EXPECT_EQ(state.last_attempt_at, now);
    waits.push_back(state.next_attempt_at == 0 ? 0 : state.next_attempt_at - now);
    now = std::max(now + kHour, state.next_attempt_at);
  }
  EXPECT_EQ(waits, (std::vector<int64_t>{0, 1 * kHour, 2 * kHour, 4 * kHour, 8 * kHour, 16 * kHour,
                                         24 * kHour, 24 * kHour}));
}

TEST(UserBackoffTest, InBackoffUntilNextAttempt) {
  const std::string fp = TokenFingerprint("t");
  UserState state;
  state.token_fingerprint = fp;
  state.next_attempt_at = 1000;
  EXPECT_TRUE(InBackoff(state, 999, fp));
  EXPECT_FALSE(InBackoff(state, 1000, fp));
  state.next_attempt_at = 0;
  EXPECT_FALSE(InBackoff(state, 5, fp));
}

TEST(UserBackoffTest, ChangedTokenResetsTheBackoff) {
  const UserBackoffPolicy config = BackoffConfig();
  const Error rejected = MakeError(ErrorClass::kRejectedToken, "HTTP 401");
  const std::string old_fp = TokenFingerprint("old");
  const std::string new_fp = TokenFingerprint("new");
  UserState state;
  for (int i = 0; i < 5; ++i) state = AfterFailure(state, rejected, 1000, old_fp, config);
  ASSERT_TRUE(InBackoff(state, 1001, old_fp));
  EXPECT_FALSE(InBackoff(state, 1001, new_fp));
  // A failure with the new token starts the count at 1 (no backoff yet).
  state = AfterFailure(state, rejected, 1001, new_fp, config);
  EXPECT_EQ(state.consecutive_failures, 1);
  EXPECT_EQ(state.next_attempt_at, 0);
  EXPECT_EQ(state.token_fingerprint, new_fp);
}

TEST(UserBackoffTest, SuccessClearsEverything) {
  const UserBackoffPolicy config = BackoffConfig();
  const std::string fp = TokenFingerprint("t");
  UserState state;
  state.user_id = 3;
  for (int i = 0; i < 3; ++i) {
    state = AfterFailure(state, MakeError(ErrorClass::kMalformed, "bad body"), 10, fp, config);
  }
  ASSERT_GT(state.next_attempt_at, 10);
  state = AfterSuccess(state, 20, fp);
  EXPECT_EQ(state.user_id, 3);
  EXPECT_EQ(state.consecutive_failures, 0);
  EXPECT_EQ(state.next_attempt_at, 0);
  EXPECT_EQ(state.last_error_class, "");
  EXPECT_EQ(state.last_attempt_at, 20);
  EXPECT_FALSE(InBackoff(state, 20, fp));
}

TEST(UserBackoffTest, ApiFailuresAreRememberedButNeverDelayTheUser) {
  const UserBackoffPolicy config = BackoffConfig();
  const std::string fp = TokenFingerprint("t");
  UserState state;
  for (ErrorClass error_class : {ErrorClass::kTransient, ErrorClass::kTimeout, ErrorClass::kNetwork,
                                 ErrorClass::kRateLimited, ErrorClass::kConflict}) {
    state = AfterFailure(state, MakeError(error_class, "outage"), 100, fp, config);
    EXPECT_EQ(state.next_attempt_at, 0) << ErrorClassName(error_class);
    EXPECT_EQ(state.last_error_class, ErrorClassName(error_class));
  }
  EXPECT_EQ(state.consecutive_failures, 5);
  // Once the user's own fault shows up, the accumulated count schedules the backoff.
  state = AfterFailure(state, MakeError(ErrorClass::kRejectedToken, "401"), 100, fp, config);
  EXPECT_EQ(state.next_attempt_at, 100 + 16 * kHour);  // the 6th failure in a row
}

// Configuration, the store and bugs are never a user's fault: the user's memory does not change,
// so a broken URL or a failing store never makes users "failing persistently" or backs them off.
TEST(UserBackoffTest, OurSideFailuresNeverEnterTheUsersMemory) {
  const UserBackoffPolicy config = BackoffConfig();
  UserState state;
  state.user_id = 9;
  state.consecutive_failures = 1;
  state.token_fingerprint = TokenFingerprint("x");
  for (ErrorClass error_class :
       {ErrorClass::kConfig, ErrorClass::kStore, ErrorClass::kInternal, ErrorClass::kLocked}) {
    for (int run = 0; run < 3; ++run) {
      state = AfterFailure(state, MakeError(error_class, "ours"), 10 + run, TokenFingerprint("x"),
                           config);
    }
    EXPECT_EQ(state.consecutive_failures, 1) << ErrorClassName(error_class);
    EXPECT_EQ(state.next_attempt_at, 0) << ErrorClassName(error_class);
  }
}

TEST(UserBackoffTest, InterruptedOrCircuitOpenIsNotAnAttempt) {
  const UserBackoffPolicy config = BackoffConfig();
  UserState state;
  state.user_id = 9;
  state.consecutive_failures = 2;
  state.next_attempt_at = 50;
  for (ErrorClass error_class : {ErrorClass::kInterrupted, ErrorClass::kCircuitOpen}) {
    const UserState after =
        AfterFailure(state, MakeError(error_class, "stop"), 10, TokenFingerprint("x"), config);
    EXPECT_EQ(after.consecutive_failures, 2);
    EXPECT_EQ(after.next_attempt_at, 50);
  }
}

TEST(UserBackoffTest, LongMessagesAreTruncated) {
  const UserState state =
      AfterFailure(UserState{}, MakeError(ErrorClass::kMalformed, std::string(5000, 'x')), 1,
                   TokenFingerprint("t"), BackoffConfig());
  EXPECT_EQ(state.last_error_message.size(), 500u);
}

TEST(UserBackoffTest, SubSecondBaseRoundsUp) {
  UserBackoffPolicy config = BackoffConfig();
  config.base = 1500ms;
  config.max = 1h;
  const std::string fp = TokenFingerprint("t");
  UserState state;
  const Error rejected = MakeError(ErrorClass::kRejectedToken, "401");
  state = AfterFailure(state, rejected, 0, fp, config);
  state = AfterFailure(state, rejected, 0, fp, config);
  EXPECT_EQ(state.next_attempt_at, 2);
}

}  // namespace
}  // namespace tc
