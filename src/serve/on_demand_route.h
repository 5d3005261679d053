// `serve`'s on-demand refresh endpoint (docs/operations.md):
//   POST /v1/users/{id}/refresh[?force=1]  refresh that user now; 200 with the outcome, or 202
//                                          "running" when it takes longer than the deadline
//   GET  /v1/users/{id}/refresh            the last outcome (200), "running" (202), or 404
// Every call carries "Authorization: Bearer <token>" (compared in constant time; the token is
// never logged). Without a configured token the endpoint is off: every path answers 404.
#pragma once

#include <string>
#include <string_view>

#include "error/error.h"
#include "run/on_demand_refresher.h"
#include "serve/http_endpoint.h"

namespace tc {

class OnDemandRoute {
 public:
  static constexpr std::string_view kPrefix = "/v1/users/";

  // `bearer_token` empty: the endpoint is off. `refresher` must outlive the route when it is on.
  OnDemandRoute(std::string bearer_token, OnDemandRefresher* refresher);

  bool enabled() const { return !bearer_token_.empty() && refresher_ != nullptr; }
  static bool Matches(std::string_view path) { return path.starts_with(kPrefix); }

  // Answers through `respond`, at once or (a refresh under way) once it ends or its deadline
  // passes.
  void Handle(const HttpServerRequest& request, const HttpResponder& respond) const;

 private:
  bool Authorized(const HttpServerRequest& request) const;

  std::string bearer_token_;
  OnDemandRefresher* refresher_;
};

// Whether `request` carries "Authorization: Bearer <bearer_token>" (scheme case-insensitive, the
// token compared in constant time). Never true for an empty token. Only a header counts: no
// cookie, so no other site can make a browser send it (no CSRF surface).
bool BearerAuthorized(const HttpServerRequest& request, std::string_view bearer_token);

// The JSON an answer is sent as, and its HTTP status.
HttpAnswer OnDemandHttpAnswer(const OnDemandAnswer& answer);

// The bearer token in `path` (surrounding whitespace dropped). kConfig naming on_demand.token_file
// when it cannot be read or is empty; the error never quotes the file's content.
Result<std::string> ReadBearerTokenFile(const std::string& path);

}  // namespace tc
