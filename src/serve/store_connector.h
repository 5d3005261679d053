// `serve` starts even when its token source or cache store is down: it opens them in the
// background of a running daemon (/healthz answers, /readyz says why it is not ready), retrying
// with a backoff that doubles up to a cap, until both open. A configuration error (unknown
// scheme, password in a URL) never heals and is returned at once.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "clock/clock.h"
#include "error/error.h"
#include "store/cache_store.h"
#include "tokens/token_source.h"

namespace tc {

struct ConnectedStores {
  std::unique_ptr<TokenSource> tokens;
  std::unique_ptr<CacheStore> store;
};

struct StoreOpeners {
  std::function<Result<std::unique_ptr<TokenSource>>()> tokens;
  std::function<Result<std::unique_ptr<CacheStore>>()> store;
};

struct ConnectBackoff {
  Duration first = std::chrono::seconds(1);
  Duration max = std::chrono::seconds(60);
};

// Called after each failed attempt: "token source: <error>" or "cache store: <error>" (secrets
// redacted) and the wait before the next attempt.
using WaitingCallback = std::function<void(const std::string& reason, Duration retry_in)>;

// Opens the token source, then the cache store (one that opened is kept while the other is
// retried). Waits on `clock` in slices of at most 100 ms so `stop` ends the wait promptly.
// Errors: kConfig at once; kInterrupted when `stop` was set before both opened.
Result<ConnectedStores> ConnectStores(const StoreOpeners& openers, const Clock& clock,
                                      const std::atomic<bool>& stop,
                                      const WaitingCallback& on_waiting,
                                      ConnectBackoff backoff = {});

}  // namespace tc
