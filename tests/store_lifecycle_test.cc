// The data lifecycle on every store (SQLite always; MariaDB and FerretDB when the test scripts
// started them): the keyset listing and deletion `prune` is built on, the prune itself (an
// anti-join of caches against tokens, its safety bound), and retention's range deletes.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "clock/clock.h"
#include "document/cache_document.h"
#include "lifecycle/prune.h"
#include "lifecycle/retention.h"
#include "store/cache_store.h"
#include "support/store_conformance.h"
#include "tokens/token_source.h"

namespace tc::testing {
namespace {

// Tokens from memory, ascending, with the keyset contract of the real sources.
class ListedTokens final : public TokenSource {
 public:
  explicit ListedTokens(std::vector<int64_t> users) : users_(std::move(users)) {
    std::sort(users_.begin(), users_.end());
  }
  Result<std::vector<UserToken>> NextPage(std::optional<int64_t> after, int limit) override {
    ++pages;
    std::vector<UserToken> page;
    for (int64_t user : users_) {
      if ((!after || user > *after) && static_cast<int>(page.size()) < limit) {
        page.push_back(UserToken{user, "t"});
      }
    }
    return page;
  }
  Result<std::vector<UserToken>> Lookup(const std::vector<int64_t>&) override {
    return std::vector<UserToken>();
  }
  Result<int64_t> CountUsers() override { return static_cast<int64_t>(users_.size()); }
  int pages = 0;

 private:
  std::vector<int64_t> users_;
};

class FixedTime final : public Clock {
 public:
  explicit FixedTime(int64_t now_ms) : now_ms_(now_ms) {}
  int64_t NowUnixSeconds() const override { return now_ms_ / 1000; }
  int64_t NowUnixMillis() const override { return now_ms_; }
  SteadyTime SteadyNow() const override { return SteadyTime(std::chrono::milliseconds(now_ms_)); }
  void SleepFor(Duration) const override {}

 private:
  int64_t now_ms_;
};

constexpr int64_t kNowMs = 1'760'000'000'000;

class StoreLifecycleTest : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override {
    auto made = GetParam().make();
    if (auto* reason = std::get_if<std::string>(&made)) GTEST_SKIP() << "skipped: " << *reason;
    under_test_ = std::move(std::get<StoreUnderTest>(made));
    ASSERT_NE(under_test_.store, nullptr);
    Status init = store().Init();
    ASSERT_TRUE(init.ok()) << init.error().ToString();
  }
  void TearDown() override {
    under_test_.store.reset();
    if (under_test_.drop) under_test_.drop();
  }
  CacheStore& store() { return *under_test_.store; }

  void AddCache(int64_t user_id, std::vector<AuditEntry> audit = {}) {
    CacheDocument document;
    document.user_id = user_id;
    document.timestamp = kNowMs / 1000;
    Status written = store().Replace(document, std::nullopt, audit);
    ASSERT_TRUE(written.ok()) << written.error().ToString();
  }
  void AddState(int64_t user_id) {
    UserState state;
    state.user_id = user_id;
    state.consecutive_failures = 1;
    state.last_error_class = "rejected_token";
    ASSERT_TRUE(store().SaveUserStates(std::span(&state, 1)).ok());
  }
  std::vector<int64_t> AllIds(UserRecords kind, int page_size) {
    std::vector<int64_t> ids;
    std::optional<int64_t> after;
    for (;;) {
      auto page = store().UserIdsPage(kind, after, page_size);
      EXPECT_TRUE(page.ok()) << page.error().ToString();
      if (!page.ok() || page->empty()) return ids;
      EXPECT_LE(static_cast<int>(page->size()), page_size);
      ids.insert(ids.end(), page->begin(), page->end());
      after = page->back();
    }
  }
  int64_t Caches() {
    auto count = store().CountCaches();
    EXPECT_TRUE(count.ok()) << count.error().ToString();
    return count.ok() ? *count : -1;
  }

