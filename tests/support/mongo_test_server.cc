#include "support/mongo_test_server.h"

#include <gtest/gtest.h>
#include <mongoc/mongoc.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <memory>

namespace tc::testing {

void FailUnderCi(std::string_view why) {
  const char* ci = std::getenv("CI");
  if (ci != nullptr && std::string_view(ci) == "true") {
    ADD_FAILURE() << why << ", and CI=true: a MongoDB test may not skip in CI "
                  << "(run it under scripts/with-mongo.sh)";
  }
}

std::optional<TestMongo> FindTestMongo() {
  const char* uri = std::getenv("TICKETCACHE_TEST_MONGODB_URI");
  if (uri == nullptr || *uri == '\0') {
    FailUnderCi("TICKETCACHE_TEST_MONGODB_URI is unset");
    return std::nullopt;
  }
  static std::atomic<int> counter{0};
  const std::string prefix =
      "tc" + std::to_string(getpid()) + "_" + std::to_string(counter++) + "_";
  TestMongo test;
  test.config.url = uri;
  if (const char* password = std::getenv("TICKETCACHE_TEST_MONGODB_PASSWORD")) {
    test.config.password = password;
  }
  test.config.cache_collection = prefix + "BytemarkTicketsCache";
  test.config.log_collection = prefix + "BytemarkTicketsLog";
  test.options.collection_prefix = prefix;
  test.options.pool_size = 8;
  return test;
}

std::optional<RawMongo> RawMongo::Connect(const TestMongo& test) {
  mongoc_init();  // idempotent
  bson_error_t error;
  std::unique_ptr<mongoc_uri_t, decltype(&mongoc_uri_destroy)> uri(
      mongoc_uri_new_with_error(test.config.url.c_str(), &error), &mongoc_uri_destroy);
  if (!uri) {
    ADD_FAILURE() << "TICKETCACHE_TEST_MONGODB_URI is not a valid URL";
    return std::nullopt;
  }
  if (mongoc_uri_get_password(uri.get()) == nullptr && !test.config.password.empty()) {
    mongoc_uri_set_password(uri.get(), test.config.password.c_str());
  }
  const char* database = mongoc_uri_get_database(uri.get());
  mongoc_client_t* client = mongoc_client_new_from_uri(uri.get());
  if (client == nullptr) {
    ADD_FAILURE() << "cannot create a MongoDB client";
    return std::nullopt;
  }
  mongoc_client_set_error_api(client, MONGOC_ERROR_API_VERSION_2);
  return RawMongo(client, database != nullptr ? database : test.options.default_database);
}

mongoc_collection_t* RawMongo::Collection(const std::string& name) const {
  return mongoc_client_get_collection(client_.get(), database_.c_str(), name.c_str());
}

bool DropTestMongoCollections(const TestMongo& test) {
  std::optional<RawMongo> raw = RawMongo::Connect(test);
  if (!raw) return false;
  const std::string& prefix = test.options.collection_prefix;
  bool dropped = true;
  for (const std::string& name : {test.config.cache_collection, test.config.log_collection,
                                  prefix + "runs", prefix + "user_state", prefix + "locks"}) {
    mongoc_collection_t* collection = raw->Collection(name);
    bson_error_t error;
    // A collection that was never created ("ns not found", code 26) is fine.
    if (!mongoc_collection_drop_with_opts(collection, nullptr, &error) && error.code != 26) {
      ADD_FAILURE() << "dropping " << name << ": " << error.message;
      dropped = false;
    }
    mongoc_collection_destroy(collection);
  }
  return dropped;
}

}  // namespace tc::testing
