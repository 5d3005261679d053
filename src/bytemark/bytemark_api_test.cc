#include "bytemark/bytemark_api.h"

#include <gtest/gtest.h>

#include <string>

namespace tc {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int64_t kNow = 1445412480;  // Wed, 21 Oct 2015 07:28:00 GMT
constexpr milliseconds kMaxRetryAfter = std::chrono::hours(1);

HttpResponse Ok(std::string body) { return HttpResponse{200, std::move(body), std::nullopt}; }

std::string PageBody(const std::string& next_json) {
  return R"({"errors":[],"data":{"passes":[{"uuid":"a","status":"USABLE","price":2.50},)"
         R"({"uuid":"b","status":"USING"}],"page_count":2,"total_count":2,)"
         R"("pagination":{"page":1,"per_page":100)" +
         (next_json.empty() ? std::string() : ",\"next\":" + next_json) + "}}}";
}

ErrorClass ClassOf(const HttpResponse& response) {
  Result<PassPage> page = ParsePassPage(response, kNow, kMaxRetryAfter);
  EXPECT_FALSE(page.ok());
  return page.ok() ? ErrorClass::kInternal : page.error().error_class;
}

TEST(PassPageUrlTest, ActiveAndExpiredEndpoints) {
  EXPECT_EQ(PassPageUrl("http://h:1", PassListKind::kActive, 100, 1),
            "http://h:1/passes?per_page=100&page=1");
  EXPECT_EQ(PassPageUrl("http://h:1", PassListKind::kExpired, 50, 7),
            "http://h:1/v4.0/passes?status=EXPIRED&per_page=50&page=7");
}

TEST(PassPageUrlTest, ToleratesTrailingSlashAndKeepsBasePath) {
  EXPECT_EQ(PassPageUrl("https://api.example/customer/", PassListKind::kActive, 10, 2),
            "https://api.example/customer/passes?per_page=10&page=2");
  EXPECT_EQ(PassPageUrl("https://api.example//", PassListKind::kExpired, 10, 2),
            "https://api.example/v4.0/passes?status=EXPIRED&per_page=10&page=2");
}

TEST(ParsePassPageTest, ReadsPassesInOrderWithKeyOrderKept) {
  Result<PassPage> page = ParsePassPage(Ok(PageBody("null")), kNow, kMaxRetryAfter);
  ASSERT_TRUE(page.ok()) << page.error().ToString();
  ASSERT_EQ(page->passes.size(), 2u);
  EXPECT_EQ(page->passes[0]["uuid"], "a");
  EXPECT_EQ(page->passes[1]["uuid"], "b");
  std::vector<std::string> keys;
  for (const auto& [key, value] : page->passes[0].items()) keys.push_back(key);
  EXPECT_EQ(keys, (std::vector<std::string>{"uuid", "status", "price"}));
  EXPECT_FALSE(page->has_next);
}

TEST(ParsePassPageTest, NextIsTruthyInTheJavaScriptSense) {
  struct Case {
    std::string next_json;  // empty: key absent
    bool has_next;
  };
  const Case cases[] = {
      {R"("/passes?per_page=100&page=2")", true},
      {"true", true},
      {"2", true},
      {"-1", true},
      {"0.5", true},
      {"{}", true},
      {"[]", true},
      {R"(" ")", true},
      {"null", false},
      {"false", false},
      {R"("")", false},
      {"0", false},
      {"0.0", false},
      {"-0", false},
      {"", false},
  };
  for (const Case& one : cases) {
    Result<PassPage> page = ParsePassPage(Ok(PageBody(one.next_json)), kNow, kMaxRetryAfter);
    ASSERT_TRUE(page.ok()) << one.next_json << ": " << page.error().ToString();
    EXPECT_EQ(page->has_next, one.has_next) << "next = " << one.next_json;
  }
}

TEST(ParsePassPageTest, MissingOrNullPaginationIsTheLastPage) {
  for (const char* body :
       {R"({"errors":[],"data":{"passes":[]}})", R"({"data":{"passes":[],"pagination":null}})"}) {
    Result<PassPage> page = ParsePassPage(Ok(body), kNow, kMaxRetryAfter);
    ASSERT_TRUE(page.ok()) << body << ": " << page.error().ToString();
    EXPECT_FALSE(page->has_next);
    EXPECT_TRUE(page->passes.empty());
  }
}

TEST(ParsePassPageTest, StatusClasses) {
  EXPECT_EQ(ClassOf({401, "", std::nullopt}), ErrorClass::kRejectedToken);
  EXPECT_EQ(ClassOf({403, R"({"errors":["forbidden"]})", std::nullopt}),
            ErrorClass::kRejectedToken);
  EXPECT_EQ(ClassOf({429, "", std::nullopt}), ErrorClass::kRateLimited);
  for (long status : {500L, 502L, 503L, 504L, 599L}) {
    EXPECT_EQ(ClassOf({status, "<html>oops</html>", std::nullopt}), ErrorClass::kTransient)
        << status;
  }
  for (long status : {0L, 201L, 204L, 301L, 302L, 400L, 404L, 418L, 600L}) {
    EXPECT_EQ(ClassOf({status, PageBody("null"), std::nullopt}), ErrorClass::kMalformed) << status;
  }
}

TEST(ParsePassPageTest, RateLimitedCarriesRetryAfter) {
  auto retry_after = [](std::optional<std::string> header) {
    Result<PassPage> page = ParsePassPage({429, "", std::move(header)}, kNow, kMaxRetryAfter);
    EXPECT_FALSE(page.ok());
    return page.ok() ? std::nullopt : page.error().retry_after;
  };
  EXPECT_EQ(retry_after(std::nullopt), std::nullopt);
  EXPECT_EQ(retry_after("7"), milliseconds(seconds(7)));
  EXPECT_EQ(retry_after(" 0 "), milliseconds(0));
  EXPECT_EQ(retry_after("Wed, 21 Oct 2015 07:28:30 GMT"), milliseconds(seconds(30)));
  EXPECT_EQ(retry_after("Wednesday, 21-Oct-15 07:29:00 GMT"), milliseconds(seconds(60)));
  EXPECT_EQ(retry_after("Wed Oct 21 07:28:05 2015"), milliseconds(seconds(5)));
  EXPECT_EQ(retry_after("Tue, 20 Oct 2015 07:28:00 GMT"), milliseconds(0));  // in the past
  EXPECT_EQ(retry_after("soon"), std::nullopt);
  EXPECT_EQ(retry_after(""), std::nullopt);
  // Too large to count: the longest wait allowed, never "no Retry-After".
  EXPECT_EQ(retry_after("99999999999999999999999"), kMaxRetryAfter);
  EXPECT_EQ(retry_after("999999999"), kMaxRetryAfter);
}

TEST(ParsePassPageTest, MalformedBodiesAreMalformedWithoutQuotingTheBody) {
  const std::string secret = "SECRETBODYTEXT";
  const std::string bodies[] = {
      "",
      "   \n",
      R"({"errors":[],"data":{"passes":[{"uuid":")" + secret,  // truncated
      "<html><head><title>502 Bad Gateway " + secret + "</title></head></html>",
      "[1,2,3]",
      "\"" + secret + "\"",
      "42",
      "null",
      R"({"errors":[]})",                                        // no data
      R"({"data":null})",                                        // data not an object
      R"({"data":[]})",                                          // data an array
      R"({"data":{}})",                                          // no passes
      R"({"data":{"passes":{"uuid":"a"}}})",                     // passes not an array
      R"({"data":{"passes":"SECRETBODYTEXT"}})",                 // passes a string
      R"({"data":{"passes":[{"uuid":"a"},"SECRETBODYTEXT"]}})",  // a pass not an object
      R"({"data":{"passes":[null]}})",
      R"({"data":{"passes":[[]]}})",
      R"({"data":{"passes":[],"pagination":"SECRETBODYTEXT"}})",
      R"({"errors":"SECRETBODYTEXT","data":{"passes":[]}})",
      R"({"errors":[{"message":"SECRETBODYTEXT"}],"data":{"passes":[]}})",
      R"({"data":{"passes":[]}} trailing)",
  };
  for (const std::string& body : bodies) {
    Result<PassPage> page = ParsePassPage(Ok(body), kNow, kMaxRetryAfter);
    ASSERT_FALSE(page.ok()) << body;
    EXPECT_EQ(page.error().error_class, ErrorClass::kMalformed) << body;
    EXPECT_EQ(page.error().message.find(secret), std::string::npos) << page.error().message;
    EXPECT_LT(page.error().message.size(), 200u) << page.error().message;
  }
}

TEST(IsJsTruthyTest, MatchesJavaScriptBoolean) {
  EXPECT_FALSE(IsJsTruthy(Json()));
  EXPECT_FALSE(IsJsTruthy(Json(false)));
  EXPECT_FALSE(IsJsTruthy(Json("")));
  EXPECT_FALSE(IsJsTruthy(Json(0)));
  EXPECT_FALSE(IsJsTruthy(Json(0u)));
  EXPECT_FALSE(IsJsTruthy(Json(-0.0)));
  EXPECT_TRUE(IsJsTruthy(Json(true)));
  EXPECT_TRUE(IsJsTruthy(Json("0")));
  EXPECT_TRUE(IsJsTruthy(Json("false")));
  EXPECT_TRUE(IsJsTruthy(Json(1e-300)));
  EXPECT_TRUE(IsJsTruthy(Json::object()));
  EXPECT_TRUE(IsJsTruthy(Json::array()));
}

}  // namespace
}  // namespace tc
