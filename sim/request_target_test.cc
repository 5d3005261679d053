#include "request_target.h"

#include <gtest/gtest.h>

namespace tc::sim {
namespace {

TEST(RequestTargetTest, SplitsPathAndQueryInOrder) {
  std::optional<RequestTarget> target =
      ParseRequestTarget("/v4.0/passes?status=EXPIRED&per_page=25&page=3");
  ASSERT_TRUE(target);
  EXPECT_EQ(target->path, "/v4.0/passes");
  ASSERT_EQ(target->query.size(), 3u);
  EXPECT_EQ(target->query[0].first, "status");
  EXPECT_EQ(target->Param("status"), "EXPIRED");
  EXPECT_EQ(target->PositiveIntParam("per_page", 100), 25);
  EXPECT_EQ(target->PositiveIntParam("page", 1), 3);
}

TEST(RequestTargetTest, DefaultsAndRejectsBadIntegers) {
  std::optional<RequestTarget> target = ParseRequestTarget("/passes?page=0&per_page=x&a=-1");
  ASSERT_TRUE(target);
  EXPECT_EQ(target->PositiveIntParam("missing", 7), 7);
  EXPECT_EQ(target->PositiveIntParam("page", 1), std::nullopt);
  EXPECT_EQ(target->PositiveIntParam("per_page", 1), std::nullopt);
  EXPECT_EQ(target->PositiveIntParam("a", 1), std::nullopt);
}

TEST(RequestTargetTest, PercentDecodesAndHandlesOddQueries) {
  std::optional<RequestTarget> target = ParseRequestTarget("/a%20b?x=1%2B1&y=a+b&&flag&=v#frag");
  ASSERT_TRUE(target);
  EXPECT_EQ(target->path, "/a b");
  EXPECT_EQ(target->Param("x"), "1+1");
  EXPECT_EQ(target->Param("y"), "a b");
  EXPECT_EQ(target->Param("flag"), "");
  EXPECT_EQ(target->Param(""), "v");
  EXPECT_FALSE(ParseRequestTarget("/x?a=%2").has_value());
  EXPECT_FALSE(ParseRequestTarget("/x?a=%zz").has_value());
  EXPECT_FALSE(ParseRequestTarget("http://host/x").has_value());
  EXPECT_FALSE(ParseRequestTarget("").has_value());
  ASSERT_TRUE(ParseRequestTarget("/passes"));
  EXPECT_TRUE(ParseRequestTarget("/passes")->query.empty());
}

}  // namespace
}  // namespace tc::sim
