#include "sqlite/write_group_window.h"

#include <gtest/gtest.h>

#include <chrono>
#include <latch>
#include <thread>
#include <vector>

namespace tc {
namespace {

using std::chrono::milliseconds;

// Ids of `count` distinct threads (all alive at once: a finished thread's id may be reused).
std::vector<std::thread::id> ThreadIds(int count) {
  std::latch done(1);
  std::vector<std::thread> threads;
  std::vector<std::thread::id> ids;
  for (int i = 0; i < count; ++i) {
    threads.emplace_back([&done] { done.wait(); });
    ids.push_back(threads.back().get_id());
  }
  done.count_down();
  for (auto& thread : threads) thread.join();
  return ids;
}

TEST(WriteGroupWindowTest, AThreadWritingAloneNeverWaits) {
  WriteGroupWindow window;
  const auto now = SystemClock().SteadyNow();
  EXPECT_EQ(window.GroupTarget(now), 1u);  // nobody wrote yet
  for (int i = 0; i < 5; ++i) window.NoteWriter(std::this_thread::get_id(), now + milliseconds(i));
  EXPECT_EQ(window.GroupTarget(now + milliseconds(5)), 1u);
}

TEST(WriteGroupWindowTest, WaitsForEveryThreadThatWroteRecently) {
  WriteGroupWindow window;
  const auto now = SystemClock().SteadyNow();
  const auto ids = ThreadIds(3);
  window.NoteWriter(ids[0], now);
  window.NoteWriter(ids[1], now + milliseconds(5));
  window.NoteWriter(ids[2], now + milliseconds(10));
  window.NoteWriter(ids[0], now + milliseconds(15));  // counted once
  EXPECT_EQ(window.GroupTarget(now + milliseconds(20)), 3u);
  // Just before the first thread's last write is kRecent old: the other two are forgotten.
  const auto later = now + milliseconds(14) + WriteGroupWindow::kRecent;
  EXPECT_EQ(window.GroupTarget(later), 1u);
}

TEST(WriteGroupWindowTest, WaitsForAtMostMaxGroupWrites) {
  WriteGroupWindow window;
  const auto now = SystemClock().SteadyNow();
  for (const auto& id : ThreadIds(static_cast<int>(WriteGroupWindow::kMaxGroup) + 4)) {
    window.NoteWriter(id, now);
  }
  EXPECT_EQ(window.GroupTarget(now), WriteGroupWindow::kMaxGroup);
}

}  // namespace
}  // namespace tc
