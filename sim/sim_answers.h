// The simulator's canned answers: JSON and HTML error pages, 429s with the configured
// Retry-After, and the hostile ones (see docs/simulator.md). Pure functions of their arguments.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "sim_service.h"
#include "sim_settings.h"

namespace tc::sim {

SimResponse JsonAnswer(int status, std::string body);
// {"errors":[{"code":status,"message":...}],"data":null}
SimResponse ErrorAnswer(int status, std::string_view message);
// Retry-After's value for SimSettings::retry_after: as given, or for "date+N" the HTTP-date N
// seconds from now.
std::string RetryAfterValue(const std::string& setting);
SimResponse RateLimitedAnswer(const SimSettings& settings);
SimResponse HtmlAnswer(int status);  // a gateway's text/html error page
// A valid page of about `bytes` bytes whose `next` is always true.
std::string BigForeverPage(int64_t bytes);
const std::string& OversizedBody();  // a valid ~20 MB page
SimResponse TruncatedAnswer(std::string body);
SimResponse TimeoutAnswer(int64_t delay_ms);  // a stall, then 504
SimResponse RedirectAnswer();                 // 302 to another host
SimResponse IdleAnswer();                     // answered only after an hour
void AddHugeHeader(SimResponse& response);    // 300 KB of X-Padding-N headers

}  // namespace tc::sim
