#include "api/api_request_pipeline.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "api/retry_backoff.h"
#include "bytemark/response_classification.h"

namespace tc {
namespace {

using namespace std::chrono_literals;

// Answers every started request on the next Drive (from `answer`); with nothing on the wire a
// Drive lets `max_wait` of fake time pass, as a real transport's poll would.
class FakeTransport final : public HttpTransport {
 public:
  explicit FakeTransport(FakeClock& clock) : clock_(clock) {}

  struct Started {
    HttpRequest request;
    SteadyTime at;
  };
  std::function<Result<HttpResponse>(const HttpRequest&)> answer = [](const HttpRequest&) {
    return Result<HttpResponse>(HttpResponse{200, "{}", std::nullopt});
  };
  std::vector<Started> started;
  size_t peak_in_flight = 0;
  bool hold = false;  // keep requests on the wire (unanswered)

  void Start(HttpRequest request, HttpCallback done) override {
    started.push_back({request, clock_.SteadyNow()});
    pending_.push_back({std::move(request), std::move(done)});
    peak_in_flight = std::max(peak_in_flight, pending_.size());
  }
  size_t Drive(Duration max_wait) override {
    if (pending_.empty() || hold) {
      clock_.Advance(max_wait);
      return pending_.size();
    }
    std::vector<Pending> batch = std::move(pending_);
    pending_.clear();
    for (Pending& one : batch) one.done(answer(one.request));
    return pending_.size();
  }
  void Wakeup() override {}
  size_t on_the_wire() const { return pending_.size(); }

 private:
  struct Pending {
    HttpRequest request;
    HttpCallback done;
  };
  FakeClock& clock_;
  std::vector<Pending> pending_;
};

HttpResponse Answer(long status, std::optional<std::string> retry_after = std::nullopt) {
  return HttpResponse{status, status == 200 ? "{}" : "", std::move(retry_after)};
}

// The class a caller records for a final result (nullopt: success).
std::optional<ErrorClass> FailureOf(const Result<HttpResponse>& result) {
  if (!result.ok()) return result.error().error_class;
  const Status verdict = ClassifyHttpResponse(*result, 0, 10s);
  if (verdict.ok()) return std::nullopt;
  return verdict.error().error_class;
}

struct Outcome {
  Result<HttpResponse> result;
  SteadyTime at;
  Status verdict;  // the pipeline's one classification of the answer
};

class PipelineTest : public ::testing::Test {
 protected:
  PipelineTest() {
    retry_.retries = 3;
    retry_.base_delay = 200ms;
    retry_.max_delay = 10s;
    breaker_policy_.failure_ratio = 0.5;
    breaker_policy_.window = 10;
    breaker_policy_.min_calls = 4;
    breaker_policy_.open_for = 10s;
  }

  void Make(int max_in_flight = 4, Duration max_retry_after = 10s, double rate = 0) {
    limiter_.emplace(rate, clock_.SteadyNow());
    breaker_.emplace(breaker_policy_, 30s);
    pipeline_.emplace(transport_, clock_, retry_, max_retry_after, *limiter_, *breaker_, nullptr,
                      max_in_flight, kSeed);
  }

  // Sends a request for `token`; its outcome lands in outcomes_[token].
  void Send(const std::string& token) {
    HttpRequest request;
    request.url = "http://api.test/passes?page=1";
    request.bearer_token = token;
    pipeline_->Send(
        std::move(request), "passes", [this, token](Result<HttpResponse> result, Status verdict) {
          outcomes_.emplace(token,
                            Outcome{std::move(result), clock_.SteadyNow(), std::move(verdict)});
        });
  }

  // Steps until `count` outcomes are in (or a generous step bound).
  void RunUntilDone(size_t count, int max_steps = 100'000) {
    for (int i = 0; i < max_steps && outcomes_.size() < count; ++i) pipeline_->Step(100ms);
    ASSERT_EQ(outcomes_.size(), count);
  }

  int StartsOf(const std::string& token) const {
    return static_cast<int>(std::count_if(
        transport_.started.begin(), transport_.started.end(),
        [&token](const FakeTransport::Started& s) { return s.request.bearer_token == token; }));
  }

