#include "api/retry_backoff.h"

#include <algorithm>

namespace tc {

bool ShouldRetry(const Error& error, int attempt, int max_retries) {
  return IsRetryable(error.error_class) && attempt < max_retries;
}

Duration FullJitterBackoff(int attempt, Duration base, Duration max, std::mt19937_64& rng) {
  const int64_t base_ms = std::max<int64_t>(0, base.count());
  const int64_t max_ms = std::max<int64_t>(0, max.count());
  int64_t cap_ms = max_ms;
  // base * 2^attempt, saturating at max (and never shifting into overflow).
  if (attempt < 62 && base_ms <= (max_ms >> std::max(0, attempt))) {
    cap_ms = base_ms << std::max(0, attempt);
  }
  std::uniform_int_distribution<int64_t> uniform(0, std::min(cap_ms, max_ms));
  return Duration(uniform(rng));
}

}  // namespace tc
