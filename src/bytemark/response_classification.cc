#include "bytemark/response_classification.h"

#include <curl/curl.h>

#include <algorithm>
#include <charconv>
#include <limits>
#include <string>

namespace tc {
namespace {

// A body whose first non-blank byte is '<' is markup (an error page from a proxy, a CDN or a
// login wall), never the API's JSON.
bool LooksLikeHtml(std::string_view body) {
  const auto first = body.find_first_not_of(" \t\r\n");
  return first != std::string_view::npos && body[first] == '<';
}

// Spaces and tabs around a header value (and stray line ends) are not part of it.
std::string_view TrimHeaderSpace(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

}  // namespace

std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value,
                                                         int64_t now_unix_seconds) {
  value = TrimHeaderSpace(value);
  if (value.empty()) return std::nullopt;
  constexpr int64_t kMaxSeconds = std::numeric_limits<int64_t>::max() / 1000;
  if (value.find_first_not_of("0123456789") == std::string_view::npos) {
    int64_t seconds = 0;
    const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    // Digits only: a number too large for int64 is a very long wait, not an unreadable one.
    if (error == std::errc::result_out_of_range)
      seconds = kMaxSeconds;
    else if (error != std::errc() || end != value.data() + value.size())
      return std::nullopt;
    return std::chrono::seconds(std::min(seconds, kMaxSeconds));
  }
  // An HTTP-date. libcurl's parser reads all three formats RFC 9110 allows.
  const std::string text(value);
  const time_t when = curl_getdate(text.c_str(), nullptr);
  if (when < 0) return std::nullopt;
  const int64_t seconds = static_cast<int64_t>(when) - now_unix_seconds;
  return std::chrono::seconds(std::clamp<int64_t>(seconds, 0, kMaxSeconds));
}

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
