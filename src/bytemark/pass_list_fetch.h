// Fetching one whole pass list (every page) of one user.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bytemark/http_transport.h"
#include "bytemark/response_classification.h"
#include "clock/clock.h"
#include "config/config.h"
#include "error/error.h"
#include "json/js_json.h"
#include "json/pass_list_kind.h"
#include "json/shared_json.h"

namespace tc {

// Sends one request and calls back once with the answer and its verdict (ClassifiedCallback: the
// sender classifies each answer, once). The engine's implementation adds rate limiting, retries
// and the circuit breaker around an HttpTransport, so paging itself never retries.
using SendRequest = std::function<void(HttpRequest, ClassifiedCallback)>;

// A SendRequest over a sender of raw answers (an HttpTransport's Start): classifies each answer
// at `clock`'s time.
SendRequest ClassifyingSend(std::function<void(HttpRequest, HttpCallback)> send,
                            const Clock& clock);

struct PassListResult {
  std::vector<SharedJson> passes;  // in API order, page after page
  int pages = 0;                   // pages fetched
};

// How many response bytes one user's pages may bring in, over every page of both lists
// (bytemark.max_bytes_per_user). Shared by the user's two FetchPassList calls. Each request
// reserves its size cap (bytemark.max_response_bytes, or what is left) before it is sent and
// gives back what its answer did not use, so the lists together never read past the bound — at
// the price that a user may fail once it comes within one response cap of it. REQUIRES: used
// from one thread (the run's network thread).
class UserByteBudget {
 public:
  explicit UserByteBudget(int64_t max_bytes) : max_(max_bytes) {}
  int64_t max() const { return max_; }
  int64_t remaining() const { return max_ - used_; }
  // Reserves up to `want` bytes; returns how many were granted (0 when the budget is spent).
  int64_t Reserve(int64_t want) {
    const int64_t granted = std::max<int64_t>(0, std::min(want, remaining()));
    used_ += granted;
    return granted;
  }
  void Release(int64_t bytes) { used_ -= std::max<int64_t>(0, std::min(bytes, used_)); }

 private:
  const int64_t max_;
  int64_t used_ = 0;
};

// Fetches pages 1, 2, ... of `list` one after the other (each request after the previous answer),
// with config.page_size per page, until a page's `next` is falsy (see ParsePassPage). `done` runs
// exactly once: with every pass, or with the first page's error, or kMalformed when page
// config.max_pages still announces a next page ("server kept paging past N pages") or the
// user's pages exceed `budget` ("responses exceed bytemark.max_bytes_per_user").
// A token holding control characters (HasControlCharacters) is never sent: kRejectedToken at
// once. `send` is copied; `token` is sent as the bearer token and never appears in errors;
// `clock` (wall time for a Retry-After given as an HTTP-date) must outlive the fetch.
void FetchPassList(const SendRequest& send, const BytemarkConfig& config, const Clock& clock,
                   const std::string& token, PassListKind list,
                   std::shared_ptr<UserByteBudget> budget,
                   std::function<void(Result<PassListResult>)> done);

// FetchPassList straight over a transport (no retries), driving it until the list is complete,
// with a budget of config.max_bytes_per_user for this one list.
Result<PassListResult> FetchPassListBlocking(HttpTransport& transport, const BytemarkConfig& config,
                                             const Clock& clock, const std::string& token,
                                             PassListKind list);

}  // namespace tc
