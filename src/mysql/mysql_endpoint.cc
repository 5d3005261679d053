#include "mysql/mysql_endpoint.h"

#include <curl/curl.h>

#include <charconv>
#include <memory>

namespace tc {
namespace {

struct CurlUrlDeleter {
  void operator()(CURLU* url) const { curl_url_cleanup(url); }
};
struct CurlStringDeleter {
  void operator()(char* text) const { curl_free(text); }
};

// One decoded URL part; empty when absent.
std::string Part(CURLU* url, CURLUPart part) {
  char* raw = nullptr;
  if (curl_url_get(url, part, &raw, CURLU_URLDECODE) != CURLUE_OK || raw == nullptr) return {};
  std::unique_ptr<char, CurlStringDeleter> owned(raw);
  return std::string(raw);
}

Error ConfigError(std::string_view setting, const std::string& what) {
  return MakeError(ErrorClass::kConfig, std::string(setting) + ": " + what +
                                            " (expected mysql://user@host:port/database)");
}

}  // namespace

Result<MysqlEndpoint> ParseMysqlUrl(std::string_view url, std::string_view setting) {
  if (!url.starts_with("mysql://")) return ConfigError(setting, "not a mysql:// URL");
  std::unique_ptr<CURLU, CurlUrlDeleter> parsed(curl_url());
  if (!parsed) return MakeError(ErrorClass::kInternal, "curl_url: out of memory");
  const std::string text(url);
  if (curl_url_set(parsed.get(), CURLUPART_URL, text.c_str(), CURLU_NON_SUPPORT_SCHEME) !=
      CURLUE_OK) {
    return ConfigError(setting, "malformed URL");
  }
  // Checked before anything else so no later message can echo it.
  char* password = nullptr;
  if (curl_url_get(parsed.get(), CURLUPART_PASSWORD, &password, 0) == CURLUE_OK) {
    curl_free(password);
    return ConfigError(setting,
                       "the URL must not carry a password; set it through the environment or "
                       "password_file");
  }
  MysqlEndpoint endpoint;
  endpoint.user = Part(parsed.get(), CURLUPART_USER);
  endpoint.host = Part(parsed.get(), CURLUPART_HOST);
  if (endpoint.host.size() > 2 && endpoint.host.front() == '[') {  // IPv6 literal
    endpoint.host = endpoint.host.substr(1, endpoint.host.size() - 2);
  }
  const std::string port = Part(parsed.get(), CURLUPART_PORT);
  if (!port.empty()) {
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), endpoint.port);
    if (ec != std::errc() || end != port.data() + port.size() || endpoint.port == 0 ||
        endpoint.port > 65535) {
      return ConfigError(setting, "bad port");
    }
  }
  std::string path = Part(parsed.get(), CURLUPART_PATH);
  if (path.starts_with('/')) path.erase(0, 1);
  endpoint.database = path;
  const std::string query = Part(parsed.get(), CURLUPART_QUERY);
  if (!query.empty()) {
    if (!query.starts_with("socket=") || query.find('&') != std::string::npos) {
      return ConfigError(setting, "the only URL option is ?socket=PATH");
    }
    endpoint.socket = query.substr(std::string_view("socket=").size());
  }
  if (endpoint.user.empty()) return ConfigError(setting, "missing user");
  if (endpoint.host.empty()) return ConfigError(setting, "missing host");
  if (endpoint.database.empty() || endpoint.database.find('/') != std::string::npos) {
    return ConfigError(setting, "missing or bad database name");
  }
  return endpoint;
}

std::string DescribeEndpoint(const MysqlEndpoint& endpoint) {
  std::string text = endpoint.user + "@";
  if (!endpoint.socket.empty()) {
    text += "unix:" + endpoint.socket;
  } else {
    text += endpoint.host + ":" + std::to_string(endpoint.port);
  }
  return text + "/" + endpoint.database;
}

}  // namespace tc
