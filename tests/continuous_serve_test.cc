// `serve` with [schedule] mode = "continuous" against the real binary and the simulator: the first
// pass takes every user without a cache, refreshes them at the pass's even pace (not in a burst),
// reports them in ticketcache_continuous_users, and SIGTERM stops it at once (users still waiting
// for their paced requests abandoned) with every written document whole (docs/design.md).
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <sstream>
#include <string>
#include <thread>

#include "bytemark/curl_transport.h"
#include "support/job_fixture.h"
#include "support/serve_process.h"

namespace tc {
namespace {

constexpr int64_t kUsers = 12;

TEST(ContinuousServeProcessTest, RefreshesDueUsersAtThePassPaceAndStopsCleanly) {
  JobFixture job(JobFixtureOptions()
                     .WithUsers(kUsers)
                     .WithSim(std::vector<std::string>{"--latency-ms", "5"})
                     .WithConfig("[schedule]\nmode = \"continuous\"\n\n"
                                 "[server]\nlisten = \"127.0.0.1:0\"\n"));
  ASSERT_TRUE(job.error().empty()) << job.error();
  ServeProcess serve(job.config_path(), job.dir());
  const int port = serve.WaitUntilReady();
  ASSERT_GT(port, 0) << serve.StderrSoFar();

  // The pass spreads its 12 users' 24 requests over most of its minute (under 0.5 a second), so
  // the first documents arrive one by one.
  size_t built = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  while (std::chrono::steady_clock::now() < deadline) {
    built = job.AllDocuments().size();
    if (built >= 2) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_GE(built, 2u) << serve.StderrSoFar();
  EXPECT_LT(built, static_cast<size_t>(kUsers)) << "the pass refreshed everyone in a burst";

  CurlTransport transport;
  HttpRequest request;
  request.url = "http://127.0.0.1:" + std::to_string(port) + "/metrics";
  request.timeout = std::chrono::seconds(30);
  const Result<HttpResponse> metrics = FetchBlocking(transport, request);
  ASSERT_TRUE(metrics.ok()) << metrics.error().ToString();
  // No user had a cache at the census: all of them were overdue, none past what the budget covers.
  EXPECT_NE(metrics->body.find("ticketcache_continuous_users{state=\"overdue\"} 12"),
            std::string::npos)
      << metrics->body;
  EXPECT_NE(metrics->body.find("ticketcache_continuous_users{state=\"will_miss_ttl\"} 0"),
            std::string::npos)
      << metrics->body;

  serve.Signal(SIGTERM);
  const ChildResult stopped = serve.Wait(60'000);
  EXPECT_EQ(stopped.exit_code, 0) << stopped.err;
  // The pass's summary on stdout: the users still waiting for their paced requests were
  // abandoned at the stop, not refreshed during the grace period.
  Json summary;
  std::istringstream lines(stopped.out);
  for (std::string line; std::getline(lines, line);) {
    const Json parsed = Json::parse(line, nullptr, false);
    if (parsed.is_object() && parsed.value("status", "") == "interrupted") summary = parsed;
  }
  ASSERT_TRUE(summary.is_object()) << stopped.out;
  EXPECT_GT(summary.value("abandoned", int64_t{0}), 0) << stopped.out;
  EXPECT_EQ(summary.value("failed", int64_t{-1}), 0) << stopped.out;
  // Abandoned users keep no cache; every document written is whole.
  const std::map<int64_t, std::string> documents = job.AllDocuments();
  EXPECT_GE(documents.size(), built);
  EXPECT_LT(documents.size(), static_cast<size_t>(kUsers));
  for (const auto& [user, text] : documents) {
    const Json document = Json::parse(text, nullptr, false);
    ASSERT_TRUE(document.is_object()) << text;
    EXPECT_EQ(document["user_id"], user);
    EXPECT_TRUE(document["passes"].is_array()) << text;
    EXPECT_TRUE(document["passes4"].is_array()) << text;
  }
  EXPECT_EQ(stopped.err.find("tc-sim-token-"), std::string::npos);  // tokens never logged
  EXPECT_EQ(stopped.out.find("tc-sim-token-"), std::string::npos);
}

}  // namespace
}  // namespace tc
