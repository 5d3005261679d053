// The Bytemark client (CurlTransport + ParsePassPage + FetchPassList) against the real simulator:
// every paging form, every error class end to end, the paging and size bounds, keep-alive reuse and
// many concurrent requests on one transport.
#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "bytemark/bytemark_api.h"
#include "bytemark/curl_transport.h"
#include "bytemark/pass_list_fetch.h"
#include "json/js_json.h"
#include "support/sim_process.h"

namespace tc {
namespace {

constexpr int kClientUsers = 60;
constexpr int kPasses = 7;
constexpr int kExpired = 3;

class BytemarkClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    Result<std::unique_ptr<SimProcess>> started = SimProcess::Start(
        {"--users", std::to_string(kClientUsers), "--passes", std::to_string(kPasses), "--expired",
         std::to_string(kExpired), "--next-style", "mixed"});
    if (started.ok()) {
      sim_ = std::move(*started).release();
    } else {
      start_error_ = new std::string(started.error().ToString());
    }
  }
  static void TearDownTestSuite() {
    delete sim_;
    sim_ = nullptr;
    delete start_error_;
    start_error_ = nullptr;
  }
  void SetUp() override {
    // Not a skip: the simulator is built with this test, so failing to start it is a failure.
    ASSERT_NE(sim_, nullptr) << (start_error_ ? *start_error_ : "no simulator");
  }

  BytemarkConfig Config(int page_size = 3) const {
    BytemarkConfig config;
    config.customer_api = sim_->base_url();
    config.page_size = page_size;
    config.timeout = std::chrono::seconds(10);
    config.connect_timeout = std::chrono::seconds(5);
    config.max_pages = 20;
    return config;
  }

  // Fetches user `user`'s list with the fault `kind` set on that user (cleared afterwards).
  Result<PassListResult> FetchWithFault(int64_t user, std::string_view kind,
                                        const BytemarkConfig& config,
                                        PassListKind list = PassListKind::kActive) {
    Status set = sim_->SetUserFault(user, kind);
    EXPECT_TRUE(set.ok()) << set.error().ToString();
    Result<PassListResult> result =
        FetchPassListBlocking(transport_, config, clock_, SimTokenForUser(user), list);
    Status cleared = sim_->ClearUserFault(user);
    EXPECT_TRUE(cleared.ok()) << cleared.error().ToString();
    return result;
  }

  Json Counters() {
    Result<std::string> body = sim_->Get("/_sim/counters");
    EXPECT_TRUE(body.ok()) << body.error().ToString();
    if (!body.ok()) return Json::object();
    Result<Json> parsed = ParseJsJson(*body);
    return parsed.ok() ? *parsed : Json::object();
  }

  static SimProcess* sim_;
  static std::string* start_error_;
  SystemClock clock_;
  CurlTransport transport_;
};

SimProcess* BytemarkClientTest::sim_ = nullptr;
std::string* BytemarkClientTest::start_error_ = nullptr;

TEST_F(BytemarkClientTest, EveryNextFormPagesThroughBothLists) {
  // With --next-style mixed, even users page with a path and odd users with `true`; the last page
  // says null, false, "" or nothing for user % 4 == 0, 1, 2, 3.
  const std::string falsy_forms[] = {R"("next":null)", R"("next":false)", R"("next":"")", ""};
  for (int64_t user = 1; user <= 8; ++user) {
    Result<PassListResult> active = FetchPassListBlocking(
        transport_, Config(), clock_, SimTokenForUser(user), PassListKind::kActive);
    ASSERT_TRUE(active.ok()) << "user " << user << ": " << active.error().ToString();
    EXPECT_EQ(active->pages, 3) << user;  // 7 passes, 3 per page
    ASSERT_EQ(active->passes.size(), static_cast<size_t>(kPasses)) << user;
    std::set<std::string> uuids;
    for (const Json& pass : active->passes) {
      ASSERT_TRUE(pass.is_object());
      ASSERT_TRUE(pass.contains("uuid") && pass["uuid"].is_string());
      EXPECT_TRUE(pass.contains("status") && pass.contains("time_created") &&
                  pass.contains("product_uuid"));
      uuids.insert(pass["uuid"].get<std::string>());
    }
    EXPECT_EQ(uuids.size(), static_cast<size_t>(kPasses)) << "user " << user;

    Result<PassListResult> expired = FetchPassListBlocking(
        transport_, Config(2), clock_, SimTokenForUser(user), PassListKind::kExpired);
    ASSERT_TRUE(expired.ok()) << "user " << user << ": " << expired.error().ToString();
    EXPECT_EQ(expired->pages, 2) << user;
    EXPECT_EQ(expired->passes.size(), static_cast<size_t>(kExpired)) << user;

    // The simulator really served the form this test claims to cover.
    HttpRequest request;
    request.url = PassPageUrl(sim_->base_url(), PassListKind::kActive, 3, 3);
    request.bearer_token = SimTokenForUser(user);
    Result<HttpResponse> last_page = FetchBlocking(transport_, request);
    ASSERT_TRUE(last_page.ok());
    const std::string& form = falsy_forms[user % 4];
    if (form.empty()) {
      EXPECT_EQ(last_page->body.find(R"("next")"), std::string::npos) << last_page->body;
    } else {
      EXPECT_NE(last_page->body.find(form), std::string::npos) << last_page->body;
    }
    request.url = PassPageUrl(sim_->base_url(), PassListKind::kActive, 3, 1);
    Result<HttpResponse> first_page = FetchBlocking(transport_, request);
    ASSERT_TRUE(first_page.ok());
    EXPECT_NE(first_page->body.find(user % 2 == 0 ? R"("next":"/passes?)" : R"("next":true)"),
              std::string::npos)
        << first_page->body;
  }
}

