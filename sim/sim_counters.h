// Counters of API requests (not /_sim/ ones), served as GET /_sim/counters. Thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace tc::sim {

class SimCounters {
 public:
  static constexpr int64_t kWindowSeconds = 300;

  // A request arrived during unix second `unix_second`.
  void RequestStarted(int64_t unix_second);
  // It was answered (or, with status "reset", dropped). `path` is "/passes", "/v4.0/passes" or
  // "other"; `status` "200", "429", "reset", …
  void RequestFinished(std::string_view path, std::string_view status);
  // Zeroes everything except the requests in flight.
  void Reset();

  // {"requests_total","by_path_status","in_flight","peak_concurrency","max_per_second",
  //  "per_second":[[unix_second,count],...]} — per_second covers the last kWindowSeconds.
  nlohmann::json ToJson(int64_t now_unix_second) const;

 private:
  struct SecondCount {
    int64_t second = 0;
    int64_t count = 0;
  };

  mutable std::mutex mutex_;
  int64_t requests_total_ = 0;
  std::map<std::string, int64_t, std::less<>> by_path_status_;
  int64_t in_flight_ = 0;
  int64_t peak_concurrency_ = 0;
  int64_t max_per_second_ = 0;
  std::array<SecondCount, kWindowSeconds> per_second_{};  // slot = second % kWindowSeconds
};

}  // namespace tc::sim
