// What the status page needs to act and to look further back, beside /api/status:
//   GET  /api/users/{id}     one user: their cache document's summary (age, passes, fresh or
//                            stale), failure state, backoff and last error class
//   GET  /api/runs?page=N    run history, kRunsPerPage runs a page, newest first
//   POST /v1/runs            start a run now (bearer token, as the on-demand endpoint)
// The reads are as open as /api/status (keep the port internal); starting a run needs the
// on-demand bearer token in the Authorization header, never a cookie.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "clock/clock.h"
#include "config/config.h"
#include "json/js_json.h"
#include "serve/http_request.h"
#include "store/cache_store.h"

namespace tc {

// Asks the daemon for a run now. Answers what became of the request: started (202), or refused
// with a reason (409: a run is going, or the daemon does not run scheduled sweeps).
struct RunNowAnswer {
  bool accepted = false;
  std::string detail;
};
using RunNowRequester = std::function<RunNowAnswer()>;

// One user as the status page's search shows them. `document` empty: no cache yet; `states`
// the user's failure memory (empty: never failed).
Json UserSummary(int64_t user_id, const std::optional<CacheDocument>& document,
                 const std::optional<UserState>& state, const RefreshConfig& refresh,
                 int64_t now_unix);

class OperatorApi {
 public:
  static constexpr int kRunsPerPage = 20;
  // Pages reach back this many runs (about six weeks of hourly runs); retention bounds the rest.
  static constexpr int kMaxHistory = 1000;

  // `bearer_token` empty: POST /v1/runs answers 404 (the on-demand token is not configured).
  // `run_now` may be empty (the same). Every argument outlives the API.
  OperatorApi(CacheStore& store, const Clock& clock, const RefreshConfig& refresh,
              std::string bearer_token, RunNowRequester run_now);

  static bool Matches(std::string_view path) {
    return path.starts_with("/api/users/") || path == "/api/runs" || path == "/v1/runs";
  }
  HttpAnswer Handle(const HttpServerRequest& request) const;

 private:
  HttpAnswer User(std::string_view id_text) const;
  HttpAnswer Runs(std::string_view target) const;
  HttpAnswer StartRun(const HttpServerRequest& request) const;

  CacheStore& store_;
  const Clock& clock_;
  const RefreshConfig& refresh_;
  std::string bearer_token_;
  RunNowRequester run_now_;
};

}  // namespace tc
