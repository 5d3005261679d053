#include "pass_mutation.h"

#include "deterministic_random.h"

namespace tc::sim {

int64_t SimPassCount(PassList list, int64_t base_count, int64_t generation) {
  return list == PassList::kActive ? base_count + generation : base_count;
}

int64_t SimPassVersion(int64_t user_id, PassList list, int64_t index, int64_t base_count,
                       int64_t generation) {
  int64_t version = 0;
  for (int64_t g = 1; g <= generation; ++g) {
    // Passes that existed before mutation g.
    int64_t existing = SimPassCount(list, base_count, g - 1);
    if (existing <= 0) continue;
    auto pick = [&](uint64_t slot) {
      return static_cast<int64_t>(
          HashOf({static_cast<uint64_t>(user_id), static_cast<uint64_t>(g), slot}) %
          static_cast<uint64_t>(existing));
    };
    if (list == PassList::kActive) {
      int64_t first = pick(0);
      int64_t second = pick(1);
      if (second == first) second = (first + 1) % existing;
      if (index == first || index == second) ++version;
    } else if (index == pick(2)) {
      ++version;
    }
  }
  return version;
}

}  // namespace tc::sim
