// MysqlTokenSource against the real MariaDB server of scripts/with-mariadb.sh: table shapes the
// portal may have, keyset paging, statement counts, wrong password, server restarts.
#include "tokens/mysql_token_source.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "mysql/mysql_pool.h"
#include "support/mysql_test_server.h"
#include "tokens/token_source.h"

namespace tc {
namespace {

class MysqlTokenSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = testing::FindTestMysql();
    if (!server_) GTEST_SKIP() << testing::kMysqlSkipReason;
    admin_ = std::make_unique<MysqlPool>(server_->options, 1);
    table_ = testing::UniqueTablePrefix() + "bytemark_tokens";
  }

  void TearDown() override {
    if (!server_) return;
    if (stopped_) {
      ASSERT_TRUE(testing::ControlTestMysql("start"));
    }
    Exec("DROP TABLE IF EXISTS `" + table_ + "`");
  }

  void Exec(const std::string& sql, std::vector<SqlParam> params = {}) {
    Status status = admin_->Run([&](MysqlConnection& connection) -> Status {
      auto done = connection.Execute(sql, params);
      if (!done.ok()) return done.error();
      return Status::Ok();
    });
    ASSERT_TRUE(status.ok()) << status.error().ToString();
  }

  int64_t GlobalStatus(const std::string& name) {
    auto rows = admin_->Run<std::vector<SqlRow>>([&](MysqlConnection& connection) {
      const SqlParam params[] = {std::string_view(name)};
      return connection.Query(
          "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = ?",
          params);
    });
    EXPECT_TRUE(rows.ok() && rows->size() == 1);
    return rows.ok() && !rows->empty() ? rows->front().Int(0).value_or(-1) : -1;
  }

  // A portal-like table: surrogate primary key, extra columns, nullable token.
  void CreatePortalTable() {
    Exec("CREATE TABLE `" + table_ +
         "` (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, created_at DATETIME NULL,"
         " user_id BIGINT NOT NULL, token VARCHAR(512) NULL, device VARCHAR(64) NULL,"
         " INDEX (user_id)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4");
  }

  // Inserts (user_id, token) rows in order, many per statement.
  void InsertRows(const std::vector<std::pair<int64_t, std::optional<std::string>>>& rows) {
    constexpr size_t kBatch = 1000;
    for (size_t begin = 0; begin < rows.size(); begin += kBatch) {
      const size_t end = std::min(rows.size(), begin + kBatch);
      std::string sql = "INSERT INTO `" + table_ + "` (user_id, token, device) VALUES ";
      std::vector<SqlParam> params;
      for (size_t i = begin; i < end; ++i) {
        sql += i == begin ? "(?, ?, 'ios')" : ",(?, ?, 'ios')";
        params.emplace_back(rows[i].first);
        if (rows[i].second) {
          params.emplace_back(std::string_view(*rows[i].second));
        } else {
          params.emplace_back(nullptr);
        }
      }
      Exec(sql, params);
    }
  }

  TokensConfig Config(int page_size = 1000) const {
    TokensConfig config;
    config.url = server_->url;
    config.password = server_->password;
    config.table = table_;
    config.page_size = page_size;
    return config;
  }

  std::unique_ptr<MysqlTokenSource> Open(MysqlRetryPolicy retry = {}) {
    auto source = MysqlTokenSource::Open(Config(), retry);
    EXPECT_TRUE(source.ok()) << source.error().ToString();
    return source.ok() ? std::move(source).value() : nullptr;
  }

  // All users, page by page; checks each page's contract on the way.
  std::vector<UserToken> Drain(TokenSource& source, int limit, int* pages = nullptr) {
    std::vector<UserToken> all;
    std::optional<int64_t> after;  // first page: no cursor yet
    for (int page = 0;; ++page) {
      auto users = source.NextPage(after, limit);
      EXPECT_TRUE(users.ok()) << users.error().ToString();
      if (!users.ok() || users->empty()) {
        if (pages) *pages = page + 1;
        break;
      }
      EXPECT_LE(static_cast<int>(users->size()), limit);
      for (const UserToken& user : *users) {
        EXPECT_GT(user.user_id, after);
        after = user.user_id;
        all.push_back(user);
      }
    }
    return all;
  }

