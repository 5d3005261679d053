#include "run/store_backlog.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace tc {
namespace {

using std::chrono::milliseconds;

TEST(StoreBacklogTest, DoneWakesTheLoopOnlyWhenItAsked) {
  int wakes = 0;
  StoreBacklog backlog([&wakes] { ++wakes; });
  backlog.Add();
  backlog.Add();
  backlog.Done();
  EXPECT_EQ(wakes, 0);  // nobody waiting: no wake-up per user
  EXPECT_EQ(backlog.RequestWake(), 1);
  backlog.Done();
  EXPECT_EQ(wakes, 1);
  EXPECT_EQ(backlog.pending(), 0);
  backlog.Add();
  backlog.Done();
  EXPECT_EQ(wakes, 1);  // one request, one wake-up
}

TEST(StoreBacklogTest, WaitBelowReturnsWhenAWorkerFinishes) {
  StoreBacklog backlog;
  for (int i = 0; i < 3; ++i) backlog.Add();
  std::atomic<bool> waited{false};
  std::thread loop([&] {
    // A long timeout: only the worker's Done() can end the wait before it.
    backlog.WaitBelow(3, milliseconds(60'000));
    waited = true;
  });
  std::this_thread::sleep_for(milliseconds(20));
  backlog.Done();
  loop.join();
  EXPECT_TRUE(waited.load());
  EXPECT_EQ(backlog.pending(), 2);
}

TEST(StoreBacklogTest, WaitBelowReturnsAtOnceWhenThereIsRoom) {
  StoreBacklog backlog;
  backlog.Add();
  const auto started = std::chrono::steady_clock::now();
  backlog.WaitBelow(2, milliseconds(60'000));
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(30));
}

// Many workers finishing while the loop waits again and again: every wait ends by a Done()
// (never by the long timeout), i.e. no wake-up is lost between the loop's look and its sleep.
TEST(StoreBacklogTest, NoWakeUpIsLostUnderContention) {
  constexpr int kUsers = 2000;
  constexpr int kLimit = 4;
  StoreBacklog backlog;
  std::atomic<int> to_write{0};
  std::atomic<bool> done{false};
  std::thread worker([&] {
    while (!done.load() || to_write.load() > 0) {
      if (to_write.load() > 0) {
        --to_write;
        backlog.Done();
      } else {
        std::this_thread::yield();
      }
    }
  });
  const auto started = std::chrono::steady_clock::now();
  for (int user = 0; user < kUsers; ++user) {
    while (backlog.pending() >= kLimit) backlog.WaitBelow(kLimit, milliseconds(60'000));
    backlog.Add();
    ++to_write;
  }
  done = true;
  worker.join();
  EXPECT_EQ(backlog.pending(), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(50));
}

}  // namespace
}  // namespace tc
