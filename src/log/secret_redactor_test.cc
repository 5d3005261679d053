#include "log/secret_redactor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tc {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(SecretRedactorTest, BearerTokens) {
  EXPECT_EQ(RedactSecrets("sent Bearer eyJhbGciOi.abc-def_ghi= to api"),
            "sent Bearer <redacted> to api");
  EXPECT_EQ(RedactSecrets("bearer   tok123"), "bearer   <redacted>");
}

TEST(SecretRedactorTest, AuthorizationHeaderToEndOfLine) {
  EXPECT_EQ(RedactSecrets("Authorization: Bearer tok123 extra\nnext line"),
            "Authorization: <redacted>\nnext line");
  EXPECT_EQ(RedactSecrets("authorization=Basic dXNlcjpwYXNz"), "authorization=<redacted>");
}

TEST(SecretRedactorTest, UrlPasswords) {
  EXPECT_EQ(RedactSecrets("connect mysql://portal:s3cret@db:3306/portal failed"),
            "connect mysql://portal:<redacted>@db:3306/portal failed");
  EXPECT_EQ(RedactSecrets("mongodb://u:p@ss@h/db"), "mongodb://u:<redacted>@h/db");
  EXPECT_EQ(RedactSecrets("http://127.0.0.1:8089/passes"), "http://127.0.0.1:8089/passes");
}

TEST(SecretRedactorTest, PasswordAssignments) {
  EXPECT_EQ(RedactSecrets("host=db password=s3cret user=x"), "host=db password=<redacted> user=x");
  EXPECT_EQ(RedactSecrets("PWD=s3cret;UID=x"), "PWD=<redacted>;UID=x");
  EXPECT_EQ(RedactSecrets(R"({"user":"x","password":"s3\"cret","n":1})"),
            R"({"user":"x","password":<redacted>,"n":1})");
  EXPECT_EQ(RedactSecrets("password: 'a b c'"), "password: <redacted>");
  // Paths to password files are not secrets.
  EXPECT_EQ(RedactSecrets("password_file=/run/secrets/db"), "password_file=/run/secrets/db");
}

TEST(SecretRedactorTest, TokenParameters) {
  EXPECT_EQ(RedactSecrets("GET /passes?token=abc&page=2"), "GET /passes?token=<redacted>&page=2");
  EXPECT_EQ(RedactSecrets(R"({"user_id":5,"token":"abc"})"),
            R"({"user_id":5,"token":"<redacted>"})");
  // Ordinary prose about tokens is left alone.
  EXPECT_EQ(RedactSecrets("rejected token (401)"), "rejected token (401)");
}

TEST(SecretRedactorTest, RegisteredSecretsAnywhere) {
  RegisterSecret("Registered-Pw-123");
  RegisterSecret("Registered-Pw");  // a prefix of the other: the longer one is masked whole
  RegisterSecret("");
  EXPECT_EQ(RedactSecrets("x Registered-Pw-123 y Registered-Pw z"), "x <redacted> y <redacted> z");
  EXPECT_EQ(RedactSecrets("Registered-Pw-123Registered-Pw-123"), "<redacted><redacted>");
}

TEST(SecretRedactorTest, ConfigSecretsRegistered) {
  Config config;
  config.tokens.password = "tokens-pw-xyz";
  config.store.url = "mongodb://cache:url-pw-xyz@mongo/cache";
  RegisterConfigSecrets(config);
  std::string text = RedactSecrets("tokens-pw-xyz and url-pw-xyz alone");
  EXPECT_THAT(text, Not(HasSubstr("tokens-pw-xyz")));
  EXPECT_THAT(text, Not(HasSubstr("url-pw-xyz")));
}

TEST(SecretRedactorTest, PlainTextUntouched) {
  EXPECT_EQ(RedactSecrets("user refresh failed: timeout after 30s"),
            "user refresh failed: timeout after 30s");
}

TEST(SecretRedactorTest, SecretFieldNames) {
  EXPECT_TRUE(IsSecretFieldName("password"));
  EXPECT_TRUE(IsSecretFieldName("Token"));
  EXPECT_TRUE(IsSecretFieldName("authorization"));
  EXPECT_FALSE(IsSecretFieldName("token_fingerprint"));
  EXPECT_FALSE(IsSecretFieldName("user_id"));
}

}  // namespace
}  // namespace tc
