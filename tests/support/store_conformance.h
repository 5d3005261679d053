// The backends the cache store conformance suite (tests/cache_store_conformance_test.cc) runs
// against. Every CacheStore implementation contributes one StoreFactory to CacheStoreFactories().
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "document/cache_document.h"
#include "error/error.h"
#include "store/cache_store.h"

namespace tc::testing {

// One store under test, in a namespace of its own (a fresh file, database, table prefix or
// collection names), so cases never see each other's data.
struct StoreUnderTest {
  std::unique_ptr<CacheStore> store;  // not yet Init()ed
  // The audit entries stored for `user_id`, oldest first. Backend-specific: the CacheStore
  // interface only appends to the audit log.
  std::function<Result<std::vector<AuditEntry>>(int64_t user_id)> audit_log;
  // A second, independent store on the same namespace, as another process would open it.
  std::function<Result<std::unique_ptr<CacheStore>>()> open_another;
  // Removes the namespace; called once every store of it is closed. May be empty.
  std::function<void()> drop;
};

struct StoreFactory {
  std::string name;  // the test-name suffix: "sqlite", "mysql", "mongodb"
  // A fresh store, or why this backend cannot be tested here (e.g. "no MongoDB server
  // (TICKETCACHE_TEST_MONGODB_URI is unset)"), which the suite reports with GTEST_SKIP.
  std::function<std::variant<StoreUnderTest, std::string>()> make;
};

// The SQLite store on a file in a fresh temporary directory.
StoreFactory SqliteStoreFactory();

// The MySQL store on fresh tables in the server of scripts/with-mariadb.sh
// (mysql_store_factory.cc).
StoreFactory MysqlStoreFactory();

// The MongoDB store on fresh collections of TICKETCACHE_TEST_MONGODB_URI's server
// (mongo_store_factory.cc); skipped when it is unset.
StoreFactory MongoStoreFactory();

// The MongoDB store taking the plain conditional-update write path (MongoCacheStore::Options::
// write_claims = false) whatever the server: on FerretDB, the path MongoDB gets, for the
// single-writer cases only (FerretDB's conditional update is not atomic between writers).
StoreFactory MongoPlainWriteStoreFactory();

// The backends of the single-writer cases: CacheStoreFactories() and MongoPlainWriteStoreFactory.
std::vector<StoreFactory> SingleWriterStoreFactories();

// Every backend the suite runs against. A new store adds its factory here: one line.
std::vector<StoreFactory> CacheStoreFactories();

}  // namespace tc::testing