  static std::map<int64_t, std::string> AsMap(const std::vector<UserToken>& users) {
    std::map<int64_t, std::string> map;
    for (const UserToken& user : users) EXPECT_TRUE(map.emplace(user.user_id, user.token).second);
    return map;
  }

  std::optional<testing::TestMysql> server_;
  std::unique_ptr<MysqlPool> admin_;
  std::string table_;
  bool stopped_ = false;
};

TEST_F(MysqlTokenSourceTest, SkipsNullAndBlankTokensAndFirstRowInPrimaryKeyOrderWins) {
  CreatePortalTable();
  InsertRows({{3, "c1"},
              {1, std::nullopt},
              {1, ""},
              {1, "   "},
              {1, "\t\n\r\v\f "},
              {1, "a1"},
              {2, "b1"},
              {1, "a2"},
              {3, "c2"},
              {4, std::nullopt},
              {5, " "}});
  // Primary-key order, not insertion order, defines "first": id 1500 (inserted last) wins for
  // user 6.
  Exec("INSERT INTO `" + table_ +
       "` (id, user_id, token) VALUES (2000, 6, 'late'), (1500, 6, 'early')");
  const std::map<int64_t, std::string> expected = {{1, "a1"}, {2, "b1"}, {3, "c1"}, {6, "early"}};
  auto source = Open();
  ASSERT_TRUE(source);
  for (int limit : {1, 2, 3, 1000}) {
    EXPECT_EQ(AsMap(Drain(*source, limit)), expected) << "limit " << limit;
  }
  // The progress denominator counts exactly the users the pages return.
  auto users = source->CountUsers();
  ASSERT_TRUE(users.ok()) << users.error().ToString();
  EXPECT_EQ(*users, static_cast<int64_t>(expected.size()));
}

TEST_F(MysqlTokenSourceTest, ExtremeUserIdsAreUsersLikeAnyOther) {
  CreatePortalTable();
  const int64_t min = std::numeric_limits<int64_t>::min();
  const int64_t max = std::numeric_limits<int64_t>::max();
  InsertRows({{max, "max"}, {7, "seven"}, {min, "min"}});
  auto source = Open();
  ASSERT_TRUE(source);
  EXPECT_EQ(AsMap(Drain(*source, 1)),
            (std::map<int64_t, std::string>{{min, "min"}, {7, "seven"}, {max, "max"}}));
  auto after_max = source->NextPage(max, 10);
  ASSERT_TRUE(after_max.ok());
  EXPECT_TRUE(after_max->empty());
}

TEST_F(MysqlTokenSourceTest, DuplicatesStraddlingPageBoundariesAreReturnedOnce) {
  CreatePortalTable();
  std::vector<std::pair<int64_t, std::optional<std::string>>> rows;
  for (int copy = 0; copy < 3; ++copy) {
    for (int64_t user = 1; user <= 50; ++user) {
      rows.emplace_back(user, "u" + std::to_string(user) + "-" + std::to_string(copy));
    }
  }
  InsertRows(rows);
  auto source = Open();
  ASSERT_TRUE(source);
  for (int limit : {1, 7, 50, 149}) {
    const std::vector<UserToken> users = Drain(*source, limit);
    ASSERT_EQ(users.size(), 50u) << "limit " << limit;
    for (size_t i = 0; i < users.size(); ++i) {
      EXPECT_EQ(users[i].user_id, static_cast<int64_t>(i + 1));
      EXPECT_EQ(users[i].token, "u" + std::to_string(i + 1) + "-0");
    }
  }
}

