#include "tokens/sqlite_token_source.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "tokens/demo_portal.h"
#include "tokens/token_source.h"

namespace tc {
namespace {

class SqliteTokenSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "tc_tokens_XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    path_ = dir_ + "/portal.db";
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db_), SQLITE_OK);
    Exec(
        "CREATE TABLE bytemark_tokens (id INTEGER PRIMARY KEY, user_id INTEGER, token TEXT, "
        "created_at TEXT, note TEXT)");
  }
  void TearDown() override {
    sqlite3_close(db_);
    std::filesystem::remove_all(dir_);
  }

  void Exec(const std::string& sql) {
    char* message = nullptr;
    ASSERT_EQ(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message), SQLITE_OK) << message;
  }
  void Add(int64_t user_id, const char* token) {
    sqlite3_stmt* statement = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db_,
                                 "INSERT INTO bytemark_tokens (user_id, token, created_at, note) "
                                 "VALUES (?, ?, '2024-01-01', 'x')",
                                 -1, &statement, nullptr),
              SQLITE_OK);
    sqlite3_bind_int64(statement, 1, user_id);
    if (token != nullptr) sqlite3_bind_text(statement, 2, token, -1, SQLITE_TRANSIENT);
    EXPECT_EQ(sqlite3_step(statement), SQLITE_DONE);
    sqlite3_finalize(statement);
  }

  std::unique_ptr<SqliteTokenSource> OpenSource() {
    auto source = SqliteTokenSource::Open(path_, "bytemark_tokens");
    EXPECT_TRUE(source.ok()) << source.error().ToString();
    return source.ok() ? std::move(source).value() : nullptr;
  }

  // Every user, page by page.
  static std::vector<UserToken> ReadAll(TokenSource& source, int page_size) {
    std::vector<UserToken> all;
    std::optional<int64_t> after;  // first page: no cursor yet
    for (;;) {
      auto page = source.NextPage(after, page_size);
      EXPECT_TRUE(page.ok()) << page.error().ToString();
      if (!page.ok() || page->empty()) return all;
      EXPECT_LE(static_cast<int>(page->size()), page_size);
      for (const UserToken& user : *page) all.push_back(user);
      after = page->back().user_id;
    }
  }

  static std::vector<int64_t> Ids(const std::vector<UserToken>& users) {
    std::vector<int64_t> ids;
    for (const UserToken& user : users) ids.push_back(user.user_id);
    return ids;
  }

  std::string dir_;
  std::string path_;
  sqlite3* db_ = nullptr;
};

TEST_F(SqliteTokenSourceTest, EmptyTableGivesAnEmptyPage) {
  auto source = OpenSource();
  ASSERT_NE(source, nullptr);
  auto page = source->NextPage(0, 10);
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->empty());
}

TEST_F(SqliteTokenSourceTest, SkipsNullEmptyAndWhitespaceTokensAndIgnoresExtraColumns) {
  Add(1, "t1");
  Add(2, nullptr);
  Add(3, "");
  Add(4, "   ");
  Add(5, " \t\r\n\v\f");
  Add(6, " t6 ");
  auto source = OpenSource();
  ASSERT_NE(source, nullptr);
  std::vector<UserToken> all = ReadAll(*source, 10);
  ASSERT_EQ(Ids(all), (std::vector<int64_t>{1, 6}));
  EXPECT_EQ(all[0].token, "t1");
  EXPECT_EQ(all[1].token, " t6 ");
}

TEST_F(SqliteTokenSourceTest, FirstUsableTokenInTableOrderWins) {
  Add(7, nullptr);
  Add(7, "first");
  Add(7, "second");
  Add(3, "three");
  auto source = OpenSource();
  ASSERT_NE(source, nullptr);
  std::vector<UserToken> all = ReadAll(*source, 10);
  ASSERT_EQ(Ids(all), (std::vector<int64_t>{3, 7}));
  EXPECT_EQ(all[1].token, "first");
}

TEST_F(SqliteTokenSourceTest, DuplicatesStraddlingPageBoundariesAreNeitherRepeatedNorSkipped) {
  // Users 1..20, with user u listed (u % 4) + 1 times: row batches end inside users' runs.
  for (int64_t user = 1; user <= 20; ++user) {
    for (int copy = 0; copy <= user % 4; ++copy) {
      Add(user, ("u" + std::to_string(user) + "-" + std::to_string(copy)).c_str());
    }
  }
  std::vector<int64_t> expected;
  for (int64_t user = 1; user <= 20; ++user) expected.push_back(user);
  for (int page_size : {1, 2, 3, 4, 5, 7, 19, 20, 21, 100}) {
    auto source = OpenSource();
    ASSERT_NE(source, nullptr);
    std::vector<UserToken> all = ReadAll(*source, page_size);
    EXPECT_EQ(Ids(all), expected) << "page size " << page_size;
    for (const UserToken& user : all) {
      EXPECT_EQ(user.token, "u" + std::to_string(user.user_id) + "-0");
    }
  }
}

