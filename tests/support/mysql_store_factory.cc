// The MySQL backend of the cache store conformance suite: each case gets its own tables (a fresh
// name prefix) in the database of scripts/with-mariadb.sh's server.
#include <gtest/gtest.h>

#include <memory>

#include "mysql/mysql_cache_store.h"
#include "mysql/mysql_pool.h"
#include "support/mysql_test_server.h"
#include "support/store_conformance.h"

namespace tc::testing {

StoreFactory MysqlStoreFactory() {
  return StoreFactory{
      "mysql", []() -> std::variant<StoreUnderTest, std::string> {
        std::optional<TestMysql> server = FindTestMysql();
        if (!server) {
          return std::string(
              "no MariaDB server (TICKETCACHE_TEST_MYSQL_URL is unset; run under "
              "scripts/with-mariadb.sh)");
        }
        const std::string prefix = UniqueTablePrefix();
        StoreConfig config;
        config.url = server->url;
        config.password = server->password;
        config.cache_collection = prefix + "BytemarkTicketsCache";
        config.log_collection = prefix + "BytemarkTicketsLog";
        MysqlCacheStore::Options options;
        options.table_prefix = prefix;
        auto store = MysqlCacheStore::Open(config, options);
        if (!store.ok()) return "cannot open " + server->url + ": " + store.error().ToString();
        MysqlCacheStore* mysql = store->get();
        StoreUnderTest under_test;
        under_test.store = std::move(store).value();
        under_test.audit_log = [mysql](int64_t user_id) { return mysql->AuditLog(user_id); };
        under_test.open_another = [config, options]() -> Result<std::unique_ptr<CacheStore>> {
          auto another = MysqlCacheStore::Open(config, options);
          if (!another.ok()) return another.error();
          return std::unique_ptr<CacheStore>(std::move(another).value());
        };
        under_test.drop = [server = *server, config, prefix]() {
          MysqlPool admin(server.options, 1);
          const std::string tables = "`" + config.cache_collection + "`, `" +
                                     config.log_collection + "`, `" + prefix + "runs`, `" + prefix +
                                     "user_state`, `" + prefix + "locks`";
          Status dropped = admin.Run([&](MysqlConnection& connection) -> Status {
            auto done = connection.Execute("DROP TABLE IF EXISTS " + tables);
            if (!done.ok()) return done.error();
            return Status::Ok();
          });
          EXPECT_TRUE(dropped.ok()) << dropped.error().ToString();
        };
        return under_test;
      }};
}

}  // namespace tc::testing
