#include "testing/fault_injection_store.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "storage/open_cache_store.h"

namespace tc {
namespace {

using Method = FaultInjectionStore::Method;

class FaultInjectionStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::path(::testing::TempDir()) /
            fmt::format("fault_injection_store_test_{}_{}.db", getpid(),
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
  std::filesystem::path path_;
  std::unique_ptr<CacheStore> store_;
};

TEST_F(FaultInjectionStoreTest, FailsExactlyTheChosenCalls) {
  FaultInjectionStore faulty(*store_);
  faulty.FailCall(Method::kPing, 2, ErrorClass::kTimeout);
  faulty.FailFrom(Method::kRecentRuns, 3);
  EXPECT_TRUE(faulty.Ping().ok());
  Status second = faulty.Ping();
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().error_class, ErrorClass::kTimeout);
  EXPECT_TRUE(faulty.Ping().ok());
  EXPECT_TRUE(faulty.RecentRuns(1).ok());
  EXPECT_TRUE(faulty.RecentRuns(1).ok());
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(faulty.RecentRuns(1).ok());
  EXPECT_EQ(faulty.calls(Method::kPing), 3);
  EXPECT_EQ(faulty.calls(Method::kRecentRuns), 5);
}

TEST_F(FaultInjectionStoreTest, AfterTargetTheCallLandsButItsAnswerIsLost) {
  FaultInjectionStore lossy(*store_);
  lossy.Inject({Method::kSaveRun, 1, 1, ErrorClass::kStore, /*after_target=*/true});
  RunRecord run{"r1", 1, 2, "ok", "", "{}"};
  EXPECT_FALSE(lossy.SaveRun(run).ok());
  auto runs = store_->RecentRuns(10);
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ((*runs)[0].run_id, "r1");
}

}  // namespace
}  // namespace tc
