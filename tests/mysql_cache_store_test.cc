// MysqlCacheStore against the real MariaDB server of scripts/with-mariadb.sh, for what the
// backend-neutral conformance suite cannot cause: server restarts and outages, statement counts.
#include "mysql/mysql_cache_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "json/js_json.h"
#include "mysql/mysql_pool.h"
#include "storage/open_cache_store.h"
#include "support/mysql_test_server.h"

namespace tc {
namespace {

CacheDocument Document(int64_t user_id, int64_t timestamp) {
  CacheDocument document;
  document.user_id = user_id;
  document.timestamp = timestamp;
  PassEntry entry;
  entry.payload = Json::parse(R"({"uuid":"p-1","status":"USABLE","price":2.5})");
  entry.pass_uuid = "p-1";
  entry.status = "USABLE";
  entry.timestamp = timestamp;
  entry.payload_hash = PayloadHash(entry.payload);
  document.passes.push_back(entry);
  return document;
}

AuditEntry Audit(int64_t user_id, int64_t timestamp) {
  AuditEntry entry;
  entry.user_id = user_id;
  entry.pass_uuid = "p-1";
  entry.status = "USABLE";
  entry.payload = Json::parse(R"({"uuid":"p-1","status":"USABLE","price":2.5})");
  entry.payload_hash = PayloadHash(entry.payload);
  entry.timestamp = timestamp;
  return entry;
}

class MysqlCacheStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = testing::FindTestMysql();
    if (!server_) GTEST_SKIP() << testing::kMysqlSkipReason;
    admin_ = std::make_unique<MysqlPool>(server_->options, 1);
    prefix_ = testing::UniqueTablePrefix();
    config_.url = server_->url;
    config_.password = server_->password;
    config_.cache_collection = prefix_ + "cache";
    config_.log_collection = prefix_ + "log";
    options_.table_prefix = prefix_;
    options_.pool_size = 4;
    options_.retry = MysqlRetryPolicy{.attempts = 4,
                                      .base_delay = std::chrono::milliseconds(50),
                                      .max_delay = std::chrono::milliseconds(200)};
    auto store = MysqlCacheStore::Open(config_, options_);
    ASSERT_TRUE(store.ok()) << store.error().ToString();
    store_ = std::move(store).value();
    Status init = store_->Init();
    ASSERT_TRUE(init.ok()) << init.error().ToString();
  }

  void TearDown() override {
    if (!server_) return;
    if (stopped_) {
      ASSERT_TRUE(testing::ControlTestMysql("start"));
    }
    store_.reset();
    Status dropped = admin_->Run([&](MysqlConnection& connection) -> Status {
      auto done = connection.Execute("DROP TABLE IF EXISTS `" + prefix_ + "cache`, `" + prefix_ +
                                     "log`, `" + prefix_ + "runs`, `" + prefix_ + "user_state`, `" +
                                     prefix_ + "locks`");
      if (!done.ok()) return done.error();
      return Status::Ok();
    });
    EXPECT_TRUE(dropped.ok()) << dropped.error().ToString();
  }

  int64_t GlobalStatus(const std::string& name) {
    auto rows = admin_->Run<std::vector<SqlRow>>([&](MysqlConnection& connection) {
      const SqlParam params[] = {std::string_view(name)};
      return connection.Query(
          "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = ?",
          params);
    });
    EXPECT_TRUE(rows.ok() && rows->size() == 1);
    return rows.ok() && !rows->empty() ? rows->front().Int(0).value_or(-1) : -1;
  }

  std::optional<testing::TestMysql> server_;
  std::unique_ptr<MysqlPool> admin_;
  std::string prefix_;
  StoreConfig config_;
  MysqlCacheStore::Options options_;
  std::unique_ptr<MysqlCacheStore> store_;
  bool stopped_ = false;
};