  StoreUnderTest under_test_;
};

TEST_P(StoreLifecycleTest, UserIdsArePagedInOrderAndDeletedWithTheirState) {
  const std::vector<int64_t> ids = {-7, 0, 3, 4, 9, 10, 11, 12, 500, 1'000'000'000'000};
  for (int64_t id : ids) AddCache(id);
  AddState(4);
  AddState(13);
  EXPECT_EQ(AllIds(UserRecords::kCaches, 3), ids);
  EXPECT_EQ(AllIds(UserRecords::kUserStates, 1), (std::vector<int64_t>{4, 13}));
  EXPECT_EQ(Caches(), static_cast<int64_t>(ids.size()));

  const std::vector<int64_t> gone = {4, 9, 13, 77};
  auto deleted = store().DeleteUsers(gone);
  ASSERT_TRUE(deleted.ok()) << deleted.error().ToString();
  EXPECT_EQ(*deleted, 2);  // the documents of 4 and 9
  EXPECT_EQ(AllIds(UserRecords::kCaches, 100),
            (std::vector<int64_t>{-7, 0, 3, 10, 11, 12, 500, 1'000'000'000'000}));
  EXPECT_TRUE(AllIds(UserRecords::kUserStates, 100).empty());
  auto loaded = store().Load(9);
  ASSERT_TRUE(loaded.ok());
  EXPECT_FALSE(loaded->has_value());
}

TEST_P(StoreLifecycleTest, PruneDeletesExactlyTheCachesOfUsersWithoutATokenAcrossPages) {
  std::vector<int64_t> with_token;
  for (int64_t user = 1; user <= 40; ++user) {
    AddCache(user);
    if (user % 7 != 0) with_token.push_back(user);  // 7, 14, 21, 28, 35 are orphans
  }
  with_token.push_back(1000);  // a token without a cache: nothing to do
  AddState(14);                // an orphan's failure memory goes with its cache
  AddState(2);                 // a user with a token keeps theirs
  AddState(99);                // no token, no cache: pruned too
  ListedTokens tokens(with_token);
  FixedTime clock(kNowMs);
  PruneOptions options;
  options.page_size = 3;  // pages of both sides straddle each other
  options.max_fraction = 0.2;
  auto report = PruneOrphans(tokens, store(), clock, options);
  ASSERT_TRUE(report.ok()) << report.error().ToString();
  EXPECT_FALSE(report->refused);
  EXPECT_EQ(report->caches, 40);
  EXPECT_EQ(report->orphaned_caches, 5);
  EXPECT_EQ(report->pruned_caches, 5);
  EXPECT_EQ(report->orphaned_states, 1);
  EXPECT_EQ(report->pruned_states, 1);
  std::vector<int64_t> kept = with_token;
  kept.pop_back();
  EXPECT_EQ(AllIds(UserRecords::kCaches, 100), kept);
  EXPECT_EQ(AllIds(UserRecords::kUserStates, 100), (std::vector<int64_t>{2}));
}

TEST_P(StoreLifecycleTest, DryRunCountsAndDeletesNothing) {
  for (int64_t user = 1; user <= 10; ++user) AddCache(user);
  ListedTokens tokens({1, 2, 3, 4, 5, 6, 7, 8, 9});
  FixedTime clock(kNowMs);
  PruneOptions options;
  options.dry_run = true;
  auto report = PruneOrphans(tokens, store(), clock, options);
  ASSERT_TRUE(report.ok()) << report.error().ToString();
  EXPECT_EQ(report->orphaned_caches, 1);
  EXPECT_EQ(report->pruned_caches, 0);
  EXPECT_EQ(Caches(), 10);
}

// A truncated token table: most caches look orphaned. Refused, nothing deleted; --force deletes.
TEST_P(StoreLifecycleTest, PruneBeyondMaxFractionIsRefusedUnlessForced) {
  for (int64_t user = 1; user <= 20; ++user) AddCache(user);
  ListedTokens tokens({1, 2, 3});
  FixedTime clock(kNowMs);
  PruneOptions options;  // max_fraction 0.1: at most 2 of 20
  auto refused = PruneOrphans(tokens, store(), clock, options);
  ASSERT_TRUE(refused.ok()) << refused.error().ToString();
  EXPECT_TRUE(refused->refused);
  EXPECT_EQ(refused->orphaned_caches, 17);
  EXPECT_EQ(refused->max_caches, 2);
  EXPECT_EQ(refused->pruned_caches, 0);
  EXPECT_EQ(Caches(), 20);
  EXPECT_NE(PruneRefusal(*refused, 0.1).find("prune.max_fraction"), std::string::npos);

  options.force = true;
  auto forced = PruneOrphans(tokens, store(), clock, options);
  ASSERT_TRUE(forced.ok()) << forced.error().ToString();
  EXPECT_FALSE(forced->refused);
  EXPECT_EQ(forced->pruned_caches, 17);
  EXPECT_EQ(AllIds(UserRecords::kCaches, 100), (std::vector<int64_t>{1, 2, 3}));
}

TEST_P(StoreLifecycleTest, PruneStopsWhenAskedAndKeepsTheRest) {
  for (int64_t user = 1; user <= 10; ++user) AddCache(user);
  ListedTokens tokens({});
  FixedTime clock(kNowMs);
  std::atomic<bool> stop{true};
  PruneOptions options;
  options.force = true;
  options.stop = &stop;
  auto report = PruneOrphans(tokens, store(), clock, options);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().error_class, ErrorClass::kInterrupted);
  EXPECT_EQ(Caches(), 10);
}

