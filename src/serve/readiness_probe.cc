#include "serve/readiness_probe.h"

#include <limits>

#include "log/secret_redactor.h"

namespace tc {

ReadinessProbe::ReadinessProbe(const Clock& clock, CacheStore& store, TokenSourceOpener open_tokens,
                               Duration reuse_for)
    : clock_(clock), store_(store), open_tokens_(std::move(open_tokens)), reuse_for_(reuse_for) {}

Readiness ReadinessProbe::Check() {
  std::lock_guard lock(mutex_);
  const SteadyTime now = clock_.SteadyNow();
  if (last_ && now - last_at_ < reuse_for_) return *last_;

  Status store_ok = store_.Ping();
  Status tokens_ok = Status::Ok();
  if (!tokens_) {
    auto opened = open_tokens_();
    if (opened.ok()) {
      tokens_ = std::move(*opened);
    } else {
      tokens_ok = opened.error();
    }
  }
  if (tokens_) {
    // A page past every user id: one cheap query that proves the connection works.
    auto page = tokens_->NextPage(std::numeric_limits<int64_t>::max(), 1);
    if (!page.ok()) {
      tokens_ok = page.error();
      tokens_.reset();  // reconnect on the next check
    }
  }
  Readiness result;
  result.ready = store_ok.ok() && tokens_ok.ok();
  if (result.ready) {
    result.detail = "ready\n";
  } else {
    result.detail = "not ready\n";
    if (!store_ok.ok())
      result.detail += "store: " + RedactSecrets(store_ok.error().ToString()) + "\n";
    if (!tokens_ok.ok())
      result.detail += "tokens: " + RedactSecrets(tokens_ok.error().ToString()) + "\n";
  }
  last_ = result;
  last_at_ = now;
  return result;
}

}  // namespace tc
