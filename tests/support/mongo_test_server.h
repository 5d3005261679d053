// The MongoDB server the tests may be given (TICKETCACHE_TEST_MONGODB_URI, password optionally in
// TICKETCACHE_TEST_MONGODB_PASSWORD): scripts/with-mongo.sh starts a throwaway FerretDB and sets
// it. Tests that need one GTEST_SKIP with kMongoSkipReason when it is absent — except under CI
// (CI=true), where the skip is a failure: FindTestMongo records it.
#pragma once

#include <mongoc/mongoc.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "config/config.h"
#include "mongo/mongo_cache_store.h"

namespace tc::testing {

inline constexpr const char* kMongoSkipReason =
    "no MongoDB server (set TICKETCACHE_TEST_MONGODB_URI, or run under scripts/with-mongo.sh)";

// Records a test failure saying `why` when CI=true; nothing otherwise. A test that skips for want
// of the Mongo server (or of the Node driver) calls it first.
void FailUnderCi(std::string_view why);

// A store configuration on fresh collections ("tc<pid>_<n>_BytemarkTicketsCache", …) of the
// test server's database, or nullopt when TICKETCACHE_TEST_MONGODB_URI is unset (a failure under
// CI).
struct TestMongo {
  StoreConfig config;
  MongoCacheStore::Options options;
};
std::optional<TestMongo> FindTestMongo();

// Like FindTestMongo, but in a database of its own ("tc<pid>_<n>") with the collection names the
// ticketcache binary uses by default (BytemarkTicketsCache, …, ticketcache_locks): for tests
// that run the binary, which must not share locks or run history with concurrent tests.
std::optional<TestMongo> FindTestMongoWithOwnDatabase();
// Drops the whole database of `test.config.url`.
bool DropTestMongoDatabase(const TestMongo& test);

// True when the test server is FerretDB (scripts/with-mongo.sh), not MongoDB.
bool TestMongoIsFerretDb(const TestMongo& test);

// Runs the harness's control script (TICKETCACHE_TEST_MONGODB_ADMIN) with start | stop |
// restart; returns once it is done. False when it failed or is unavailable.
bool ControlTestMongo(const std::string& command);

// The server's command counters (FerretDB's metrics, TICKETCACHE_TEST_MONGODB_METRICS):
// requests received per command name ("find", "update", "insert", "hello", …), summed over
// opcodes. Empty when unavailable.
std::map<std::string, int64_t> TestMongoCommandCounts();

// A plain libmongoc client on the test server's database, for looking at raw BSON.
class RawMongo {
 public:
  // nullopt (with a test failure) when the URL is invalid.
  static std::optional<RawMongo> Connect(const TestMongo& test);
  // REQUIRES: destroyed with mongoc_collection_destroy.
  mongoc_collection_t* Collection(const std::string& name) const;
  // REQUIRES: destroyed with mongoc_database_destroy.
  mongoc_database_t* Database() const {
    return mongoc_client_get_database(client_.get(), database_.c_str());
  }
  mongoc_client_t* client() const { return client_.get(); }

 private:
  RawMongo(mongoc_client_t* client, std::string database)
      : client_(client, &mongoc_client_destroy), database_(std::move(database)) {}
  std::unique_ptr<mongoc_client_t, decltype(&mongoc_client_destroy)> client_;
  std::string database_;
};

// Drops every collection of `test`'s namespace; false (with a test failure) when it cannot.
bool DropTestMongoCollections(const TestMongo& test);

}  // namespace tc::testing
