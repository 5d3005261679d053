#include "tokens/shard.h"

#include <gtest/gtest.h>

#include <limits>

namespace tc {
namespace {

TEST(ShardTest, ParsesAndRejects) {
  auto shard = ParseShard("2/4");
  ASSERT_TRUE(shard.ok());
  EXPECT_EQ(shard->index, 2);
  EXPECT_EQ(shard->count, 4);
  EXPECT_EQ(shard->ToString(), "2/4");
  for (const char* bad : {"4/4", "-1/4", "1", "a/b", "1/0", "1/4x", ""}) {
    auto parsed = ParseShard(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.error().error_class, ErrorClass::kConfig);
    EXPECT_NE(parsed.error().message.find("--shard"), std::string::npos);
  }
}

TEST(ShardTest, EveryUserBelongsToExactlyOneShardAndShardsAreBalanced) {
  const int count = 4;
  int per_shard[count] = {};
  for (int64_t user = 1; user <= 40'000; ++user) {
    int owners = 0;
    for (int k = 0; k < count; ++k) {
      if (ShardOwnsUser(Shard{k, count}, user)) {
        ++owners;
        ++per_shard[k];
      }
    }
    ASSERT_EQ(owners, 1) << user;
  }
  for (int k = 0; k < count; ++k) EXPECT_EQ(per_shard[k], 10'000);  // dense ids: exact shares
}

TEST(ShardTest, NegativeAndExtremeIdsHaveAShardInRange) {
  EXPECT_EQ(ShardOfUser(5, 4), 1);
  EXPECT_EQ(ShardOfUser(-5, 4), 3);  // -5 % 4 is -1 in C++, MySQL and SQLite alike
  EXPECT_EQ(ShardOfUser(-4, 4), 0);
  EXPECT_EQ(ShardOfUser(std::numeric_limits<int64_t>::min(), 3), 1);
  EXPECT_EQ(ShardOfUser(std::numeric_limits<int64_t>::max(), 3), 1);
  EXPECT_EQ(ShardOfUser(123, 1), 0);
}

TEST(ShardTest, SqlConditionSpellsTheSameFunction) {
  EXPECT_EQ(ShardSqlCondition(Shard{1, 4}, "user_id"), "((user_id % 4) + 4) % 4 = 1");
  EXPECT_EQ(ShardSqlCondition(Shard{0, 2}, "`uid`"), "((`uid` % 2) + 2) % 2 = 0");
}

TEST(ShardTest, LockNamesSeparateShards) {
  Shard shard{1, 3};
  EXPECT_EQ(RunLockName(nullptr), "run");
  EXPECT_EQ(RunLockName(&shard), "run-shard-1-of-3");
}

}  // namespace
}  // namespace tc
