// What the Mongo store does without a server. Against a real one it runs the conformance suite
// and tests/mongo_store_test.cc (TICKETCACHE_TEST_MONGODB_URI).
#include "mongo/mongo_cache_store.h"

#include <gtest/gtest.h>

#include "storage/open_cache_store.h"

namespace tc {
namespace {

constexpr char kSecret[] = "s3cr3t-Pa55";

TEST(MongoCacheStoreTest, InvalidUrlIsAConfigErrorWithoutThePassword) {
  StoreConfig config;
  config.url = std::string("mongodb://user:") + kSecret + "@/?badoption";
  config.password = kSecret;
  auto store = MongoCacheStore::Open(config);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().error_class, ErrorClass::kConfig);
  EXPECT_EQ(store.error().message.find(kSecret), std::string::npos) << store.error().message;
}

TEST(MongoCacheStoreTest, UnreachableServerIsAStoreErrorWithoutThePassword) {
  StoreConfig config;
  // Port 1 on loopback refuses at once; the selection timeout keeps the test short.
  config.url = "mongodb://ticketcache@127.0.0.1:1/portal?serverSelectionTimeoutMS=200";
  config.password = kSecret;
  auto store = MongoCacheStore::Open(config);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().error_class, ErrorClass::kStore);
  EXPECT_NE(store.error().message.find("cannot reach MongoDB"), std::string::npos)
      << store.error().message;
  EXPECT_EQ(store.error().message.find(kSecret), std::string::npos) << store.error().message;

  config.url = std::string("mongodb://ticketcache:") + kSecret +
               "@127.0.0.1:1/?serverSelectionTimeoutMS=200&tls=false";
  store = MongoCacheStore::Open(config);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().message.find(kSecret), std::string::npos) << store.error().message;
}

TEST(MongoCacheStoreTest, OpenCacheStoreDispatchesMongoUrls) {
  StoreConfig config;
  config.url = "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=200";
  auto store = OpenCacheStore(config);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().error_class, ErrorClass::kStore) << store.error().ToString();
}

}  // namespace
}  // namespace tc
