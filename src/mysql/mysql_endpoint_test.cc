#include "mysql/mysql_endpoint.h"

#include <gtest/gtest.h>

namespace tc {
namespace {

TEST(ParseMysqlUrlTest, ReadsUserHostPortDatabase) {
  auto endpoint = ParseMysqlUrl("mysql://tc@127.0.0.1:3307/portal", "tokens.url");
  ASSERT_TRUE(endpoint.ok()) << endpoint.error().ToString();
  EXPECT_EQ(endpoint->user, "tc");
  EXPECT_EQ(endpoint->host, "127.0.0.1");
  EXPECT_EQ(endpoint->port, 3307u);
  EXPECT_EQ(endpoint->database, "portal");
  EXPECT_EQ(endpoint->socket, "");
  EXPECT_EQ(DescribeEndpoint(*endpoint), "tc@127.0.0.1:3307/portal");
}

TEST(ParseMysqlUrlTest, DefaultsPortAndDecodesPercentEscapes) {
  auto endpoint = ParseMysqlUrl("mysql://app%40corp@db.example/portal", "store.url");
  ASSERT_TRUE(endpoint.ok()) << endpoint.error().ToString();
  EXPECT_EQ(endpoint->user, "app@corp");
  EXPECT_EQ(endpoint->port, 3306u);
}

TEST(ParseMysqlUrlTest, AcceptsUnixSocketOption) {
  auto endpoint = ParseMysqlUrl("mysql://tc@localhost/portal?socket=/run/mysqld/mysqld.sock", "x");
  ASSERT_TRUE(endpoint.ok()) << endpoint.error().ToString();
  EXPECT_EQ(endpoint->socket, "/run/mysqld/mysqld.sock");
  EXPECT_EQ(DescribeEndpoint(*endpoint), "tc@unix:/run/mysqld/mysqld.sock/portal");
}

TEST(ParseMysqlUrlTest, RejectsPasswordWithoutEchoingIt) {
  auto endpoint = ParseMysqlUrl("mysql://tc:hunter2@127.0.0.1/portal", "tokens.url");
  ASSERT_FALSE(endpoint.ok());
  EXPECT_EQ(endpoint.error().error_class, ErrorClass::kConfig);
  EXPECT_NE(endpoint.error().message.find("tokens.url"), std::string::npos);
  EXPECT_NE(endpoint.error().message.find("password"), std::string::npos);
  EXPECT_EQ(endpoint.error().message.find("hunter2"), std::string::npos);
}

TEST(ParseMysqlUrlTest, RejectsIncompleteUrls) {
  for (const char* url : {"mysql://127.0.0.1/portal", "mysql://tc@127.0.0.1",
                          "mysql://tc@127.0.0.1/", "mysql://tc@127.0.0.1:99999/portal",
                          "mysql://tc@h/a/b", "mysql://tc@h/db?ssl=1", "sqlite:x.db"}) {
    auto endpoint = ParseMysqlUrl(url, "store.url");
    ASSERT_FALSE(endpoint.ok()) << url;
    EXPECT_EQ(endpoint.error().error_class, ErrorClass::kConfig) << url;
    EXPECT_NE(endpoint.error().message.find("store.url"), std::string::npos) << url;
  }
}

}  // namespace
}  // namespace tc
