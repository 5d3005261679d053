#include "config/url_credentials.h"

#include <cctype>

namespace tc {
namespace {

bool IsSchemeChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '.' || c == '-';
}

bool IsSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

}  // namespace

std::optional<std::pair<size_t, size_t>> UrlPasswordRange(std::string_view url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::nullopt;
  const size_t rest = scheme_end + 3;
  const size_t query = url.find_first_of("?#", rest);
  const std::string_view before_query =
      url.substr(rest, query == std::string_view::npos ? url.npos : query - rest);
  const size_t at = before_query.rfind('@');
  if (at == std::string_view::npos) return std::nullopt;
  const size_t colon = before_query.substr(0, at).find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  return std::make_pair(rest + colon + 1, rest + at);
}

std::string UrlPassword(std::string_view url) {
  const auto range = UrlPasswordRange(url);
  if (!range) return {};
  return std::string(url.substr(range->first, range->second - range->first));
}

std::string RedactUrlPassword(std::string_view url) {
  const auto range = UrlPasswordRange(url);
  if (!range) return std::string(url);
  std::string redacted(url.substr(0, range->first));
  redacted += kRedactedText;
  redacted += url.substr(range->second);
  return redacted;
}

std::string RedactUrlPasswordsInText(std::string_view text) {
  std::string out;
  size_t copied = 0;
  for (size_t found = text.find("://"); found != std::string_view::npos;
       found = text.find("://", found + 3)) {
    size_t begin = found;
    while (begin > copied && IsSchemeChar(text[begin - 1])) --begin;
    if (begin == found || !std::isalpha(static_cast<unsigned char>(text[begin]))) continue;
    size_t end = found + 3;
    while (end < text.size() && !IsSpace(text[end])) ++end;
    out += text.substr(copied, begin - copied);
    out += RedactUrlPassword(text.substr(begin, end - begin));
    copied = end;
    found = end - 3;  // the next search starts after this URL
  }
  out += text.substr(copied);
  return out;
}

}  // namespace tc
