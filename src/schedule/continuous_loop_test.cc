// Continuous mode against a fake store and a fake clock: each refreshed user costs two requests,
// spread evenly over the slice its pass ran in, and gets a cache timestamped at that moment.
#include "schedule/continuous_loop.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

namespace tc {
namespace {

constexpr int64_t kRequestsPerUser = 2;

struct FakeStore {
  std::map<int64_t, std::optional<int64_t>> timestamps;  // user → cache timestamp
  std::map<int64_t, int64_t> requests_per_minute;        // minute index → requests
  std::vector<std::vector<int64_t>> passes;

  Result<std::vector<CensusEntry>> Census() const {
    std::vector<CensusEntry> out;
    for (const auto& [user, timestamp] : timestamps) out.push_back(CensusEntry{user, timestamp});
    return out;
  }
};

struct Harness {
  FakeClock clock{1'700'000'000'000};
  std::atomic<bool> stop{false};
  FakeStore store;
  std::set<int64_t> active;
  std::vector<ContinuousPass> reports;
  ContinuousLoopOptions options;

  ContinuousLoop Make() {
    ContinuousLoop::Callbacks callbacks;
    callbacks.census = [this] { return store.Census(); };
    callbacks.refresh = [this](const std::vector<int64_t>& users, Duration slice) {
      store.passes.push_back(users);
      const int64_t start_ms = clock.NowUnixMillis();
      for (size_t i = 0; i < users.size(); ++i) {
        const int64_t at_ms =
            start_ms + slice.count() * static_cast<int64_t>(i) / static_cast<int64_t>(users.size());
        store.requests_per_minute[at_ms / 60'000] += kRequestsPerUser;
        store.timestamps[users[i]] = at_ms / 1000;
      }
    };
    callbacks.recently_active = [this](int64_t user) { return active.contains(user); };
    callbacks.on_pass = [this](const ContinuousPass& pass) { reports.push_back(pass); };
    return ContinuousLoop(clock, options, std::move(callbacks), stop);
  }
};

TEST(ContinuousLoopTest, ABurstFromAnHourlySweepIsSpreadEvenlyOverTheWindow) {
  Harness h;
  h.options.census_every_slices = 5;
  const int64_t now = h.clock.NowUnixSeconds();
  for (int64_t user = 1; user <= 3300; ++user) h.store.timestamps[user] = now;  // one burst
  ContinuousLoop loop = h.Make();
  for (int slice = 0; slice < 3 * 55; ++slice) loop.RunSlice();  // three windows

  // Skip the first window (it refreshes the burst ahead of its due time at 60 per minute):
  // from then on every simulated minute carries 3300 users × 2 / 55 = 120 requests, ±10 %.
  std::vector<int64_t> counts;
  const int64_t first_minute = now / 60 + 55;
  for (int64_t minute = first_minute; minute < first_minute + 2 * 55; ++minute) {
    counts.push_back(h.store.requests_per_minute[minute]);
  }
  EXPECT_GE(*std::min_element(counts.begin(), counts.end()), 108);
  EXPECT_LE(*std::max_element(counts.begin(), counts.end()), 132);
  for (const auto& pass : h.reports) EXPECT_EQ(pass.will_miss_ttl, 0);
  // And no cache ever got older than the TTL: each user was refreshed within every window.
  for (const auto& [user, timestamp] : h.store.timestamps) {
    EXPECT_GE(*timestamp, h.clock.NowUnixSeconds() - 3600) << user;
  }
}

TEST(ContinuousLoopTest, OldestCachesGoFirstAndMissingOnesBeforeThem) {
  Harness h;
  h.options.capacity_per_slice = 2;
  const int64_t now = h.clock.NowUnixSeconds();
  h.store.timestamps[10] = now - 3290;    // due within the second slice
  h.store.timestamps[11] = now - 3500;    // oldest existing
  h.store.timestamps[12] = std::nullopt;  // missing
  h.store.timestamps[13] = now - 3400;
  ContinuousLoop loop = h.Make();
  loop.RunSlice();
  loop.RunSlice();
  ASSERT_EQ(h.store.passes.size(), 2u);
  EXPECT_THAT(h.store.passes[0], ::testing::ElementsAre(12, 11));
  EXPECT_THAT(h.store.passes[1], ::testing::ElementsAre(13, 10));
}

TEST(ContinuousLoopTest, OverBudgetPassesReportWhoWillMissTheTtl) {
  Harness h;
  h.options.capacity_per_slice = 10;  // 10 users a minute = 550 per window
  const int64_t now = h.clock.NowUnixSeconds();
  for (int64_t user = 1; user <= 1000; ++user) h.store.timestamps[user] = now - 3300;  // all due
  ContinuousLoop loop = h.Make();
  const ContinuousPass pass = loop.RunSlice();
  EXPECT_EQ(pass.users.size(), 10u);
  EXPECT_EQ(pass.overdue, 1000);
  EXPECT_EQ(pass.pace_per_slice, 1000);  // everyone is due now
  // They expire in 5 minutes: 5 slices × 10 users make it, 950 do not.
  EXPECT_EQ(pass.will_miss_ttl, 950);
  EXPECT_EQ(pass.past_ttl, 0);
}

TEST(ContinuousLoopTest, WithinBudgetNobodyIsReportedMissing) {
  Harness h;
  h.options.capacity_per_slice = 100;
  const int64_t now = h.clock.NowUnixSeconds();
  for (int64_t user = 1; user <= 300; ++user) h.store.timestamps[user] = now - 3300;
  ContinuousLoop loop = h.Make();
  const ContinuousPass pass = loop.RunSlice();
  EXPECT_EQ(pass.users.size(), 100u);
  EXPECT_EQ(pass.will_miss_ttl, 0);
}

TEST(ContinuousLoopTest, MissingCachesArePastTheTtlNotMissingIt) {
  Harness h;  // unlimited budget, no cache at all: a cold start
  for (int64_t user = 1; user <= 40; ++user) h.store.timestamps[user] = std::nullopt;
  ContinuousLoop loop = h.Make();
  const ContinuousPass pass = loop.RunSlice();
  EXPECT_EQ(pass.users.size(), 40u);
  EXPECT_EQ(pass.overdue, 40);
  EXPECT_EQ(pass.past_ttl, 40);
  EXPECT_EQ(pass.will_miss_ttl, 0);  // the budget reaches them all in this slice
}

TEST(ContinuousLoopTest, RecentlyActiveUsersGoFirstWhenTheBudgetIsShort) {
  Harness h;
  h.options.capacity_per_slice = 3;
  const int64_t now = h.clock.NowUnixSeconds();
  for (int64_t user = 1; user <= 20; ++user) h.store.timestamps[user] = now - 3400 - user;
  h.store.timestamps[99] = now - 60;  // active but fresh: not due, never promoted
  h.active = {5, 7, 99};
  ContinuousLoop loop = h.Make();
  loop.RunSlice();
  ASSERT_EQ(h.store.passes.size(), 1u);
  EXPECT_THAT(h.store.passes[0], ::testing::ElementsAre(7, 5, 20));  // active, then the oldest
}

TEST(ContinuousLoopTest, NothingDueMeansNoPassAndTheSliceIsWaitedOut) {
  Harness h;
  const int64_t now = h.clock.NowUnixSeconds();
  h.store.timestamps[1] = now;
  ContinuousLoop loop = h.Make();
  const auto before = h.clock.SteadyNow();
  const ContinuousPass pass = loop.RunSlice();
  EXPECT_TRUE(pass.users.empty());
  EXPECT_TRUE(h.store.passes.empty());
  EXPECT_EQ(h.clock.SteadyNow() - before, std::chrono::seconds(60));
}

TEST(ContinuousLoopTest, AFailedCensusIsReportedAndTheLoopGoesOn) {
  FakeClock clock;
  std::atomic<bool> stop{false};
  int errors = 0;
  ContinuousLoop::Callbacks callbacks;
  callbacks.census = []() -> Result<std::vector<CensusEntry>> {
    return MakeError(ErrorClass::kStore, "down");
  };
  callbacks.refresh = [](const std::vector<int64_t>&, Duration) { FAIL() << "nobody is due"; };
  callbacks.on_census_error = [&](const Error&) { ++errors; };
  ContinuousLoop loop(clock, ContinuousLoopOptions{}, std::move(callbacks), stop);
  loop.RunSlice();
  loop.RunSlice();
  EXPECT_EQ(errors, 2);
  EXPECT_EQ(loop.passes(), 2);
}

}  // namespace
}  // namespace tc