  static constexpr uint64_t kSeed = 7;
  FakeClock clock_;
  FakeTransport transport_{clock_};
  RetryPolicy retry_;
  BreakerPolicy breaker_policy_;
  std::optional<RateLimiter> limiter_;
  std::optional<CircuitBreaker> breaker_;
  std::optional<ApiRequestPipeline> pipeline_;
  std::map<std::string, Outcome> outcomes_;
};

TEST_F(PipelineTest, NeverMoreThanMaxInFlight) {
  Make(3);
  for (int i = 0; i < 20; ++i) Send("u" + std::to_string(i));
  RunUntilDone(20);
  EXPECT_EQ(transport_.peak_in_flight, 3u);
  EXPECT_EQ(pipeline_->attempts(), 20);
  EXPECT_EQ(pipeline_->retries(), 0);
  for (const auto& [token, outcome] : outcomes_) {
    ASSERT_TRUE(outcome.result.ok());
    EXPECT_EQ(outcome.result->status, 200);
  }
}

// Retryable failures are retried retry.retries times, each after FullJitterBackoff of the
// RetryPolicy drawn from the pipeline's seeded generator; the last answer is the outcome.
TEST_F(PipelineTest, RetriesTransientFailuresWithFullJitterDelays) {
  Make(1);
  transport_.answer = [](const HttpRequest&) { return Result<HttpResponse>(Answer(503)); };
  Send("a");
  RunUntilDone(1);
  ASSERT_EQ(transport_.started.size(), 4u);
  std::mt19937_64 rng(kSeed);
  for (int attempt = 0; attempt < 3; ++attempt) {
    const Duration expected = FullJitterBackoff(attempt, 200ms, 10s, rng);
    EXPECT_EQ(std::chrono::duration_cast<Duration>(transport_.started[attempt + 1].at -
                                                   transport_.started[attempt].at),
              expected)
        << attempt;
  }
  ASSERT_TRUE(outcomes_.at("a").result.ok());
  EXPECT_EQ(outcomes_.at("a").result->status, 503);
  // The answer comes with the pipeline's verdict, so that nobody classifies it again.
  ASSERT_FALSE(outcomes_.at("a").verdict.ok());
  EXPECT_EQ(outcomes_.at("a").verdict.error().error_class, ErrorClass::kTransient);
  EXPECT_EQ(pipeline_->retries(), 3);
}

TEST_F(PipelineTest, TransportFailuresOfRetryableClassesAreRetried) {
  for (ErrorClass error_class :
       {ErrorClass::kTimeout, ErrorClass::kNetwork, ErrorClass::kTransient}) {
    transport_.started.clear();
    outcomes_.clear();
    Make(1);
    int calls = 0;
    transport_.answer = [&calls, error_class](const HttpRequest&) -> Result<HttpResponse> {
      if (++calls < 3) return MakeError(error_class, "GET x: failed");
      return Answer(200);
    };
    Send("a");
    RunUntilDone(1);
    EXPECT_EQ(transport_.started.size(), 3u) << ErrorClassName(error_class);
    EXPECT_TRUE(outcomes_.at("a").result.ok());
  }
}

TEST_F(PipelineTest, NonRetryableAnswersAreFinalAtOnce) {
  std::vector<Result<HttpResponse>> answers = {
      Answer(401),
      Answer(403),
      Answer(404),
      Answer(302),
      Answer(400),
      HttpResponse{200, "<html><body>Bad Gateway</body></html>", std::nullopt},
      MakeError(ErrorClass::kMalformed, "GET x: response larger than 8 bytes"),
      MakeError(ErrorClass::kRejectedToken, "token contains control characters"),
  };
  for (size_t i = 0; i < answers.size(); ++i) {
    transport_.started.clear();
    outcomes_.clear();
    Make(1);
    transport_.answer = [&answers, i](const HttpRequest&) { return answers[i]; };
    Send("a");
    RunUntilDone(1);
    EXPECT_EQ(transport_.started.size(), 1u) << i;
    EXPECT_EQ(pipeline_->retries(), 0) << i;
  }
}

// A Retry-After defers that request only: the other users' requests are answered at once.
TEST_F(PipelineTest, RetryAfterDefersOnlyThatRequest) {
  Make(4);
  int limited = 0;
  transport_.answer = [&limited](const HttpRequest& request) -> Result<HttpResponse> {
    if (request.bearer_token == "slow" && limited++ == 0) return Answer(429, "5");
    return Answer(200);
  };
  const SteadyTime begin = clock_.SteadyNow();
  Send("slow");
  for (int i = 0; i < 30; ++i) Send("u" + std::to_string(i));
  RunUntilDone(31);
  for (int i = 0; i < 30; ++i) {
    EXPECT_LT(outcomes_.at("u" + std::to_string(i)).at - begin, 1s) << i;
  }
  EXPECT_EQ(StartsOf("slow"), 2);
  EXPECT_EQ(outcomes_.at("slow").at - begin, 5s);
  ASSERT_TRUE(outcomes_.at("slow").result.ok());
  EXPECT_EQ(outcomes_.at("slow").result->status, 200);
  EXPECT_EQ(limiter_->slowdowns(), 0);
}

// Told to wait longer than max_retry_after, a request ends at once as rate limited (its user is
// refreshed by a later run); absurd values never overflow or stall.
TEST_F(PipelineTest, RetryAfterOverTheBoundEndsTheRequestAtOnce) {
  Make(4, 10s);
  clock_.SetUnixSeconds(1445412480);  // Wed, 21 Oct 2015 07:28:00 GMT
  const std::map<std::string, std::string> retry_after = {
      {"thirty", "30"},
      {"huge", "999999999"},
      {"overflow", "9223372036854775"},
      {"beyond", "99999999999999999999999999"},
      {"tomorrow", "Thu, 22 Oct 2015 07:28:00 GMT"},
  };
  transport_.answer = [&retry_after](const HttpRequest& request) -> Result<HttpResponse> {
    if (const auto found = retry_after.find(request.bearer_token); found != retry_after.end()) {
      return Answer(429, found->second);
    }
    return Answer(200);
  };
  const SteadyTime begin = clock_.SteadyNow();
  auto limited = retry_after.begin();
  for (int i = 0; i < 300; ++i) {
    Send("u" + std::to_string(i));
    if (i % 60 == 30) Send((limited++)->first);  // one user here and there
  }
  RunUntilDone(305);
  EXPECT_LT(clock_.SteadyNow() - begin, 1s);
  for (const auto& [token, value] : retry_after) {
    const Outcome& outcome = outcomes_.at(token);
    ASSERT_FALSE(outcome.result.ok()) << token;
    EXPECT_EQ(outcome.result.error().error_class, ErrorClass::kRateLimited) << token;
    EXPECT_NE(outcome.result.error().message.find("max_retry_after"), std::string::npos);
    EXPECT_EQ(StartsOf(token), 1) << token;
  }
}

TEST_F(PipelineTest, RateLimitedTriesAreBoundedInTotalWait) {
  Make(1, 10s);
  transport_.answer = [](const HttpRequest&) { return Result<HttpResponse>(Answer(429, "3")); };
  const SteadyTime begin = clock_.SteadyNow();
  Send("a");
  RunUntilDone(1);
  // 3 s + 3 s + 3 s fit in 10 s; a fourth wait would not.
  EXPECT_EQ(transport_.started.size(), 4u);
  EXPECT_EQ(clock_.SteadyNow() - begin, 9s);
  EXPECT_EQ(outcomes_.at("a").result.error().error_class, ErrorClass::kRateLimited);
}

TEST_F(PipelineTest, RateLimitedWithoutRetryAfterBacksOffWithJitter) {
  Make(1, 10s);
  int calls = 0;
  transport_.answer = [&calls](const HttpRequest&) -> Result<HttpResponse> {
    return ++calls < 3 ? Answer(429) : Answer(200);
  };
  Send("a");
  RunUntilDone(1);
  ASSERT_EQ(transport_.started.size(), 3u);
  std::mt19937_64 rng(kSeed);
  for (int attempt = 0; attempt < 2; ++attempt) {
    EXPECT_EQ(std::chrono::duration_cast<Duration>(transport_.started[attempt + 1].at -
                                                   transport_.started[attempt].at),
              FullJitterBackoff(attempt, 200ms, 10s, rng));
  }
}

// When most answers are 429s the limiter slows everybody down.
TEST_F(PipelineTest, Broad429sSlowTheWholeRunDown) {
  Make(8, 10s, 100);
  transport_.answer = [](const HttpRequest&) { return Result<HttpResponse>(Answer(429, "1")); };
  for (int i = 0; i < 40; ++i) Send("u" + std::to_string(i));
  RunUntilDone(40);
  EXPECT_GE(limiter_->slowdowns(), 1);
  EXPECT_LT(limiter_->effective_rate(), 100);
}

// Requests held back by the rate limit wait one at a time for their slot: no slots are reserved
// far ahead at the current rate, so a limiter that recovers (or slows down) applies at once.
TEST_F(PipelineTest, RateLimitedRequestsDoNotReserveSlotsFarAhead) {
  Make(64, 10s, 10);  // 10 requests/s, burst 1
  for (int i = 0; i < 50; ++i) Send("u" + std::to_string(i));
  pipeline_->Step(0ms);
  EXPECT_EQ(transport_.started.size(), 1u);
  // Reserved so far: the first slot (used) and the next one (100 ms on), not 49 of them.
  EXPECT_LE(limiter_->DelayForNext(clock_.SteadyNow()), 200ms);
}

// The pipeline never judges: requests that fail, however many, leave the breaker closed (users
// are judged by the callers, one outcome per user). Once a caller opened it, requests wait for
// the half-open probe, and only the probe's answer speaks to the breaker.
TEST_F(PipelineTest, OpenBreakerHoldsRequestsBackUntilTheProbe) {
  retry_.retries = 0;
  Make(1);
  transport_.answer = [](const HttpRequest&) { return Result<HttpResponse>(Answer(503)); };
  for (int i = 0; i < 10; ++i) Send("early" + std::to_string(i));
  RunUntilDone(10);
  EXPECT_EQ(breaker_->state(), BreakerState::kClosed) << "requests are not users";
  for (int i = 0; i < 4; ++i) breaker_->RecordFailure(clock_.SteadyNow(), ErrorClass::kTransient);
  ASSERT_EQ(breaker_->state(), BreakerState::kOpen);
  const size_t before = transport_.started.size();
  for (int i = 0; i < 10; ++i) Send("u" + std::to_string(i));
  const SteadyTime begin = clock_.SteadyNow();
  while (clock_.SteadyNow() - begin < 5s) pipeline_->Step(100ms);  // the breaker stays open
  EXPECT_EQ(transport_.started.size(), before);
  while (clock_.SteadyNow() - begin < 11s) pipeline_->Step(100ms);  // one probe; it fails
  EXPECT_EQ(transport_.started.size(), before + 1);
  EXPECT_EQ(breaker_->times_opened(), 2);
  EXPECT_EQ(breaker_->state(), BreakerState::kOpen);
  // The API is back: the next probe closes the breaker and every request goes.
  transport_.answer = [](const HttpRequest&) { return Result<HttpResponse>(Answer(200)); };
  RunUntilDone(20);
  EXPECT_EQ(breaker_->state(), BreakerState::kClosed);
}

// A pipeline dropped with its probe on the wire releases the probe: the next caller (the next run
// of a daemon) probes at once instead of waiting out the request timeout.
TEST_F(PipelineTest, AbandonedProbeIsReleased) {
  Make(1);
  for (int i = 0; i < 4; ++i) breaker_->RecordFailure(clock_.SteadyNow(), ErrorClass::kTransient);
  clock_.Advance(10s);
  transport_.hold = true;
  Send("probe");
  pipeline_->Step(0ms);
  ASSERT_TRUE(pipeline_->probe_on_wire());
  EXPECT_TRUE(breaker_->ProbeUnderWay(clock_.SteadyNow()));
  pipeline_->AbandonAll(MakeError(ErrorClass::kInterrupted, "run stopped"));
  EXPECT_FALSE(breaker_->ProbeUnderWay(clock_.SteadyNow()));
  EXPECT_EQ(breaker_->Admit(clock_.SteadyNow()), CircuitBreaker::Admission::kProbe);
}

// Users whose tokens are rejected or whose data is malformed say nothing about the API's
// health: a whole run of them never opens the breaker.
TEST_F(PipelineTest, RejectedAndMalformedUsersNeverOpenTheBreaker) {
  Make(32);
  int n = 0;
  transport_.answer = [&n](const HttpRequest&) -> Result<HttpResponse> {
    switch (n++ % 4) {
      case 0:
        return Answer(401);
      case 1:
        return Answer(403);
      case 2:
        return HttpResponse{200, "<html>", std::nullopt};
      default:
        return MakeError(ErrorClass::kMalformed, "GET x: response larger than 8 bytes");
    }
  };
  for (int i = 0; i < 2000; ++i) Send("u" + std::to_string(i));
  RunUntilDone(2000);
  for (const auto& [token, outcome] : outcomes_) {  // each request is one user here
    ASSERT_TRUE(FailureOf(outcome.result).has_value());
    breaker_->RecordUser(clock_.SteadyNow(), FailureOf(outcome.result));
  }
  EXPECT_EQ(breaker_->state(), BreakerState::kClosed);
  EXPECT_EQ(breaker_->times_opened(), 0);
}

TEST_F(PipelineTest, AbandonAllFailsWaitingRequestsAndForgetsThoseOnTheWire) {
  Make(2);
  transport_.hold = true;
  for (int i = 0; i < 5; ++i) Send("u" + std::to_string(i));
  pipeline_->Step(100ms);
  ASSERT_EQ(transport_.on_the_wire(), 2u);
  pipeline_->AbandonAll(MakeError(ErrorClass::kCircuitOpen, "circuit breaker open"));
  ASSERT_EQ(outcomes_.size(), 3u);  // the queued ones
  for (const auto& [token, outcome] : outcomes_) {
    ASSERT_FALSE(outcome.result.ok());
    EXPECT_EQ(outcome.result.error().error_class, ErrorClass::kCircuitOpen);
  }
  EXPECT_EQ(pipeline_->queued(), 0u);
  EXPECT_EQ(pipeline_->in_flight(), 0u);
  transport_.hold = false;
  pipeline_->Step(100ms);  // the two on the wire answer now: their callbacks do nothing
  EXPECT_EQ(outcomes_.size(), 3u);
}

}  // namespace
}  // namespace tc
