// `serve` with [on_demand] token_file: POST /v1/users/{id}/refresh against the real binary and
// the simulator — auth, built / fresh / forced, the status GET, unknown users, and the token never
// in the logs (docs/operations.md).
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "bytemark/curl_transport.h"
#include "support/job_fixture.h"
#include "support/serve_process.h"

namespace tc {
namespace {

constexpr const char* kBearer = "integration-on-demand-bearer-7f3a";

Result<HttpResponse> Call(CurlTransport& transport, int port, const std::string& method,
                          const std::string& path, const std::string& bearer) {
  HttpRequest request;
  request.method = method;
  request.url = "http://127.0.0.1:" + std::to_string(port) + path;
  request.bearer_token = bearer;
  request.timeout = std::chrono::seconds(30);
  return FetchBlocking(transport, request);
}

Json Body(const Result<HttpResponse>& response) {
  if (!response.ok()) return Json();
  return Json::parse(response->body, nullptr, false);
}

TEST(OnDemandServeTest, RefreshesOneUserOnRequestBehindItsBearerToken) {
  const std::string token_file =
      ::testing::TempDir() + "/on_demand_serve_test_" + std::to_string(::getpid()) + ".token";
  {
    std::ofstream file(token_file);
    file << kBearer << "\n";
  }
  JobFixture job(JobFixtureOptions()
                     .WithUsers(20)
                     .WithSim(std::vector<std::string>{"--latency-ms", "5"})
                     // No scheduled run during the test: 1 January, midnight.
                     .WithConfig("[schedule]\ncron = \"0 0 1 1 *\"\n\n"
                                 "[server]\nlisten = \"127.0.0.1:0\"\n\n"
                                 "[on_demand]\ntoken_file = \"" +
                                 token_file + "\"\n"));
  ASSERT_TRUE(job.error().empty()) << job.error();
  ServeProcess serve(job.config_path(), job.dir());
  const int port = serve.WaitUntilReady();
  ASSERT_GT(port, 0) << serve.StderrSoFar();
  CurlTransport transport;

  auto anonymous = Call(transport, port, "POST", "/v1/users/3/refresh", "");
  ASSERT_TRUE(anonymous.ok());
  EXPECT_EQ(anonymous->status, 401);
  auto wrong = Call(transport, port, "POST", "/v1/users/3/refresh", "not-the-token");
  ASSERT_TRUE(wrong.ok());
  EXPECT_EQ(wrong->status, 401);
  EXPECT_FALSE(job.Show(3).has_value());

  auto built = Call(transport, port, "POST", "/v1/users/3/refresh", kBearer);
  ASSERT_TRUE(built.ok());
  EXPECT_EQ(built->status, 200) << built->body;
  EXPECT_EQ(Body(built)["outcome"], "built") << built->body;
  EXPECT_GT(Body(built)["timestamp"].get<int64_t>(), 0);
  EXPECT_TRUE(job.Show(3).has_value());

  auto fresh = Call(transport, port, "POST", "/v1/users/3/refresh", kBearer);
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(Body(fresh)["outcome"], "fresh");
  auto forced = Call(transport, port, "POST", "/v1/users/3/refresh?force=1", kBearer);
  ASSERT_TRUE(forced.ok());
  EXPECT_EQ(Body(forced)["outcome"], "unchanged") << forced->body;

  auto status = Call(transport, port, "GET", "/v1/users/3/refresh", kBearer);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->status, 200);
  EXPECT_EQ(Body(status)["outcome"], "unchanged");

  auto unknown = Call(transport, port, "POST", "/v1/users/99999/refresh", kBearer);
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(unknown->status, 404);
  auto metrics_post = Call(transport, port, "POST", "/metrics", kBearer);
  ASSERT_TRUE(metrics_post.ok());
  EXPECT_EQ(metrics_post->status, 405);
  auto health = Call(transport, port, "GET", "/healthz", "");
  ASSERT_TRUE(health.ok());
  EXPECT_EQ(health->status, 200);

  serve.Signal(SIGTERM);
  ChildResult stopped = serve.Wait(20'000);
  EXPECT_EQ(stopped.exit_code, 0) << stopped.err;
  EXPECT_NE(stopped.err.find("\"on_demand\":true"), std::string::npos) << stopped.err;
  EXPECT_EQ(stopped.err.find(kBearer), std::string::npos);
  EXPECT_EQ(stopped.out.find(kBearer), std::string::npos);
}

TEST(OnDemandServeTest, WithoutATokenFileTheEndpointIsOff) {
  JobFixture job(JobFixtureOptions().WithUsers(5).WithConfig(
      "[schedule]\ncron = \"0 0 1 1 *\"\n\n[server]\nlisten = \"127.0.0.1:0\"\n"));
  ASSERT_TRUE(job.error().empty()) << job.error();
  ServeProcess serve(job.config_path(), job.dir());
  const int port = serve.WaitUntilReady();
  ASSERT_GT(port, 0) << serve.StderrSoFar();
  CurlTransport transport;
  auto off = Call(transport, port, "POST", "/v1/users/1/refresh", "anything");
  ASSERT_TRUE(off.ok());
  EXPECT_EQ(off->status, 404);
  EXPECT_FALSE(job.Show(1).has_value());
  serve.Signal(SIGTERM);
  EXPECT_EQ(serve.Wait(20'000).exit_code, 0);
}

TEST(OnDemandServeTest, AnUnreadableTokenFileStopsStartUpNamingTheKey) {
  JobFixture job(JobFixtureOptions().WithUsers(1).WithConfig(
      "[server]\nlisten = \"127.0.0.1:0\"\n\n[on_demand]\ntoken_file = \"/nonexistent/token\"\n"));
  ASSERT_TRUE(job.error().empty()) << job.error();
  BackgroundChild serve({TICKETCACHE_BINARY, "serve", "--config", job.config_path()}, {},
                        job.dir());
  const ChildResult result = serve.Wait(20'000);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("on_demand.token_file"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace tc
