#include "serve/store_connector.h"

#include <gtest/gtest.h>

#include <vector>

#include "storage/open_cache_store.h"

namespace tc {
namespace {

class EmptyTokenSource final : public TokenSource {
 public:
  Result<std::vector<UserToken>> NextPage(std::optional<int64_t>, int) override {
    return std::vector<UserToken>{};
  }
  Result<std::vector<UserToken>> Lookup(const std::vector<int64_t>&) override {
    return std::vector<UserToken>{};
  }
  Result<int64_t> CountUsers() override { return int64_t{0}; }
};

// A store opener that fails `failures` times with `failure_class`, then opens a SQLite store.
struct FlakyStoreOpener {
  int failures = 0;
  ErrorClass failure_class = ErrorClass::kStore;
  int calls = 0;

  Result<std::unique_ptr<CacheStore>> operator()() {
    ++calls;
    if (calls <= failures) return MakeError(failure_class, "connection refused");
    StoreConfig config;
    config.url = "sqlite:" + ::testing::TempDir() + "/store_connector.db";
    return OpenCacheStore(config, StoreAccess::kCreate);
  }
};

struct Waits {
  std::vector<std::string> reasons;
  std::vector<Duration> delays;
  WaitingCallback Callback() {
    return [this](const std::string& reason, Duration retry_in) {
      reasons.push_back(reason);
      delays.push_back(retry_in);
    };
  }
};

StoreOpeners Openers(FlakyStoreOpener& store, int* token_opens, int token_failures = 0) {
  StoreOpeners openers;
  openers.tokens = [token_opens, token_failures]() -> Result<std::unique_ptr<TokenSource>> {
    if (++*token_opens <= token_failures) {
      return MakeError(ErrorClass::kStore, "mysql://ticketcache:hunter2@db/portal: refused");
    }
    return std::unique_ptr<TokenSource>(std::make_unique<EmptyTokenSource>());
  };
  openers.store = [&store] { return store(); };
  return openers;
}

TEST(StoreConnectorTest, RetriesWithDoublingCappedBackoffUntilTheStoreOpens) {
  FakeClock clock;
  std::atomic<bool> stop{false};
  FlakyStoreOpener store{.failures = 5};
  int token_opens = 0;
  Waits waits;
  auto connected = ConnectStores(Openers(store, &token_opens), clock, stop, waits.Callback(),
                                 ConnectBackoff{std::chrono::seconds(1), std::chrono::seconds(4)});
  ASSERT_TRUE(connected.ok()) << connected.error().ToString();
  EXPECT_NE(connected->store, nullptr);
  EXPECT_NE(connected->tokens, nullptr);
  EXPECT_EQ(store.calls, 6);
  EXPECT_EQ(token_opens, 1) << "an open token source is kept while the store is retried";
  using std::chrono::seconds;
  EXPECT_EQ(waits.delays,
            (std::vector<Duration>{seconds(1), seconds(2), seconds(4), seconds(4), seconds(4)}));
  EXPECT_EQ(clock.slept(), seconds(15));
  ASSERT_EQ(waits.reasons.size(), 5u);
  EXPECT_EQ(waits.reasons[0], "cache store: store: connection refused");
}

TEST(StoreConnectorTest, ReportsTheTokenSourceFirstAndRedactsItsPassword) {
  FakeClock clock;
  std::atomic<bool> stop{false};
  FlakyStoreOpener store;
  int token_opens = 0;
  Waits waits;
  auto connected = ConnectStores(Openers(store, &token_opens, 2), clock, stop, waits.Callback());
  ASSERT_TRUE(connected.ok());
  EXPECT_EQ(token_opens, 3);
  EXPECT_EQ(store.calls, 1);
  ASSERT_EQ(waits.reasons.size(), 2u);
  EXPECT_EQ(waits.reasons[0].rfind("token source: ", 0), 0u) << waits.reasons[0];
  EXPECT_EQ(waits.reasons[0].find("hunter2"), std::string::npos) << waits.reasons[0];
}

TEST(StoreConnectorTest, AConfigurationErrorIsReturnedAtOnce) {
  FakeClock clock;
  std::atomic<bool> stop{false};
  FlakyStoreOpener store{.failures = 100, .failure_class = ErrorClass::kConfig};
  int token_opens = 0;
  Waits waits;
  auto connected = ConnectStores(Openers(store, &token_opens), clock, stop, waits.Callback());
  ASSERT_FALSE(connected.ok());
  EXPECT_EQ(connected.error().error_class, ErrorClass::kConfig);
  EXPECT_EQ(store.calls, 1);
  EXPECT_TRUE(waits.reasons.empty());
  EXPECT_EQ(clock.slept(), Duration::zero());
}

TEST(StoreConnectorTest, AStopRequestEndsTheRetries) {
  FakeClock clock;
  std::atomic<bool> stop{false};
  FlakyStoreOpener store{.failures = 1'000'000};
  int token_opens = 0;
  // The store stays down; a stop requested at the third failure ends the retries.
  WaitingCallback stop_on_third = [&](const std::string&, Duration) {
    if (store.calls == 3) stop = true;
  };
  auto connected = ConnectStores(Openers(store, &token_opens), clock, stop, stop_on_third);
  ASSERT_FALSE(connected.ok());
  EXPECT_EQ(connected.error().error_class, ErrorClass::kInterrupted);
  EXPECT_EQ(store.calls, 3);
  EXPECT_EQ(clock.slept(), std::chrono::seconds(1 + 2));
}

}  // namespace
}  // namespace tc
