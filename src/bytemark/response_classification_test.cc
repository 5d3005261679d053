#include "bytemark/response_classification.h"

#include <gtest/gtest.h>

#include <string>

namespace tc {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int64_t kClassifiedAt = 1445412480;  // Wed, 21 Oct 2015 07:28:00 GMT
constexpr milliseconds kCap = seconds(60);

constexpr const char* kJson = R"({"errors":[],"data":{"passes":[]}})";
constexpr const char* kHtml =
    "\n  <!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>";

std::optional<ErrorClass> ClassOf(long status, std::string body = kJson) {
  const Status verdict =
      ClassifyHttpResponse({status, std::move(body), std::nullopt}, kClassifiedAt, kCap);
  if (verdict.ok()) return std::nullopt;
  return verdict.error().error_class;
}

std::optional<milliseconds> RetryAfterOf(std::string header) {
  const Status verdict = ClassifyHttpResponse({429, "", std::move(header)}, kClassifiedAt, kCap);
  EXPECT_FALSE(verdict.ok());
  EXPECT_EQ(verdict.error().error_class, ErrorClass::kRateLimited);
  return verdict.error().retry_after;
}

TEST(ClassifyHttpResponseTest, JsonOkIsAPage) { EXPECT_EQ(ClassOf(200), std::nullopt); }

TEST(ClassifyHttpResponseTest, TokenRejections) {
  EXPECT_EQ(ClassOf(401), ErrorClass::kRejectedToken);
  EXPECT_EQ(ClassOf(403, kHtml), ErrorClass::kRejectedToken);
}

TEST(ClassifyHttpResponseTest, ServerErrorsAreTransientEvenAsHtml) {
  for (long status : {500L, 502L, 503L, 504L, 599L}) {
    EXPECT_EQ(ClassOf(status), ErrorClass::kTransient) << status;
    EXPECT_EQ(ClassOf(status, kHtml), ErrorClass::kTransient) << status;
  }
}

TEST(ClassifyHttpResponseTest, RedirectsNotFoundAndHtmlPagesAreMalformed) {
  for (long status : {301L, 302L, 303L, 307L, 308L, 404L, 0L, 201L, 204L, 400L, 418L, 600L}) {
    EXPECT_EQ(ClassOf(status), ErrorClass::kMalformed) << status;
  }
  EXPECT_EQ(ClassOf(200, kHtml), ErrorClass::kMalformed);
  const Status redirect = ClassifyHttpResponse({302, "", std::nullopt}, kClassifiedAt, kCap);
  EXPECT_NE(redirect.error().message.find("redirect"), std::string::npos);
  const Status html = ClassifyHttpResponse({200, kHtml, std::nullopt}, kClassifiedAt, kCap);
  EXPECT_NE(html.error().message.find("HTML"), std::string::npos);
  EXPECT_EQ(html.error().message.find("Bad Gateway"), std::string::npos);  // body never quoted
}

TEST(ClassifyHttpResponseTest, RetryAfterIsCapped) {
  EXPECT_EQ(RetryAfterOf("7"), seconds(7));
  EXPECT_EQ(RetryAfterOf("999999999"), kCap);
  EXPECT_EQ(RetryAfterOf("9223372036854775"), kCap);
  EXPECT_EQ(RetryAfterOf("99999999999999999999999999"), kCap);
  EXPECT_EQ(RetryAfterOf("Thu, 22 Oct 2015 07:28:00 GMT"), kCap);  // a day ahead
  EXPECT_EQ(RetryAfterOf("Wed, 21 Oct 2015 07:28:30 GMT"), seconds(30));
  EXPECT_EQ(RetryAfterOf("soon"), std::nullopt);
  const Status none = ClassifyHttpResponse({429, "", "5"}, kClassifiedAt, milliseconds(0));
  EXPECT_EQ(none.error().retry_after, milliseconds(0));
}

TEST(HasControlCharactersTest, C0AndDelAreControls) {
  EXPECT_FALSE(HasControlCharacters("tc-sim-token-1"));
  EXPECT_FALSE(HasControlCharacters("abc.DEF_ghi~+/="));
  EXPECT_FALSE(HasControlCharacters("t\xc3\xa9"));  // UTF-8 is not a control
  EXPECT_TRUE(HasControlCharacters("tok\r\nX-Injected: evil"));
  EXPECT_TRUE(HasControlCharacters(std::string("tok\0en", 6)));
  EXPECT_TRUE(HasControlCharacters("tok\ten"));
  EXPECT_TRUE(HasControlCharacters("tok\x7f"));
  EXPECT_TRUE(HasControlCharacters("\x1b[0m"));
}

}  // namespace
}  // namespace tc
