// The MongoDB backend of the cache store conformance suite: each case gets its own collections in
// the database of TICKETCACHE_TEST_MONGODB_URI; skipped when it is unset.
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "mongo/mongo_cache_store.h"
#include "support/mongo_test_server.h"
#include "support/store_conformance.h"

namespace tc::testing {

namespace {

StoreFactory MongoFactory(std::string name, std::optional<bool> write_claims) {
  return StoreFactory{
      std::move(name), [write_claims]() -> std::variant<StoreUnderTest, std::string> {
        std::optional<TestMongo> test = FindTestMongo();
        if (!test) return std::string(kMongoSkipReason);
        test->options.write_claims = write_claims;
        auto store = MongoCacheStore::Open(test->config, test->options);
        if (!store.ok()) return "cannot open the MongoDB test server: " + store.error().ToString();
        MongoCacheStore* mongo = store->get();
        StoreUnderTest under_test;
        under_test.store = std::move(store).value();
        under_test.audit_log = [mongo](int64_t user_id) { return mongo->AuditLog(user_id); };
        under_test.open_another = [test = *test]() -> Result<std::unique_ptr<CacheStore>> {
          auto another = MongoCacheStore::Open(test.config, test.options);
          if (!another.ok()) return another.error();
          return std::unique_ptr<CacheStore>(std::move(another).value());
        };
        under_test.drop = [test = *test]() { DropTestMongoCollections(test); };
        return under_test;
      }};
}

}  // namespace

StoreFactory MongoStoreFactory() { return MongoFactory("mongodb", std::nullopt); }

StoreFactory MongoPlainWriteStoreFactory() { return MongoFactory("mongodb_plain_write", false); }

}  // namespace tc::testing
