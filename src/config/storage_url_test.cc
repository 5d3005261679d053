#include "config/storage_url.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/plain_identifier.h"

namespace tc {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(StorageUrlTest, Schemes) {
  auto sqlite = ParseStorageUrl("sqlite:data/cache.db", StorageRole::kStore, "store.url");
  ASSERT_TRUE(sqlite.ok());
  EXPECT_EQ(sqlite->scheme, StorageScheme::kSqlite);
  EXPECT_EQ(sqlite->sqlite_path, "data/cache.db");
  EXPECT_EQ(ParseStorageUrl("mysql://u@h/db", StorageRole::kTokens, "tokens.url")->scheme,
            StorageScheme::kMysql);
  EXPECT_EQ(ParseStorageUrl("mongodb+srv://u@h/db", StorageRole::kStore, "store.url")->scheme,
            StorageScheme::kMongo);
}

TEST(StorageUrlTest, RefusesWhatTheRoleDoesNotTake) {
  auto mongo_tokens = ParseStorageUrl("mongodb://h/db", StorageRole::kTokens, "tokens.url");
  ASSERT_FALSE(mongo_tokens.ok());
  EXPECT_EQ(mongo_tokens.error().error_class, ErrorClass::kConfig);
  EXPECT_THAT(mongo_tokens.error().message, HasSubstr("tokens.url: unsupported url"));
  EXPECT_FALSE(ParseStorageUrl("sqlite:", StorageRole::kStore, "store.url").ok());
  EXPECT_FALSE(ParseStorageUrl("postgres://h/db", StorageRole::kStore, "store.url").ok());
}

TEST(StorageUrlTest, RefusesAPasswordWithoutEchoingIt) {
  auto parsed = ParseStorageUrl("mysql://u:hunter2@h/db", StorageRole::kStore, "store.url");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().error_class, ErrorClass::kConfig);
  EXPECT_THAT(parsed.error().message, HasSubstr("store.password_file"));
  EXPECT_THAT(parsed.error().message, Not(HasSubstr("hunter2")));
  auto bad = ParseStorageUrl("pg://u:hunter2@h/db", StorageRole::kStore, "store.url");
  EXPECT_THAT(bad.error().message, Not(HasSubstr("hunter2")));
}

TEST(PlainIdentifierTest, Rule) {
  EXPECT_TRUE(IsPlainIdentifier("BytemarkTicketsCache"));
  EXPECT_TRUE(IsPlainIdentifier("_x9"));
  EXPECT_TRUE(IsPlainIdentifier(std::string(64, 'a')));
  EXPECT_FALSE(IsPlainIdentifier(std::string(65, 'a')));
  EXPECT_FALSE(IsPlainIdentifier(""));
  EXPECT_FALSE(IsPlainIdentifier("9a"));
  EXPECT_FALSE(IsPlainIdentifier("a-b"));
  EXPECT_FALSE(IsPlainIdentifier("a.b"));
  EXPECT_FALSE(IsPlainIdentifier("t; DROP TABLE x"));
}

}  // namespace
}  // namespace tc
