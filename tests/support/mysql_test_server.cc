#include "support/mysql_test_server.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>

namespace tc::testing {

std::optional<TestMysql> FindTestMysql() {
  const char* url = std::getenv("TICKETCACHE_TEST_MYSQL_URL");
  const char* password = std::getenv("TICKETCACHE_TEST_MYSQL_PASSWORD");
  if (url == nullptr || *url == '\0') return std::nullopt;
  TestMysql server;
  server.url = url;
  server.password = password == nullptr ? "" : password;
  auto endpoint = ParseMysqlUrl(server.url, "TICKETCACHE_TEST_MYSQL_URL");
  if (!endpoint.ok()) return std::nullopt;
  server.options.endpoint = *endpoint;
  server.options.password = server.password;
  return server;
}

bool ControlTestMysql(const std::string& command) {
  const char* admin = std::getenv("TICKETCACHE_TEST_MYSQL_ADMIN");
  if (admin == nullptr || *admin == '\0') return false;
  const std::string line = "'" + std::string(admin) + "' " + command;
  return std::system(line.c_str()) == 0;
}

std::string UniqueTablePrefix() {
  static std::atomic<int> next{0};
  return "t" + std::to_string(getpid()) + "_" + std::to_string(next++) + "_";
}

}  // namespace tc::testing
