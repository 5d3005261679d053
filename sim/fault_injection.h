// The faults the simulator can inject: per user (set over the control API, applying to every
// request of that user) and random per request (probabilities from SimSettings, drawn from a
// deterministic stream so a seed reproduces a run).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "sim_settings.h"

namespace tc::sim {

enum class UserFaultKind {
  k500,
  k503,
  k401,
  k403,
  k429,         // with Retry-After: 1
  kTimeout,     // stalls timeout_delay_ms, then 504
  kReset,       // closes the connection without answering
  kMalformed,   // 200 with truncated JSON
  kWrongShape,  // 200 with valid JSON of the wrong types
  kHtml,        // 200 text/html error page
  kEmpty,       // 200 with an empty body
  kOversized,   // 200 with a valid ~20 MB body
  kForever,     // pages claim a next page forever
  k404,         // 404 with a JSON error body (as for a wrong API path)
  kHtml502,     // 502 text/html error page (a gateway in front of the API)
  kRedirect,    // 302 to another host
  kForeverBig,  // pages of SimSettings::big_page_bytes, each claiming a next page, forever
  kHugeHeader,  // a normal page with a 300 KB response header
  kIdle,        // never answers (the connection stays open, silent, for an hour)
};

struct UserFault {
  UserFaultKind kind = UserFaultKind::k500;
  bool active_list = true;   // applies to GET /passes
  bool expired_list = true;  // applies to GET /v4.0/passes
};

// Parses {"kind":K,"list":"active"|"expired"|"both"}; K is a status number (500, 503, 401, 403,
// 429, as number or string) or a name ("timeout", "reset", …). nullopt when invalid.
std::optional<UserFault> ParseUserFault(const nlohmann::json& body);
std::string_view UserFaultKindName(UserFaultKind kind);
// A kind by name ("500", "timeout", "huge_header", …); nullopt when unknown.
std::optional<UserFaultKind> ParseUserFaultKind(std::string_view name);

enum class RandomFault { kNone, k5xx, kTimeout, kMalformed, k401, k429 };

// The random fault of API request number `request_number` (0, 1, 2, … in arrival order) under
// `seed`: one uniform draw against the cumulative fault probabilities.
RandomFault DrawRandomFault(const SimSettings& settings, uint64_t seed, uint64_t request_number);

}  // namespace tc::sim
