#include "support/mongo_test_server.h"

#include <gtest/gtest.h>
#include <mongoc/mongoc.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <sstream>

#include "support/child_process.h"

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

std::optional<TestMongo> FindTestMongoWithOwnDatabase() {
  std::optional<TestMongo> test = FindTestMongo();
  if (!test) return test;
  // mongodb://host:port/DATABASE?options → the same with "tc<pid>_<n>" as the database.
  std::string& url = test->config.url;
  const size_t hosts = url.find("://");
  const size_t slash = url.find('/', hosts == std::string::npos ? 0 : hosts + 3);
  const std::string database = test->options.collection_prefix.substr(
      0, test->options.collection_prefix.size() - 1);  // "tc<pid>_<n>"
  if (slash == std::string::npos) {
    url += "/" + database;
  } else {
    const size_t end = url.find('?', slash);
    url.replace(slash + 1, (end == std::string::npos ? url.size() : end) - slash - 1, database);
  }
  test->config.cache_collection = "BytemarkTicketsCache";
  test->config.log_collection = "BytemarkTicketsLog";
  test->options.collection_prefix = "ticketcache_";
  return test;
}

bool DropTestMongoDatabase(const TestMongo& test) {
  std::optional<RawMongo> raw = RawMongo::Connect(test);
  if (!raw) return false;
  mongoc_database_t* database = raw->Database();
  bson_error_t error;
  const bool dropped = mongoc_database_drop_with_opts(database, nullptr, &error);
  if (!dropped) ADD_FAILURE() << "dropping the test database: " << error.message;
  mongoc_database_destroy(database);
  return dropped;
}

bool TestMongoIsFerretDb(const TestMongo& test) {
  std::optional<RawMongo> raw = RawMongo::Connect(test);
  if (!raw) return false;
  bson_t command = BSON_INITIALIZER;
  BSON_APPEND_INT32(&command, "buildInfo", 1);
  bson_t reply;
  bson_error_t error;
  bool ferretdb = false;
  if (mongoc_client_command_simple(raw->client(), "admin", &command, nullptr, &reply, &error)) {
    bson_iter_t iter;
    ferretdb = bson_iter_init_find(&iter, &reply, "ferretdbVersion");
  }
  bson_destroy(&reply);
  bson_destroy(&command);
  return ferretdb;
}

bool ControlTestMongo(const std::string& command) {
  const char* admin = std::getenv("TICKETCACHE_TEST_MONGODB_ADMIN");
  if (admin == nullptr || *admin == '\0') return false;
  ChildResult result = RunChild({"/bin/bash", admin, command});
  if (result.exit_code != 0) {
    ADD_FAILURE() << "TICKETCACHE_TEST_MONGODB_ADMIN " << command << ": " << result.err;
  }
  return result.exit_code == 0;
}

std::map<std::string, int64_t> TestMongoCommandCounts() {
  std::map<std::string, int64_t> counts;
  const char* url = std::getenv("TICKETCACHE_TEST_MONGODB_METRICS");
  if (url == nullptr || *url == '\0') return counts;
  ChildResult metrics = RunChild({"/usr/bin/curl", "-sf", url});
  if (metrics.exit_code != 0) return counts;
  // ferretdb_client_requests_total{command="find",opcode="OP_MSG"} 12
  constexpr std::string_view kPrefix = "ferretdb_client_requests_total{";
  std::istringstream lines(metrics.out);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(kPrefix, 0) != 0) continue;
    const size_t name = line.find("command=\"");
    const size_t close = line.rfind('}');
    if (name == std::string::npos || close == std::string::npos) continue;
    const size_t name_end = line.find('"', name + 9);
    const std::string command = line.substr(name + 9, name_end - name - 9);
    counts[command] += std::stoll(line.substr(close + 1));
  }
  return counts;
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
