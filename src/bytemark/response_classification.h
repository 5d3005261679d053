// The one place that decides what an HTTP answer of the Bytemark API means for the engine (see
// docs/design.md, failure model). The sender of a request (the engine's request pipeline)
// classifies each answer once and hands the verdict on (ClassifiedCallback), so retries, the
// circuit breaker, the rate limiter and a user's failure class always agree.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

#include "bytemark/http_transport.h"
#include "error/error.h"

namespace tc {

// Ok when the response is a 200 whose body may be a page (ParsePassBody then reads its JSON).
// Otherwise the error, classified:
// - 401, 403                → kRejectedToken (never retried)
// - 429                     → kRateLimited; Error::retry_after = the server's Retry-After capped
//                             at `max_retry_after` (absent or unreadable → nullopt)
// - 5xx (also with an HTML error page, as gateways send during an outage) → kTransient
// - 3xx (redirects are never followed), 404 and every other status, and a 200 whose body is an
//   HTML page                → kMalformed (never retried: the answer is not the API's)
// Messages name the status and never quote the body.
Status ClassifyHttpResponse(const HttpResponse& response, int64_t now_unix_seconds,
                            std::chrono::milliseconds max_retry_after);

// Retry-After as a wait from now: delta-seconds or an HTTP-date (any of the three formats HTTP
// allows); a date in the past is a zero wait. nullopt when unreadable. Never overflows: a huge
// value saturates (callers cap it, see ClassifyHttpResponse).
std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value,
                                                         int64_t now_unix_seconds);

// A request's final answer with its verdict, so that the answer is classified once, by whoever
// sent it: the verdict is ClassifyHttpResponse of the response (its Retry-After uncapped), or
// the transport's error when there is no response.
using ClassifiedCallback = std::function<void(Result<HttpResponse> answer, Status verdict)>;

// True when `token` holds a byte that must never reach an HTTP header: C0 controls (NUL, CR,
// LF, TAB, ...) or DEL.
bool HasControlCharacters(std::string_view token);

}  // namespace tc