TEST_F(MysqlCacheStoreTest, FreshnessOfAPageIsOneStatementAndReplaceIsOneTransaction) {
  std::vector<int64_t> page;
  for (int64_t user = 1; user <= 1000; ++user) page.push_back(user);
  for (int64_t user = 1; user <= 1000; user += 10) {
    ASSERT_TRUE(store_->Replace(Document(user, 500), std::nullopt, {}).ok());
  }
  const int64_t before = GlobalStatus("COM_STMT_EXECUTE");
  auto timestamps = store_->CacheTimestamps(page);
  const int64_t executes = GlobalStatus("COM_STMT_EXECUTE") - before - 1;  // - own query
  ASSERT_TRUE(timestamps.ok()) << timestamps.error().ToString();
  EXPECT_EQ(timestamps->size(), 100u);
  EXPECT_EQ(executes, 1);

  // START TRANSACTION, UPDATE, one INSERT for all 30 audit rows (COMMIT is a protocol command).
  const std::vector<AuditEntry> audit(30, Audit(1, 600));
  auto loaded = store_->Load(1);
  ASSERT_TRUE(loaded.ok() && loaded->has_value());
  const int64_t replace_before = GlobalStatus("COM_STMT_EXECUTE");
  ASSERT_TRUE(store_->Replace(Document(1, 600), (*loaded)->version, audit).ok());
  EXPECT_EQ(GlobalStatus("COM_STMT_EXECUTE") - replace_before - 1, 3);
  auto log = store_->AuditLog(1);
  ASSERT_TRUE(log.ok());
  EXPECT_EQ(log->size(), 30u);
}

// Concurrent replaces are written in groups (one multi-row INSERT, one UPDATE, one audit INSERT
// per group). Whatever the grouping, each writer gets its own answer: a conflict for exactly the
// writes whose condition no longer holds (a document that exists already, a version that
// moved), success for the others, and only successful writes leave documents and audit rows.
TEST_F(MysqlCacheStoreTest, ConcurrentReplacesEachGetTheirOwnAnswer) {
  constexpr int64_t kWriters = 64;
  // Users 1..16 have a document at version 1; users 17..64 have none.
  for (int64_t user = 1; user <= 16; ++user) {
    ASSERT_TRUE(store_->Replace(Document(user, 100), std::nullopt, {}).ok());
  }
  // Writes: users 1..8 update at the right version, 9..12 at a stale one, 13..16 insert (the
  // document exists: conflict), 17..64 insert.
  auto expected_version = [](int64_t user) -> std::optional<int64_t> {
    if (user <= 8) return 1;
    if (user <= 12) return 7;
    return std::nullopt;
  };
  auto should_succeed = [](int64_t user) { return user <= 8 || user > 16; };
  std::vector<Status> results(kWriters, Status::Ok());
  std::vector<std::thread> writers;
  std::atomic<int> ready{0};
  for (int thread = 0; thread < 8; ++thread) {
    writers.emplace_back([&, thread] {
      ++ready;
      while (ready.load() < 8) std::this_thread::yield();
      for (int64_t user = thread + 1; user <= kWriters; user += 8) {
        const std::vector<AuditEntry> audit{Audit(user, 200), Audit(user, 200)};
        results[static_cast<size_t>(user - 1)] =
            store_->Replace(Document(user, 200), expected_version(user), audit);
      }
    });
  }
  for (std::thread& writer : writers) writer.join();
  for (int64_t user = 1; user <= kWriters; ++user) {
    const Status& result = results[static_cast<size_t>(user - 1)];
    auto loaded = store_->Load(user);
    ASSERT_TRUE(loaded.ok() && loaded->has_value()) << user;
    auto log = store_->AuditLog(user);
    ASSERT_TRUE(log.ok());
    if (should_succeed(user)) {
      EXPECT_TRUE(result.ok()) << user << ": " << result.error().ToString();
      EXPECT_EQ((*loaded)->document.timestamp, 200) << user;
      EXPECT_EQ((*loaded)->version, user <= 8 ? 2 : 1) << user;
      EXPECT_EQ(log->size(), 2u) << user;
    } else {
      ASSERT_FALSE(result.ok()) << user;
      EXPECT_EQ(result.error().error_class, ErrorClass::kConflict) << user;
      EXPECT_EQ((*loaded)->document.timestamp, 100) << user;
      EXPECT_EQ((*loaded)->version, 1) << user;
      EXPECT_TRUE(log->empty()) << user;
    }
  }
}

