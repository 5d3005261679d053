// The MariaDB server that scripts/with-mariadb.sh started for the tests (TICKETCACHE_TEST_MYSQL_*
// in the environment). Tests that need it GTEST_SKIP with MysqlSkipReason() when it is absent.
#pragma once

#include <optional>
#include <string>

#include "mysql/mysql_endpoint.h"

namespace tc::testing {

// The server's URL and password, or nullopt when the tests run without the harness.
struct TestMysql {
  std::string url;  // mysql://tc@127.0.0.1:PORT/ticketcache_test
  std::string password;
  MysqlConnectOptions options;  // parsed, for direct MysqlConnection / MysqlPool use
};
std::optional<TestMysql> FindTestMysql();

inline constexpr const char* kMysqlSkipReason =
    "no MariaDB server: TICKETCACHE_TEST_MYSQL_URL is unset; run under scripts/with-mariadb.sh";

// Runs the harness's control script (TICKETCACHE_TEST_MYSQL_ADMIN) with `command`
// (start | stop | restart); returns once it is done. False when it failed or is unavailable.
bool ControlTestMysql(const std::string& command);

// A table-name prefix no other test case (in this or another process) uses: "t<pid>_<n>_".
std::string UniqueTablePrefix();

}  // namespace tc::testing
