// Who used their tickets lately: continuous mode takes these users first among those due. The
// on-demand refresh endpoint is the source; without it nobody counts as recently active.
#pragma once

#include <cstdint>

namespace tc {

class RecentlyActive {
 public:
  virtual ~RecentlyActive() = default;
  // Thread-safe: called from the continuous loop while requests mark users.
  virtual bool Contains(int64_t user_id) const = 0;
};

}  // namespace tc
