#include "selection/user_selection.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <limits>

#include "failure/user_backoff.h"
#include "selection/cache_age_census.h"
#include "storage/open_cache_store.h"

namespace tc {
namespace {

// Pages as scripted, whatever the cursor (a source may break the keyset contract).
class PagesTokenSource final : public TokenSource {
 public:
  explicit PagesTokenSource(std::vector<std::vector<int64_t>> pages) : pages_(std::move(pages)) {}
  Result<std::vector<UserToken>> NextPage(std::optional<int64_t> after, int) override {
    afters_.push_back(after);
    std::vector<UserToken> page;
    if (next_ < pages_.size()) {
      for (int64_t id : pages_[next_]) page.push_back({id, fmt::format("token-{}", id)});
      ++next_;
    }
    return page;
  }
  Result<std::vector<UserToken>> Lookup(const std::vector<int64_t>& ids) override {
    std::vector<UserToken> page;
    for (int64_t id : ids) page.push_back({id, fmt::format("token-{}", id)});
    return page;
  }
  Result<int64_t> CountUsers() override {
    int64_t users = 0;
    for (const auto& page : pages_) users += static_cast<int64_t>(page.size());
    return users;
  }
  std::vector<std::optional<int64_t>> afters_;

 private:
  std::vector<std::vector<int64_t>> pages_;
  size_t next_ = 0;
};

class UserSelectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::path(::testing::TempDir()) /
            fmt::format("user_selection_test_{}_{}.db", getpid(),
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove(path_);
    StoreConfig config;
    config.url = "sqlite:" + path_.string();
    auto store = OpenCacheStore(config, StoreAccess::kCreate);
    ASSERT_TRUE(store.ok());
    store_ = std::move(*store);
    ASSERT_TRUE(store_->Init().ok());
  }
  void TearDown() override {
    store_.reset();  // closed first: SQLite removes its -wal and -shm files on the last close
    for (const char* suffix : {"", "-wal", "-shm"})
      std::filesystem::remove(path_.string() + suffix);
  }

  std::vector<SelectedPage> All(UserSelection& selection, std::string* error = nullptr) {
    std::vector<SelectedPage> pages;
    for (;;) {
      auto page = selection.Next([] { return false; });
      if (!page.ok()) {
        if (error) *error = page.error().message;
        return pages;
      }
      if (!page->has_value()) return pages;
      pages.push_back(std::move(**page));
    }
  }

