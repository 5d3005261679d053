#include "sim_answers.h"

#include <fmt/format.h>

#include <charconv>
#include <chrono>
#include <ctime>
#include <mutex>
#include <nlohmann/json.hpp>
#include <utility>

#include "pass_text.h"

namespace tc::sim {
namespace {

constexpr size_t kOversizedBytes = 20 * 1000 * 1000;
constexpr size_t kHugeHeaderBytes = 300 * 1024;
constexpr size_t kHugeHeaderLineBytes = 50 * 1024;  // the HTTP library caps a value below 64 KB
constexpr auto kIdleFor = std::chrono::hours(1);

}  // namespace

SimResponse JsonAnswer(int status, std::string body) {
  SimResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

SimResponse ErrorAnswer(int status, std::string_view message) {
  return JsonAnswer(status, nlohmann::json{{"errors", {{{"code", status}, {"message", message}}}},
                                           {"data", nullptr}}
                                .dump());
}

// The Retry-After header value for `setting` (SimSettings::retry_after): delta-seconds as given,
// or for "date+N" the HTTP-date N seconds from now.
std::string RetryAfterValue(const std::string& setting) {
  if (!setting.starts_with("date+")) return setting;
  int64_t ahead = 0;
  std::from_chars(setting.data() + 5, setting.data() + setting.size(), ahead);
  const std::time_t when = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now()) +
                           static_cast<std::time_t>(ahead);
  std::tm utc{};
  gmtime_r(&when, &utc);
  char text[64];
  const size_t length = std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &utc);
  return std::string(text, length);
}

SimResponse RateLimitedAnswer(const SimSettings& settings) {
  SimResponse response = ErrorAnswer(429, "Too Many Requests");
  response.headers.emplace_back("Retry-After", RetryAfterValue(settings.retry_after));
  return response;
}

SimResponse HtmlAnswer(int status) {
  SimResponse response = JsonAnswer(
      status,
      "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>"
      "<body><h1>Bad Gateway</h1><p>The upstream server is unavailable.</p></body></html>\n");
  response.content_type = "text/html; charset=utf-8";
  return response;
}

// A valid page of about `bytes` bytes (user 1's passes repeated) whose `next` is always true,
// built once per size.
std::string BigForeverPage(int64_t bytes) {
  static std::mutex mutex;
  static int64_t built_for = -1;
  static std::string body;
  std::lock_guard lock(mutex);
  if (built_for != bytes) {
    std::string out = R"({"errors":[],"data":{"passes":[)";
    int64_t count = 0;
    while (static_cast<int64_t>(out.size()) < bytes) {
      if (count > 0) out.push_back(',');
      AppendPassJson(1, PassList::kActive, count % 100, 0, out);
      ++count;
    }
    out += R"(],"pagination":{"next":true}}})";
    body = std::move(out);
    built_for = bytes;
  }
  return body;
}

// A valid page body of about 20 MB (the first pages of user 1, repeated), built once.
const std::string& OversizedBody() {
  static const std::string body = [] {
    std::string out = R"({"errors":[],"data":{"passes":[)";
    int64_t count = 0;
    while (out.size() < kOversizedBytes) {
      if (count > 0) out.push_back(',');
      AppendPassJson(1, PassList::kActive, count % 100, 0, out);
      ++count;
    }
    out += fmt::format(
        R"(],"page_count":1,"total_count":{0},"pagination":{{"page":1,"per_page":{0},"next":null}}}}}})",
        count);
    return out;
  }();
  return body;
}

SimResponse TruncatedAnswer(std::string body) {
  body.resize(body.size() / 2);
  return JsonAnswer(200, std::move(body));
}

SimResponse TimeoutAnswer(int64_t delay_ms) {
  SimResponse response = ErrorAnswer(504, "Gateway Timeout");
  response.delay = std::chrono::milliseconds(delay_ms);
  return response;
}

SimResponse RedirectAnswer() {
  SimResponse response = ErrorAnswer(302, "Found");
  response.headers.emplace_back("Location", "http://127.0.0.1:9/elsewhere");
  return response;
}

SimResponse IdleAnswer() {
  SimResponse response = ErrorAnswer(504, "Gateway Timeout");
  response.delay = kIdleFor;
  return response;
}

void AddHugeHeader(SimResponse& response) {
  for (size_t i = 0; i * kHugeHeaderLineBytes < kHugeHeaderBytes; ++i) {
    response.headers.emplace_back("X-Padding-" + std::to_string(i),
                                  std::string(kHugeHeaderLineBytes, 'x'));
  }
}

}  // namespace tc::sim
