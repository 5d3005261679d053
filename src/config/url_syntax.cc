#include "config/url_syntax.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <memory>

#include "config/config_text.h"
#include "config/url_credentials.h"

namespace tc {
namespace {

struct CurlUrlDeleter {
  void operator()(CURLU* url) const { curl_url_cleanup(url); }
};

std::string Part(CURLU* url, CURLUPart part) {
  char* raw = nullptr;
  if (curl_url_get(url, part, &raw, 0) != CURLUE_OK || raw == nullptr) return {};
  std::string text(raw);
  curl_free(raw);
  return text;
}

std::string Lower(std::string_view text) {
  std::string lower;
  for (char c : text) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower;
}

// Parses `url` with libcurl and checks what every network URL needs: "//" then a host (libcurl
// takes "http:///x" as host x), a port in 1–65535 when one is written. Sets `scheme` on success.
std::string NetworkUrlProblem(std::string_view url, std::string& scheme) {
  if (std::string stray = StrayCharacterProblem(url); !stray.empty()) return stray;
  const size_t colon = url.find(':');
  if (colon == std::string_view::npos || url.substr(colon + 1, 2) != "//" ||
      url.substr(colon + 3, 1) == "/") {
    return "not of the form scheme://host[:port]/…";
  }
  std::unique_ptr<CURLU, CurlUrlDeleter> parsed(curl_url());
  if (!parsed) return "cannot parse: out of memory";
  const std::string text(url);
  if (const CURLUcode code =
          curl_url_set(parsed.get(), CURLUPART_URL, text.c_str(), CURLU_NON_SUPPORT_SCHEME);
      code != CURLUE_OK) {
    return curl_url_strerror(code);
  }
  if (Part(parsed.get(), CURLUPART_HOST).empty()) return "no host";
  if (const std::string port = Part(parsed.get(), CURLUPART_PORT); !port.empty()) {
    int number = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
    if (ec != std::errc() || end != port.data() + port.size() || number < 1 || number > 65535) {
      return fmt::format("port {} is not between 1 and 65535", port);
    }
  }
  scheme = Lower(Part(parsed.get(), CURLUPART_SCHEME));
  return {};
}

std::string Describe(std::string_view url, const std::string& problem) {
  return fmt::format("malformed url {}: {}", Quoted(RedactUrlPassword(url)), problem);
}

}  // namespace

std::string StrayCharacterProblem(std::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == ' ') return fmt::format("a space at position {}", i + 1);
    if (c < 0x20 || c == 0x7f)
      return fmt::format("control character 0x{:02x} at position {}", c, i + 1);
  }
  return {};
}

std::string SecretHttpUrlProblem(std::string_view url) {
  std::string scheme;
  if (std::string problem = NetworkUrlProblem(url, scheme); !problem.empty()) {
    return problem + "; expected http://host[:port] or https://…";
  }
  if (scheme != "http" && scheme != "https") {
    return "scheme " + Quoted(scheme) + " is not http or https";
  }
  return {};
}

std::string HttpUrlProblem(std::string_view url) {
  if (std::string problem = SecretHttpUrlProblem(url); !problem.empty()) {
    return Describe(url, problem);
  }
  return {};
}

std::string ServerUrlProblem(std::string_view url) {
  std::string scheme;
  if (std::string problem = NetworkUrlProblem(url, scheme); !problem.empty()) {
    return Describe(url, problem);
  }
  return {};
}

}  // namespace tc
