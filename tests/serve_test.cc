// `serve` on an every-2-seconds cron: runs happen, ticks during a run are skipped and counted,
// /metrics /healthz /readyz / answer, and SIGTERM stops it cleanly with exit 0
// (docs/operations.md). A store that is down at start makes serve not ready, not dead.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <thread>

#include "bytemark/curl_transport.h"
#include "support/job_fixture.h"
#include "support/serve_process.h"

namespace tc {
namespace {

Result<HttpResponse> Get(CurlTransport& transport, int port, const std::string& path) {
  HttpRequest request;
  request.url = "http://127.0.0.1:" + std::to_string(port) + path;
  request.timeout = std::chrono::seconds(5);
  return FetchBlocking(transport, request);
}

double Sample(const std::string& metrics, const std::string& series) {
  std::istringstream lines(metrics);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return -1;
}

TEST(ServeTest, RunsOnScheduleSkipsOverlappingTicksAndStopsCleanly) {
  // 150 users × 2 requests × 40 ms / 2 in flight ≈ 6 s per run: ticks every 2 s overlap.
  JobFixture job(JobFixtureOptions()
                     .WithUsers(150)
                     .WithSim(std::vector<std::string>{"--latency-ms", "40"})
                     .WithConfig("[schedule]\ncron = \"*/2 * * * * *\"\n\n"
                                 "[server]\nlisten = \"127.0.0.1:0\"\n")
                     // ttl 1 s: every run refreshes all 150 users, so one is nearly always going.
                     .WithRefresh("concurrency = 2\nretries = 1\ngrace_period = \"2s\"\n"
                                  "lock_ttl = \"3s\"\nttl = \"1s\"\nrefresh_ahead = \"0s\"\n"));
  ASSERT_TRUE(job.error().empty()) << job.error();
  ServeProcess serve(job.config_path(), job.dir());
  const int port = serve.WaitUntilReady();
  ASSERT_GT(port, 0) << serve.StderrSoFar();
  // A client that connects and sends nothing must not hold up anyone else.
  const int idle = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(idle, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  CurlTransport transport;

  auto health = Get(transport, port, "/healthz");
  ASSERT_TRUE(health.ok());
  EXPECT_EQ(health->status, 200);
  auto ready = Get(transport, port, "/readyz");
  ASSERT_TRUE(ready.ok());
  EXPECT_EQ(ready->status, 200) << ready->body;
  auto missing = Get(transport, port, "/nope");
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->status, 404);
  auto too_long = Get(transport, port, "/" + std::string(10'000, 'a'));
  ASSERT_TRUE(too_long.ok());
  EXPECT_EQ(too_long->status, 414);

  // Wait (bounded) for one finished run and one skipped tick.
  std::string metrics;
  for (int i = 0; i < 300; ++i) {
    auto scraped = Get(transport, port, "/metrics");
    ASSERT_TRUE(scraped.ok());
    metrics = scraped->body;
    if (Sample(metrics, "ticketcache_runs_total{status=\"ok\"}") >= 1 &&
        Sample(metrics, "ticketcache_schedule_ticks_skipped_total") >= 1) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_GE(Sample(metrics, "ticketcache_runs_total{status=\"ok\"}"), 1) << metrics;
  EXPECT_GE(Sample(metrics, "ticketcache_schedule_ticks_skipped_total"), 1) << metrics;
  EXPECT_GT(Sample(metrics, "ticketcache_last_success_timestamp_seconds"), 0);
  EXPECT_NE(metrics.find("# TYPE ticketcache_api_request_duration_seconds histogram"),
            std::string::npos);
  EXPECT_NE(serve.StderrSoFar().find("tick skipped"), std::string::npos);

  auto page = Get(transport, port, "/");
  ASSERT_TRUE(page.ok());
  EXPECT_NE(page->body.find("Recent runs"), std::string::npos);

  // Wait (bounded) until /api/status shows a run in progress with users done, then SIGTERM.
  bool running = false;
  for (int i = 0; i < 600 && !running; ++i) {
    auto status = Get(transport, port, "/api/status");
    if (status.ok()) {
      const Json document = Json::parse(status->body, nullptr, /*allow_exceptions=*/false);
      running = document.is_object() && document.contains("current_run") &&
                document["current_run"].is_object();
    }
    if (!running) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(running);
  ::close(idle);
  serve.Signal(SIGTERM);
  ChildResult stopped = serve.Wait(20'000);
  EXPECT_EQ(stopped.signal, 0) << "serve did not stop by itself";
  EXPECT_EQ(stopped.exit_code, 0) << stopped.err;
  EXPECT_NE(stopped.err.find("\"message\":\"stopped\""), std::string::npos);
  // Each finished run printed its summary; the one SIGTERM cut short says so.
  EXPECT_NE(stopped.out.find("\"status\":\"ok\""), std::string::npos) << stopped.out;
  EXPECT_NE(stopped.out.find("\"status\":\"interrupted\""), std::string::npos) << stopped.out;

  ChildResult status = job.Ticketcache({"status", "--json"});
  ASSERT_EQ(status.exit_code, 0);
  EXPECT_NE(status.out.find("interrupted"), std::string::npos);
  // Tokens never reached any output.
  EXPECT_EQ(stopped.err.find("tc-sim-token-"), std::string::npos);
}

TEST(ServeTest, StartsNotReadyWhileTheStoreIsMissingAndBecomesReadyWhenItAppears) {
  JobFixture job(JobFixtureOptions().WithUsers(20).WithConfig(
      "[schedule]\ncron = \"*/2 * * * * *\"\n\n[server]\nlisten = \"127.0.0.1:0\"\n"));
  ASSERT_TRUE(job.error().empty()) << job.error();
  const std::map<std::string, std::string> later_store{
      {"TICKETCACHE_STORE_URL", "sqlite:" + job.dir() + "/created-later.db"}};
  BackgroundChild serve({TICKETCACHE_BINARY, "serve", "--config", job.config_path()}, later_store,
                        job.dir());
  const int port = WaitForServePort(serve);
  ASSERT_GT(port, 0) << serve.StderrSoFar();
  CurlTransport transport;

  auto health = Get(transport, port, "/healthz");
  ASSERT_TRUE(health.ok());
  EXPECT_EQ(health->status, 200);
  auto ready = Get(transport, port, "/readyz");
  ASSERT_TRUE(ready.ok());
  EXPECT_EQ(ready->status, 503);
  // Before the first attempt has failed the reason may still be "opening the stores".
  for (int i = 0; i < 200 && ready->body.find("no such database file") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ready = Get(transport, port, "/readyz");
    ASSERT_TRUE(ready.ok());
  }
  EXPECT_EQ(ready->status, 503);
  EXPECT_NE(ready->body.find("cache store: "), std::string::npos) << ready->body;
  EXPECT_NE(ready->body.find("created-later.db: no such database file"), std::string::npos)
      << ready->body;
  EXPECT_TRUE(serve.Running());
  EXPECT_NE(serve.StderrSoFar().find("not ready: cannot open a store; retrying"),
            std::string::npos);

  ChildResult init = job.Ticketcache({"init"}, later_store);
  ASSERT_EQ(init.exit_code, 0) << init.err;
  // The backoff doubles from 1 s: the next attempt comes within a few seconds (bounded at 60 s).
  for (int i = 0; i < 600 && ready->status != 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ready = Get(transport, port, "/readyz");
    ASSERT_TRUE(ready.ok());
  }
  EXPECT_EQ(ready->status, 200) << ready->body;

  // Then it runs on its schedule.
  std::string metrics;
  for (int i = 0; i < 600 && Sample(metrics, "ticketcache_runs_total{status=\"ok\"}") < 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto scraped = Get(transport, port, "/metrics");
    ASSERT_TRUE(scraped.ok());
    metrics = scraped->body;
  }
  EXPECT_GE(Sample(metrics, "ticketcache_runs_total{status=\"ok\"}"), 1) << metrics;
  serve.Signal(SIGTERM);
  ChildResult stopped = serve.Wait(20'000);
  EXPECT_EQ(stopped.exit_code, 0) << stopped.err;
}

TEST(ServeTest, WaitsForAMariaDbThatIsDownWithoutLeakingItsPasswordAndStopsOnSigterm) {
  JobFixture job(
      JobFixtureOptions().WithUsers(5).WithConfig("[server]\nlisten = \"127.0.0.1:0\"\n"));
  ASSERT_TRUE(job.error().empty()) << job.error();
  // Port 1 on loopback: nothing listens, the connection is refused.
  BackgroundChild serve({TICKETCACHE_BINARY, "serve", "--config", job.config_path()},
                        {{"TICKETCACHE_STORE_URL", "mysql://ticketcache@127.0.0.1:1/cache"},
                         {"TICKETCACHE_STORE_PASSWORD", "serve-test-store-secret"}},
                        job.dir());
  const int port = WaitForServePort(serve);
  ASSERT_GT(port, 0) << serve.StderrSoFar();
  CurlTransport transport;
  auto ready = Get(transport, port, "/readyz");
  ASSERT_TRUE(ready.ok());
  for (int i = 0; i < 200 && ready->body.find("cache store: ") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ready = Get(transport, port, "/readyz");
    ASSERT_TRUE(ready.ok());
  }
  EXPECT_EQ(ready->status, 503);
  EXPECT_NE(ready->body.find("cache store: "), std::string::npos) << ready->body;
  auto health = Get(transport, port, "/healthz");
  ASSERT_TRUE(health.ok());
  EXPECT_EQ(health->status, 200);

  serve.Signal(SIGTERM);
  ChildResult stopped = serve.Wait(20'000);
  EXPECT_EQ(stopped.signal, 0) << "serve did not stop by itself";
  EXPECT_EQ(stopped.exit_code, 0) << stopped.err;
  EXPECT_EQ(stopped.err.find("serve-test-store-secret"), std::string::npos) << stopped.err;
  EXPECT_EQ(ready->body.find("serve-test-store-secret"), std::string::npos) << ready->body;
}

// libmongoc's shared-memory counters file would outlive a killed serve and make a later process
// with the same pid warn on stderr (not a JSON line): serve leaves no such file while it runs.
TEST(ServeTest, LeavesNoMongocCountersFileInDevShm) {
  JobFixture job(JobFixtureOptions().WithUsers(1).WithConfig(
      "[schedule]\ncron = \"0 0 1 1 *\"\n\n[server]\nlisten = \"127.0.0.1:0\"\n"));
  ASSERT_TRUE(job.error().empty()) << job.error();
  ServeProcess serve(job.config_path(), job.dir());
  ASSERT_GT(serve.WaitUntilReady(), 0) << serve.StderrSoFar();
  const std::string counters = "/dev/shm/mongoc-" + std::to_string(serve.pid());
  EXPECT_NE(::access(counters.c_str(), F_OK), 0) << counters << " exists";
  serve.Signal(SIGTERM);
  EXPECT_EQ(serve.Wait(20'000).exit_code, 0);
}

TEST(ServeTest, AStoreConfigurationErrorStillExitsTwo) {
  JobFixture job(
      JobFixtureOptions().WithUsers(5).WithConfig("[server]\nlisten = \"127.0.0.1:0\"\n"));
  ASSERT_TRUE(job.error().empty()) << job.error();
  // Refused when the configuration loads.
  ChildResult serve = job.Ticketcache({"serve"}, {{"TICKETCACHE_STORE_URL", "redis://cache/0"}});
  EXPECT_EQ(serve.exit_code, 2) << serve.err;
  // Refused only when the store is opened, after serve has started answering HTTP: still exit 2,
  // not a retry.
  serve = job.Ticketcache({"serve"}, {{"TICKETCACHE_STORE_URL", "mongodb://ticketcache@"}});
  EXPECT_EQ(serve.exit_code, 2) << serve.err;
  EXPECT_NE(serve.err.find("not a valid MongoDB URL"), std::string::npos) << serve.err;
  EXPECT_EQ(serve.err.find("retrying"), std::string::npos) << serve.err;
}

}  // namespace
}  // namespace tc
