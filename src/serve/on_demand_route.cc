#include "serve/on_demand_route.h"

#include <fmt/format.h>

#include <charconv>
#include <optional>
#include <utility>

#include "config/regular_file.h"
#include "json/js_json.h"

namespace tc {
namespace {

constexpr std::string_view kSuffix = "/refresh";
constexpr const char* kJson = "application/json";

HttpAnswer JsonAnswer(int status, const Json& body) {
  return HttpAnswer{status, kJson, body.dump() + "\n"};
}

HttpAnswer ErrorAnswer(int status, std::string_view message) {
  Json body = Json::object();
  body["error"] = message;
  return JsonAnswer(status, body);
}

// "/v1/users/123/refresh" → 123.
std::optional<int64_t> UserIdOf(std::string_view path) {
  if (!path.starts_with(OnDemandRoute::kPrefix) || !path.ends_with(kSuffix)) return std::nullopt;
  const std::string_view id = path.substr(
      OnDemandRoute::kPrefix.size(), path.size() - OnDemandRoute::kPrefix.size() - kSuffix.size());
  if (id.empty() || id.size() > 20) return std::nullopt;
  int64_t user_id = 0;
  const auto [end, error] = std::from_chars(id.data(), id.data() + id.size(), user_id);
  if (error != std::errc() || end != id.data() + id.size()) return std::nullopt;
  return user_id;
}

bool ForceRequested(std::string_view target) {
  const size_t question = target.find('?');
  if (question == std::string_view::npos) return false;
  std::string_view query = target.substr(question + 1);
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    if (pair == "force=1" || pair == "force=true") return true;
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return false;
}

// Compares every byte of the longer input whatever differs first: the time taken does not tell
// how much of a guess was right.
bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  const size_t length = std::max(a.size(), b.size());
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < length; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff = static_cast<unsigned char>(diff | (x ^ y));
  }
  return diff == 0;
}

std::string_view TrimSpace(std::string_view text) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

}  // namespace

OnDemandRoute::OnDemandRoute(std::string bearer_token, OnDemandRefresher* refresher)
    : bearer_token_(std::move(bearer_token)), refresher_(refresher) {}

bool OnDemandRoute::Authorized(const HttpServerRequest& request) const {
  return BearerAuthorized(request, bearer_token_);
}

bool BearerAuthorized(const HttpServerRequest& request, std::string_view bearer_token) {
  if (bearer_token.empty()) return false;
  const std::string* header = request.Header("authorization");
  if (header == nullptr) return false;
  std::string_view value = TrimSpace(*header);
  constexpr std::string_view kScheme = "Bearer ";
  if (value.size() < kScheme.size()) return false;
  for (size_t i = 0; i < kScheme.size(); ++i) {
    const char c = value[i];
    const char lower = c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
    const char want =
        kScheme[i] >= 'A' && kScheme[i] <= 'Z' ? static_cast<char>(kScheme[i] + 32) : kScheme[i];
    if (lower != want) return false;
  }
  return ConstantTimeEquals(TrimSpace(value.substr(kScheme.size())), bearer_token);
}

void OnDemandRoute::Handle(const HttpServerRequest& request, const HttpResponder& respond) const {
  const std::string_view target = request.target;
  const std::string_view path = target.substr(0, target.find('?'));
  if (!enabled()) return respond(HttpAnswer{404, "text/plain", "not found\n"});
  const std::optional<int64_t> user_id = UserIdOf(path);
  if (!user_id) return respond(ErrorAnswer(404, "not found"));
  if (!Authorized(request)) return respond(ErrorAnswer(401, "missing or wrong bearer token"));
  if (request.method == "POST") {
    refresher_->Refresh(*user_id, ForceRequested(target), [respond](const OnDemandAnswer& answer) {
      respond(OnDemandHttpAnswer(answer));
    });
    return;
  }
  if (request.method == "GET" || request.method == "HEAD") {
    const std::optional<OnDemandAnswer> last = refresher_->LastResult(*user_id);
    if (!last) return respond(ErrorAnswer(404, "no on-demand refresh of this user remembered"));
    return respond(OnDemandHttpAnswer(*last));
  }
  respond(ErrorAnswer(405, "POST, GET or HEAD only"));
}

HttpAnswer OnDemandHttpAnswer(const OnDemandAnswer& answer) {
  Json body = Json::object();
  body["user_id"] = answer.user_id;
  const std::string status_path =
      fmt::format("{}{}{}", OnDemandRoute::kPrefix, answer.user_id, kSuffix);
  if (answer.state == OnDemandAnswer::State::kRunning) {
    body["state"] = "running";
    body["status_url"] = status_path;
    return JsonAnswer(202, body);
  }
  const UserRefreshResult& result = answer.result;
  body["state"] = "done";
  body["outcome"] = UserRefreshKindName(result.kind);
  if (result.error_class) body["error_class"] = ErrorClassName(*result.error_class);
  if (result.timestamp > 0) body["timestamp"] = result.timestamp;
  if (result.by_sweep) body["refreshed_by"] = "sweep";
  if (result.kind == UserRefreshResult::Kind::kUnknownUser) return JsonAnswer(404, body);
  return JsonAnswer(200, body);
}

Result<std::string> ReadBearerTokenFile(const std::string& path) {
  Result<std::string> content = ReadRegularFile(path, "file");  // a FIFO would block forever
  if (!content.ok()) {
    return MakeError(ErrorClass::kConfig, "on_demand.token_file: " + content.error().message);
  }
  const std::string token(TrimSpace(*content));
  if (token.empty()) {
    return MakeError(ErrorClass::kConfig, "on_demand.token_file: " + path + " is empty");
  }
  return token;
}

}  // namespace tc
