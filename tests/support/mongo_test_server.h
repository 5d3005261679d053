// The MongoDB server the tests may be given (TICKETCACHE_TEST_MONGODB_URI, password optionally in
// TICKETCACHE_TEST_MONGODB_PASSWORD). None can be installed on the CI machine, so tests that need
// one GTEST_SKIP with kMongoSkipReason when it is absent.
#pragma once

#include <mongoc/mongoc.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "config/config.h"
#include "store/mongo_cache_store.h"

namespace tc::testing {

inline constexpr const char* kMongoSkipReason =
    "no MongoDB server (set TICKETCACHE_TEST_MONGODB_URI)";

// A store configuration on fresh collections ("tc<pid>_<n>_BytemarkTicketsCache", …) of the
// test server's database, or nullopt when TICKETCACHE_TEST_MONGODB_URI is unset.
struct TestMongo {
  StoreConfig config;
  MongoCacheStore::Options options;
};
std::optional<TestMongo> FindTestMongo();

// A plain libmongoc client on the test server's database, for looking at raw BSON.
class RawMongo {
 public:
  // nullopt (with a test failure) when the URL is invalid.
  static std::optional<RawMongo> Connect(const TestMongo& test);
  // REQUIRES: destroyed with mongoc_collection_destroy.
  mongoc_collection_t* Collection(const std::string& name) const;

 private:
  RawMongo(mongoc_client_t* client, std::string database)
      : client_(client, &mongoc_client_destroy), database_(std::move(database)) {}
  std::unique_ptr<mongoc_client_t, decltype(&mongoc_client_destroy)> client_;
  std::string database_;
};

// Drops every collection of `test`'s namespace; false (with a test failure) when it cannot.
bool DropTestMongoCollections(const TestMongo& test);

}  // namespace tc::testing
