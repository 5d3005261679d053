#include "run/user_flights.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace tc {
namespace {

using Owner = UserFlights::Owner;
using Kind = UserRefreshResult::Kind;

UserRefreshResult Result(Kind kind) {
  UserRefreshResult result;
  result.kind = kind;
  return result;
}

TEST(UserFlightsTest, AUserIsInFlightOnceAndListenersHearItsEnd) {
  UserFlights flights;
  std::vector<UserRefreshResult> heard;
  EXPECT_TRUE(flights.ClaimOrListen(1, Owner::kOnDemand,
                                    [&](const UserRefreshResult& r) { heard.push_back(r); }));
  EXPECT_FALSE(flights.TryClaim(1, Owner::kSweep));
  EXPECT_FALSE(flights.ClaimOrListen(1, Owner::kOnDemand,
                                     [&](const UserRefreshResult& r) { heard.push_back(r); }));
  EXPECT_EQ(flights.OwnerOf(1), Owner::kOnDemand);
  flights.Finish(1, Result(Kind::kBuilt));
  ASSERT_EQ(heard.size(), 2u);
  EXPECT_EQ(heard[0].kind, Kind::kBuilt);
  EXPECT_FALSE(heard[1].by_sweep);
  EXPECT_EQ(flights.in_flight(), 0u);
  EXPECT_TRUE(flights.TryClaim(1, Owner::kSweep));
  bool told_by_sweep = false;
  flights.ClaimOrListen(1, Owner::kOnDemand,
                        [&](const UserRefreshResult& r) { told_by_sweep = r.by_sweep; });
  flights.Finish(1, Result(Kind::kUnchanged));
  EXPECT_TRUE(told_by_sweep);
}

TEST(UserFlightsTest, ARunSkipsUsersAnOnDemandRefreshWroteSinceItBegan) {
  UserFlights flights;
  ASSERT_TRUE(flights.TryClaim(5, Owner::kOnDemand));
  flights.Finish(5, Result(Kind::kBuilt));  // before the run
  const int64_t run_began = flights.Now();
  EXPECT_TRUE(flights.TryClaim(5, Owner::kSweep, run_began));
  flights.Finish(5, Result(Kind::kBuilt));
  ASSERT_TRUE(flights.TryClaim(6, Owner::kOnDemand));
  flights.Finish(6, Result(Kind::kUpdated));  // during the run
  ASSERT_TRUE(flights.TryClaim(7, Owner::kOnDemand));
  flights.Finish(7, Result(Kind::kFailed));  // failed: the run may still try
  EXPECT_FALSE(flights.TryClaim(6, Owner::kSweep, run_began));
  EXPECT_TRUE(flights.TryClaim(7, Owner::kSweep, run_began));
  EXPECT_TRUE(flights.TryClaim(6, Owner::kSweep, flights.Now()));  // a later run
}

TEST(UserFlightsTest, ConcurrentClaimsHaveOneWinner) {
  UserFlights flights;
  std::atomic<int> winners{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      const bool won =
          i % 2 == 0 ? flights.TryClaim(9, Owner::kSweep)
                     : flights.ClaimOrListen(9, Owner::kOnDemand, [](const UserRefreshResult&) {});
      if (won) ++winners;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(winners.load(), 1);
}

}  // namespace
}  // namespace tc
