#include "run/run_counters.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace tc {
namespace {

TEST(RunCountersTest, FoldsEveryCounterIntoTheSummary) {
  RunCounters counters;
  counters.users_seen += 9;
  counters.fresh += 1;
  counters.built += 2;
  counters.updated += 1;
  counters.unchanged += 1;
  counters.skipped_backoff += 1;
  counters.abandoned += 1;
  counters.skipped_duplicates += 4;
  counters.CountFailure(ErrorClass::kMalformed);
  counters.CountFailure(ErrorClass::kStore);
  counters.write_conflicts += 3;
  RunSummary summary;
  counters.FoldInto(summary);
  EXPECT_EQ(summary.users_seen, 9);
  EXPECT_EQ(summary.failed, 2);
  EXPECT_EQ(summary.OutcomeTotal(), 9);
  EXPECT_EQ(summary.skipped_duplicates, 4);
  EXPECT_EQ(summary.write_conflicts, 3);
  EXPECT_EQ(summary.failures_by_class.size(), 2u);
  EXPECT_EQ(summary.failures_by_class.at("malformed"), 1);
  EXPECT_EQ(summary.failures_by_class.at("store"), 1);
}

TEST(RunCountersTest, ConcurrentCountsAreNotLost) {
  RunCounters counters;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10'000; ++i) {
        ++counters.built;
        counters.CountFailure(ErrorClass::kTimeout);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  RunSummary summary;
  counters.FoldInto(summary);
  EXPECT_EQ(summary.built, 40'000);
  EXPECT_EQ(summary.failures_by_class.at("timeout"), 40'000);
}

}  // namespace
}  // namespace tc
