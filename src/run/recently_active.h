// Who used their tickets lately: continuous mode takes these users first among those due. The
// on-demand refresher is the source (an on-demand call marks its user); without it nobody counts
// as recently active.
#pragma once

#include <cstdint>

namespace tc {

class RecentlyActive {
 public:
  virtual ~RecentlyActive() = default;
  // Whether `user_id` asked at or after `since_unix_ms`. Thread-safe: called from the continuous
  // loop, one user at a time, while calls mark users.
  virtual bool ActiveSince(int64_t user_id, int64_t since_unix_ms) const = 0;
};

}  // namespace tc