AuditEntry AuditAt(int64_t user_id, int64_t timestamp, const std::string& uuid) {
  AuditEntry entry;
  entry.user_id = user_id;
  entry.pass_uuid = uuid;
  entry.status = "USABLE";
  entry.payload = SharedJson(Json::object({{"uuid", uuid}}));
  entry.payload_hash = "0123456789abcdef0123456789abcdef";
  entry.timestamp = timestamp;
  return entry;
}

TEST_P(StoreLifecycleTest, RetentionDeletesOldRunsAndAuditEntriesButKeepsTheNewestRun) {
  const int64_t day_ms = 86'400'000;
  for (int days_ago : {200, 120, 100, 10, 1}) {
    RunRecord run{"run-" + std::to_string(days_ago),
                  kNowMs - days_ago * day_ms,
                  kNowMs - days_ago * day_ms + 1000,
                  "ok",
                  "",
                  "{}"};
    ASSERT_TRUE(store().SaveRun(run).ok());
  }
  const int64_t now_s = kNowMs / 1000;
  AddCache(1, {AuditAt(1, now_s - 400 * 86'400, "old"), AuditAt(1, now_s - 40 * 86'400, "mid"),
               AuditAt(1, now_s - 60, "new")});
  FixedTime clock(kNowMs);

  RetentionConfig forever;  // the defaults: runs 90 days, audit forever
  auto applied = ApplyRetention(store(), forever, clock);
  ASSERT_TRUE(applied.ok()) << applied.error().ToString();
  EXPECT_EQ(applied->runs_deleted, 3);
  EXPECT_FALSE(applied->audit_deleted.has_value());
  auto runs = store().RecentRuns(10);
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 2u);
  EXPECT_EQ((*runs)[0].run_id, "run-1");
  EXPECT_EQ((*runs)[1].run_id, "run-10");
  ASSERT_EQ(under_test_.audit_log(1)->size(), 3u);

  RetentionConfig short_lived;
  short_lived.runs = std::chrono::milliseconds(0);  // forever
  short_lived.audit = std::chrono::milliseconds(30 * day_ms);
  applied = ApplyRetention(store(), short_lived, clock);
  ASSERT_TRUE(applied.ok()) << applied.error().ToString();
  EXPECT_FALSE(applied->runs_deleted.has_value());
  EXPECT_EQ(applied->audit_deleted, 2);
  auto left = under_test_.audit_log(1);
  ASSERT_TRUE(left.ok());
  ASSERT_EQ(left->size(), 1u);
  EXPECT_EQ((*left)[0].pass_uuid, "new");

  // Even a retention shorter than the newest run's age keeps that run (the metrics' totals).
  RetentionConfig tiny;
  tiny.runs = std::chrono::milliseconds(1000);
  applied = ApplyRetention(store(), tiny, clock);
  ASSERT_TRUE(applied.ok());
  EXPECT_EQ(applied->runs_deleted, 1);
  runs = store().RecentRuns(10);
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ((*runs)[0].run_id, "run-1");
}

std::string LifecycleFactoryName(const ::testing::TestParamInfo<StoreFactory>& info) {
  return info.param.name;
}

INSTANTIATE_TEST_SUITE_P(AllStores, StoreLifecycleTest, ::testing::ValuesIn(CacheStoreFactories()),
                         LifecycleFactoryName);

}  // namespace
}  // namespace tc::testing
