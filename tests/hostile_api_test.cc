// A hostile Bytemark API (the simulator's hostile mode, docs/simulator.md): every way an answer
// can go wrong is classified, bounded and kept to the user it concerns — first for the client
// (CurlTransport + FetchPassList), then for whole runs of the ticketcache binary.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <memory>
#include <string>
#include <vector>

#include "bytemark/bytemark_api.h"
#include "bytemark/curl_transport.h"
#include "bytemark/pass_list_fetch.h"
#include "json/js_json.h"
#include "support/job_fixture.h"
#include "support/sim_process.h"

namespace tc {
namespace {

class HostileApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<SimProcess>> started =
        SimProcess::Start({"--users", "20", "--passes", "5", "--expired", "2"});
    ASSERT_TRUE(started.ok()) << started.error().ToString();
    sim_ = std::move(*started);
  }

  BytemarkConfig Config() const {
    BytemarkConfig config;
    config.customer_api = sim_->base_url();
    config.page_size = 3;
    config.timeout = std::chrono::seconds(10);
    config.max_pages = 20;
    return config;
  }

  void Configure(const std::string& json) {
    Result<std::string> answer = sim_->Post("/_sim/config", json);
    ASSERT_TRUE(answer.ok()) << answer.error().ToString();
  }

  Result<PassListResult> Fetch(int64_t user, const BytemarkConfig& config) {
    return FetchPassListBlocking(transport_, config, clock_, SimTokenForUser(user),
                                 PassListKind::kActive);
  }

  int64_t RequestsSeen() {
    Result<std::string> body = sim_->Get("/_sim/counters");
    EXPECT_TRUE(body.ok());
    Result<Json> counters = ParseJsJson(body.ok() ? *body : "{}");
    return counters.ok() ? counters->value("requests_total", int64_t{0}) : -1;
  }

  std::unique_ptr<SimProcess> sim_;
  SystemClock clock_;
  CurlTransport transport_;
};

TEST_F(HostileApiTest, EveryHostileAnswerForEveryoneIsClassified) {
  struct Case {
    const char* kind;
    ErrorClass expected;
  };
  for (const Case& one :
       {Case{"404", ErrorClass::kMalformed}, Case{"403", ErrorClass::kRejectedToken},
        Case{"html", ErrorClass::kMalformed}, Case{"html502", ErrorClass::kTransient},
        Case{"redirect", ErrorClass::kMalformed}}) {
    Configure(fmt::format(R"({{"fault_all":"{}"}})", one.kind));
    for (int64_t user : {1, 2}) {
      Result<PassListResult> result = Fetch(user, Config());
      ASSERT_FALSE(result.ok()) << one.kind;
      EXPECT_EQ(result.error().error_class, one.expected)
          << one.kind << ": " << result.error().ToString();
    }
  }
  // A wrong API path answers 404 for everyone: malformed, never retried.
  Configure(R"({"fault_all":""})");
  BytemarkConfig wrong = Config();
  wrong.customer_api = sim_->base_url() + "/v9";
  Result<PassListResult> result = Fetch(1, wrong);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().error_class, ErrorClass::kMalformed) << result.error().ToString();
}

// A token with CR LF would add a header of its own ("X-Injected: evil") to the request: it is
// refused before anything is sent, by the fetch and by the transport itself.
TEST_F(HostileApiTest, TokenWithControlCharactersNeverReachesTheServer) {
  const std::string evil = SimTokenForUser(1) + "\r\nX-Injected: evil";
  ASSERT_TRUE(sim_->Post("/_sim/reset", "").ok());
  HttpRequest request;
  request.url = PassPageUrl(sim_->base_url(), PassListKind::kActive, 3, 1);
  request.bearer_token = evil;
  Result<HttpResponse> sent = FetchBlocking(transport_, request);
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.error().error_class, ErrorClass::kRejectedToken);
  EXPECT_EQ(sent.error().message.find("evil"), std::string::npos);

  Result<PassListResult> fetched =
      FetchPassListBlocking(transport_, Config(), clock_, evil, PassListKind::kActive);
  ASSERT_FALSE(fetched.ok());
  EXPECT_EQ(fetched.error().error_class, ErrorClass::kRejectedToken);
  EXPECT_EQ(fetched.error().message, "token contains control characters");
  EXPECT_EQ(RequestsSeen(), 0);
}

TEST_F(HostileApiTest, HugeResponseHeaderIsMalformed) {
  ASSERT_TRUE(sim_->SetUserFault(3, "huge_header").ok());
  Result<PassListResult> result = Fetch(3, Config());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().error_class, ErrorClass::kMalformed) << result.error().ToString();
  EXPECT_NE(result.error().message.find("response header too large"), std::string::npos)
      << result.error().message;
  EXPECT_TRUE(Fetch(4, Config()).ok());  // the transport is fine afterwards
}

TEST_F(HostileApiTest, RetryAfterIsCappedWhateverTheServerSays) {
  BytemarkConfig config = Config();
  config.max_retry_after = std::chrono::seconds(60);
  ASSERT_TRUE(sim_->SetUserFault(5, "429").ok());
  for (const char* value : {"999999999", "9223372036854775", "date+86400"}) {
    Configure(fmt::format(R"({{"retry_after":"{}"}})", value));
    Result<PassListResult> result = Fetch(5, config);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().error_class, ErrorClass::kRateLimited);
    EXPECT_EQ(result.error().retry_after, std::chrono::seconds(60)) << value;
  }
}