TEST_F(SqliteTokenSourceTest, PagesAreFullWhenDuplicatesFillARowBatch) {
  Add(1, "a");
  Add(1, "b");
  Add(1, "c");
  Add(2, "d");
  Add(3, "e");
  auto source = OpenSource();
  ASSERT_NE(source, nullptr);
  auto page = source->NextPage(0, 2);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(Ids(*page), (std::vector<int64_t>{1, 2}));
}

TEST_F(SqliteTokenSourceTest, NonContiguousAndLargeIds) {
  const int64_t max = std::numeric_limits<int64_t>::max();
  const int64_t min = std::numeric_limits<int64_t>::min();
  const int64_t big = (int64_t{1} << 53) + 1;  // not representable as a double
  Add(min, "min");  // a user like any other: the first page has no lower bound
  Add(max, "max");
  Add(big, "big");
  Add(-5, "negative");
  Add(1000, "thousand");
  Add(17, "seventeen");
  auto source = OpenSource();
  ASSERT_NE(source, nullptr);
  EXPECT_EQ(Ids(ReadAll(*source, 2)), (std::vector<int64_t>{min, -5, 17, 1000, big, max}));
  auto after_min = source->NextPage(min, 1);
  ASSERT_TRUE(after_min.ok());
  EXPECT_EQ(Ids(*after_min), (std::vector<int64_t>{-5}));
  auto after_big = source->NextPage(big, 10);
  ASSERT_TRUE(after_big.ok());
  EXPECT_EQ(Ids(*after_big), (std::vector<int64_t>{max}));
  auto after_max = source->NextPage(max, 10);
  ASSERT_TRUE(after_max.ok());
  EXPECT_TRUE(after_max->empty());
}

TEST_F(SqliteTokenSourceTest, LookupReturnsExactlyTheRequestedUsersAscending) {
  const int64_t big = (int64_t{1} << 53) + 1;
  Add(5, "five");
  Add(5, "five-again");
  Add(9, nullptr);
  Add(9, "nine");
  Add(12, "  ");
  Add(big, "big");
  Add(40, "forty");
  auto source = OpenSource();
  ASSERT_NE(source, nullptr);
  auto found = source->Lookup({big, 12, 9, 5, 77});
  ASSERT_TRUE(found.ok()) << found.error().ToString();
  ASSERT_EQ(Ids(*found), (std::vector<int64_t>{5, 9, big}));
  EXPECT_EQ((*found)[0].token, "five");
  EXPECT_EQ((*found)[1].token, "nine");
  auto none = source->Lookup({});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

// The database evaluates the shard condition; it must pick exactly the users ShardOwnsUser picks,
// negative and extreme ids included, and only users (a text id is in no shard).
TEST_F(SqliteTokenSourceTest, RestrictedToAShardReadsExactlyThatShardsUsers) {
  std::vector<int64_t> ids = {
      std::numeric_limits<int64_t>::min(), -9, -5, -4, -1, 0, 1, 2, 3, 7, 8, 1001,
      std::numeric_limits<int64_t>::max()};
  for (int64_t id = 100; id < 140; ++id) ids.push_back(id);
  for (int64_t id : ids) Add(id, "tok");
  Add(2, "second row of user 2");
  Exec("INSERT INTO bytemark_tokens (user_id, token) VALUES ('abc', 'tok'), (4.5, 'tok')");
  std::sort(ids.begin(), ids.end());
  for (int k = 0; k < 3; ++k) {
    const Shard shard{k, 3};
    auto source = OpenSource();
    ASSERT_NE(source, nullptr);
    ASSERT_TRUE(source->RestrictToShard(shard));
    std::vector<int64_t> expected;
    for (int64_t id : ids) {
      if (ShardOwnsUser(shard, id)) expected.push_back(id);
    }
    EXPECT_EQ(Ids(ReadAll(*source, 4)), expected) << shard.ToString();
    auto count = source->CountUsers();
    ASSERT_TRUE(count.ok());
    EXPECT_EQ(*count, static_cast<int64_t>(expected.size()));
    auto looked_up = source->Lookup(ids);
    ASSERT_TRUE(looked_up.ok());
    EXPECT_EQ(Ids(*looked_up), expected);
  }
}

TEST_F(SqliteTokenSourceTest, MissingTableIsAStoreErrorNamingTheTable) {
  auto source = SqliteTokenSource::Open(path_, "portal_tokens");
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.error().error_class, ErrorClass::kStore);
  EXPECT_NE(source.error().message.find("portal_tokens"), std::string::npos)
      << source.error().message;
}

