#include "serve/on_demand_route.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <future>

#include "log/secret_redactor.h"
#include "testing/run_test_support.h"

namespace tc {
namespace {

using testing_run::FakeTransport;
using testing_run::PassesResponse;
using testing_run::Token;
using testing_run::UserOf;
using testing_run::VectorTokenSource;

constexpr const char* kBearer = "s3cret-on-demand-token";

HttpServerRequest Request(std::string method, std::string target, std::string authorization) {
  HttpServerRequest request;
  request.method = std::move(method);
  request.target = std::move(target);
  if (!authorization.empty()) request.headers.emplace_back("Authorization", authorization);
  return request;
}

class OnDemandRouteTest : public testing_run::RefreshRunTest {
 protected:
  void SetUp() override {
    RefreshRunTest::SetUp();
    tokens_ =
        std::make_unique<VectorTokenSource>(std::vector<UserToken>{{1, Token(1)}, {2, Token(2)}});
    transport_ = std::make_unique<FakeTransport>(clock_, [](const HttpRequest& request, int) {
      return Result<HttpResponse>(
          PassesResponse(UserOf(request), request.url.find("/v4.0/") != std::string::npos));
    });
    refresher_ = std::make_unique<OnDemandRefresher>(config_, std::chrono::seconds(10), *tokens_,
                                                     *store_, *transport_, clock_,
                                                     SharedApiState{limiter_, breaker_, flights_});
    refresher_->Start();
  }
  void TearDown() override {
    refresher_->Stop();
    RefreshRunTest::TearDown();
  }

  // The route's answer, waiting for it.
  HttpAnswer Call(const OnDemandRoute& route, const HttpServerRequest& request) {
    auto promise = std::make_shared<std::promise<HttpAnswer>>();
    auto future = promise->get_future();
    route.Handle(request, [promise](HttpAnswer answer) { promise->set_value(std::move(answer)); });
    return future.get();
  }

