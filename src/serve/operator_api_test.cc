// The status page's operator API: one user's summary, run history in pages, and "start a run
// now" behind the bearer token (a header, never a cookie).
#include "serve/operator_api.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "storage/open_cache_store.h"

namespace tc {
namespace {

constexpr int64_t kApiNowMs = 1'700'000'000'000;
constexpr int64_t kApiNow = kApiNowMs / 1000;

class OperatorApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StoreConfig config;
    config.url = "sqlite:" + ::testing::TempDir() + "/operator_api_" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db";
    std::remove(config.url.substr(7).c_str());
    auto opened = OpenCacheStore(config, StoreAccess::kCreate);
    ASSERT_TRUE(opened.ok()) << opened.error().ToString();
    store_ = std::move(*opened);
    ASSERT_TRUE(store_->Init().ok());
  }

  OperatorApi Api(std::string token = "", RunNowRequester run_now = nullptr) {
    return OperatorApi(*store_, clock_, refresh_, std::move(token), std::move(run_now));
  }

  static HttpServerRequest Request(std::string method, std::string target,
                                   std::string authorization = "") {
    HttpServerRequest request;
    request.method = std::move(method);
    request.target = std::move(target);
    if (!authorization.empty()) request.headers.emplace_back("Authorization", authorization);
    return request;
  }

  static Json Body(const HttpAnswer& answer) { return ParseJsJson(answer.body).value(); }

  FakeClock clock_{kApiNowMs};
  RefreshConfig refresh_;  // ttl 60 min, refresh ahead 5 min
  std::unique_ptr<CacheStore> store_;
};

TEST_F(OperatorApiTest, UserSummaryTellsFreshStaleMissingAndBackoff) {
  CacheDocument document;
  document.user_id = 7;
  document.timestamp = kApiNow - 50 * 60;  // 50 min: inside the 55 min window
  document.passes.resize(3);
  document.passes[0].status = "USABLE";
  document.passes[1].status = "USABLE";
  document.passes[2].status = "USING";
  document.passes[2].free_ticket_status = 1;
  document.passes4.resize(2);
  Json fresh = UserSummary(7, document, std::nullopt, refresh_, kApiNow);
  EXPECT_EQ(fresh["state"], "fresh");
  EXPECT_EQ(fresh["cache"]["age_seconds"], 3000);
  EXPECT_EQ(fresh["cache"]["passes"], 3);
  EXPECT_EQ(fresh["cache"]["passes4"], 2);
  EXPECT_EQ(fresh["cache"]["passes_by_status"]["USABLE"], 2);
  EXPECT_EQ(fresh["cache"]["free_tickets"], 1);
  EXPECT_TRUE(fresh["failure"].is_null());

  document.timestamp = kApiNow - 55 * 60;  // the window's edge: stale, as a run would judge it
  EXPECT_EQ(UserSummary(7, document, std::nullopt, refresh_, kApiNow)["state"], "stale");
  EXPECT_EQ(UserSummary(8, std::nullopt, std::nullopt, refresh_, kApiNow)["state"], "missing");

  UserState state;
  state.user_id = 7;
  state.consecutive_failures = 3;
  state.last_error_class = "rejected_token";
  state.last_error_message = "HTTP 401";
  state.last_attempt_at = kApiNow - 600;
  state.next_attempt_at = kApiNow + 3000;
  const Json backoff = UserSummary(7, document, state, refresh_, kApiNow);
  EXPECT_EQ(backoff["state"], "backoff");
  EXPECT_EQ(backoff["failure"]["last_error_class"], "rejected_token");
  EXPECT_EQ(backoff["failure"]["persistent"], true);
  EXPECT_EQ(backoff["failure"]["backoff_seconds_left"], 3000);
  state.next_attempt_at = kApiNow - 1;  // backoff over: tried next run
  EXPECT_EQ(UserSummary(7, document, state, refresh_, kApiNow)["state"], "stale");
}