TEST_F(MysqlTokenSourceTest, KeysetPagingOver10000RowsCostsOneStatementPerPage) {
  CreatePortalTable();
  std::vector<std::pair<int64_t, std::optional<std::string>>> rows;
  for (int64_t user = 1; user <= 10'000; ++user)
    rows.emplace_back(user * 3, "t" + std::to_string(user));
  InsertRows(rows);
  auto source = Open();
  ASSERT_TRUE(source);
  const int64_t executes_before = GlobalStatus("COM_STMT_EXECUTE");
  int pages = 0;
  const std::vector<UserToken> users = Drain(*source, 1000, &pages);
  const int64_t executes = GlobalStatus("COM_STMT_EXECUTE") - executes_before - 1;  // - own query
  ASSERT_EQ(users.size(), 10'000u);
  for (size_t i = 0; i < users.size(); ++i) {
    ASSERT_EQ(users[i].user_id, static_cast<int64_t>(3 * (i + 1)));
    ASSERT_EQ(users[i].token, "t" + std::to_string(i + 1));
  }
  EXPECT_EQ(pages, 11);  // 10 full pages and the empty one
  EXPECT_EQ(executes, pages) << "one statement per page";
}

// The server evaluates the shard condition: the users are exactly those ShardOwnsUser picks
// (negative and extreme ids included, as in SQLite), and only they cross the wire.
TEST_F(MysqlTokenSourceTest, RestrictedToAShardTheServerSendsOnlyThatShardsRows) {
  CreatePortalTable();
  std::vector<std::pair<int64_t, std::optional<std::string>>> rows;
  std::vector<int64_t> ids = {std::numeric_limits<int64_t>::min(), -9, -5, -4, -1, 0,
                              std::numeric_limits<int64_t>::max()};
  for (int64_t user = 1; user <= 4000; ++user) ids.push_back(user);
  for (int64_t id : ids) rows.emplace_back(id, "t" + std::to_string(id));
  rows.emplace_back(2, "second row of user 2");
  InsertRows(rows);
  std::sort(ids.begin(), ids.end());
  int64_t unrestricted_rows = 0;
  {
    auto source = Open();
    ASSERT_TRUE(source);
    const int64_t before = GlobalStatus("ROWS_SENT");
    EXPECT_EQ(Drain(*source, 500).size(), ids.size());
    unrestricted_rows = GlobalStatus("ROWS_SENT") - before;
  }
  for (int k = 0; k < 4; ++k) {
    const Shard shard{k, 4};
    auto source = Open();
    ASSERT_TRUE(source);
    ASSERT_TRUE(source->RestrictToShard(shard));
    std::vector<int64_t> expected;
    for (int64_t id : ids) {
      if (ShardOwnsUser(shard, id)) expected.push_back(id);
    }
    const int64_t before = GlobalStatus("ROWS_SENT");
    std::vector<int64_t> got;
    for (const UserToken& user : Drain(*source, 500)) got.push_back(user.user_id);
    const int64_t sent = GlobalStatus("ROWS_SENT") - before;
    EXPECT_EQ(got, expected) << shard.ToString();
    // The shard's rows (user 2's second row when k = 2) and one row per status query.
    EXPECT_LE(sent, static_cast<int64_t>(expected.size()) + 3) << shard.ToString();
    EXPECT_LT(sent * 3, unrestricted_rows) << shard.ToString();
    auto count = source->CountUsers();
    ASSERT_TRUE(count.ok()) << count.error().ToString();
    EXPECT_EQ(*count, static_cast<int64_t>(expected.size()));
    auto looked_up = source->Lookup({1, 2, 3, 4, -5});
    ASSERT_TRUE(looked_up.ok());
    for (const UserToken& user : *looked_up) EXPECT_TRUE(ShardOwnsUser(shard, user.user_id));
  }
}

TEST_F(MysqlTokenSourceTest, LookupReturnsTheNamedUsersAscendingOnce) {
  CreatePortalTable();
  InsertRows({{5, "e"}, {1, "a"}, {1, "a-dup"}, {3, ""}, {3, "c"}, {9, std::nullopt}});
  auto source = Open();
  ASSERT_TRUE(source);
  auto users = source->Lookup({9, 5, 1, 3, 1, 42});
  ASSERT_TRUE(users.ok()) << users.error().ToString();
  EXPECT_EQ(AsMap(*users), (std::map<int64_t, std::string>{{1, "a"}, {3, "c"}, {5, "e"}}));
  ASSERT_EQ(users->size(), 3u);
  EXPECT_EQ((*users)[0].user_id, 1);
  EXPECT_EQ((*users)[2].user_id, 5);
}

TEST_F(MysqlTokenSourceTest, WrongPasswordIsAClearStoreErrorWithoutThePassword) {
  CreatePortalTable();
  TokensConfig config = Config();
  config.password = "not-the-password-7f3a";
  auto source = OpenTokenSource(config);
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.error().error_class, ErrorClass::kStore);
  EXPECT_NE(source.error().message.find("Access denied"), std::string::npos)
      << source.error().message;
  EXPECT_EQ(source.error().message.find("not-the-password-7f3a"), std::string::npos);
  EXPECT_EQ(source.error().message.find(server_->password), std::string::npos);
}

TEST_F(MysqlTokenSourceTest, MissingTableOrColumnFailsAtOpenNamingTheTable) {
  auto missing = MysqlTokenSource::Open(Config());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().error_class, ErrorClass::kStore);
  EXPECT_NE(missing.error().message.find(table_), std::string::npos) << missing.error().message;

  Exec("CREATE TABLE `" + table_ + "` (user_id BIGINT, access_token TEXT)");
  auto no_column = MysqlTokenSource::Open(Config());
  ASSERT_FALSE(no_column.ok());
  EXPECT_NE(no_column.error().message.find("token"), std::string::npos);

  TokensConfig bad = Config();
  bad.table = "tokens; DROP TABLE x";
  auto bad_name = MysqlTokenSource::Open(bad);
  ASSERT_FALSE(bad_name.ok());
  EXPECT_EQ(bad_name.error().error_class, ErrorClass::kConfig);
}

