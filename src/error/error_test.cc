#include "error/error.h"

#include <gtest/gtest.h>

namespace tc {
namespace {

TEST(ErrorTest, ClassNamesAreStableSnakeCase) {
  EXPECT_EQ(ErrorClassName(ErrorClass::kRejectedToken), "rejected_token");
  EXPECT_EQ(ErrorClassName(ErrorClass::kRateLimited), "rate_limited");
  EXPECT_EQ(MakeError(ErrorClass::kMalformed, "no data").ToString(), "malformed: no data");
}

TEST(ErrorTest, OnlyTransientClassesAreRetryable) {
  EXPECT_TRUE(IsRetryable(ErrorClass::kTransient));
  EXPECT_TRUE(IsRetryable(ErrorClass::kTimeout));
  EXPECT_TRUE(IsRetryable(ErrorClass::kNetwork));
  EXPECT_TRUE(IsRetryable(ErrorClass::kRateLimited));
  EXPECT_FALSE(IsRetryable(ErrorClass::kRejectedToken));
  EXPECT_FALSE(IsRetryable(ErrorClass::kMalformed));
  EXPECT_FALSE(IsRetryable(ErrorClass::kStore));
}

TEST(ResultTest, HoldsValueOrError) {
  Result<int> good = 7;
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 7);
  Result<int> bad = MakeError(ErrorClass::kStore, "disk full");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().error_class, ErrorClass::kStore);
  Status fine;
  EXPECT_TRUE(fine.ok());
  Status broken = MakeError(ErrorClass::kConflict, "version moved");
  EXPECT_FALSE(broken.ok());
}

}  // namespace
}  // namespace tc
