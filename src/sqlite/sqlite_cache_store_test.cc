// SQLite-specific behaviour of the cache store. The CacheStore contract itself is tested for every
// backend by tests/cache_store_conformance_test.cc.
#include "sqlite/sqlite_cache_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "json/js_json.h"
#include "storage/open_cache_store.h"

namespace tc {
namespace {

class SqliteCacheStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "tc_sqlite_store_XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    path_ = dir_ + "/cache.db";
    config_.url = "sqlite:" + path_;
    config_.cache_collection = "Cache";
    config_.log_collection = "Log";
  }
  void TearDown() override {
    if (raw_ != nullptr) sqlite3_close(raw_);
    std::filesystem::remove_all(dir_);
  }

  std::unique_ptr<SqliteCacheStore> OpenInitialized() {
    auto store = SqliteCacheStore::Open(path_, config_, StoreAccess::kCreate);
    EXPECT_TRUE(store.ok()) << store.error().ToString();
    if (!store.ok()) return nullptr;
    Status init = (*store)->Init();
    EXPECT_TRUE(init.ok()) << init.error().ToString();
    return std::move(store).value();
  }

  // A second, raw connection to the same file: what another process would see or do.
  sqlite3* Raw() {
    if (raw_ == nullptr) {
      EXPECT_EQ(sqlite3_open(path_.c_str(), &raw_), SQLITE_OK);
      sqlite3_busy_timeout(raw_, 10'000);
    }
    return raw_;
  }
  std::string QueryText(const std::string& sql) {
    sqlite3_stmt* statement = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(Raw(), sql.c_str(), -1, &statement, nullptr), SQLITE_OK)
        << sqlite3_errmsg(Raw());
    std::string text;
    if (sqlite3_step(statement) == SQLITE_ROW && sqlite3_column_text(statement, 0) != nullptr) {
      text = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
    }
    sqlite3_finalize(statement);
    return text;
  }
  void Exec(const std::string& sql) {
    ASSERT_EQ(sqlite3_exec(Raw(), sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
        << sqlite3_errmsg(Raw());
  }

  static CacheDocument Document(int64_t user_id, int64_t timestamp) {
    CacheDocument document;
    document.user_id = user_id;
    document.timestamp = timestamp;
    PassEntry entry;
    auto payload =
        ParseJsJson(R"({"uuid":"p-1","status":"USABLE","price":2.50,"name":"\u00e9\/"})");
    EXPECT_TRUE(payload.ok());
    entry.payload = *payload;
    entry.pass_uuid = "p-1";
    entry.status = "USABLE";
    entry.timestamp = timestamp;
    entry.payload_hash = PayloadHash(entry.payload);
    document.passes.push_back(entry);
    return document;
  }

  std::string dir_;
  std::string path_;
  StoreConfig config_;
  sqlite3* raw_ = nullptr;
};

TEST_F(SqliteCacheStoreTest, InitCreatesTheConfiguredTablesInWalMode) {
  auto store = OpenInitialized();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(QueryText("PRAGMA journal_mode"), "wal");
  for (const char* table :
       {"Cache", "Log", "ticketcache_runs", "ticketcache_user_state", "ticketcache_locks"}) {
    EXPECT_EQ(QueryText(std::string("SELECT name FROM sqlite_master WHERE type = 'table' AND "
                                    "name = '") +
                        table + "'"),
              table);
  }
  EXPECT_EQ(QueryText("SELECT name FROM sqlite_master WHERE name = 'Cache_timestamp'"),
            "Cache_timestamp");
  EXPECT_EQ(QueryText("SELECT name FROM sqlite_master WHERE name = 'Log_user_timestamp'"),
            "Log_user_timestamp");
}

TEST_F(SqliteCacheStoreTest, StoresTheDocumentAsJavaScriptWouldWriteIt) {
  auto store = OpenInitialized();
  ASSERT_NE(store, nullptr);
  const CacheDocument document = Document(5, 1'700'000'000);
  ASSERT_TRUE(store->Replace(document, std::nullopt, {}).ok());
  EXPECT_EQ(QueryText("SELECT document FROM Cache WHERE user_id = 5"),
            JsStringify(DocumentToJson(document)));
  EXPECT_EQ(QueryText("SELECT timestamp FROM Cache WHERE user_id = 5"), "1700000000");
  EXPECT_NE(QueryText("SELECT document FROM Cache WHERE user_id = 5").find(R"("price":2.5,)"),
            std::string::npos);
}

TEST_F(SqliteCacheStoreTest, LoneSurrogatesAndInfinityRoundTripAsJsonStringifyWritesThem) {
  // docs/data-compatibility.md: the SQL stores keep the JSON.stringify text.
  auto store = OpenInitialized();
  ASSERT_NE(store, nullptr);
  CacheDocument document = Document(6, 1'700'000'000);
  auto payload = ParseJsJson(R"({"uuid":"p-1","status":"USABLE","name":"x\ud800y","n":1e400})");
  ASSERT_TRUE(payload.ok());
  document.passes[0].payload = *payload;
  document.passes[0].payload_hash = PayloadHash(*payload);
  ASSERT_TRUE(store->Replace(document, std::nullopt, {}).ok());
  EXPECT_NE(QueryText("SELECT document FROM Cache WHERE user_id = 6")
                .find(R"("name":"x\ud800y","n":null})"),
            std::string::npos);
  auto loaded = store->Load(6);
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
  ASSERT_TRUE(loaded->has_value());
  const SharedJson reloaded = PayloadOf((*loaded)->document.passes.at(0));
  EXPECT_EQ(reloaded->at("name").get<std::string>(), "x\xED\xA0\x80y");
  EXPECT_EQ(PayloadHash(reloaded), document.passes[0].payload_hash);
}

TEST_F(SqliteCacheStoreTest, UserIdsBeyondDoublePrecisionSurvive) {
  auto store = OpenInitialized();
  ASSERT_NE(store, nullptr);
  const int64_t big = (int64_t{1} << 53) + 1;
  ASSERT_TRUE(store->Replace(Document(big, 10), std::nullopt, {}).ok());
  ASSERT_TRUE(store->Replace(Document(big - 1, 20), std::nullopt, {}).ok());
  auto loaded = store->Load(big);
  ASSERT_TRUE(loaded.ok() && loaded->has_value());
  EXPECT_EQ((*loaded)->document.user_id, big);
  EXPECT_EQ((*loaded)->document.timestamp, 10);
  const std::vector<int64_t> ids = {big};
  auto found = store->CacheTimestamps(ids);
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].user_id, big);
  EXPECT_EQ((*found)[0].timestamp, 10);
}

TEST_F(SqliteCacheStoreTest, CacheTimestampsHasNoLimitOnTheNumberOfIds) {
  auto store = OpenInitialized();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Replace(Document(49'999, 7), std::nullopt, {}).ok());
  std::vector<int64_t> ids;
  for (int64_t id = 0; id < 50'000; ++id) ids.push_back(id);
  auto found = store->CacheTimestamps(ids);
  ASSERT_TRUE(found.ok()) << found.error().ToString();
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].user_id, 49'999);
}

TEST_F(SqliteCacheStoreTest, AFailedAuditAppendLeavesTheOldDocument) {
  auto store = OpenInitialized();
  ASSERT_NE(store, nullptr);
  const CacheDocument old_document = Document(9, 100);
  ASSERT_TRUE(store->Replace(old_document, std::nullopt, {}).ok());
  auto loaded = store->Load(9);
  ASSERT_TRUE(loaded.ok() && loaded->has_value());
  Exec("DROP TABLE Log");  // the audit insert will fail after the document update

  AuditEntry audit;
  audit.user_id = 9;
  audit.pass_uuid = "p-1";
  const std::vector<AuditEntry> entries = {audit};
  Status status = store->Replace(Document(9, 200), (*loaded)->version, entries);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().error_class, ErrorClass::kStore);
  EXPECT_NE(status.error().message.find("ticketcache init"), std::string::npos)
      << status.error().message;
  auto after = store->Load(9);
  ASSERT_TRUE(after.ok() && after->has_value());
  EXPECT_EQ((*after)->version, (*loaded)->version);
  EXPECT_EQ(JsStringify(DocumentToJson((*after)->document)),
            JsStringify(DocumentToJson(old_document)));
  // The connection is usable again.
  ASSERT_TRUE(store->Init().ok());
  EXPECT_TRUE(store->Replace(Document(9, 300), (*loaded)->version, entries).ok());
}

TEST_F(SqliteCacheStoreTest, WaitsForAWriterInAnotherProcess) {
  auto store = OpenInitialized();
  ASSERT_NE(store, nullptr);
  Exec("BEGIN IMMEDIATE");
  Exec("INSERT INTO ticketcache_locks VALUES ('other', 'x', 0)");
  std::thread other_commits([this] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    Exec("COMMIT");
  });
  Status status = store->Replace(Document(1, 1), std::nullopt, {});
  other_commits.join();
  EXPECT_TRUE(status.ok()) << status.error().ToString();
  EXPECT_EQ(QueryText("SELECT count(*) FROM Cache"), "1");
}

TEST_F(SqliteCacheStoreTest, AnUnreadableDocumentIsAStoreError) {
  auto store = OpenInitialized();
  ASSERT_NE(store, nullptr);
  Exec("INSERT INTO Cache VALUES (3, 1, 1, '{\"user_id\": 3, truncated')");
  auto loaded = store->Load(3);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().error_class, ErrorClass::kStore);
  EXPECT_NE(loaded.error().message.find("user 3"), std::string::npos);
}

TEST_F(SqliteCacheStoreTest, UsingTheStoreBeforeInitSaysSo) {
  auto store = SqliteCacheStore::Open(path_, config_, StoreAccess::kCreate);
  ASSERT_TRUE(store.ok());
  auto loaded = (*store)->Load(1);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().error_class, ErrorClass::kStore);
  EXPECT_NE(loaded.error().message.find("ticketcache init"), std::string::npos);
  EXPECT_TRUE((*store)->Ping().ok());
}

