#include "serve/store_connector.h"

#include <algorithm>

#include "log/secret_redactor.h"

namespace tc {

namespace {

// Sleeps `duration` on `clock` unless `stop` is set first; false when stopped.
bool SleepUnlessStopped(const Clock& clock, Duration duration, const std::atomic<bool>& stop) {
  constexpr Duration kSlice = std::chrono::milliseconds(100);
  while (duration > Duration::zero()) {
    if (stop.load()) return false;
    const Duration step = std::min(duration, kSlice);
    clock.SleepFor(step);
    duration -= step;
  }
  return !stop.load();
}

}  // namespace

Result<ConnectedStores> ConnectStores(const StoreOpeners& openers, const Clock& clock,
                                      const std::atomic<bool>& stop,
                                      const WaitingCallback& on_waiting, ConnectBackoff backoff) {
  ConnectedStores connected;
  Duration delay = backoff.first;
  while (!stop.load()) {
    std::string reason;
    if (!connected.tokens) {
      auto tokens = openers.tokens();
      if (tokens.ok()) {
        connected.tokens = std::move(*tokens);
      } else if (tokens.error().error_class == ErrorClass::kConfig) {
        return tokens.error();
      } else {
        reason = "token source: " + RedactSecrets(tokens.error().ToString());
      }
    }
    if (connected.tokens && !connected.store) {
      auto store = openers.store();
      if (store.ok()) {
        connected.store = std::move(*store);
      } else if (store.error().error_class == ErrorClass::kConfig) {
        return store.error();
      } else {
        reason = "cache store: " + RedactSecrets(store.error().ToString());
      }
    }
    if (connected.tokens && connected.store) return connected;
    if (on_waiting) on_waiting(reason, delay);
    if (!SleepUnlessStopped(clock, delay, stop)) break;
    delay = std::min(delay * 2, backoff.max);
  }
  return MakeError(ErrorClass::kInterrupted, "stopped before the stores could be opened");
}

}  // namespace tc
