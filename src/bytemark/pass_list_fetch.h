// Fetching one whole pass list (every page) of one user.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "bytemark/http_transport.h"
#include "config/config.h"
#include "document/cache_document.h"
#include "error/error.h"
#include "json/js_json.h"

namespace tc {

// Sends one request and calls back once. The engine's implementation adds rate limiting, retries
// and the circuit breaker around an HttpTransport, so paging itself never retries.
using SendRequest = std::function<void(HttpRequest, HttpCallback)>;

struct PassListResult {
  std::vector<Json> passes;  // in API order, page after page
  int pages = 0;             // pages fetched
};

// Fetches pages 1, 2, ... of `list` one after the other (each request after the previous answer),
// with config.page_size per page, until a page's `next` is falsy (see ParsePassPage). `done` runs
// exactly once: with every pass, or with the first page's error, or kMalformed ("server kept
// paging past N pages") when page config.max_pages still announces a next page.
// `send` is copied; `token` is sent as the bearer token and never appears in errors.
void FetchPassList(const SendRequest& send, const BytemarkConfig& config, const std::string& token,
                   PassListKind list, std::function<void(Result<PassListResult>)> done);

// FetchPassList straight over a transport (no retries), driving it until the list is complete.
Result<PassListResult> FetchPassListBlocking(HttpTransport& transport, const BytemarkConfig& config,
                                             const std::string& token, PassListKind list);

}  // namespace tc
