// The two Bytemark pass-list endpoints: where a page lives and what its answer means.
// Pure functions: no I/O, no clock.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bytemark/http_transport.h"
#include "error/error.h"
#include "json/js_json.h"
#include "json/pass_list_kind.h"

namespace tc {

// kActive:  base + "/passes?per_page=P&page=N"
// kExpired: base + "/v4.0/passes?status=EXPIRED&per_page=P&page=N"
// Trailing '/' on base is tolerated.
std::string PassPageUrl(std::string_view base, PassListKind list, int per_page, int page);

// The endpoint label of a page URL made by PassPageUrl, as metrics and logs name it: "passes4"
// for the expired list (/v4.0/), "passes" for the active one.
const char* PassEndpointLabel(std::string_view url);

struct PassPage {
  std::vector<Json> passes;  // each a JSON object, key order and number text as the API sent them
  bool has_next = false;
};

// Reads the body of a page answer that ClassifyHttpResponse (response_classification.h) found ok.
// It must be
// {"errors":[],"data":{"passes":[{...}...],"pagination":{"next":...}}}; "errors" may be absent or
// empty (a non-empty list is malformed). There is a next page while `next` is truthy in the
// JavaScript sense (non-empty string, true, non-zero number, any object or array); null, false,
// "", 0, a missing `next` or a missing `pagination` end the list. A body that is not JSON or not
// of that shape → kMalformed with a short message that never quotes the body.
Result<PassPage> ParsePassBody(const HttpResponse& response);

// ClassifyHttpResponse, then ParsePassBody, for a response nobody classified yet (tools, tests):
// anything but a JSON 200 is the classification's error, a 429's Retry-After capped at
// `max_retry_after`.
Result<PassPage> ParsePassPage(const HttpResponse& response, int64_t now_unix_seconds,
                               std::chrono::milliseconds max_retry_after);

// JavaScript truthiness of a JSON value (Boolean(value) in JS).
bool IsJsTruthy(const Json& value);

}  // namespace tc
