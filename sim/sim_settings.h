// The simulator's adjustable behaviour: set by flags at start, changed at run time by
// POST /_sim/config with a partial JSON object of the same names.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "error/error.h"

namespace tc::sim {

enum class LatencyDistribution { kFixed, kUniform, kExponential };

// How `pagination.next` is written (see docs/simulator.md).
enum class NextStyle {
  kMixed,  // per user: path or true on non-last pages, null/false/""/absent on the last
  kPath,   // "/passes?per_page=P&page=N+1" on non-last pages, null on the last
  kTrue,   // true on non-last pages, false on the last
};

struct SimSettings {
  int64_t users = 1000;   // users 1..users exist
  int64_t passes = 10;    // active passes per user (before mutations add some)
  int64_t expired = 3;    // expired passes per user
  double latency_ms = 0;  // added before every API answer
  LatencyDistribution latency_dist = LatencyDistribution::kFixed;
  double rate_limit = 0;  // global API requests/s, 0 = unlimited
  double fault_5xx = 0;   // probabilities per API request
  double fault_timeout = 0;
  double fault_malformed = 0;
  double fault_401 = 0;
  double fault_429 = 0;
  // Probability that the FIRST request for a page (user, list, page) answers 429 with the
  // Retry-After below; every later request for that page is served (a burst of 429s on first
  // calls, as an API under load sends them, that retries get through).
  double fault_429_first = 0;
  int64_t timeout_delay_ms = 60000;  // how long a "timeout" fault stalls before its 504
  NextStyle next_style = NextStyle::kMixed;
  // Hostile mode (docs/simulator.md): a fault kind (as for PUT /_sim/users/{id}/fault) that every
  // API request of every user gets, before the token is even looked at; "" = none.
  std::string fault_all{};
  // Retry-After of every 429: delta-seconds as written ("1", "999999999"), or "date+N" for an
  // HTTP-date N seconds from now.
  std::string retry_after = "1";
  int64_t big_page_bytes = 7'000'000;  // page size of the "forever_big" fault
};

Status CheckSimSettings(const SimSettings& settings);

// Applies the keys present in `patch` (names as in SimSettings) to `settings`. On an unknown key or
// a bad value returns a kConfig error naming the key and leaves `settings` unchanged.
Status ApplySimSettingsPatch(const nlohmann::json& patch, SimSettings& settings);

nlohmann::json SimSettingsToJson(const SimSettings& settings);

bool ParseLatencyDistribution(std::string_view text, LatencyDistribution& out);
bool ParseNextStyle(std::string_view text, NextStyle& out);
std::string_view LatencyDistributionName(LatencyDistribution dist);
std::string_view NextStyleName(NextStyle style);

}  // namespace tc::sim
