// A long-lived `serve` through an API outage and its end, against the real simulator: the runs
// during the outage end degraded, and once the API answers again the daemon's next runs end ok by
// themselves — no restart (docs/failure-model.md, the breaker across runs).
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

double RecoverySample(const std::string& metrics, const std::string& series) {
  std::istringstream lines(metrics);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return 0;
}

std::string ScrapeMetrics(CurlTransport& transport, int port) {
  HttpRequest request;
  request.url = "http://127.0.0.1:" + std::to_string(port) + "/metrics";
  request.timeout = std::chrono::seconds(5);
  auto answer = FetchBlocking(transport, request);
  return answer.ok() ? answer->body : std::string();
}

// Polls /metrics (bounded: `seconds`) until `series` reaches `at_least`; the last scrape.
std::string WaitForRecoverySample(CurlTransport& transport, int port, const std::string& series,
                                  double at_least, int seconds) {
  std::string metrics;
  for (int i = 0; i < seconds * 10; ++i) {
    metrics = ScrapeMetrics(transport, port);
    if (RecoverySample(metrics, series) >= at_least) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return metrics;
}

TEST(ServeRecoveryTest, RunsAfterAnOutageEndOkWithoutARestart) {
  // A run every 2 s (30 users × 2 requests × 100 ms / 4 in flight: 1.5 s); ttl 1 s: every run
  // refreshes all 30 users. The breaker opens after 5 failing users and a run gives up 2 s after
  // that; the API-wide judge needs more users than that, so the outage runs are the breaker's.
  JobFixture job(JobFixtureOptions()
                     .WithUsers(30)
                     // Answers take 100 ms: a probe is not answered within the loop's first step.
                     .WithSim(std::vector<std::string>{"--latency-ms", "100"})
                     .WithConfig("[schedule]\ncron = \"*/2 * * * * *\"\n\n"
                                 "[server]\nlisten = \"127.0.0.1:0\"\n")
                     .WithRefresh("concurrency = 4\nretries = 0\nlock_ttl = \"3s\"\n"
                                  "ttl = \"1s\"\nrefresh_ahead = \"0s\"\n"
                                  "breaker_window = 10\nbreaker_min_calls = 5\n"
                                  "breaker_open_for = \"1s\"\nbreaker_give_up_after = \"2s\"\n"
                                  "api_wide_min_users = 25\n"));
  ASSERT_TRUE(job.error().empty()) << job.error();
  ASSERT_TRUE(job.sim().Post("/_sim/config", R"({"fault_all":"503"})").ok());
  ServeProcess serve(job.config_path(), job.dir());
  const int port = serve.WaitUntilReady();
  ASSERT_GT(port, 0) << serve.StderrSoFar();
  CurlTransport transport;

  // The outage: runs end degraded, the breaker is left open or half-open.
  std::string metrics =
      WaitForRecoverySample(transport, port, "ticketcache_runs_total{status=\"degraded\"}", 2, 60);
  ASSERT_GE(RecoverySample(metrics, "ticketcache_runs_total{status=\"degraded\"}"), 2)
      << serve.StderrSoFar();
  EXPECT_GT(RecoverySample(metrics, "ticketcache_circuit_breaker_state"), 0) << metrics;
  const double ok_before = RecoverySample(metrics, "ticketcache_runs_total{status=\"ok\"}");

  // The API answers again: the next runs probe, close the breaker and end ok.
  ASSERT_TRUE(job.sim().Post("/_sim/config", R"({"fault_all":""})").ok());
  metrics = WaitForRecoverySample(transport, port, "ticketcache_runs_total{status=\"ok\"}",
                                  ok_before + 2, 60);
  EXPECT_GE(RecoverySample(metrics, "ticketcache_runs_total{status=\"ok\"}"), ok_before + 2)
      << serve.StderrSoFar();
  EXPECT_EQ(RecoverySample(metrics, "ticketcache_circuit_breaker_state"), 0) << metrics;

  serve.Signal(SIGTERM);
  ChildResult stopped = serve.Wait(20'000);
  EXPECT_EQ(stopped.exit_code, 0) << stopped.err;
  // Nobody was backed off for the API's outage.
  ChildResult status = job.Ticketcache({"status", "--json"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  const Json report = Json::parse(status.out, nullptr, /*allow_exceptions=*/false);
  ASSERT_TRUE(report.is_object()) << status.out;
  for (const Json& user : report.value("failing_users", Json::array())) {
    EXPECT_TRUE(user["next_attempt_at"].is_null()) << user.dump();
  }
}

}  // namespace
}  // namespace tc