TEST_F(SqliteTokenSourceTest, OnlyIntegerUserIdsAreUsersAndTheRestAreCounted) {
  // A text id sorts after every integer in SQLite, so it used to come back on every page with
  // user_id 0 and restart the keyset cursor: the run never ended.
  Add(1, "t1");
  Exec("INSERT INTO bytemark_tokens (user_id, token) VALUES ('abc', 'text-id')");
  Exec("INSERT INTO bytemark_tokens (user_id, token) VALUES (1e20, 'real-id')");
  Exec("INSERT INTO bytemark_tokens (user_id, token) VALUES (x'0102', 'blob-id')");
  Exec("INSERT INTO bytemark_tokens (user_id, token) VALUES (NULL, 'null-id')");
  Exec("INSERT INTO bytemark_tokens (user_id, token) VALUES ('zzz', '  ')");  // blank: not counted
  Exec("INSERT INTO bytemark_tokens (user_id, token) VALUES ('7', 't7')");    // affinity: integer 7
  Exec("INSERT INTO bytemark_tokens (user_id, token) VALUES (9.0, 't9')");    // affinity: integer 9
  Add(12, "t12");
  auto source = OpenSource();
  ASSERT_NE(source, nullptr);
  for (int page_size : {1, 2, 3, 100}) {
    EXPECT_EQ(Ids(ReadAll(*source, page_size)), (std::vector<int64_t>{1, 7, 9, 12}))
        << "page size " << page_size;
  }
  auto unusable = source->CountUnusableRows();
  ASSERT_TRUE(unusable.ok()) << unusable.error().ToString();
  EXPECT_EQ(*unusable, 4);
  auto users = source->CountUsers();  // the users the pages return, each once
  ASSERT_TRUE(users.ok()) << users.error().ToString();
  EXPECT_EQ(*users, 4);
  auto found = source->Lookup({0, 1, 12});
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(Ids(*found), (std::vector<int64_t>{1, 12}));
}

TEST_F(SqliteTokenSourceTest, NoUnusableRowsInACleanTable) {
  Add(1, "t1");
  Add(2, nullptr);
  auto source = OpenSource();
  ASSERT_NE(source, nullptr);
  EXPECT_EQ(source->CountUnusableRows().value(), 0);
}

TEST_F(SqliteTokenSourceTest, MissingFileIsAStoreErrorAndIsNotCreated) {
  const std::string missing = dir_ + "/nope.db";
  auto source = SqliteTokenSource::Open(missing, "bytemark_tokens");
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.error().error_class, ErrorClass::kStore);
  EXPECT_NE(
      source.error().message.find("tokens.url: sqlite:" + missing + ": no such database file"),
      std::string::npos)
      << source.error().message;
  EXPECT_FALSE(std::filesystem::exists(missing));
}

TEST_F(SqliteTokenSourceTest, TableNameMustBeAnIdentifier) {
  auto source = SqliteTokenSource::Open(path_, "tokens; DROP TABLE x");
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.error().error_class, ErrorClass::kConfig);
}

TEST_F(SqliteTokenSourceTest, OpensReadOnly) {
  Add(1, "t1");
  auto source = OpenSource();
  ASSERT_NE(source, nullptr);
  // The source holds no write lock: the portal can keep writing while we read.
  Add(2, "t2");
  EXPECT_EQ(Ids(ReadAll(*source, 10)), (std::vector<int64_t>{1, 2}));
}

TEST_F(SqliteTokenSourceTest, OpenTokenSourceDispatchesOnScheme) {
  Add(1, "t1");
  TokensConfig config;
  config.url = "sqlite:" + path_;
  auto source = OpenTokenSource(config);
  ASSERT_TRUE(source.ok()) << source.error().ToString();
  auto page = (*source)->NextPage(0, 5);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->size(), 1u);

  config.url = "postgres://db/portal";
  auto unknown = OpenTokenSource(config);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().error_class, ErrorClass::kConfig);
}

TEST_F(SqliteTokenSourceTest, DemoPortalIsSeededIdempotently) {
  const std::string demo = dir_ + "/demo.db";
  ASSERT_TRUE(SeedDemoPortal(demo, "bytemark_tokens", 50).ok());
  ASSERT_TRUE(SeedDemoPortal(demo, "bytemark_tokens", 60).ok());
  auto source = SqliteTokenSource::Open(demo, "bytemark_tokens");
  ASSERT_TRUE(source.ok()) << source.error().ToString();
  std::vector<UserToken> all = ReadAll(**source, 7);
  ASSERT_EQ(all.size(), 60u);
  EXPECT_EQ(all.front().user_id, 1);
  EXPECT_EQ(all.back().user_id, 60);
  EXPECT_EQ(all[41].token, "tc-sim-token-42");

  sqlite3* demo_db = nullptr;
  ASSERT_EQ(sqlite3_open(demo.c_str(), &demo_db), SQLITE_OK);
  sqlite3_stmt* count = nullptr;
  ASSERT_EQ(
      sqlite3_prepare_v2(demo_db, "SELECT count(*) FROM bytemark_tokens", -1, &count, nullptr),
      SQLITE_OK);
  ASSERT_EQ(sqlite3_step(count), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int64(count, 0), 60);
  sqlite3_finalize(count);
  sqlite3_close(demo_db);
}

}  // namespace
}  // namespace tc
