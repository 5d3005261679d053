#include "log/secret_redactor.h"

#include <algorithm>
#include <cctype>
#include <mutex>
#include <regex>
#include <shared_mutex>
#include <vector>

namespace tc {
namespace {

struct Pattern {
  std::regex regex;
  const char* replacement;
};

const std::vector<Pattern>& Patterns() {
  constexpr auto kFlags = std::regex::ECMAScript | std::regex::icase | std::regex::optimize;
  static const std::vector<Pattern> patterns = {
      // Authorization first: it may hold a Bearer credential or anything else.
      {std::regex(R"re((authorization\s*[:=]\s*)[^\r\n]*)re", kFlags), "$1<redacted>"},
      {std::regex(R"re((bearer\s+)\S+)re", kFlags), "$1<redacted>"},
      {std::regex(
           R"re(((?:password|passwd|pwd|secret)"?\s*[:=]\s*)("(?:[^"\\]|\\.)*"|'[^']*'|[^\s&;,]+))re",
           kFlags),
       "$1<redacted>"},
      {std::regex(R"re(([?&](?:access_)?token=)[^&\s]+)re", kFlags), "$1<redacted>"},
      {std::regex(R"re(("(?:access_)?token"\s*:\s*)"(?:[^"\\]|\\.)*")re", kFlags),
       "$1\"<redacted>\""},
  };
  return patterns;
}

// Cheap pre-check so the regexes only run on text that could match one of them.
bool MayHoldPatternSecret(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (std::string_view marker :
       {"bearer", "authorization", "://", "pass", "pwd", "secret", "token"}) {
    if (lower.find(marker) != std::string::npos) return true;
  }
  return false;
}

std::shared_mutex secrets_mutex;
std::vector<std::string>& RegisteredSecrets() {
  static std::vector<std::string> secrets;  // longest first, so overlapping secrets mask whole
  return secrets;
}

void ReplaceAll(std::string& text, std::string_view secret) {
  for (size_t at = text.find(secret); at != std::string::npos;
       at = text.find(secret, at + kRedactedText.size())) {
    text.replace(at, secret.size(), kRedactedText);
  }
}

}  // namespace

std::string RedactSecrets(std::string_view text) {
  std::string result(text);
  {
    std::shared_lock lock(secrets_mutex);
    for (const std::string& secret : RegisteredSecrets()) ReplaceAll(result, secret);
  }
  if (MayHoldPatternSecret(result)) {
    result = RedactUrlPasswordsInText(result);
    for (const Pattern& pattern : Patterns()) {
      result = std::regex_replace(result, pattern.regex, pattern.replacement);
    }
  }
  return result;
}

void RegisterSecret(std::string secret) {
  if (secret.empty()) return;
  std::unique_lock lock(secrets_mutex);
  std::vector<std::string>& secrets = RegisteredSecrets();
  if (std::find(secrets.begin(), secrets.end(), secret) != secrets.end()) return;
  secrets.push_back(std::move(secret));
  std::stable_sort(secrets.begin(), secrets.end(),
                   [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

void RegisterConfigSecrets(const Config& config) {
  RegisterSecret(config.tokens.password);
  RegisterSecret(config.store.password);
  for (const std::string& url :
       {config.tokens.url, config.store.url, config.bytemark.customer_api}) {
    RegisterSecret(UrlPassword(url));
  }
}

bool IsSecretFieldName(std::string_view key) {
  std::string lower(key);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (std::string_view name : {"password", "passwd", "pwd", "secret", "token", "access_token",
                                "bearer", "authorization", "api_key"}) {
    if (lower == name) return true;
  }
  return false;
}

}  // namespace tc
