// The simulator's behaviour without the network: one HTTP request in, the answer out (status,
// headers, body, how long to wait before answering, or "drop the connection"). SimServer carries
// it over HTTP/1.1; tests call it directly. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "fault_injection.h"
#include "pass_text.h"
#include "rate_limiter.h"
#include "request_target.h"
#include "sim_counters.h"
#include "sim_settings.h"

namespace tc::sim {

struct SimRequest {
  std::string_view method;         // "GET", "POST", …
  std::string_view target;         // "/passes?per_page=10&page=1"
  std::string_view authorization;  // the Authorization header, "" when absent
  std::string_view body;
};

struct SimResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers (Retry-After)
  std::string body;
  std::chrono::microseconds delay{0};  // wait this long before answering
  bool drop_connection = false;        // close the connection instead of answering
  // Set for API requests: the server must call SimService::Answered(counter_path, …) when it
  // answers (after the delay) so in-flight and by-status counters stay right.
  std::string_view counter_path;
};

class SimService {
 public:
  SimService(SimSettings settings, uint64_t seed);

  SimResponse Handle(const SimRequest& request);

  // The answer to an API request (counter_path non-empty) is being sent now, or dropped.
  void Answered(const SimResponse& response);

  SimSettings settings() const;

 private:
  SimResponse HandleApi(const SimRequest& request, const RequestTarget& target, PassList list);
  SimResponse HandleControl(const SimRequest& request, std::string_view path);
  std::chrono::microseconds DrawLatency(const SimSettings& settings, uint64_t request_number);

  const uint64_t seed_;
  SimCounters counters_;

  mutable std::mutex mutex_;  // guards everything below
  SimSettings settings_;
  RateLimiter rate_limiter_;
  uint64_t api_requests_ = 0;  // request number for the deterministic fault / latency draws
  std::map<int64_t, UserFault> user_faults_;
  std::map<int64_t, int64_t> generations_;      // users mutated at least once
  std::unordered_set<uint64_t> refused_first_;  // pages (hashed) a fault_429_first refused once
};

}  // namespace tc::sim