TEST_F(OperatorApiTest, UserEndpointReadsTheStore) {
  CacheDocument document;
  document.user_id = 42;
  document.timestamp = kApiNow - 60;
  ASSERT_TRUE(store_->Replace(document, std::nullopt, {}).ok());
  const OperatorApi api = Api();
  const HttpAnswer found = api.Handle(Request("GET", "/api/users/42"));
  EXPECT_EQ(found.status, 200);
  EXPECT_EQ(Body(found)["state"], "fresh");
  EXPECT_EQ(Body(found)["cache"]["age_seconds"], 60);
  EXPECT_EQ(Body(api.Handle(Request("GET", "/api/users/43")))["state"], "missing");
  EXPECT_EQ(api.Handle(Request("GET", "/api/users/4x2")).status, 400);
  EXPECT_EQ(api.Handle(Request("POST", "/api/users/42")).status, 405);
}

TEST_F(OperatorApiTest, RunHistoryComesInPagesNewestFirst) {
  for (int i = 0; i < 45; ++i) {
    RunRecord run;
    run.run_id = fmt::format("run-{:02}", i);
    run.started_at_ms = kApiNowMs - (45 - i) * 3'600'000;
    run.finished_at_ms = run.started_at_ms + 30'000;
    run.status = "ok";
    run.summary_json = R"({"status":"ok","abandoned":2})";
    ASSERT_TRUE(store_->SaveRun(run).ok());
  }
  const OperatorApi api = Api();
  const Json first = Body(api.Handle(Request("GET", "/api/runs")));
  ASSERT_EQ(first["runs"].size(), 20U);
  EXPECT_EQ(first["runs"][0]["run_id"], "run-44");
  EXPECT_EQ(first["runs"][0]["abandoned"], 2);
  EXPECT_EQ(first["has_older"], true);
  const Json third = Body(api.Handle(Request("GET", "/api/runs?page=2")));
  ASSERT_EQ(third["runs"].size(), 5U);
  EXPECT_EQ(third["runs"][0]["run_id"], "run-04");
  EXPECT_EQ(third["runs"][4]["run_id"], "run-00");
  EXPECT_EQ(third["has_older"], false);
  EXPECT_EQ(third["page"], 2);
  EXPECT_EQ(Body(api.Handle(Request("GET", "/api/runs?page=9")))["runs"].size(), 0U);
}

TEST_F(OperatorApiTest, StartingARunNeedsTheBearerTokenInTheHeader) {
  int asked = 0;
  const OperatorApi api = Api("s3cret", [&] {
    ++asked;
    return RunNowAnswer{asked == 1, asked == 1 ? "a run starts within a second" : "a run is going"};
  });
  EXPECT_EQ(api.Handle(Request("POST", "/v1/runs")).status, 401);
  EXPECT_EQ(api.Handle(Request("POST", "/v1/runs", "Bearer wrong")).status, 401);
  HttpServerRequest cookie = Request("POST", "/v1/runs");
  cookie.headers.emplace_back("Cookie", "token=s3cret");  // a cookie is never a credential
  EXPECT_EQ(api.Handle(cookie).status, 401);
  EXPECT_EQ(asked, 0);
  const HttpAnswer started = api.Handle(Request("POST", "/v1/runs", "Bearer s3cret"));
  EXPECT_EQ(started.status, 202);
  EXPECT_EQ(Body(started)["state"], "starting");
  const HttpAnswer refused = api.Handle(Request("POST", "/v1/runs", "bearer s3cret"));
  EXPECT_EQ(refused.status, 409);
  EXPECT_EQ(Body(refused)["detail"], "a run is going");
  EXPECT_EQ(api.Handle(Request("GET", "/v1/runs", "Bearer s3cret")).status, 405);
  // Without a configured token the action does not exist.
  EXPECT_EQ(Api().Handle(Request("POST", "/v1/runs", "Bearer s3cret")).status, 404);
}

}  // namespace
}  // namespace tc
