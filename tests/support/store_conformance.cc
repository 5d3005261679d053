#include "support/store_conformance.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "sqlite/sqlite_cache_store.h"
#include "storage/open_cache_store.h"
#include "support/sqlite_audit_log.h"

namespace tc::testing {

StoreFactory SqliteStoreFactory() {
  return StoreFactory{"sqlite", []() -> std::variant<StoreUnderTest, std::string> {
                        std::string dir = ::testing::TempDir() + "tc_store_XXXXXX";
                        if (mkdtemp(dir.data()) == nullptr)
                          return std::string("cannot create a temporary directory");
                        const std::string path = dir + "/cache.db";
                        StoreConfig config;
                        config.url = "sqlite:" + path;
                        auto store = SqliteCacheStore::Open(path, config, StoreAccess::kCreate);
                        if (!store.ok())
                          return "cannot open " + path + ": " + store.error().ToString();
                        StoreUnderTest under_test;
                        under_test.store = std::move(store).value();
                        under_test.audit_log = [path, config](int64_t user_id) {
                          return ReadSqliteAuditLog(path, config.log_collection, user_id);
                        };
                        under_test.open_another = [config]() { return OpenCacheStore(config); };
                        under_test.drop = [dir]() { std::filesystem::remove_all(dir); };
                        return under_test;
                      }};
}

std::vector<StoreFactory> SingleWriterStoreFactories() {
  std::vector<StoreFactory> factories = CacheStoreFactories();
  factories.push_back(MongoPlainWriteStoreFactory());
  return factories;
}

std::vector<StoreFactory> CacheStoreFactories() {
  return {
      SqliteStoreFactory(),
      MysqlStoreFactory(),
      MongoStoreFactory(),
  };
}

}  // namespace tc::testing
