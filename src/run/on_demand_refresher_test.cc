#include "run/on_demand_refresher.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "report/job_metrics.h"
#include "storage/open_cache_store.h"
#include "testing/run_test_support.h"

namespace tc {
namespace {

using testing_run::FakeTransport;
using testing_run::PassesResponse;
using testing_run::Token;
using testing_run::UserOf;
using testing_run::VectorTokenSource;
using Kind = UserRefreshResult::Kind;

Result<HttpResponse> Passes(const HttpRequest& request, int /*attempt*/) {
  return PassesResponse(UserOf(request), request.url.find("/v4.0/") != std::string::npos);
}

// Holds every request until Release(); then answers them like FakeTransport. Never moves the
// clock, so a caller's deadline passes only when the test says so.
class HoldingTransport final : public HttpTransport {
 public:
  void Start(HttpRequest request, HttpCallback done) override {
    std::lock_guard lock(mutex_);
    pending_.emplace_back(std::move(request), std::move(done));
    ++requests_;
  }
  size_t Drive(Duration /*max_wait*/) override {
    std::vector<std::pair<HttpRequest, HttpCallback>> batch;
    {
      std::lock_guard lock(mutex_);
      if (released_) batch.swap(pending_);
    }
    if (batch.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    for (auto& [request, done] : batch) done(Passes(request, 0));
    std::lock_guard lock(mutex_);
    return pending_.size();
  }
  void Wakeup() override {}
  void Release() {
    std::lock_guard lock(mutex_);
    released_ = true;
  }
  int requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  std::mutex mutex_;
  std::vector<std::pair<HttpRequest, HttpCallback>> pending_;
  bool released_ = false;
  int requests_ = 0;
};

// Waits (in real time, without a bound) until `condition` holds: a slow machine makes the test
// slower, never wrong.
template <typename Condition>
void WaitUntil(Condition condition) {
  while (!condition()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

class OnDemandRefresherTest : public testing_run::RefreshRunTest {
 protected:
  void SetUp() override {
    RefreshRunTest::SetUp();
    for (int64_t user = 1; user <= 10; ++user) users_.push_back({user, Token(user)});
    tokens_ = std::make_unique<VectorTokenSource>(users_);
  }

  std::unique_ptr<OnDemandRefresher> Make(HttpTransport& transport,
                                          Duration deadline = std::chrono::seconds(10)) {
    auto refresher =
        std::make_unique<OnDemandRefresher>(config_, deadline, *tokens_, *store_, transport, clock_,
                                            SharedApiState{limiter_, breaker_, flights_});
    refresher->Start();
    return refresher;
  }

  std::vector<UserToken> users_;
  std::unique_ptr<VectorTokenSource> tokens_;
  RateLimiter limiter_{0, clock_.SteadyNow()};
  CircuitBreaker breaker_{config_};
  UserFlights flights_;
};

TEST_F(OnDemandRefresherTest, FiftyConcurrentCallsShareOneRefreshOfTwoRequests) {
  HoldingTransport transport;
  auto refresher = Make(transport);
  std::vector<OnDemandAnswer> answers(50);
  std::vector<std::thread> callers;
  for (int i = 0; i < 50; ++i) {
    callers.emplace_back([&, i] { answers[i] = refresher->RefreshAndWait(4, false); });
  }
  // Every call is in before the API answers: one refresh, 49 calls joined to it.
  WaitUntil([&] { return refresher->joined() == 49 && transport.requests() == 2; });
  EXPECT_EQ(refresher->calls(), 50);
  transport.Release();
  for (auto& caller : callers) caller.join();
  EXPECT_EQ(transport.requests(), 2);  // passes + passes4, once
  for (const OnDemandAnswer& answer : answers) {
    EXPECT_EQ(answer.state, OnDemandAnswer::State::kDone);
    EXPECT_EQ(answer.result.kind, Kind::kBuilt);
    EXPECT_EQ(answer.result.timestamp, clock_.NowUnixSeconds());
  }
  EXPECT_TRUE(StoredText(4).has_value());
}

TEST_F(OnDemandRefresherTest, FreshCacheAnswersWithoutAnApiCallUnlessForced) {
  FakeTransport transport(clock_, Passes);
  auto refresher = Make(transport);
  const OnDemandAnswer built = refresher->RefreshAndWait(2, false);
  EXPECT_EQ(built.result.kind, Kind::kBuilt);
  EXPECT_EQ(transport.total_requests(), 2);

  const OnDemandAnswer fresh = refresher->RefreshAndWait(2, false);
  EXPECT_EQ(fresh.result.kind, Kind::kFresh);
  EXPECT_EQ(fresh.result.timestamp, built.result.timestamp);
  EXPECT_EQ(transport.total_requests(), 2);

  const OnDemandAnswer forced = refresher->RefreshAndWait(2, true);
  EXPECT_EQ(forced.result.kind, Kind::kUnchanged);
  EXPECT_EQ(transport.total_requests(), 4);
}

// Continuous mode asks, one user at a time, whether the user made an on-demand call since a time.
TEST_F(OnDemandRefresherTest, UsersWithACallSinceATimeAreRecentlyActive) {
  FakeTransport transport(clock_, Passes);
  auto refresher = Make(transport);
  const RecentlyActive& active = *refresher;
  const int64_t before = clock_.NowUnixMillis();
  ASSERT_EQ(refresher->RefreshAndWait(3, false).result.kind, Kind::kBuilt);
  clock_.Advance(Duration(60'000));
  const int64_t later = clock_.NowUnixMillis();
  ASSERT_EQ(refresher->RefreshAndWait(5, false).result.kind, Kind::kBuilt);
  EXPECT_TRUE(active.ActiveSince(3, before));
  EXPECT_FALSE(active.ActiveSince(3, later));
  EXPECT_TRUE(active.ActiveSince(5, later));
  EXPECT_FALSE(active.ActiveSince(4, before));  // never called
}

TEST_F(OnDemandRefresherTest, AForcedCallThatJoinsAPlainOneOnAFreshCacheStillRefreshes) {
  FakeTransport transport(clock_, Passes);
  {
    auto first = Make(transport);
    ASSERT_EQ(first->RefreshAndWait(7, false).result.kind, Kind::kBuilt);
  }  // the cache of user 7 is fresh now
  const int before = transport.total_requests();
  OnDemandRefresher refresher(config_, std::chrono::seconds(10), *tokens_, *store_, transport,
                              clock_, SharedApiState{limiter_, breaker_, flights_});
  // Both calls are in before the worker starts: the forced one joins the plain one's flight.
  std::atomic<int> answered{0};
  OnDemandAnswer plain;
  OnDemandAnswer forced;
  refresher.Refresh(7, false, [&](const OnDemandAnswer& answer) {
    plain = answer;
    ++answered;
  });
  refresher.Refresh(7, true, [&](const OnDemandAnswer& answer) {
    forced = answer;
    ++answered;
  });
  EXPECT_EQ(refresher.joined(), 1);
  refresher.Start();
  WaitUntil([&] { return answered.load() == 2; });
  EXPECT_EQ(plain.result.kind, Kind::kFresh);       // no API call for the plain call
  EXPECT_EQ(forced.result.kind, Kind::kUnchanged);  // the forced one got its refresh
  EXPECT_EQ(transport.total_requests(), before + 2);
}

TEST_F(OnDemandRefresherTest, DocumentIsTheSweepsDocument) {
  FakeTransport transport(clock_, Passes);
  auto refresher = Make(transport);
  EXPECT_EQ(refresher->RefreshAndWait(3, false).result.kind, Kind::kBuilt);
  const auto on_demand = StoredText(3);
  ASSERT_TRUE(on_demand.has_value());
  refresher->Stop();

  // A sweep building the same user in another store at the same time writes the same text.
  Config other_config = config_;
  other_config.store.url = "sqlite:" + (dir_ / "other.db").string();
  auto other = OpenCacheStore(other_config.store, StoreAccess::kCreate);
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE((*other)->Init().ok());
  FakeTransport sweep_transport(clock_, Passes);
  RunRequest request;
  request.only_users = {3};
  RunWith(**other, *tokens_, sweep_transport, request);
  auto loaded = (*other)->Load(3);
  ASSERT_TRUE(loaded.ok() && loaded->has_value());
  auto mine = store_->Load(3);
  ASSERT_TRUE(mine.ok() && mine->has_value());
  (*loaded)->document.timestamp = (*mine)->document.timestamp;  // runs differ by the clock only
  for (auto* list : {&(*loaded)->document.passes, &(*loaded)->document.passes4}) {
    for (auto& entry : *list) entry.timestamp = (*mine)->document.timestamp;
  }
  EXPECT_EQ(JsStringify(DocumentToJson((*loaded)->document)), *on_demand);
}

TEST_F(OnDemandRefresherTest, UnknownUserIsToldWithoutAnApiCall) {
  FakeTransport transport(clock_, Passes);
  auto refresher = Make(transport);
  EXPECT_EQ(refresher->RefreshAndWait(999, false).result.kind, Kind::kUnknownUser);
  EXPECT_EQ(transport.total_requests(), 0);
}

TEST_F(OnDemandRefresherTest, PastTheDeadlineTheCallerHearsRunningAndLaterTheResult) {
  HoldingTransport transport;
  auto refresher = Make(transport, std::chrono::seconds(10));
  std::atomic<bool> answered{false};
  OnDemandAnswer answer;
  refresher->Refresh(5, false, [&](const OnDemandAnswer& a) {
    answer = a;
    answered = true;
  });
  WaitUntil([&] { return transport.requests() == 2; });
  EXPECT_FALSE(answered.load());
  clock_.Advance(std::chrono::seconds(10));
  WaitUntil([&] { return answered.load(); });
  EXPECT_EQ(answer.state, OnDemandAnswer::State::kRunning);
  ASSERT_TRUE(refresher->LastResult(5).has_value());
  EXPECT_EQ(refresher->LastResult(5)->state, OnDemandAnswer::State::kRunning);

  transport.Release();
  WaitUntil([&] { return refresher->LastResult(5)->state == OnDemandAnswer::State::kDone; });
  EXPECT_EQ(refresher->LastResult(5)->result.kind, Kind::kBuilt);
}

TEST_F(OnDemandRefresherTest, AnswersAreCountedAndTheirWaitMeasured) {
  JobMetrics metrics(MetricsScope::kDaemon);
  HoldingTransport transport;
  OnDemandRefresher refresher(config_, std::chrono::seconds(10), *tokens_, *store_, transport,
                              clock_, SharedApiState{limiter_, breaker_, flights_}, &metrics);
  refresher.Start();
  EXPECT_NE(metrics.Render().find("ticketcache_on_demand_answers_total{answer=\"running\"} 0"),
            std::string::npos);  // every answer's series starts at 0
  std::atomic<bool> answered{false};
  refresher.Refresh(6, false, [&](const OnDemandAnswer&) { answered = true; });
  WaitUntil([&] { return transport.requests() == 2; });
  clock_.Advance(std::chrono::seconds(10));  // the deadline: 202 "running" after 10 s
  WaitUntil([&] { return answered.load(); });
  transport.Release();
  WaitUntil([&] { return refresher.LastResult(6)->state == OnDemandAnswer::State::kDone; });
  EXPECT_EQ(refresher.RefreshAndWait(6, false).result.kind, Kind::kFresh);  // no wait at all

  const std::string text = metrics.Render();
  EXPECT_NE(text.find("ticketcache_on_demand_answers_total{answer=\"running\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("ticketcache_on_demand_answers_total{answer=\"fresh\"} 1"),
            std::string::npos);
  EXPECT_NE(text.find("ticketcache_on_demand_answers_total{answer=\"built\"} 0"),
            std::string::npos);
  EXPECT_NE(text.find("ticketcache_on_demand_answer_seconds_count 2"), std::string::npos);
  EXPECT_NE(text.find("ticketcache_on_demand_answer_seconds_sum 10"), std::string::npos) << text;
  refresher.Stop();
}

TEST_F(OnDemandRefresherTest, OpenBreakerFailsAtOnceWithItsClass) {
  FakeTransport transport(clock_, Passes);
  for (int i = 0; i < config_.refresh.breaker.window; ++i) {
    breaker_.RecordFailure(clock_.SteadyNow(), ErrorClass::kTransient);
  }
  ASSERT_EQ(breaker_.state(), BreakerState::kOpen);
  auto refresher = Make(transport);
  const OnDemandAnswer answer = refresher->RefreshAndWait(6, false);
  EXPECT_EQ(answer.result.kind, Kind::kFailed);
  EXPECT_EQ(answer.result.error_class, ErrorClass::kCircuitOpen);
  EXPECT_EQ(transport.total_requests(), 0);
}

// The on-demand path judges users as the sweep does, in the breaker the daemon shares: each user
// is one outcome whatever its retries, so a handful of users whose every call answers 500 never
// opens it; the same failure for more users than the minimum does.
TEST_F(OnDemandRefresherTest, JudgesUsersNotRequestsInTheSharedBreaker) {
  for (int64_t user = 11; user <= 40; ++user) users_.push_back({user, Token(user)});
  tokens_ = std::make_unique<VectorTokenSource>(users_);
  FakeTransport transport(clock_, [](const HttpRequest&, int) {
    return Result<HttpResponse>(testing_run::Reply(500));
  });
  auto refresher = Make(transport, std::chrono::minutes(5));
  for (int64_t user = 1; user <= 5; ++user) {
    const OnDemandAnswer answer = refresher->RefreshAndWait(user, false);
    EXPECT_EQ(answer.result.kind, Kind::kFailed);
    EXPECT_EQ(answer.result.error_class, ErrorClass::kTransient);
  }
  EXPECT_GE(transport.total_requests(), 5 * 2 * (1 + config_.refresh.retry.retries));
  EXPECT_EQ(breaker_.state(), BreakerState::kClosed) << "5 users, not 40 requests";
  for (int64_t user = 6; user <= 40 && breaker_.state() == BreakerState::kClosed; ++user) {
    refresher->RefreshAndWait(user, false);
  }
  EXPECT_EQ(breaker_.state(), BreakerState::kOpen);
  EXPECT_EQ(breaker_.times_opened(), 1);
}

TEST_F(OnDemandRefresherTest, TakesItsSlotsFromTheSharedRateLimit) {
  RateLimiter limiter(1, clock_.SteadyNow());  // 1 request/s
  const SteadyTime start = clock_.SteadyNow();
  for (int i = 0; i < 5; ++i) limiter.DelayForNext(start);  // slots the sweep already took
  FakeTransport transport(clock_, Passes);
  OnDemandRefresher refresher(config_, std::chrono::minutes(5), *tokens_, *store_, transport,
                              clock_, SharedApiState{limiter, breaker_, flights_});
  refresher.Start();
  EXPECT_EQ(refresher.RefreshAndWait(7, false).result.kind, Kind::kBuilt);
  // Two requests after the sweep's five, at one per second.
  EXPECT_GE(clock_.SteadyNow() - start, std::chrono::seconds(5));
}

TEST_F(OnDemandRefresherTest, JoinsTheSweepWhenItHasTheUserInFlight) {
  FakeTransport transport(clock_, Passes);
  auto refresher = Make(transport);
  ASSERT_TRUE(flights_.TryClaim(8, UserFlights::Owner::kSweep));
  std::atomic<bool> answered{false};
  OnDemandAnswer answer;
  refresher->Refresh(8, false, [&](const OnDemandAnswer& a) {
    answer = a;
    answered = true;
  });
  EXPECT_EQ(refresher->joined(), 1);
  EXPECT_FALSE(answered.load());
  UserRefreshResult swept;
  swept.kind = Kind::kUpdated;
  swept.timestamp = 1234;
  flights_.Finish(8, swept);
  WaitUntil([&] { return answered.load(); });
  EXPECT_EQ(answer.result.kind, Kind::kUpdated);
  EXPECT_EQ(answer.result.timestamp, 1234);
  EXPECT_TRUE(answer.result.by_sweep);
  EXPECT_EQ(transport.total_requests(), 0);
}

TEST_F(OnDemandRefresherTest, SweepSkipsUsersAnOnDemandRefreshHasInFlight) {
  UserFlights flights;
  ASSERT_TRUE(flights.TryClaim(3, UserFlights::Owner::kOnDemand));
  FakeTransport transport(clock_, Passes);
  std::vector<UserToken> tokens;
  for (int64_t user = 1; user <= 5; ++user) tokens.push_back({user, Token(user)});
  VectorTokenSource source(tokens);
  RateLimiter limiter(0, clock_.SteadyNow());
  CircuitBreaker breaker(config_);
  RunEnvironment env{config_, source, *store_, transport, clock_, nullptr, nullptr};
  env.shared_limiter = &limiter;
  env.shared_breaker = &breaker;
  env.flights = &flights;
  const RunSummary summary = ExecuteRun(env, RunRequest{});
  EXPECT_EQ(transport.requests_for(Token(3)), 0);
  EXPECT_EQ(transport.requests_for(Token(2)), 2);
  EXPECT_EQ(summary.built, 4);
  EXPECT_EQ(summary.skipped_duplicates, 1);
  EXPECT_EQ(flights.in_flight(), 1u);  // the sweep released every user it claimed
  EXPECT_EQ(flights.OwnerOf(3), UserFlights::Owner::kOnDemand);
}

// A run whose own limiter is unlimited but has the daemon's limiter (2 requests/s) as its
// ceiling, as a continuous pass has: its 10 requests take the daemon's pace.
TEST_F(OnDemandRefresherTest, ARunUnderACeilingKeepsToTheDaemonsLimit) {
  FakeTransport transport(clock_, Passes);
  std::vector<UserToken> tokens;
  for (int64_t user = 1; user <= 5; ++user) tokens.push_back({user, Token(user)});
  VectorTokenSource source(tokens);
  RateLimiter daemon(2, clock_.SteadyNow());
  Config config = config_;
  config.refresh.rate_limit = 0;
  RunEnvironment env{config, source, *store_, transport, clock_, nullptr, nullptr};
  env.ceiling_limiter = &daemon;
  const SteadyTime start = clock_.SteadyNow();
  const RunSummary summary = ExecuteRun(env, RunRequest{});
  EXPECT_EQ(summary.built, 5);
  EXPECT_EQ(transport.total_requests(), 10);
  EXPECT_GE(clock_.SteadyNow() - start, std::chrono::milliseconds(4400));  // 10 at 2/s, burst 1
}

}  // namespace
}  // namespace tc
