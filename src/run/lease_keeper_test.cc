#include "run/lease_keeper.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "storage/open_cache_store.h"
#include "testing/fault_injection_store.h"

namespace tc {
namespace {

using Method = FaultInjectionStore::Method;

class LeaseKeeperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::path(::testing::TempDir()) /
            fmt::format("lease_keeper_test_{}_{}.db", getpid(),
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove(path_);
    StoreConfig config;
    config.url = "sqlite:" + path_.string();
    auto store = OpenCacheStore(config, StoreAccess::kCreate);
    ASSERT_TRUE(store.ok());
    store_ = std::move(*store);
    ASSERT_TRUE(store_->Init().ok());
    const int64_t now = clock_.NowUnixMillis();
    ASSERT_TRUE(*store_->TryLock("run", "me", now, now + kTtl.count()));
  }
  void TearDown() override {
    store_.reset();  // closed first: SQLite removes its -wal and -shm files on the last close
    for (const char* suffix : {"", "-wal", "-shm"})
      std::filesystem::remove(path_.string() + suffix);
  }

  static constexpr Duration kTtl{30'000};
  std::filesystem::path path_;
  FakeClock clock_;
  std::unique_ptr<CacheStore> store_;
};

TEST_F(LeaseKeeperTest, RenewsEveryThirdOfTheTtlByTheClock) {
  FaultInjectionStore counting(*store_);
  std::string lost;
  LeaseKeeper keeper(counting, clock_, "run", "me", kTtl, clock_.NowUnixMillis() + kTtl.count(),
                     [&](std::string reason) { lost = reason; });
  keeper.RenewIfDue();
  EXPECT_EQ(counting.calls(Method::kTryLock), 0);  // not due yet
  clock_.Advance(Duration(10'000));
  keeper.RenewIfDue();
  EXPECT_EQ(counting.calls(Method::kTryLock), 1);
  auto lease = store_->ReadLock("run");
  ASSERT_TRUE(lease.ok() && lease->has_value());
  EXPECT_EQ((*lease)->expires_at_ms, clock_.NowUnixMillis() + kTtl.count());
  EXPECT_TRUE(lost.empty());
}

TEST_F(LeaseKeeperTest, AnotherHolderMeansTheLeaseIsLost) {
  const int64_t later = clock_.NowUnixMillis() + kTtl.count() + 1;
  clock_.Advance(kTtl + Duration(1));
  ASSERT_TRUE(*store_->TryLock("run", "someone-else", later, later + kTtl.count()));
  std::string lost;
  LeaseKeeper keeper(*store_, clock_, "run", "me", kTtl, later - 1,
                     [&](std::string reason) { lost = reason; });
  clock_.Advance(kTtl / 3);  // due; the other holder's lease still runs
  keeper.RenewIfDue();
  EXPECT_TRUE(keeper.lost());
  EXPECT_NE(lost.find("held by another run"), std::string::npos) << lost;
}

TEST_F(LeaseKeeperTest, FailedRenewalsAreRetriedUntilTheLeaseRunsOut) {
  FaultInjectionStore failing(*store_);
  failing.FailFrom(Method::kTryLock, 1);
  int lost_calls = 0;
  LeaseKeeper keeper(failing, clock_, "run", "me", kTtl, clock_.NowUnixMillis() + kTtl.count(),
                     [&](const std::string&) { ++lost_calls; });
  clock_.Advance(Duration(10'000));
  keeper.RenewIfDue();
  EXPECT_FALSE(keeper.lost());
  clock_.Advance(Duration(3'000));  // retried sooner than ttl/3
  keeper.RenewIfDue();
  EXPECT_EQ(failing.calls(Method::kTryLock), 2);
  EXPECT_FALSE(keeper.lost());
  clock_.Advance(Duration(20'000));  // past the lease
  keeper.RenewIfDue();
  EXPECT_TRUE(keeper.lost());
  keeper.RenewIfDue();
  EXPECT_EQ(lost_calls, 1);
}

TEST_F(LeaseKeeperTest, TheThreadStopsPromptlyAndStopCatchesUpADueRenewal) {
  FaultInjectionStore counting(*store_);
  LeaseKeeper keeper(counting, clock_, "run", "me", kTtl, clock_.NowUnixMillis() + kTtl.count(),
                     [](const std::string&) {});
  keeper.Start();
  clock_.Advance(Duration(10'000));
  keeper.Stop();
  EXPECT_GE(counting.calls(Method::kTryLock), 1);
  EXPECT_FALSE(keeper.lost());
}

}  // namespace
}  // namespace tc
