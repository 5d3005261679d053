// How long the leader of a group commit waits for more writes to join its transaction.
//
// Each SQLite commit rewrites every page its rows touch, and the rows of users written one after
// the other share most of them: the table and index leaves (ids and timestamps grow), the audit
// log's last leaf and its sequence row, the database header. A commit of one user writes about
// ten pages to the WAL; a commit of several writes those shared pages once for all of them, and
// takes the file locks once. When writes come from several threads (a run's store workers, each
// finishing a user every few milliseconds), the leader waits up to kWindow for the threads that
// wrote recently to queue theirs too. A thread writing alone never waits: nobody could join.
//
// Not thread-safe: the store calls it under its group mutex.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <thread>
#include <vector>

#include "clock/clock.h"

namespace tc {

class WriteGroupWindow {
 public:
  // The longest a leader waits. It delays each write by at most this much; a run's API stage is
  // not held back unless the store stage is full.
  static constexpr std::chrono::milliseconds kWindow{10};
  // A thread that has not written for this long no longer counts as one that will join.
  static constexpr std::chrono::milliseconds kRecent{100};
  // The most writes a leader waits for.
  static constexpr size_t kMaxGroup = 16;

  // A writer queued its write.
  void NoteWriter(std::thread::id thread, SteadyTime now) {
    Forget(now);
    const auto found = std::find_if(recent_.begin(), recent_.end(),
                                    [thread](const Writer& writer) { return writer.id == thread; });
    if (found != recent_.end()) {
      found->last_write = now;
    } else {
      recent_.push_back(Writer{thread, now});
    }
  }

  // How many queued writes a leader waits for (at most kWindow): one per thread that wrote
  // recently, capped at kMaxGroup. 1 means do not wait.
  size_t GroupTarget(SteadyTime now) {
    Forget(now);
    return std::clamp<size_t>(recent_.size(), 1, kMaxGroup);
  }

 private:
  struct Writer {
    std::thread::id id;
    SteadyTime last_write;
  };

  void Forget(SteadyTime now) {
    std::erase_if(recent_,
                  [now](const Writer& writer) { return now - writer.last_write > kRecent; });
  }

  std::vector<Writer> recent_;  // a run has at most a few dozen store threads
};

}  // namespace tc
