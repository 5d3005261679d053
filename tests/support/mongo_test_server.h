// The MongoDB server the tests may be given (TICKETCACHE_TEST_MONGODB_URI, password optionally in
// TICKETCACHE_TEST_MONGODB_PASSWORD): scripts/with-mongo.sh starts a throwaway FerretDB and sets
// it. Tests that need one GTEST_SKIP with kMongoSkipReason when it is absent — except under CI
// (CI=true), where the skip is a failure: FindTestMongo records it.
#pragma once

#include <mongoc/mongoc.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "config/config.h"
#include "store/mongo_cache_store.h"

namespace tc::testing {

inline constexpr const char* kMongoSkipReason =
    "no MongoDB server (set TICKETCACHE_TEST_MONGODB_URI, or run under scripts/with-mongo.sh)";

// Records a test failure saying `why` when CI=true; nothing otherwise. A test that skips for want
// of the Mongo server (or of the Node driver) calls it first.
void FailUnderCi(std::string_view why);

// A store configuration on fresh collections ("tc<pid>_<n>_BytemarkTicketsCache", …) of the
// test server's database, or nullopt when TICKETCACHE_TEST_MONGODB_URI is unset (a failure under CI).
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