TEST_F(BytemarkClientTest, OnePageWhenThePageSizeCoversTheList) {
  Result<PassListResult> active = FetchPassListBlocking(transport_, Config(100), clock_,
                                                        SimTokenForUser(9), PassListKind::kActive);
  ASSERT_TRUE(active.ok()) << active.error().ToString();
  EXPECT_EQ(active->pages, 1);
  EXPECT_EQ(active->passes.size(), static_cast<size_t>(kPasses));
}

TEST_F(BytemarkClientTest, EveryFaultKindIsClassified) {
  struct Case {
    const char* kind;
    ErrorClass expected;
  };
  const Case cases[] = {
      {"500", ErrorClass::kTransient},       {"503", ErrorClass::kTransient},
      {"401", ErrorClass::kRejectedToken},   {"403", ErrorClass::kRejectedToken},
      {"429", ErrorClass::kRateLimited},     {"reset", ErrorClass::kTransient},
      {"malformed", ErrorClass::kMalformed}, {"wrong_shape", ErrorClass::kMalformed},
      {"html", ErrorClass::kMalformed},      {"empty", ErrorClass::kMalformed},
      {"404", ErrorClass::kMalformed},       {"html502", ErrorClass::kTransient},
      {"redirect", ErrorClass::kMalformed},  {"huge_header", ErrorClass::kMalformed},
  };
  int64_t user = 10;
  for (const Case& one : cases) {
    for (PassListKind list : {PassListKind::kActive, PassListKind::kExpired}) {
      Result<PassListResult> result = FetchWithFault(user, one.kind, Config(), list);
      ASSERT_FALSE(result.ok()) << one.kind;
      EXPECT_EQ(result.error().error_class, one.expected)
          << one.kind << ": " << result.error().ToString();
      EXPECT_EQ(result.error().message.find(SimTokenForUser(user)), std::string::npos)
          << result.error().message;
      if (one.expected == ErrorClass::kRateLimited) {
        EXPECT_EQ(result.error().retry_after, std::chrono::milliseconds(1000));
      }
    }
    ++user;
  }
  // Cleared faults leave the users served normally.
  for (int64_t healed = 10; healed < user; ++healed) {
    Result<PassListResult> result = FetchPassListBlocking(
        transport_, Config(), clock_, SimTokenForUser(healed), PassListKind::kActive);
    EXPECT_TRUE(result.ok()) << healed << ": " << result.error().ToString();
  }
}

TEST_F(BytemarkClientTest, UnknownTokenIsRejected) {
  Result<PassListResult> result = FetchPassListBlocking(
      transport_, Config(), clock_, "tc-sim-token-999999", PassListKind::kActive);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().error_class, ErrorClass::kRejectedToken);
  EXPECT_EQ(result.error().message.find("tc-sim-token-999999"), std::string::npos);
}

TEST_F(BytemarkClientTest, StalledAnswerIsATimeout) {
  BytemarkConfig config = Config();
  config.timeout = std::chrono::milliseconds(300);  // the simulator stalls 60 s
  Result<PassListResult> result = FetchWithFault(30, "timeout", config);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().error_class, ErrorClass::kTimeout) << result.error().ToString();
}

