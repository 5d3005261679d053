#include "sim_service.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <ctime>
#include <mutex>
#include <optional>

#include "deterministic_random.h"
#include "pass_page.h"
#include "pass_text.h"
#include "request_target.h"
#include "sim_answers.h"
#include "sim_token.h"

namespace tc::sim {
namespace {

constexpr std::string_view kActivePath = "/passes";
constexpr std::string_view kExpiredPath = "/v4.0/passes";
constexpr std::string_view kOtherPath = "other";
constexpr int64_t kDefaultPerPage = 100;

// The user whose token `authorization` ("Bearer tc-sim-token-U") carries, if U is in 1..users.
std::optional<int64_t> AuthorizedUser(std::string_view authorization, int64_t users) {
  constexpr std::string_view kBearer = "Bearer ";
  constexpr std::string_view kPrefix = "tc-sim-token-";
  if (!authorization.starts_with(kBearer)) return std::nullopt;
  std::string_view token = authorization.substr(kBearer.size());
  if (!token.starts_with(kPrefix)) return std::nullopt;
  std::string_view digits = token.substr(kPrefix.size());
  int64_t user = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), user);
  if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  if (user < 1 || user > users || SimTokenForUser(user) != token) return std::nullopt;
  return user;
}

std::optional<nlohmann::json> ParseJsonBody(std::string_view body) {
  nlohmann::json parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return std::nullopt;
  return parsed;
}

}  // namespace

SimService::SimService(SimSettings settings, uint64_t seed)
    : seed_(seed), settings_(std::move(settings)) {}

SimSettings SimService::settings() const {
  std::lock_guard lock(mutex_);
  return settings_;
}

SimResponse SimService::Handle(const SimRequest& request) {
  std::optional<RequestTarget> target = ParseRequestTarget(request.target);
  if (!target) return ErrorAnswer(400, "bad request target");
  std::string_view path = target->path;
  if (path.starts_with("/_sim/")) return HandleControl(request, path);

  std::string_view counter_path = kOtherPath;
  if (path == kActivePath)
    counter_path = kActivePath;
  else if (path == kExpiredPath)
    counter_path = kExpiredPath;
  counters_.RequestStarted(std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count());

  SimResponse response;
  if (counter_path == kOtherPath) {
    response = ErrorAnswer(404, "Not Found");
  } else if (request.method != "GET") {
    response = ErrorAnswer(405, "Method Not Allowed");
  } else if (counter_path == kExpiredPath && target->Param("status") != "EXPIRED") {
    response = ErrorAnswer(400, "this simulator serves /v4.0/passes only with status=EXPIRED");
  } else {
    response = HandleApi(request, *target,
                         counter_path == kActivePath ? PassList::kActive : PassList::kExpired);
  }
  response.counter_path = counter_path;
  return response;
}