TEST_F(MysqlCacheStoreTest, ServerRestartBetweenCallsIsSurvived) {
  ASSERT_TRUE(
      store_->Replace(Document(7, 100), std::nullopt, std::vector<AuditEntry>{Audit(7, 100)}).ok());
  // Several pooled connections exist before the restart; all of them die with it.
  std::vector<int64_t> ids = {7, 8, 9};
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(store_->CacheTimestamps(ids).ok());

  ASSERT_TRUE(testing::ControlTestMysql("restart"));

  auto loaded = store_->Load(7);
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
  ASSERT_TRUE(loaded->has_value());
  Status replaced =
      store_->Replace(Document(7, 200), (*loaded)->version, std::vector<AuditEntry>{Audit(7, 200)});
  ASSERT_TRUE(replaced.ok()) << replaced.error().ToString();
  auto again = store_->Load(7);
  ASSERT_TRUE(again.ok() && again->has_value());
  EXPECT_EQ((*again)->document.timestamp, 200);
  auto log = store_->AuditLog(7);
  ASSERT_TRUE(log.ok());
  EXPECT_EQ(log->size(), 2u);
}

TEST_F(MysqlCacheStoreTest, ServerDownFailsWritesCleanlyAndLeavesTheDocumentAsItWas) {
  ASSERT_TRUE(
      store_->Replace(Document(3, 100), std::nullopt, std::vector<AuditEntry>{Audit(3, 100)}).ok());
  auto loaded = store_->Load(3);
  ASSERT_TRUE(loaded.ok() && loaded->has_value());

  ASSERT_TRUE(testing::ControlTestMysql("stop"));
  stopped_ = true;
  Status replaced =
      store_->Replace(Document(3, 200), (*loaded)->version, std::vector<AuditEntry>{Audit(3, 200)});
  ASSERT_FALSE(replaced.ok());
  EXPECT_EQ(replaced.error().error_class, ErrorClass::kStore);
  EXPECT_NE(replaced.error().message.find("gave up after 4 attempts"), std::string::npos)
      << replaced.error().message;
  EXPECT_EQ(replaced.error().message.find(server_->password), std::string::npos);
  EXPECT_FALSE(store_->Ping().ok());

  ASSERT_TRUE(testing::ControlTestMysql("start"));
  stopped_ = false;
  auto after = store_->Load(3);
  ASSERT_TRUE(after.ok()) << after.error().ToString();
  ASSERT_TRUE(after->has_value());
  EXPECT_EQ((*after)->document.timestamp, 100);
  EXPECT_EQ((*after)->version, (*loaded)->version);
  auto log = store_->AuditLog(3);
  ASSERT_TRUE(log.ok());
  EXPECT_EQ(log->size(), 1u);
  // The version read before the outage is still good.
  EXPECT_TRUE(
      store_->Replace(Document(3, 300), (*loaded)->version, std::vector<AuditEntry>{Audit(3, 300)})
          .ok());
}

TEST_F(MysqlCacheStoreTest, WrongPasswordFailsAtOpenWithoutThePassword) {
  StoreConfig config = config_;
  config.password = "wrong-secret-9d2c";
  auto store = OpenCacheStore(config);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().error_class, ErrorClass::kStore);
  EXPECT_NE(store.error().message.find("Access denied"), std::string::npos);
  EXPECT_EQ(store.error().message.find("wrong-secret-9d2c"), std::string::npos);
}

TEST_F(MysqlCacheStoreTest, BadNamesAndPasswordInUrlAreConfigErrors) {
  StoreConfig config = config_;
  config.cache_collection = "cache`; DROP TABLE x";
  auto bad_name = MysqlCacheStore::Open(config);
  ASSERT_FALSE(bad_name.ok());
  EXPECT_EQ(bad_name.error().error_class, ErrorClass::kConfig);
  EXPECT_NE(bad_name.error().message.find("store.cache_collection"), std::string::npos);

  config = config_;
  config.url = "mysql://tc:" + server_->password + "@127.0.0.1/ticketcache_test";
  auto in_url = OpenCacheStore(config);
  ASSERT_FALSE(in_url.ok());
  EXPECT_EQ(in_url.error().error_class, ErrorClass::kConfig);
  EXPECT_EQ(in_url.error().message.find(server_->password), std::string::npos);
}

}  // namespace
}  // namespace tc
