// `serve`'s /readyz: can the daemon reach its cache store and its token source? The token source
// is opened once and kept (reopened only after it fails), and an answer is reused for
// `reuse_for`, so a probe every second costs no new connection and at most one query per store
// per interval.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "clock/clock.h"
#include "error/error.h"
#include "store/cache_store.h"
#include "tokens/token_source.h"

namespace tc {

struct Readiness {
  bool ready = false;
  std::string detail;  // "ready\n", or one line per unreachable store; secrets redacted
};

class ReadinessProbe {
 public:
  using TokenSourceOpener = std::function<Result<std::unique_ptr<TokenSource>>()>;

  // `store` must be safe to Ping from any thread, and outlive the probe.
  ReadinessProbe(const Clock& clock, CacheStore& store, TokenSourceOpener open_tokens,
                 Duration reuse_for = std::chrono::seconds(2));

  // Thread-safe; concurrent callers wait for one check and share its answer.
  Readiness Check();

 private:
  const Clock& clock_;
  CacheStore& store_;
  TokenSourceOpener open_tokens_;
  const Duration reuse_for_;
  std::mutex mutex_;
  std::unique_ptr<TokenSource> tokens_;  // guarded by mutex_
  std::optional<Readiness> last_;        // guarded by mutex_
  SteadyTime last_at_{};                 // guarded by mutex_
};

}  // namespace tc