TEST_F(SqliteCacheStoreTest, CreatesAMissingDirectoryAndPersistsAcrossReopen) {
  path_ = dir_ + "/nested/deeper/cache.db";
  {
    auto store = OpenInitialized();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->Replace(Document(4, 44), std::nullopt, {}).ok());
  }
  auto reopened = OpenInitialized();
  ASSERT_NE(reopened, nullptr);
  auto loaded = reopened->Load(4);
  ASSERT_TRUE(loaded.ok() && loaded->has_value());
  EXPECT_EQ((*loaded)->document.timestamp, 44);
}

TEST_F(SqliteCacheStoreTest, RejectsBadNamesAndInMemoryDatabases) {
  StoreConfig bad = config_;
  bad.cache_collection = "Cache\"; DROP TABLE x; --";
  auto store = SqliteCacheStore::Open(path_, bad);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().error_class, ErrorClass::kConfig);
  EXPECT_NE(store.error().message.find("store.cache_collection"), std::string::npos);

  auto memory = SqliteCacheStore::Open(":memory:", config_);
  ASSERT_FALSE(memory.ok());
  EXPECT_EQ(memory.error().error_class, ErrorClass::kConfig);
}

TEST_F(SqliteCacheStoreTest, OnlyCreateAccessCreatesTheFile) {
  // A misspelt path used to give `run` a new, empty cache.
  path_ = dir_ + "/typo/cache.db";
  config_.url = "sqlite:" + path_;
  for (StoreAccess access : {StoreAccess::kReadWrite, StoreAccess::kReadOnly}) {
    auto store = OpenCacheStore(config_, access);
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.error().error_class, ErrorClass::kStore);
    EXPECT_NE(store.error().message.find("store.url: sqlite:" + path_ + ": no such database file"),
              std::string::npos)
        << store.error().message;
    EXPECT_NE(store.error().message.find("ticketcache init"), std::string::npos);
    EXPECT_FALSE(std::filesystem::exists(dir_ + "/typo"));
  }
  auto created = OpenCacheStore(config_, StoreAccess::kCreate);
  ASSERT_TRUE(created.ok()) << created.error().ToString();
  EXPECT_TRUE(std::filesystem::exists(path_));
  EXPECT_TRUE(OpenCacheStore(config_).ok());
}

