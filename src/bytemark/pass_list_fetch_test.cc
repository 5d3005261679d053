#include "bytemark/pass_list_fetch.h"

#include <gtest/gtest.h>

#include <deque>
#include <optional>
#include <string>
#include <vector>

namespace tc {
namespace {

// Answers page N of any list with `answer(N)`; deferred answers are released one at a time, like a
// transport that calls back later.
class FakeApi {
 public:
  std::function<Result<HttpResponse>(int page)> answer;
  std::vector<HttpRequest> requests;
  std::deque<std::function<void()>> pending;
  int64_t answering_cap = 0;  // max_response_bytes of the request being answered

  // Answers classified at `clock`'s time, as the engine's request pipeline does.
  SendRequest Send(const Clock& clock) {
    return ClassifyingSend(
        [this](HttpRequest request, HttpCallback done) {
          const std::string& url = request.url;
          const int page = std::stoi(url.substr(url.rfind("page=") + 5));
          const int64_t cap = request.max_response_bytes;
          requests.push_back(std::move(request));
          pending.push_back([this, page, cap, done = std::move(done)] {
            answering_cap = cap;
            done(answer(page));
          });
        },
        clock);
  }

  // Runs deferred answers until none are left.
  void Drain() {
    while (!pending.empty()) {
      auto next = std::move(pending.front());
      pending.pop_front();
      next();
    }
  }
};

std::string Page(int first_uuid, int count, const std::string& next_json) {
  std::string passes;
  for (int i = 0; i < count; ++i) {
    if (i > 0) passes += ",";
    passes += R"({"uuid":"u)" + std::to_string(first_uuid + i) + R"(","status":"USABLE"})";
  }
  return R"({"errors":[],"data":{"passes":[)" + passes + R"(],"pagination":{"next":)" + next_json +
         "}}}";
}

Result<HttpResponse> OkAnswer(std::string body) {
  return HttpResponse{200, std::move(body), std::nullopt};
}

BytemarkConfig TestConfig() {
  BytemarkConfig config;
  config.customer_api = "http://sim.test/";
  config.page_size = 2;
  config.max_pages = 5;
  config.timeout = Duration(1234);
  config.connect_timeout = Duration(567);
  config.max_response_bytes = 4096;
  return config;
}

std::optional<Result<PassListResult>> Fetch(FakeApi& api, const BytemarkConfig& config,
                                            PassListKind list, const Clock& clock = FakeClock(),
                                            std::shared_ptr<UserByteBudget> budget = nullptr) {
  std::optional<Result<PassListResult>> result;
  int calls = 0;
  FetchPassList(api.Send(clock), config, clock, "tok-123", list, std::move(budget),
                [&](Result<PassListResult> r) {
                  ++calls;
                  result.emplace(std::move(r));
                });
  EXPECT_FALSE(result.has_value()) << "done ran before any answer";
  api.Drain();
  EXPECT_EQ(calls, 1);
  return result;
}

TEST(FetchPassListTest, FollowsPagesUntilNextIsFalsy) {
  FakeApi api;
  api.answer = [](int page) {
    if (page == 1) return OkAnswer(Page(0, 2, R"("/passes?page=2")"));
    if (page == 2) return OkAnswer(Page(2, 2, "true"));
    return OkAnswer(Page(4, 1, "null"));
  };
  auto result = Fetch(api, TestConfig(), PassListKind::kActive);
  ASSERT_TRUE(result && result->ok()) << result->error().ToString();
  EXPECT_EQ((*result)->pages, 3);
  ASSERT_EQ((*result)->passes.size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ((*result)->passes[i]->at("uuid"), "u" + std::to_string(i));

  ASSERT_EQ(api.requests.size(), 3u);
  EXPECT_EQ(api.requests[0].url, "http://sim.test/passes?per_page=2&page=1");
  EXPECT_EQ(api.requests[2].url, "http://sim.test/passes?per_page=2&page=3");
  for (const HttpRequest& request : api.requests) {
    EXPECT_EQ(request.method, "GET");
    EXPECT_EQ(request.bearer_token, "tok-123");
    EXPECT_EQ(request.timeout, Duration(1234));
    EXPECT_EQ(request.connect_timeout, Duration(567));
    EXPECT_EQ(request.max_response_bytes, 4096);
  }
}

TEST(FetchPassListTest, ExpiredListUsesTheV4Endpoint) {
  FakeApi api;
  api.answer = [](int) { return OkAnswer(Page(0, 1, "false")); };
  auto result = Fetch(api, TestConfig(), PassListKind::kExpired);
  ASSERT_TRUE(result && result->ok());
  EXPECT_EQ((*result)->pages, 1);
  ASSERT_EQ(api.requests.size(), 1u);
  EXPECT_EQ(api.requests[0].url, "http://sim.test/v4.0/passes?status=EXPIRED&per_page=2&page=1");
}

TEST(FetchPassListTest, StopsAtMaxPagesWhenTheServerPagesForever) {
  FakeApi api;
  api.answer = [](int page) { return OkAnswer(Page(page * 2, 2, "true")); };
  auto result = Fetch(api, TestConfig(), PassListKind::kActive);
  ASSERT_TRUE(result && !result->ok());
  EXPECT_EQ(result->error().error_class, ErrorClass::kMalformed);
  EXPECT_NE(result->error().message.find("server kept paging past 5 pages"), std::string::npos)
      << result->error().message;
  EXPECT_EQ(api.requests.size(), 5u);  // exactly max_pages requests, none after
}

TEST(FetchPassListTest, LastAllowedPageEndingIsFine) {
  FakeApi api;
  api.answer = [](int page) { return OkAnswer(Page(page, 1, page == 5 ? "null" : "true")); };
  auto result = Fetch(api, TestConfig(), PassListKind::kActive);
  ASSERT_TRUE(result && result->ok()) << result->error().ToString();
  EXPECT_EQ((*result)->pages, 5);
}

TEST(FetchPassListTest, APageErrorEndsTheFetchWithThatError) {
  struct Case {
    Result<HttpResponse> answer;
    ErrorClass expected;
  };
  std::vector<Case> cases;
  cases.push_back({HttpResponse{503, "", std::nullopt}, ErrorClass::kTransient});
  cases.push_back({HttpResponse{401, "", std::nullopt}, ErrorClass::kRejectedToken});
  cases.push_back({HttpResponse{429, "", "3"}, ErrorClass::kRateLimited});
  cases.push_back({HttpResponse{200, "<html>", std::nullopt}, ErrorClass::kMalformed});
  cases.push_back({MakeError(ErrorClass::kTimeout, "GET x: timed out"), ErrorClass::kTimeout});
  cases.push_back({MakeError(ErrorClass::kNetwork, "GET x: refused"), ErrorClass::kNetwork});
  for (const Case& one : cases) {
    FakeApi api;
    api.answer = [&one](int page) { return page == 1 ? OkAnswer(Page(0, 2, "true")) : one.answer; };
    auto result = Fetch(api, TestConfig(), PassListKind::kActive);
    ASSERT_TRUE(result && !result->ok());
    EXPECT_EQ(result->error().error_class, one.expected) << result->error().ToString();
    EXPECT_NE(result->error().message.find("page 2"), std::string::npos) << result->error().message;
    EXPECT_EQ(result->error().message.find("tok-123"), std::string::npos);
    EXPECT_EQ(api.requests.size(), 2u);  // no retry here: the engine's send retries
    if (one.expected == ErrorClass::kRateLimited) {
      EXPECT_EQ(result->error().retry_after, std::chrono::milliseconds(3000));
    }
  }
}

TEST(FetchPassListTest, WorksWithASendThatAnswersSynchronously) {
  BytemarkConfig config = TestConfig();
  config.max_pages = 100;
  int requests = 0;
  const FakeClock clock;
  SendRequest send = ClassifyingSend(
      [&requests](HttpRequest request, HttpCallback done) {
        ++requests;
        const bool last = request.url.ends_with("page=100");
        done(OkAnswer(Page(requests, 1, last ? "null" : "1")));
      },
      clock);
  std::optional<Result<PassListResult>> result;
  FetchPassList(send, config, clock, "t", PassListKind::kActive, nullptr,
                [&](Result<PassListResult> r) { result.emplace(std::move(r)); });
  ASSERT_TRUE(result && result->ok()) << result->error().ToString();
  EXPECT_EQ((*result)->pages, 100);
  EXPECT_EQ((*result)->passes.size(), 100u);
}

// The clock is the seam: a Retry-After given as an HTTP-date is read against the clock of the
// sender that classifies the answer, not the machine's; the fetch caps it at max_retry_after.
TEST(FetchPassListTest, RetryAfterDatesUseTheGivenClock) {
  FakeClock clock;
  clock.SetUnixSeconds(1445412480);  // Wed, 21 Oct 2015 07:28:00 GMT
  FakeApi api;
  api.answer = [](int) { return HttpResponse{429, "", "Wed, 21 Oct 2015 07:28:30 GMT"}; };
  BytemarkConfig config = TestConfig();
  config.max_retry_after = std::chrono::minutes(5);
  auto result = Fetch(api, config, PassListKind::kActive, clock);
  ASSERT_TRUE(result && !result->ok());
  EXPECT_EQ(result->error().retry_after, std::chrono::seconds(30));
}

TEST(FetchPassListTest, TokenWithControlCharactersIsRejectedAndNeverSent) {
  for (const std::string& token : {std::string("tok\r\nX-Injected: evil"), std::string("a\0b", 3),
                                   std::string("tab\there"), std::string("del\x7f")}) {
    FakeApi api;
    api.answer = [](int) { return OkAnswer(Page(0, 1, "null")); };
    std::optional<Result<PassListResult>> result;
    const FakeClock clock;
    FetchPassList(api.Send(clock), TestConfig(), clock, token, PassListKind::kActive, nullptr,
                  [&](Result<PassListResult> r) { result.emplace(std::move(r)); });
    api.Drain();
    ASSERT_TRUE(result && !result->ok());
    EXPECT_EQ(result->error().error_class, ErrorClass::kRejectedToken);
    EXPECT_EQ(result->error().message, "token contains control characters");
    EXPECT_TRUE(api.requests.empty());
  }
}

// Pages that together exceed the user's byte budget fail the user as malformed; no request may
// read more than what the budget has left, so nothing past the bound is ever held.
TEST(FetchPassListTest, PagesOverTheUserByteBudgetFailTheUser) {
  BytemarkConfig config = TestConfig();
  config.max_pages = 1000;
  config.max_response_bytes = 4096;
  const std::string page = Page(0, 40, "true");  // ~1.3 KB, always another page
  const int64_t kBudget = 10'000;
  auto budget = std::make_shared<UserByteBudget>(kBudget);

  FakeApi api;
  int64_t handed_over = 0;
  api.answer = [&](int) -> Result<HttpResponse> {
    // A transport stops reading at the request's cap (see CurlTransport).
    if (static_cast<int64_t>(page.size()) > api.answering_cap) {
      return MakeError(ErrorClass::kMalformed, "GET x: response larger than cap");
    }
    handed_over += static_cast<int64_t>(page.size());
    return OkAnswer(page);
  };
  std::optional<Result<PassListResult>> active;
  std::optional<Result<PassListResult>> expired;
  const FakeClock clock;
  FetchPassList(api.Send(clock), config, clock, "tok", PassListKind::kActive, budget,
                [&](Result<PassListResult> r) { active.emplace(std::move(r)); });
  FetchPassList(api.Send(clock), config, clock, "tok", PassListKind::kExpired, budget,
                [&](Result<PassListResult> r) { expired.emplace(std::move(r)); });
  api.Drain();
  for (const auto* result : {&active, &expired}) {
    ASSERT_TRUE(*result && !(*result)->ok());
    EXPECT_EQ((*result)->error().error_class, ErrorClass::kMalformed);
    EXPECT_NE((*result)->error().message.find("max_bytes_per_user (10000 bytes)"),
              std::string::npos)
        << (*result)->error().message;
  }
  EXPECT_LE(handed_over, kBudget);
  EXPECT_EQ(budget->remaining(), kBudget - handed_over);  // every reservation given back
  for (const HttpRequest& request : api.requests) EXPECT_LE(request.max_response_bytes, kBudget);
  EXPECT_LT(api.requests.size(), 12u);  // both lists together stopped near the bound
}

}  // namespace
}  // namespace tc