SimResponse SimService::HandleApi(const SimRequest& request, const RequestTarget& target,
                                  PassList list) {
  SimSettings settings;
  uint64_t request_number = 0;
  bool admitted = false;
  std::optional<UserFault> user_fault;
  int64_t generation = 0;
  std::optional<int64_t> user;
  {
    std::lock_guard lock(mutex_);
    settings = settings_;
    request_number = api_requests_++;
    admitted = rate_limiter_.Admit(settings.rate_limit, std::chrono::steady_clock::now());
    user = AuthorizedUser(request.authorization, settings.users);
    if (user) {
      if (auto it = user_faults_.find(*user); it != user_faults_.end()) user_fault = it->second;
      if (auto it = generations_.find(*user); it != generations_.end()) generation = it->second;
    }
  }
  std::chrono::microseconds latency = DrawLatency(settings, request_number);
  auto with_latency = [&](SimResponse response) {
    response.delay += latency;
    return response;
  };

  if (!admitted) return with_latency(RateLimitedAnswer(settings));
  // Hostile mode: everyone's fault comes before the token is looked at (a blanket 403, a wrong
  // path, a gateway's error page answer every request alike).
  std::optional<UserFault> fault;
  if (!settings.fault_all.empty()) {
    fault = UserFault{*ParseUserFaultKind(settings.fault_all), true, true};
  }
  if (!fault && !user) return with_latency(ErrorAnswer(401, "Unauthorized"));
  if (!fault && user_fault &&
      (list == PassList::kActive ? user_fault->active_list : user_fault->expired_list)) {
    fault = user_fault;
  }

  std::optional<int64_t> per_page = target.PositiveIntParam("per_page", kDefaultPerPage);
  std::optional<int64_t> page = target.PositiveIntParam("page", 1);
  if (!per_page || !page) {
    return with_latency(ErrorAnswer(400, "page and per_page must be positive integers"));
  }
  PageQuery query{user.value_or(1), list, *page, *per_page};
  UserPassState state{list == PassList::kActive ? settings.passes : settings.expired, generation};
  bool forever = false;
  bool huge_header = false;

  if (fault) {
    switch (fault->kind) {
      case UserFaultKind::k500:
        return with_latency(ErrorAnswer(500, "Internal Server Error"));
      case UserFaultKind::k503:
        return with_latency(ErrorAnswer(503, "Service Unavailable"));
      case UserFaultKind::k401:
        return with_latency(ErrorAnswer(401, "Unauthorized"));
      case UserFaultKind::k403:
        return with_latency(ErrorAnswer(403, "Forbidden"));
      case UserFaultKind::k429:
        return with_latency(RateLimitedAnswer(settings));
      case UserFaultKind::kTimeout:
        return with_latency(TimeoutAnswer(settings.timeout_delay_ms));
      case UserFaultKind::kReset: {
        SimResponse response;
        response.drop_connection = true;
        return with_latency(std::move(response));
      }
      case UserFaultKind::kMalformed:
        return with_latency(
            TruncatedAnswer(PassPageBody(query, state, settings.next_style, false)));
      case UserFaultKind::kWrongShape:
        return with_latency(JsonAnswer(
            200,
            R"({"errors":[],"data":{"passes":"not a list","page_count":"1","total_count":null,"pagination":[]}})"));
      case UserFaultKind::kHtml:
        return with_latency(HtmlAnswer(200));
      case UserFaultKind::kEmpty:
        return with_latency(JsonAnswer(200, ""));
      case UserFaultKind::kOversized:
        return with_latency(JsonAnswer(200, OversizedBody()));
      case UserFaultKind::kForever:
        forever = true;
        break;
      case UserFaultKind::k404:
        return with_latency(ErrorAnswer(404, "Not Found"));
      case UserFaultKind::kHtml502:
        return with_latency(HtmlAnswer(502));
      case UserFaultKind::kRedirect:
        return with_latency(RedirectAnswer());
      case UserFaultKind::kForeverBig:
        return with_latency(JsonAnswer(200, BigForeverPage(settings.big_page_bytes)));
      case UserFaultKind::kHugeHeader:
        huge_header = true;
        break;
      case UserFaultKind::kIdle:
        return IdleAnswer();
    }
  }

  if (settings.fault_429_first > 0) {
    const uint64_t page_key = HashOf({seed_, static_cast<uint64_t>(query.user_id),
                                      static_cast<uint64_t>(list), static_cast<uint64_t>(*page)});
    if (UnitInterval(Mix64(page_key)) < settings.fault_429_first) {
      std::lock_guard lock(mutex_);
      if (refused_first_.insert(page_key).second) return with_latency(RateLimitedAnswer(settings));
    }
  }

  switch (DrawRandomFault(settings, seed_, request_number)) {
    case RandomFault::kNone:
      break;
    case RandomFault::k5xx:
      return with_latency(request_number % 2 == 0 ? ErrorAnswer(500, "Internal Server Error")
                                                  : ErrorAnswer(503, "Service Unavailable"));
    case RandomFault::kTimeout:
      return with_latency(TimeoutAnswer(settings.timeout_delay_ms));
    case RandomFault::kMalformed:
      return with_latency(TruncatedAnswer(PassPageBody(query, state, settings.next_style, false)));
    case RandomFault::k401:
      return with_latency(ErrorAnswer(401, "Unauthorized"));
    case RandomFault::k429:
      return with_latency(RateLimitedAnswer(settings));
  }

  SimResponse response;
  if (huge_header) AddHugeHeader(response);
  response.body.reserve(static_cast<size_t>(std::min<int64_t>(*per_page, 200)) * 900 + 200);
  AppendPassPageBody(query, state, settings.next_style, forever, response.body);
  return with_latency(std::move(response));
}

std::chrono::microseconds SimService::DrawLatency(const SimSettings& settings,
                                                  uint64_t request_number) {
  if (settings.latency_ms <= 0) return std::chrono::microseconds(0);
  double u = UnitInterval(HashOf({seed_, request_number, 0x1a7e}));
  double ms = settings.latency_ms;
  switch (settings.latency_dist) {
    case LatencyDistribution::kFixed:
      break;
    case LatencyDistribution::kUniform:
      ms = 2 * settings.latency_ms * u;
      break;
    case LatencyDistribution::kExponential:
      ms = -settings.latency_ms * std::log1p(-u);
      break;
  }
  return std::chrono::microseconds(static_cast<int64_t>(ms * 1000));
}

