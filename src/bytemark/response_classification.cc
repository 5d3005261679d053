#include "bytemark/response_classification.h"

#include <algorithm>
#include <string>

#include "bytemark/bytemark_api.h"

namespace tc {
namespace {

// A body whose first non-blank byte is '<' is markup (an error page from a proxy, a CDN or a
// login wall), never the API's JSON.
bool LooksLikeHtml(std::string_view body) {
  const auto first = body.find_first_not_of(" \t\r\n");
  return first != std::string_view::npos && body[first] == '<';
}

}  // namespace

Status ClassifyHttpResponse(const HttpResponse& response, int64_t now_unix_seconds,
                            std::chrono::milliseconds max_retry_after) {
  const long code = response.status;
  const std::string status = "HTTP " + std::to_string(code);
  if (code == 200) {
    if (LooksLikeHtml(response.body)) {
      return MakeError(ErrorClass::kMalformed, status + ": an HTML page, not the API's JSON");
    }
    return Status::Ok();
  }
  if (code == 401 || code == 403) {
    return MakeError(ErrorClass::kRejectedToken, status + ": token rejected");
  }
  if (code == 429) {
    Error error = MakeError(ErrorClass::kRateLimited, status + ": rate limited");
    if (response.retry_after) {
      const auto wait = ParseRetryAfter(*response.retry_after, now_unix_seconds);
      if (wait)
        error.retry_after = std::clamp(*wait, std::chrono::milliseconds(0),
                                       std::max(max_retry_after, std::chrono::milliseconds(0)));
    }
    return error;
  }
  if (code >= 500 && code <= 599) {
    return MakeError(ErrorClass::kTransient, status + ": server error");
  }
  if (code >= 300 && code <= 399) {
    return MakeError(ErrorClass::kMalformed, status + ": redirect (not followed)");
  }
  if (code == 404) {
    return MakeError(ErrorClass::kMalformed, status + ": not found (wrong API address?)");
  }
  return MakeError(ErrorClass::kMalformed, status + ": unexpected status");
}

bool HasControlCharacters(std::string_view token) {
  return std::any_of(token.begin(), token.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7f;
  });
}

}  // namespace tc
