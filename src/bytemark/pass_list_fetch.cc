#include "bytemark/pass_list_fetch.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "bytemark/bytemark_api.h"
#include "bytemark/response_classification.h"

namespace tc {
namespace {

struct PassListFetch {
  SendRequest send;
  BytemarkConfig config;
  const Clock* clock = nullptr;
  std::string token;
  PassListKind list = PassListKind::kActive;
  std::shared_ptr<UserByteBudget> budget;
  std::function<void(Result<PassListResult>)> done;
  PassListResult result;
  int64_t reserved = 0;           // budget bytes reserved for the page on the wire
  bool capped_by_budget = false;  // that page may read only what the budget had left
};

const char* ListLabel(PassListKind list) {
  return list == PassListKind::kActive ? "active passes" : "expired passes";
}

Error OverBudget(const PassListFetch& fetch) {
  return MakeError(ErrorClass::kMalformed,
                   std::string(ListLabel(fetch.list)) + " page " +
                       std::to_string(fetch.result.pages + 1) +
                       ": this user's responses exceed bytemark.max_bytes_per_user (" +
                       std::to_string(fetch.budget->max()) + " bytes)");
}

void RequestPage(const std::shared_ptr<PassListFetch>& fetch);

void OnPage(const std::shared_ptr<PassListFetch>& fetch, Result<HttpResponse> response,
            Status verdict) {
  const int page_number = fetch->result.pages + 1;
  const std::string where =
      std::string(ListLabel(fetch->list)) + " page " + std::to_string(page_number) + ": ";
  const int64_t reserved = std::exchange(fetch->reserved, 0);
  const int64_t kept = response.ok() ? static_cast<int64_t>(response->body.size()) : 0;
  if (kept > reserved) {  // a transport that read past the cap: never keep it
    fetch->budget->Release(reserved);
    fetch->done(OverBudget(*fetch));
    return;
  }
  fetch->budget->Release(reserved - kept);
  if (!response.ok()) {
    if (fetch->capped_by_budget && response.error().error_class == ErrorClass::kMalformed) {
      fetch->done(OverBudget(*fetch));  // the transport stopped reading at the budget
      return;
    }
    Error error = response.error();
    error.message = where + error.message;
    fetch->done(std::move(error));
    return;
  }
  if (!verdict.ok()) {
    Error error = verdict.error();
    if (error.retry_after) {
      error.retry_after =
          std::clamp(*error.retry_after, std::chrono::milliseconds(0),
                     std::max(fetch->config.max_retry_after, std::chrono::milliseconds(0)));
    }
    error.message = where + error.message;
    fetch->done(std::move(error));
    return;
  }
  Result<PassPage> page = ParsePassBody(*response);
  if (!page.ok()) {
    Error error = page.error();
    error.message = where + error.message;
    fetch->done(std::move(error));
    return;
  }
  fetch->result.pages = page_number;
  for (Json& pass : page->passes) fetch->result.passes.emplace_back(std::move(pass));
  if (!page->has_next) {
    fetch->done(std::move(fetch->result));
    return;
  }
  const int max_pages = std::max(fetch->config.max_pages, 1);
  if (page_number >= max_pages) {
    fetch->done(MakeError(ErrorClass::kMalformed, std::string(ListLabel(fetch->list)) +
                                                      ": server kept paging past " +
                                                      std::to_string(max_pages) + " pages"));
    return;
  }
  RequestPage(fetch);
}

void RequestPage(const std::shared_ptr<PassListFetch>& fetch) {
  const int64_t cap = std::max<int64_t>(fetch->config.max_response_bytes, 1);
  const int64_t granted = fetch->budget->Reserve(cap);
  if (granted <= 0) {
    fetch->done(OverBudget(*fetch));
    return;
  }
  fetch->reserved = granted;
  HttpRequest request;
  request.url = PassPageUrl(fetch->config.customer_api, fetch->list, fetch->config.page_size,
                            fetch->result.pages + 1);
  request.bearer_token = fetch->token;
  request.timeout = fetch->config.timeout;
  request.connect_timeout = fetch->config.connect_timeout;
  request.max_response_bytes = granted;
  fetch->capped_by_budget = granted < cap;
  fetch->send(std::move(request), [fetch](Result<HttpResponse> response, Status verdict) {
    OnPage(fetch, std::move(response), std::move(verdict));
  });
}

}  // namespace

SendRequest ClassifyingSend(std::function<void(HttpRequest, HttpCallback)> send,
                            const Clock& clock) {
  return [send = std::move(send), &clock](HttpRequest request, ClassifiedCallback done) {
    send(std::move(request), [&clock, done = std::move(done)](Result<HttpResponse> answer) {
      Status verdict = answer.ok() ? ClassifyHttpResponse(*answer, clock.NowUnixSeconds(),
                                                          std::chrono::milliseconds::max())
                                   : Status(answer.error());
      done(std::move(answer), std::move(verdict));
    });
  };
}

void FetchPassList(const SendRequest& send, const BytemarkConfig& config, const Clock& clock,
                   const std::string& token, PassListKind list,
                   std::shared_ptr<UserByteBudget> budget,
                   std::function<void(Result<PassListResult>)> done) {
  if (HasControlCharacters(token)) {
    // Never sent: CR LF in a header value would inject headers of the token's choosing.
    done(MakeError(ErrorClass::kRejectedToken, "token contains control characters"));
    return;
  }
  auto fetch = std::make_shared<PassListFetch>();
  fetch->send = send;
  fetch->config = config;
  fetch->clock = &clock;
  fetch->token = token;
  fetch->list = list;
  fetch->budget =
      budget ? std::move(budget) : std::make_shared<UserByteBudget>(config.max_bytes_per_user);
  fetch->done = std::move(done);
  RequestPage(fetch);
}

Result<PassListResult> FetchPassListBlocking(HttpTransport& transport, const BytemarkConfig& config,
                                             const Clock& clock, const std::string& token,
                                             PassListKind list) {
  std::optional<Result<PassListResult>> result;
  FetchPassList(ClassifyingSend(
                    [&transport](HttpRequest request, HttpCallback done) {
                      transport.Start(std::move(request), std::move(done));
                    },
                    clock),
                config, clock, token, list, nullptr, [&result](Result<PassListResult> list_result) {
                  result.emplace(std::move(list_result));
                });
  while (!result) transport.Drive(Duration(100));
  return std::move(*result);
}

}  // namespace tc