void SimService::Answered(const SimResponse& response) {
  if (response.counter_path.empty()) return;
  counters_.RequestFinished(response.counter_path, response.drop_connection
                                                       ? std::string("reset")
                                                       : std::to_string(response.status));
}

SimResponse SimService::HandleControl(const SimRequest& request, std::string_view path) {
  const std::string_view method = request.method;
  if (path == "/_sim/health") return JsonAnswer(200, R"({"ok":true})");
  if (path == "/_sim/counters") {
    return JsonAnswer(200, counters_
                               .ToJson(std::chrono::duration_cast<std::chrono::seconds>(
                                           std::chrono::system_clock::now().time_since_epoch())
                                           .count())
                               .dump());
  }
  if (path == "/_sim/reset") {
    if (method != "POST") return ErrorAnswer(405, "use POST");
    counters_.Reset();
    return JsonAnswer(200, R"({"ok":true})");
  }
  if (path == "/_sim/config") {
    std::lock_guard lock(mutex_);
    if (method == "GET") return JsonAnswer(200, SimSettingsToJson(settings_).dump());
    if (method != "POST") return ErrorAnswer(405, "use GET or POST");
    std::optional<nlohmann::json> patch = ParseJsonBody(request.body);
    if (!patch) return ErrorAnswer(400, "body is not JSON");
    Status status = ApplySimSettingsPatch(*patch, settings_);
    if (!status.ok()) return ErrorAnswer(400, status.error().message);
    return JsonAnswer(200, SimSettingsToJson(settings_).dump());
  }
  if (path == "/_sim/mutate") {
    if (method != "POST") return ErrorAnswer(405, "use POST");
    std::optional<nlohmann::json> body = ParseJsonBody(request.body);
    if (!body || !body->is_object())
      return ErrorAnswer(400, R"(expected {"users":[ids]} or {"every":k})");
    std::vector<int64_t> users;
    std::lock_guard lock(mutex_);
    if (body->contains("users") && (*body)["users"].is_array()) {
      for (const nlohmann::json& id : (*body)["users"]) {
        if (!id.is_number_integer() || id.get<int64_t>() < 1) {
          return ErrorAnswer(400, "users must be positive integers");
        }
        users.push_back(id.get<int64_t>());
      }
    } else if (body->contains("every") && (*body)["every"].is_number_integer() &&
               (*body)["every"].get<int64_t>() >= 1) {
      int64_t every = (*body)["every"].get<int64_t>();
      for (int64_t user = every; user <= settings_.users; user += every) users.push_back(user);
    } else {
      return ErrorAnswer(400, R"(expected {"users":[ids]} or {"every":k})");
    }
    for (int64_t user : users) ++generations_[user];
    return JsonAnswer(200, nlohmann::json{{"mutated", users.size()}}.dump());
  }
  constexpr std::string_view kUsersPrefix = "/_sim/users/";
  constexpr std::string_view kFaultSuffix = "/fault";
  if (path.starts_with(kUsersPrefix) && path.ends_with(kFaultSuffix) &&
      path.size() > kUsersPrefix.size() + kFaultSuffix.size()) {
    std::string_view id_text =
        path.substr(kUsersPrefix.size(), path.size() - kUsersPrefix.size() - kFaultSuffix.size());
    int64_t user = 0;
    auto [end, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), user);
    if (ec != std::errc() || end != id_text.data() + id_text.size() || user < 1) {
      return ErrorAnswer(400, "bad user id");
    }
    std::lock_guard lock(mutex_);
    if (method == "DELETE") {
      user_faults_.erase(user);
      return JsonAnswer(200, R"({"ok":true})");
    }
    if (method != "PUT") return ErrorAnswer(405, "use PUT or DELETE");
    std::optional<nlohmann::json> body = ParseJsonBody(request.body);
    std::optional<UserFault> fault = body ? ParseUserFault(*body) : std::nullopt;
    if (!fault) {
      return ErrorAnswer(400, R"(expected {"kind":K,"list":"active"|"expired"|"both"})");
    }
    user_faults_[user] = *fault;
    return JsonAnswer(200, R"({"ok":true})");
  }
  return ErrorAnswer(404, "Not Found");
}

}  // namespace tc::sim
