#include "config/url_credentials.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tc {
namespace {

TEST(RedactUrlPasswordTest, Forms) {
  EXPECT_EQ(RedactUrlPassword("mysql://u:pw@h:3306/db"), "mysql://u:<redacted>@h:3306/db");
  EXPECT_EQ(RedactUrlPassword("mongodb://u:p@ss/w@h1,h2/db?x=1"),
            "mongodb://u:<redacted>@h1,h2/db?x=1");
  EXPECT_EQ(RedactUrlPassword("mysql://u@h/db"), "mysql://u@h/db");
  EXPECT_EQ(RedactUrlPassword("sqlite:data/x.db"), "sqlite:data/x.db");
  // An '@' in the path is taken for the end of user info: over-redacting is the safe mistake.
  EXPECT_EQ(RedactUrlPassword("http://h:80/a@b"), "http://h:<redacted>@b");
}

TEST(RedactUrlPasswordsInTextTest, EveryUrlInText) {
  EXPECT_EQ(RedactUrlPasswordsInText("a mysql://u:pw@h/db and mongodb://x:y@z/w end"),
            "a mysql://u:<redacted>@h/db and mongodb://x:<redacted>@z/w end");
  EXPECT_EQ(RedactUrlPasswordsInText("no url: here://"), "no url: here://");
  EXPECT_EQ(RedactUrlPasswordsInText("http://h:80/x"), "http://h:80/x");
  EXPECT_EQ(UrlPassword("mysql://u:p@ss@h/db"), "p@ss");
  EXPECT_TRUE(UrlHasPassword("mongodb://u:p@h"));
  EXPECT_FALSE(UrlHasPassword("mongodb://u@h"));
}

}  // namespace
}  // namespace tc
