#include "serve/readiness_probe.h"

#include <gtest/gtest.h>

#include "storage/open_cache_store.h"

namespace tc {
namespace {

class CountingTokenSource final : public TokenSource {
 public:
  explicit CountingTokenSource(int* queries, bool* fail) : queries_(queries), fail_(fail) {}
  Result<std::vector<UserToken>> NextPage(std::optional<int64_t>, int) override {
    ++*queries_;
    if (*fail_) return MakeError(ErrorClass::kStore, "portal gone");
    return std::vector<UserToken>{};
  }
  Result<std::vector<UserToken>> Lookup(const std::vector<int64_t>&) override {
    return std::vector<UserToken>{};
  }
  Result<int64_t> CountUsers() override { return int64_t{0}; }

 private:
  int* queries_;
  bool* fail_;
};

class ReadinessProbeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StoreConfig config;
    config.url = "sqlite:" + ::testing::TempDir() + "/readiness_probe.db";
    auto opened = OpenCacheStore(config, StoreAccess::kCreate);
    ASSERT_TRUE(opened.ok());
    store_ = std::move(*opened);
    ASSERT_TRUE(store_->Init().ok());
  }
  ReadinessProbe::TokenSourceOpener Opener() {
    return [this]() -> Result<std::unique_ptr<TokenSource>> {
      ++opens_;
      return std::unique_ptr<TokenSource>(std::make_unique<CountingTokenSource>(&queries_, &fail_));
    };
  }
  std::unique_ptr<CacheStore> store_;
  int opens_ = 0;
  int queries_ = 0;
  bool fail_ = false;
};

TEST_F(ReadinessProbeTest, OpensTheTokenSourceOnceAndReusesAnswersBriefly) {
  FakeClock clock;
  ReadinessProbe probe(clock, *store_, Opener(), std::chrono::seconds(2));
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(probe.Check().ready);
  EXPECT_EQ(opens_, 1);
  EXPECT_EQ(queries_, 1);  // nine answers reused
  for (int i = 0; i < 10; ++i) {
    clock.Advance(std::chrono::seconds(3));
    EXPECT_TRUE(probe.Check().ready);
  }
  EXPECT_EQ(opens_, 1);     // the same token source every time
  EXPECT_EQ(queries_, 11);  // one ping per check once the answer is stale
}

TEST_F(ReadinessProbeTest, AFailedPingIsNotReadyAndReopensNextTime) {
  FakeClock clock;
  ReadinessProbe probe(clock, *store_, Opener(), std::chrono::seconds(2));
  fail_ = true;
  const Readiness down = probe.Check();
  EXPECT_FALSE(down.ready);
  EXPECT_NE(down.detail.find("tokens: "), std::string::npos);
  fail_ = false;
  clock.Advance(std::chrono::seconds(3));
  EXPECT_TRUE(probe.Check().ready);
  EXPECT_EQ(opens_, 2);
}

TEST_F(ReadinessProbeTest, AnUnopenableTokenSourceIsNotReady) {
  FakeClock clock;
  ReadinessProbe probe(clock, *store_, []() -> Result<std::unique_ptr<TokenSource>> {
    return MakeError(ErrorClass::kStore, "cannot connect");
  });
  const Readiness down = probe.Check();
  EXPECT_FALSE(down.ready);
  EXPECT_NE(down.detail.find("cannot connect"), std::string::npos);
}

}  // namespace
}  // namespace tc
