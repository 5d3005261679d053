#include "serve/operator_api.h"

#include <algorithm>
#include <charconv>
#include <utility>
#include <vector>

#include "clock/iso_time.h"
#include "serve/on_demand_route.h"
#include "serve/status_report.h"

namespace tc {
namespace {

constexpr const char* kApiJson = "application/json; charset=utf-8";

HttpAnswer ApiJsonAnswer(int status, const Json& body) {
  return HttpAnswer{status, kApiJson, body.dump(2) + "\n"};
}

HttpAnswer ApiErrorAnswer(int status, std::string_view message) {
  Json body = Json::object();
  body["error"] = message;
  return ApiJsonAnswer(status, body);
}

std::optional<int64_t> ParseApiId(std::string_view text) {
  if (text.empty() || text.size() > 19) return std::nullopt;
  int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

// "page=N" of the query, 0 when absent or bad.
int ApiPageOf(std::string_view target) {
  const size_t question = target.find('?');
  if (question == std::string_view::npos) return 0;
  std::string_view query = target.substr(question + 1);
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    if (pair.starts_with("page=")) {
      const std::optional<int64_t> page = ParseApiId(pair.substr(5));
      return page ? static_cast<int>(std::min<int64_t>(*page, 1'000'000)) : 0;
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return 0;
}

Json PassesByStatus(const std::vector<PassEntry>& passes) {
  Json counts = Json::object();
  for (const PassEntry& pass : passes) {
    const std::string key = pass.status.empty() ? "unknown" : pass.status;
    counts[key] = counts.value(key, 0) + 1;
  }
  return counts;
}

}  // namespace

Json UserSummary(int64_t user_id, const std::optional<CacheDocument>& document,
                 const std::optional<UserState>& state, const RefreshConfig& refresh,
                 int64_t now_unix) {
  Json out = Json::object();
  out["user_id"] = user_id;
  const int64_t window_seconds =
      std::chrono::duration_cast<std::chrono::seconds>(refresh.ttl - refresh.refresh_ahead).count();
  const bool in_backoff = state && state->next_attempt_at > now_unix;
  if (document) {
    Json cache = Json::object();
    cache["timestamp"] = document->timestamp;
    cache["refreshed_at"] = FormatIsoUtcMillis(document->timestamp * 1000);
    cache["age_seconds"] = std::max<int64_t>(0, now_unix - document->timestamp);
    cache["passes"] = document->passes.size();
    cache["passes4"] = document->passes4.size();
    cache["passes_by_status"] = PassesByStatus(document->passes);
    int free_tickets = 0;
    for (const PassEntry& pass : document->passes) free_tickets += pass.free_ticket_status;
    cache["free_tickets"] = free_tickets;
    out["cache"] = cache;
    // The same rule as a run's freshness check: stale from ttl - refresh_ahead on.
    out["state"] = document->timestamp <= now_unix - window_seconds ? "stale" : "fresh";
  } else {
    out["cache"] = nullptr;
    out["state"] = "missing";
  }
  if (in_backoff) out["state"] = "backoff";
  Json failure = nullptr;
  if (state && state->consecutive_failures > 0) {
    failure = Json::object();
    failure["consecutive_failures"] = state->consecutive_failures;
    failure["persistent"] = state->consecutive_failures >= kPersistentFailureRuns;
    failure["last_error_class"] = state->last_error_class;
    failure["last_error"] = state->last_error_message;
    failure["last_attempt_at"] = FormatIsoUtcMillis(state->last_attempt_at * 1000);
    failure["next_attempt_at"] =
        in_backoff ? Json(FormatIsoUtcMillis(state->next_attempt_at * 1000)) : Json();
    failure["backoff_seconds_left"] = in_backoff ? state->next_attempt_at - now_unix : 0;
  }
  out["failure"] = failure;
  return out;
}

OperatorApi::OperatorApi(CacheStore& store, const Clock& clock, const RefreshConfig& refresh,
                         std::string bearer_token, RunNowRequester run_now)
    : store_(store),
      clock_(clock),
      refresh_(refresh),
      bearer_token_(std::move(bearer_token)),
      run_now_(std::move(run_now)) {}

HttpAnswer OperatorApi::Handle(const HttpServerRequest& request) const {
  const std::string_view target = request.target;
  const std::string_view path = target.substr(0, target.find('?'));
  if (path == "/v1/runs") return StartRun(request);
  if (request.method != "GET" && request.method != "HEAD") {
    return ApiErrorAnswer(405, "GET or HEAD only");
  }
  if (path == "/api/runs") return Runs(target);
  return User(path.substr(std::string_view("/api/users/").size()));
}

HttpAnswer OperatorApi::User(std::string_view id_text) const {
  const std::optional<int64_t> user_id = ParseApiId(id_text);
  if (!user_id) return ApiErrorAnswer(400, "a user id is a whole number");
  auto loaded = store_.Load(*user_id);
  if (!loaded.ok()) return ApiErrorAnswer(503, "cache store: " + loaded.error().ToString());
  const int64_t ids[] = {*user_id};
  auto states = store_.LoadUserStates(ids);
  if (!states.ok()) return ApiErrorAnswer(503, "cache store: " + states.error().ToString());
  std::optional<CacheDocument> document;
  if (loaded->has_value()) document = (*loaded)->document;
  std::optional<UserState> state;
  if (!states->empty()) state = states->front();
  return ApiJsonAnswer(200,
                       UserSummary(*user_id, document, state, refresh_, clock_.NowUnixSeconds()));
}

HttpAnswer OperatorApi::Runs(std::string_view target) const {
  const int page = ApiPageOf(target);
  const int64_t first = static_cast<int64_t>(page) * kRunsPerPage;
  if (first >= kMaxHistory) return ApiErrorAnswer(404, "beyond the history pages reach");
  // One more than the page, to know whether an older page exists.
  const int wanted = static_cast<int>(std::min<int64_t>(first + kRunsPerPage + 1, kMaxHistory));
  const int64_t now_ms = clock_.NowUnixMillis();
  const Result<StatusReport> report = GatherStatus(store_, wanted, 0, now_ms);
  if (!report.ok()) return ApiErrorAnswer(503, "cache store: " + report.error().ToString());
  const Json document = BuildStatusDocument(report, ScheduleView{}, std::nullopt, now_ms);
  Json runs = Json::array();
  const Json& all = document["runs"];
  for (size_t i = static_cast<size_t>(first);
       i < all.size() && i < static_cast<size_t>(first + kRunsPerPage); ++i) {
    runs.push_back(all[i]);
  }
  Json out = Json::object();
  out["page"] = page;
  out["per_page"] = kRunsPerPage;
  out["has_older"] =
      all.size() > static_cast<size_t>(first + kRunsPerPage) && first + kRunsPerPage < kMaxHistory;
  out["runs"] = std::move(runs);
  return ApiJsonAnswer(200, out);
}

HttpAnswer OperatorApi::StartRun(const HttpServerRequest& request) const {
  if (bearer_token_.empty() || !run_now_) return ApiErrorAnswer(404, "not found");
  if (!BearerAuthorized(request, bearer_token_)) {
    return ApiErrorAnswer(401, "missing or wrong bearer token");
  }
  if (request.method != "POST") return ApiErrorAnswer(405, "POST only");
  const RunNowAnswer answer = run_now_();
  Json body = Json::object();
  body["state"] = answer.accepted ? "starting" : "refused";
  body["detail"] = answer.detail;
  return ApiJsonAnswer(answer.accepted ? 202 : 409, body);
}

}  // namespace tc
