#include "run/blocking_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

namespace tc {
namespace {

TEST(BlockingQueueTest, FirstInFirstOut) {
  BlockingQueue<int> queue(4);
  EXPECT_TRUE(queue.Push(1));
  EXPECT_TRUE(queue.Push(2));
  EXPECT_EQ(queue.size(), 2u);
  EXPECT_EQ(queue.TryPop(), 1);
  EXPECT_EQ(queue.Pop(), 2);
  EXPECT_EQ(queue.TryPop(), std::nullopt);
}

TEST(BlockingQueueTest, CloseFailsPushesAndDrainsPops) {
  BlockingQueue<std::unique_ptr<int>> queue(4);
  ASSERT_TRUE(queue.Push(std::make_unique<int>(7)));
  queue.Close();
  EXPECT_TRUE(queue.closed());
  EXPECT_FALSE(queue.Push(std::make_unique<int>(8)));
  auto item = queue.Pop();
  ASSERT_TRUE(item.has_value());
  EXPECT_EQ(**item, 7);
  EXPECT_EQ(queue.Pop(), std::nullopt);  // closed and empty: does not block
}

TEST(BlockingQueueTest, DrainTakesEverything) {
  BlockingQueue<int> queue(8);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(queue.Push(i));
  const auto left = queue.Drain();
  EXPECT_EQ(left.size(), 5u);
  EXPECT_EQ(left.front(), 0);
  EXPECT_EQ(queue.size(), 0u);
}

// A full queue blocks the producer until the consumer makes room; every item arrives once, in
// order, and the queue never holds more than its capacity.
TEST(BlockingQueueTest, BackPressureKeepsOrderAndCapacity) {
  constexpr int kItems = 10'000;
  BlockingQueue<int> queue(3);
  std::atomic<size_t> largest{0};
  std::thread producer([&] {
    for (int i = 0; i < kItems; ++i) {
      ASSERT_TRUE(queue.Push(i));
      size_t now = queue.size();
      size_t seen = largest.load();
      while (now > seen && !largest.compare_exchange_weak(seen, now)) {
      }
    }
    queue.Close();
  });
  std::vector<int> got;
  while (auto item = queue.Pop()) got.push_back(*item);
  producer.join();
  ASSERT_EQ(got.size(), static_cast<size_t>(kItems));
  for (int i = 0; i < kItems; ++i) ASSERT_EQ(got[static_cast<size_t>(i)], i);
  EXPECT_LE(largest.load(), 3u);
}

// A producer blocked on a full queue resumes only once the queue is down to half its capacity
// (one wake-up per half a queue of items), and then without fail.
TEST(BlockingQueueTest, BlockedProducerResumesAtHalfCapacity) {
  BlockingQueue<int> queue(4);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(queue.Push(i));
  std::atomic<bool> pushed{false};
  std::thread producer([&] {
    EXPECT_TRUE(queue.Push(4));
    pushed = true;
  });
  while (queue.blocked_producers() == 0) std::this_thread::yield();
  EXPECT_EQ(queue.TryPop(), 0);  // 3 left: still above half
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(pushed.load());
  EXPECT_EQ(queue.size(), 3u);
  EXPECT_EQ(queue.TryPop(), 1);  // 2 left: half, the producer goes on
  producer.join();
  EXPECT_TRUE(pushed.load());
  EXPECT_EQ(queue.size(), 3u);
  EXPECT_EQ(queue.Pop(), 2);
  EXPECT_EQ(queue.Pop(), 3);
  EXPECT_EQ(queue.Pop(), 4);
}

// Close wakes a producer blocked on a full queue and a consumer blocked on an empty one.
TEST(BlockingQueueTest, CloseWakesBlockedThreads) {
  BlockingQueue<int> full(1);
  ASSERT_TRUE(full.Push(0));
  std::thread producer([&] { EXPECT_FALSE(full.Push(1)); });
  BlockingQueue<int> empty(1);
  std::thread consumer([&] { EXPECT_EQ(empty.Pop(), std::nullopt); });
  full.Close();
  empty.Close();
  producer.join();
  consumer.join();
}

}  // namespace
}  // namespace tc
