#include "mysql/mysql_identifier.h"

#include <gtest/gtest.h>

namespace tc {
namespace {

TEST(QuoteMysqlIdentifierTest, QuotesPlainAndQualifiedNames) {
  EXPECT_EQ(QuoteMysqlIdentifier("bytemark_tokens", "tokens.table").value(), "`bytemark_tokens`");
  EXPECT_EQ(QuoteMysqlIdentifier("portal.bytemark_tokens", "tokens.table").value(),
            "`portal`.`bytemark_tokens`");
}

TEST(QuoteMysqlIdentifierTest, RejectsAnythingElseNamingTheSetting) {
  for (const char* name :
       {"", "1abc", "a b", "a`b", "t;DROP TABLE x", "a.b.c", ".t", "t.", "a-b"}) {
    auto quoted = QuoteMysqlIdentifier(name, "tokens.table");
    ASSERT_FALSE(quoted.ok()) << name;
    EXPECT_EQ(quoted.error().error_class, ErrorClass::kConfig);
    EXPECT_NE(quoted.error().message.find("tokens.table"), std::string::npos);
  }
  EXPECT_FALSE(QuoteMysqlIdentifier(std::string(65, 'a'), "t").ok());
}

}  // namespace
}  // namespace tc
