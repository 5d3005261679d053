// Metrics of the refresh requests drained from the portal's table (docs/operations.md), in the
// daemon's registry beside JobMetrics. Thread-safe. Labels never carry a user id.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "error/error.h"

namespace prometheus {
class Registry;
class Counter;
class Gauge;
class Histogram;
template <typename T>
class Family;
}  // namespace prometheus

namespace tc {

class RefreshRequestMetrics {
 public:
  // Registers every series (each failure class from 0) in `registry`, which must outlive this.
  explicit RefreshRequestMetrics(prometheus::Registry& registry);

  // After every poll: due rows (served or not yet), the age of the oldest (nullopt: none due),
  // and when the poll ran.
  void ObservePoll(int64_t due, std::optional<double> oldest_due_age_seconds, int64_t now_unix);
  void CountPollError();
  // Rows set processed: `refreshed` (the user was refreshed) or `without_token`; each row's time
  // from due to processed.
  void CountProcessed(std::string_view result, int64_t rows);
  void ObserveLatency(double seconds);
  // A user's refresh failed: its rows stay pending.
  void CountFailed(ErrorClass error_class, int64_t rows);
  // Rows left pending because the user's failure backoff runs.
  void CountDeferred(int64_t rows);

 private:
  prometheus::Gauge* due_ = nullptr;
  prometheus::Gauge* oldest_due_age_ = nullptr;
  prometheus::Gauge* last_poll_ = nullptr;
  prometheus::Counter* poll_errors_ = nullptr;
  prometheus::Family<prometheus::Counter>* processed_ = nullptr;
  prometheus::Family<prometheus::Counter>* failed_ = nullptr;
  prometheus::Counter* deferred_ = nullptr;
  prometheus::Histogram* latency_ = nullptr;
};

}  // namespace tc