  std::filesystem::path path_;
  FakeClock clock_;
  RefreshConfig refresh_;
  std::unique_ptr<CacheStore> store_;
};

TEST_F(UserSelectionTest, FirstPageHasNoCursorThenTheLastIdIsTheCursor) {
  const int64_t min = std::numeric_limits<int64_t>::min();
  PagesTokenSource source({{min, 1}, {5}});
  UserSelection selection(source, *store_, clock_, refresh_, {});
  const auto pages = All(selection);
  ASSERT_EQ(pages.size(), 2u);
  EXPECT_EQ(pages[0].stale.front().user_id, min);
  ASSERT_EQ(source.afters_.size(), 3u);
  EXPECT_FALSE(source.afters_[0].has_value());
  EXPECT_EQ(source.afters_[1], 1);
  EXPECT_EQ(source.afters_[2], 5);
}

TEST_F(UserSelectionTest, FreshUsersAndUsersInBackoffAreNotStale) {
  // User 1: fresh cache. User 2: in backoff with this token. User 3: in backoff with another
  // token (a new token lifts it). User 4: missing.
  CacheDocument document;
  document.user_id = 1;
  document.timestamp = clock_.NowUnixSeconds();
  ASSERT_TRUE(store_->Replace(document, std::nullopt, {}).ok());
  UserState backoff;
  backoff.user_id = 2;
  backoff.consecutive_failures = 3;
  backoff.next_attempt_at = clock_.NowUnixSeconds() + 3600;
  backoff.token_fingerprint = TokenFingerprint("token-2");
  UserState old_token = backoff;
  old_token.user_id = 3;
  old_token.token_fingerprint = TokenFingerprint("a token no longer used");
  const UserState states[] = {backoff, old_token};
  ASSERT_TRUE(store_->SaveUserStates(states).ok());

  PagesTokenSource source({{1, 2, 3, 4}});
  UserSelection selection(source, *store_, clock_, refresh_, {});
  const auto pages = All(selection);
  ASSERT_EQ(pages.size(), 1u);
  EXPECT_EQ(pages[0].seen, 4);
  EXPECT_EQ(pages[0].fresh, 1);
  EXPECT_EQ(pages[0].in_backoff, 1);
  ASSERT_EQ(pages[0].stale.size(), 2u);
  EXPECT_EQ(pages[0].stale[0].user_id, 3);
  EXPECT_TRUE(pages[0].stale[0].previous.has_value());
  EXPECT_EQ(pages[0].stale[1].user_id, 4);
  EXPECT_EQ(pages[0].stale[1].reason, StaleReason::kMissing);
}

TEST_F(UserSelectionTest, RepeatedIdsAreSkippedAndCounted) {
  PagesTokenSource source({{1, 1, 2}, {2, 3}});
  UserSelection selection(source, *store_, clock_, refresh_, {});
  const auto pages = All(selection);
  ASSERT_EQ(pages.size(), 2u);
  EXPECT_EQ(pages[0].seen + pages[1].seen, 3);
  EXPECT_EQ(pages[0].duplicates + pages[1].duplicates, 2);
}

TEST_F(UserSelectionTest, APageThatDoesNotAdvanceIsAnError) {
  PagesTokenSource source({{0}, {0}, {0}});
  UserSelection selection(source, *store_, clock_, refresh_, {});
  std::string error;
  const auto pages = All(selection, &error);
  EXPECT_EQ(pages.size(), 1u);
  EXPECT_NE(error.find("cursor must move forward"), std::string::npos) << error;
}

TEST_F(UserSelectionTest, NamedUsersIgnoreBackoffAndAreOneLookup) {
  UserState backoff;
  backoff.user_id = 2;
  backoff.consecutive_failures = 3;
  backoff.next_attempt_at = clock_.NowUnixSeconds() + 3600;
  backoff.token_fingerprint = TokenFingerprint("token-2");
  ASSERT_TRUE(store_->SaveUserStates({&backoff, 1}).ok());
  PagesTokenSource source({});
  SelectionOptions options;
  options.only_users = {2, 9};
  UserSelection selection(source, *store_, clock_, refresh_, options);
  const auto pages = All(selection);
  ASSERT_EQ(pages.size(), 1u);
  EXPECT_EQ(pages[0].stale.size(), 2u);
  EXPECT_TRUE(source.afters_.empty());
}

TEST_F(UserSelectionTest, AContinuousPassNamesItsUsersButKeepsTheirBackoff) {
  UserState backoff;
  backoff.user_id = 2;
  backoff.consecutive_failures = 3;
  backoff.next_attempt_at = clock_.NowUnixSeconds() + 3600;
  backoff.token_fingerprint = TokenFingerprint("token-2");
  ASSERT_TRUE(store_->SaveUserStates({&backoff, 1}).ok());
  PagesTokenSource source({});
  SelectionOptions options;
  options.only_users = {2, 9};
  options.only_users_respect_backoff = true;
  UserSelection selection(source, *store_, clock_, refresh_, options);
  const auto pages = All(selection);
  ASSERT_EQ(pages.size(), 1u);
  ASSERT_EQ(pages[0].stale.size(), 1u);
  EXPECT_EQ(pages[0].stale[0].user_id, 9);
  EXPECT_EQ(pages[0].in_backoff, 1);
}

TEST_F(UserSelectionTest, CensusVisitsEveryUserOnceWithItsCacheTimestamp) {
  CacheDocument document;
  document.user_id = 3;
  document.timestamp = 1'600'000'000;
  ASSERT_TRUE(store_->Replace(document, std::nullopt, {}).ok());
  PagesTokenSource source({{1, 1, 3}, {3, 7}});
  std::vector<std::pair<int64_t, std::optional<int64_t>>> seen;
  const Status visited = VisitCacheAges(
      source, *store_, 2, std::nullopt,
      [&](int64_t user, std::optional<int64_t> timestamp) { seen.emplace_back(user, timestamp); });
  ASSERT_TRUE(visited.ok()) << visited.error().message;
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0], std::make_pair(int64_t{1}, std::optional<int64_t>()));
  EXPECT_EQ(seen[1], std::make_pair(int64_t{3}, std::optional<int64_t>(1'600'000'000)));
  EXPECT_EQ(seen[2], std::make_pair(int64_t{7}, std::optional<int64_t>()));
}

TEST_F(UserSelectionTest, CensusOfAShardVisitsOnlyItsUsers) {
  std::vector<int64_t> ids;
  for (int64_t id = 1; id <= 100; ++id) ids.push_back(id);
  PagesTokenSource source({ids});
  const Shard shard{1, 4};
  int64_t visited_users = 0;
  ASSERT_TRUE(
      VisitCacheAges(source, *store_, 1000, shard, [&](int64_t user, std::optional<int64_t>) {
        EXPECT_TRUE(ShardOwnsUser(shard, user));
        ++visited_users;
      }).ok());
  EXPECT_GT(visited_users, 10);
  EXPECT_LT(visited_users, 40);
}

TEST_F(UserSelectionTest, CachesTheRunLeavesAloneAreTalliedFromTheFreshnessQuery) {
  // User 1: fresh, 10 min old. User 2: fresh, 50 min old. User 3: stale, 2 h old. User 4: none.
  const int64_t now = clock_.NowUnixSeconds();
  for (const auto& [user, age] : {std::pair<int64_t, int64_t>{1, 600}, {2, 3000}, {3, 7200}}) {
    CacheDocument document;
    document.user_id = user;
    document.timestamp = now - age;
    ASSERT_TRUE(store_->Replace(document, std::nullopt, {}).ok());
  }
  PagesTokenSource source({{1, 2, 3, 4}});
  UserSelection selection(source, *store_, clock_, refresh_, {});
  const auto pages = All(selection);
  ASSERT_EQ(pages.size(), 1u);
  // The fresh users' caches are kept as they are; the oldest of them is user 2's.
  EXPECT_EQ(pages[0].kept.oldest, now - 3000);
  EXPECT_EQ(pages[0].kept.stale, 0);
  EXPECT_EQ(pages[0].kept.missing, 0);
  // The stale ones carry their cache timestamp, for the run to tally if it cannot refresh them.
  ASSERT_EQ(pages[0].stale.size(), 2u);
  EXPECT_EQ(pages[0].stale[0].cache_timestamp, now - 7200);
  EXPECT_FALSE(pages[0].stale[1].cache_timestamp.has_value());
  CacheTally left = pages[0].kept;
  for (const StaleUser& user : pages[0].stale) left.Add(user.cache_timestamp, user.reason);
  EXPECT_EQ(left.oldest, now - 7200);
  EXPECT_EQ(left.stale, 1);
  EXPECT_EQ(left.missing, 1);
}

}  // namespace
}  // namespace tc