TEST_F(BytemarkClientTest, ForeverPagingIsCutAtMaxPages) {
  BytemarkConfig config = Config();
  config.max_pages = 6;
  const int64_t before = Counters().value("requests_total", int64_t{0});
  Result<PassListResult> result = FetchWithFault(31, "forever", config);
  const int64_t after = Counters().value("requests_total", int64_t{0});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().error_class, ErrorClass::kMalformed);
  EXPECT_NE(result.error().message.find("server kept paging past 6 pages"), std::string::npos)
      << result.error().message;
  EXPECT_EQ(after - before, 6);  // exactly max_pages API requests
}

TEST_F(BytemarkClientTest, OversizedBodyIsCutByTheCap) {
  for (int64_t cap : {int64_t{1} << 20, BytemarkConfig().max_response_bytes}) {
    BytemarkConfig config = Config();
    config.max_response_bytes = cap;  // the simulator sends ~20 MB
    Result<PassListResult> result = FetchWithFault(32, "oversized", config);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().error_class, ErrorClass::kMalformed);
    EXPECT_NE(result.error().message.find("response larger than " + std::to_string(cap) + " bytes"),
              std::string::npos)
        << result.error().message;
  }
  // With room for it, the same answer is a valid page.
  BytemarkConfig config = Config();
  config.max_response_bytes = 64 << 20;
  Result<PassListResult> result = FetchWithFault(32, "oversized", config);
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_GT(result->passes.size(), 1000u);
}

TEST_F(BytemarkClientTest, NothingListeningIsANetworkError) {
  Result<std::unique_ptr<SimProcess>> other = SimProcess::Start({"--users", "1"});
  ASSERT_TRUE(other.ok()) << other.error().ToString();
  BytemarkConfig config = Config();
  config.customer_api = (*other)->base_url();
  (*other)->Stop();  // its port is closed now
  Result<PassListResult> result =
      FetchPassListBlocking(transport_, config, clock_, SimTokenForUser(1), PassListKind::kActive);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().error_class, ErrorClass::kNetwork) << result.error().ToString();
}

TEST_F(BytemarkClientTest, KeepAliveReusesOneConnection) {
  const int64_t before = Counters().value("requests_total", int64_t{0});
  constexpr int kLists = 50;  // 3 pages each
  for (int i = 0; i < kLists; ++i) {
    Result<PassListResult> result = FetchPassListBlocking(
        transport_, Config(), clock_, SimTokenForUser(1 + i % 8), PassListKind::kActive);
    ASSERT_TRUE(result.ok()) << result.error().ToString();
  }
  const int64_t requests = Counters().value("requests_total", int64_t{0}) - before;
  EXPECT_EQ(requests, kLists * 3);
  std::printf("keep-alive: %lld API requests over %lld new connection(s)\n",
              static_cast<long long>(requests),
              static_cast<long long>(transport_.connections_opened()));
  EXPECT_EQ(transport_.connections_opened(), 1);
}

TEST_F(BytemarkClientTest, HundredConcurrentRequestsOnOneTransport) {
  ASSERT_TRUE(sim_->Post("/_sim/config", R"({"latency_ms":50})").ok());
  ASSERT_TRUE(sim_->Post("/_sim/reset", "").ok());
  constexpr int kRequests = 100;
  for (int round = 0; round < 2; ++round) {
    int ok = 0;
    int answered = 0;
    for (int i = 0; i < kRequests; ++i) {
      HttpRequest request;
      request.url = PassPageUrl(sim_->base_url(), PassListKind::kActive, 3, 1 + i % 3);
      request.bearer_token = SimTokenForUser(1 + i % kClientUsers);
      transport_.Start(request, [&ok, &answered](Result<HttpResponse> response) {
        ++answered;
        if (response.ok() && ParsePassPage(*response, 0, std::chrono::seconds(60)).ok()) ++ok;
      });
    }
    while (transport_.Drive(std::chrono::milliseconds(100)) > 0) {
    }
    EXPECT_EQ(answered, kRequests);
    EXPECT_EQ(ok, kRequests);
  }
  const int64_t opened = transport_.connections_opened();
  ASSERT_TRUE(sim_->Post("/_sim/config", R"({"latency_ms":0})").ok());
  const Json counters = Counters();
  EXPECT_EQ(counters.value("requests_total", int64_t{0}), 2 * kRequests);
  std::printf("concurrency: %d requests in 2 rounds, %lld connections, simulator peak %lld\n",
              2 * kRequests, static_cast<long long>(opened),
              static_cast<long long>(counters.value("peak_concurrency", int64_t{0})));
  // The second round reuses the first round's connections (kept up to max_connections).
  EXPECT_LE(opened, kRequests);
}

}  // namespace
}  // namespace tc
