// MysqlConnection and MysqlPool against the real MariaDB server of scripts/with-mariadb.sh:
// value round trips, verified TLS, many threads on a small pool.
#include "mysql/mysql_connection.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "mysql/mysql_pool.h"
#include "support/mysql_test_server.h"

namespace tc {
namespace {

class MysqlConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = testing::FindTestMysql();
    if (!server_) GTEST_SKIP() << testing::kMysqlSkipReason;
  }

  std::unique_ptr<MysqlConnection> Connect(const MysqlConnectOptions& options) {
    bool lost = false;
    auto connection = MysqlConnection::Connect(options, &lost);
    EXPECT_TRUE(connection.ok()) << connection.error().ToString();
    return connection.ok() ? std::move(connection).value() : nullptr;
  }

  std::optional<testing::TestMysql> server_;
};

TEST_F(MysqlConnectionTest, ValuesRoundTripThroughPreparedStatements) {
  auto connection = Connect(server_->options);
  ASSERT_TRUE(connection);
  const std::string long_text(100'000, 'x');
  const std::string utf8 = "Caf\xC3\xA9 \xF0\x9F\x98\x80 '\"\\ ;--";  // é, an emoji, quotes
  const std::string with_nul("a\0b", 3);
  const SqlParam params[] = {int64_t{-9'007'199'254'740'993}, std::string_view(long_text),
                             std::string_view(utf8), nullptr, std::string_view(with_nul)};
  auto rows = connection->Query("SELECT ?, ?, ?, ?, ?, 42, NULL", params);
  ASSERT_TRUE(rows.ok()) << rows.error().ToString();
  ASSERT_EQ(rows->size(), 1u);
  const SqlRow& row = rows->front();
  EXPECT_EQ(row.Int(0), -9'007'199'254'740'993);
  EXPECT_EQ(row.Text(1), long_text);
  EXPECT_EQ(row.Text(2), utf8);
  EXPECT_TRUE(row.IsNull(3));
  EXPECT_EQ(row.Text(4), with_nul);
  EXPECT_EQ(row.Int(5), 42);
  EXPECT_TRUE(row.IsNull(6));
  EXPECT_EQ(row.Int(2), std::nullopt);
}

TEST_F(MysqlConnectionTest, SqlErrorsAreStoreErrorsThatKeepTheConnection) {
  auto connection = Connect(server_->options);
  ASSERT_TRUE(connection);
  auto bad = connection->Query("SELECT * FROM no_such_table_here");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().error_class, ErrorClass::kStore);
  EXPECT_NE(bad.error().message.find("no_such_table_here"), std::string::npos);
  EXPECT_FALSE(connection->lost());
  EXPECT_TRUE(connection->Query("SELECT 1").ok());
}

TEST_F(MysqlConnectionTest, TlsWithTheServersCaIsVerifiedAndEncrypted) {
  const char* ca = std::getenv("TICKETCACHE_TEST_MYSQL_TLS_CA");
  if (ca == nullptr) GTEST_SKIP() << "TICKETCACHE_TEST_MYSQL_TLS_CA is unset (old harness?)";
  MysqlConnectOptions options = server_->options;
  options.tls_ca = ca;
  auto connection = Connect(options);
  ASSERT_TRUE(connection);
  auto cipher = connection->Query("SHOW SESSION STATUS LIKE 'Ssl_cipher'");
  ASSERT_TRUE(cipher.ok()) << cipher.error().ToString();
  ASSERT_EQ(cipher->size(), 1u);
  EXPECT_FALSE(cipher->front().Text(1).empty()) << "the connection is not encrypted";
}

TEST_F(MysqlConnectionTest, TlsWithAnotherCaIsRefused) {
  const std::string dir = ::testing::TempDir() + "tc_other_ca_" + std::to_string(getpid());
  std::filesystem::create_directories(dir);
  const std::string command =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1"
      " -subj /CN=some-other-ca -keyout '" +
      dir + "/key.pem' -out '" + dir +
      "/ca.pem'"
      " >/dev/null 2>&1";
  if (std::system(command.c_str()) != 0) GTEST_SKIP() << "openssl cannot make a CA here";
  MysqlConnectOptions options = server_->options;
  options.tls_ca = dir + "/ca.pem";
  bool lost = false;
  auto connection = MysqlConnection::Connect(options, &lost);
  std::filesystem::remove_all(dir);
  ASSERT_FALSE(connection.ok());
  EXPECT_EQ(connection.error().error_class, ErrorClass::kStore);
  EXPECT_EQ(connection.error().message.find(server_->password), std::string::npos);
}

TEST_F(MysqlConnectionTest, ManyThreadsShareASmallPool) {
  MysqlPool pool(server_->options, 3);
  constexpr int kThreads = 12;
  constexpr int kQueries = 20;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kQueries; ++i) {
        const int64_t value = t * 1000 + i;
        auto rows = pool.Run<std::vector<SqlRow>>([&](MysqlConnection& connection) {
          const SqlParam params[] = {value};
          return connection.Query("SELECT ? + 1, CONNECTION_ID()", params);
        });
        if (!rows.ok() || rows->size() != 1 || rows->front().Int(0) != value + 1) ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace tc