TEST_F(HostileApiTest, IdleServerIsATimeout) {
  ASSERT_TRUE(sim_->SetUserFault(6, "idle").ok());
  BytemarkConfig config = Config();
  config.timeout = std::chrono::milliseconds(300);
  config.connect_timeout = std::chrono::milliseconds(300);
  Result<PassListResult> result = Fetch(6, config);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().error_class, ErrorClass::kTimeout) << result.error().ToString();
}

// Endless paging with ~7 MB pages: the user's byte budget stops it long before max_pages, and
// the process never holds more than the budget of response bytes for it.
TEST_F(HostileApiTest, EndlessBigPagesStopAtTheUserBudget) {
  Configure(R"({"big_page_bytes":7000000})");
  ASSERT_TRUE(sim_->SetUserFault(7, "forever_big").ok());
  BytemarkConfig config = Config();
  config.max_pages = 200;
  config.max_response_bytes = 8 * 1024 * 1024;
  config.max_bytes_per_user = 32 * 1024 * 1024;
  ASSERT_TRUE(sim_->Post("/_sim/reset", "").ok());
  rusage before{};
  getrusage(RUSAGE_SELF, &before);
  Result<PassListResult> result = Fetch(7, config);
  rusage after{};
  getrusage(RUSAGE_SELF, &after);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().error_class, ErrorClass::kMalformed);
  EXPECT_NE(result.error().message.find("max_bytes_per_user"), std::string::npos)
      << result.error().message;
  const int64_t requests = RequestsSeen();
  EXPECT_LE(requests, 5);  // 4 pages of 7 MB fit in 32 MiB, the 5th cannot
  std::printf("endless 7 MB pages: %lld requests, max RSS grew by %ld MB\n",
              static_cast<long long>(requests), (after.ru_maxrss - before.ru_maxrss) / 1024);
}

// ---------------------------------------------------------------- whole runs

int64_t FailuresOf(const Json& summary, const char* error_class) {
  const Json& by_class = summary["failures_by_class"];
  return by_class.contains(error_class) ? by_class[error_class].get<int64_t>() : 0;
}

// One user told to come back in 30 s does not hold the other 300: its requests are not waited
// for (over bytemark.max_retry_after), it fails as rate_limited and a later run refreshes it.
TEST(HostileRunTest, OneRateLimitedUserDoesNotHoldTheRun) {
  JobFixture job(JobFixtureOptions().WithUsers(301).WithSim({"--passes", "2", "--expired", "1"}));
  ASSERT_TRUE(job.error().empty()) << job.error();
  ASSERT_TRUE(job.sim().Post("/_sim/config", R"({"retry_after":"30"})").ok());
  ASSERT_TRUE(job.sim().SetUserFault(7, "429").ok());
  Json summary;
  ChildResult run = job.Run({}, &summary);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(summary["built"], 300);
  EXPECT_EQ(summary["failed"], 1);
  EXPECT_EQ(FailuresOf(summary, "rate_limited"), 1);
  EXPECT_EQ(summary["breaker_opened"], 0);
  // Each of user 7's lists was asked once: no 30 s waits, no retries.
  Result<std::string> counters = job.sim().Get("/_sim/counters");
  ASSERT_TRUE(counters.ok());
  Result<Json> parsed = ParseJsJson(*counters);
  ASSERT_TRUE(parsed.ok());
  const Json& by = (*parsed)["by_path_status"];
  EXPECT_EQ(by.value("/passes 429", int64_t{0}) + by.value("/v4.0/passes 429", int64_t{0}), 2);
  std::printf("301 users, one told Retry-After: 30: run took %lld ms\n",
              static_cast<long long>(summary["duration_ms"].get<int64_t>()));
}

// Absurd Retry-After values for everybody never stall a run.
TEST(HostileRunTest, HugeRetryAfterForEveryoneNeverStallsTheRun) {
  for (const char* value : {"999999999", "9223372036854775", "date+86400"}) {
    JobFixture job(JobFixtureOptions().WithUsers(20));
    ASSERT_TRUE(job.error().empty()) << job.error();
    ASSERT_TRUE(
        job.sim()
            .Post("/_sim/config", fmt::format(R"({{"fault_all":"429","retry_after":"{}"}})", value))
            .ok());
    Json summary;
    ChildResult run = job.Run({}, &summary);
    ASSERT_TRUE(summary.is_object()) << run.out << run.err;
    EXPECT_EQ(FailuresOf(summary, "rate_limited"), 20) << value;
    EXPECT_EQ(summary["api_requests"], 40) << value;  // one per list, none waited for
  }
}

// A run's worth of users whose tokens are all refused or whose answers are all malformed says
// nothing about the API's health: the breaker stays closed.
TEST(HostileRunTest, UserFaultsForEveryoneNeverOpenTheBreaker) {
  for (const char* kind : {"403", "html", "404"}) {
    JobFixture job(JobFixtureOptions().WithUsers(100));
    ASSERT_TRUE(job.error().empty()) << job.error();
    ASSERT_TRUE(job.sim().Post("/_sim/config", fmt::format(R"({{"fault_all":"{}"}})", kind)).ok());
    Json summary;
    ChildResult run = job.Run({}, &summary);
    ASSERT_TRUE(summary.is_object()) << run.out << run.err;
    EXPECT_EQ(summary["breaker_opened"], 0) << kind;
    EXPECT_EQ(summary["api_retries"], 0) << kind;
  }
}

}  // namespace
}  // namespace tc
