// When and how long to wait before retrying one API request (see docs/design.md, failure model):
// transient classes only, bounded by refresh.retry.retries, exponential backoff with full jitter so
// that many clients failing together do not retry together.
#pragma once

#include <random>

#include "clock/clock.h"
#include "error/error.h"

namespace tc {

// True when `error`'s class is retryable (transient, timeout, network, rate limited) and
// `attempt` (0 = the first try failed) is below `max_retries`. Never for a rejected token or a
// malformed body.
bool ShouldRetry(const Error& error, int attempt, int max_retries);

// Full jitter: uniform in [0, min(max, base * 2^attempt)] milliseconds, drawn from `rng`.
// `attempt` 0 is the wait before the first retry. REQUIRES: base, max >= 0.
Duration FullJitterBackoff(int attempt, Duration base, Duration max, std::mt19937_64& rng);

}  // namespace tc