  std::unique_ptr<VectorTokenSource> tokens_;
  std::unique_ptr<FakeTransport> transport_;
  RateLimiter limiter_{0, clock_.SteadyNow()};
  CircuitBreaker breaker_{config_};
  UserFlights flights_;
  std::unique_ptr<OnDemandRefresher> refresher_;
};

TEST_F(OnDemandRouteTest, WithoutATokenTheEndpointIsOff) {
  const OnDemandRoute off("", refresher_.get());
  EXPECT_FALSE(off.enabled());
  EXPECT_EQ(Call(off, Request("POST", "/v1/users/1/refresh", "Bearer ")).status, 404);
  EXPECT_EQ(transport_->total_requests(), 0);
}

TEST_F(OnDemandRouteTest, MissingOrWrongTokenIs401AndNeverEchoed) {
  const OnDemandRoute route(kBearer, refresher_.get());
  EXPECT_EQ(Call(route, Request("POST", "/v1/users/1/refresh", "")).status, 401);
  EXPECT_EQ(Call(route, Request("POST", "/v1/users/1/refresh", "Bearer nope")).status, 401);
  EXPECT_EQ(
      Call(route, Request("POST", "/v1/users/1/refresh", std::string("Basic ") + kBearer)).status,
      401);
  const HttpAnswer longer =
      Call(route, Request("POST", "/v1/users/1/refresh", std::string("Bearer ") + kBearer + "x"));
  EXPECT_EQ(longer.status, 401);
  EXPECT_EQ(longer.body.find(kBearer), std::string::npos);
  EXPECT_EQ(transport_->total_requests(), 0);
}

TEST_F(OnDemandRouteTest, RightTokenRefreshesAndAnswersTheOutcome) {
  const OnDemandRoute route(kBearer, refresher_.get());
  const std::string auth = std::string("bearer  ") + kBearer;  // scheme is case-insensitive
  const HttpAnswer built = Call(route, Request("POST", "/v1/users/1/refresh", auth));
  EXPECT_EQ(built.status, 200);
  EXPECT_EQ(built.content_type, "application/json");
  const Json body = Json::parse(built.body);
  EXPECT_EQ(body["outcome"], "built");
  EXPECT_EQ(body["user_id"], 1);
  EXPECT_EQ(body["timestamp"], clock_.NowUnixSeconds());

  EXPECT_EQ(Json::parse(Call(route, Request("POST", "/v1/users/1/refresh", auth)).body)["outcome"],
            "fresh");
  EXPECT_EQ(Json::parse(
                Call(route, Request("POST", "/v1/users/1/refresh?force=1", auth)).body)["outcome"],
            "unchanged");
  EXPECT_EQ(transport_->total_requests(), 4);

  const HttpAnswer status = Call(route, Request("GET", "/v1/users/1/refresh", auth));
  EXPECT_EQ(status.status, 200);
  EXPECT_EQ(Json::parse(status.body)["outcome"], "unchanged");
  EXPECT_EQ(Call(route, Request("GET", "/v1/users/2/refresh", auth)).status, 404);
}

TEST_F(OnDemandRouteTest, UnknownUsersAndPathsAre404AndOtherMethods405) {
  const OnDemandRoute route(kBearer, refresher_.get());
  const std::string auth = std::string("Bearer ") + kBearer;
  const HttpAnswer unknown = Call(route, Request("POST", "/v1/users/77/refresh", auth));
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(Json::parse(unknown.body)["outcome"], "unknown_user");
  EXPECT_EQ(Call(route, Request("POST", "/v1/users/abc/refresh", auth)).status, 404);
  EXPECT_EQ(Call(route, Request("POST", "/v1/users/1/other", auth)).status, 404);
  EXPECT_EQ(Call(route, Request("DELETE", "/v1/users/1/refresh", auth)).status, 405);
  EXPECT_EQ(transport_->total_requests(), 0);
}

TEST(OnDemandHttpAnswerTest, RunningIs202WithWhereToLook) {
  const HttpAnswer answer =
      OnDemandHttpAnswer(OnDemandAnswer{OnDemandAnswer::State::kRunning, 42, {}});
  EXPECT_EQ(answer.status, 202);
  const Json body = Json::parse(answer.body);
  EXPECT_EQ(body["state"], "running");
  EXPECT_EQ(body["status_url"], "/v1/users/42/refresh");
}

TEST(OnDemandHttpAnswerTest, FailureCarriesItsClass) {
  UserRefreshResult failed;
  failed.kind = UserRefreshResult::Kind::kFailed;
  failed.error_class = ErrorClass::kCircuitOpen;
  const Json body =
      Json::parse(OnDemandHttpAnswer(OnDemandAnswer{OnDemandAnswer::State::kDone, 3, failed}).body);
  EXPECT_EQ(body["outcome"], "failed");
  EXPECT_EQ(body["error_class"], ErrorClassName(ErrorClass::kCircuitOpen));
}

TEST(ReadBearerTokenFileTest, TrimsAndNamesTheKeyWithoutQuotingTheFile) {
  const auto path = std::filesystem::path(::testing::TempDir()) / "on_demand_token";
  {
    std::ofstream file(path);
    file << "  " << kBearer << "\n";
  }
  auto token = ReadBearerTokenFile(path.string());
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(*token, kBearer);
  {
    std::ofstream file(path);
    file << " \n";
  }
  auto empty = ReadBearerTokenFile(path.string());
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.error().message.find("on_demand.token_file"), std::string::npos);
  auto missing = ReadBearerTokenFile((path.string() + ".absent"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().error_class, ErrorClass::kConfig);
  std::filesystem::remove(path);
  auto directory = ReadBearerTokenFile(::testing::TempDir());  // refused, never read
  ASSERT_FALSE(directory.ok());
  EXPECT_NE(directory.error().message.find("is a directory"), std::string::npos);
}

}  // namespace
}  // namespace tc