TEST_F(SqliteCacheStoreTest, ReadOnlyAccessReadsButNeverWrites) {
  {
    auto store = OpenInitialized();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->Replace(Document(4, 44), std::nullopt, {}).ok());
  }
  auto reader = OpenCacheStore(config_, StoreAccess::kReadOnly);
  ASSERT_TRUE(reader.ok()) << reader.error().ToString();
  auto loaded = (*reader)->Load(4);
  ASSERT_TRUE(loaded.ok() && loaded->has_value());
  EXPECT_TRUE((*reader)->RecentRuns(5).ok());
  EXPECT_TRUE((*reader)->FailingUsers(5).ok());
  Status write = (*reader)->SaveRun(RunRecord{"r1", 1, 2, "ok", "", "{}"});
  ASSERT_FALSE(write.ok());
  EXPECT_EQ(write.error().error_class, ErrorClass::kStore);
}

TEST_F(SqliteCacheStoreTest, OpenCacheStoreDispatchesOnScheme) {
  auto sqlite = OpenCacheStore(config_, StoreAccess::kCreate);
  ASSERT_TRUE(sqlite.ok()) << sqlite.error().ToString();
  EXPECT_TRUE((*sqlite)->Init().ok());

  StoreConfig unknown = config_;
  unknown.url = "redis://localhost";
  auto store = OpenCacheStore(unknown);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().error_class, ErrorClass::kConfig);
}

}  // namespace
}  // namespace tc