TEST_F(MysqlTokenSourceTest, ServerRestartedBetweenPagesReconnectsAndContinues) {
  CreatePortalTable();
  std::vector<std::pair<int64_t, std::optional<std::string>>> rows;
  for (int64_t user = 1; user <= 3000; ++user) rows.emplace_back(user, "t" + std::to_string(user));
  InsertRows(rows);
  auto source = Open(MysqlRetryPolicy{.attempts = 5,
                                      .base_delay = std::chrono::milliseconds(50),
                                      .max_delay = std::chrono::milliseconds(500)});
  ASSERT_TRUE(source);
  auto first = source->NextPage(0, 1000);
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  ASSERT_EQ(first->size(), 1000u);

  ASSERT_TRUE(testing::ControlTestMysql("restart"));

  std::vector<UserToken> all = *first;
  int64_t after = all.back().user_id;
  for (;;) {
    auto page = source->NextPage(after, 1000);
    ASSERT_TRUE(page.ok()) << page.error().ToString();
    if (page->empty()) break;
    after = page->back().user_id;
    all.insert(all.end(), page->begin(), page->end());
  }
  ASSERT_EQ(all.size(), 3000u);
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i].user_id, static_cast<int64_t>(i + 1));
}

TEST_F(MysqlTokenSourceTest, ServerGoneForGoodFailsClearlyAfterBoundedRetries) {
  CreatePortalTable();
  InsertRows({{1, "a"}, {2, "b"}});
  auto source = Open(MysqlRetryPolicy{.attempts = 3,
                                      .base_delay = std::chrono::milliseconds(20),
                                      .max_delay = std::chrono::milliseconds(100)});
  ASSERT_TRUE(source);
  ASSERT_TRUE(source->NextPage(0, 1).ok());

  ASSERT_TRUE(testing::ControlTestMysql("stop"));
  stopped_ = true;
  auto page = source->NextPage(1, 1);
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.error().error_class, ErrorClass::kStore);
  EXPECT_NE(page.error().message.find("gave up after 3 attempts"), std::string::npos)
      << page.error().message;
  EXPECT_NE(page.error().message.find(table_), std::string::npos);
  EXPECT_EQ(page.error().message.find(server_->password), std::string::npos);

  ASSERT_TRUE(testing::ControlTestMysql("start"));
  stopped_ = false;
  auto after_start = source->NextPage(1, 1);  // the same source works again
  ASSERT_TRUE(after_start.ok()) << after_start.error().ToString();
  ASSERT_EQ(after_start->size(), 1u);
  EXPECT_EQ(after_start->front().user_id, 2);
}

}  // namespace
}  // namespace tc
