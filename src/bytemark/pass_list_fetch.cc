#include "bytemark/pass_list_fetch.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <utility>

#include "bytemark/bytemark_api.h"
#include "clock/clock.h"

namespace tc {
namespace {

struct PassListFetch {
  SendRequest send;
  BytemarkConfig config;
  std::string token;
  PassListKind list = PassListKind::kActive;
  std::function<void(Result<PassListResult>)> done;
  PassListResult result;
};

const char* ListLabel(PassListKind list) {
  return list == PassListKind::kActive ? "active passes" : "expired passes";
}

void RequestPage(const std::shared_ptr<PassListFetch>& fetch);

void OnPage(const std::shared_ptr<PassListFetch>& fetch, Result<HttpResponse> response) {
  const int page_number = fetch->result.pages + 1;
  const std::string where =
      std::string(ListLabel(fetch->list)) + " page " + std::to_string(page_number) + ": ";
  if (!response.ok()) {
    Error error = response.error();
    error.message = where + error.message;
    fetch->done(std::move(error));
    return;
  }
  // Wall time only matters for a Retry-After given as an HTTP-date.
  static const SystemClock clock;
  Result<PassPage> page = ParsePassPage(*response, clock.NowUnixSeconds());
  if (!page.ok()) {
    Error error = page.error();
    error.message = where + error.message;
    fetch->done(std::move(error));
    return;
  }
  fetch->result.pages = page_number;
  for (Json& pass : page->passes) fetch->result.passes.push_back(std::move(pass));
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
  HttpRequest request;
  request.url = PassPageUrl(fetch->config.customer_api, fetch->list, fetch->config.page_size,
                            fetch->result.pages + 1);
  request.bearer_token = fetch->token;
  request.timeout = fetch->config.timeout;
  request.connect_timeout = fetch->config.connect_timeout;
  request.max_response_bytes = fetch->config.max_response_bytes;
  fetch->send(std::move(request),
              [fetch](Result<HttpResponse> response) { OnPage(fetch, std::move(response)); });
}

}  // namespace

void FetchPassList(const SendRequest& send, const BytemarkConfig& config, const std::string& token,
                   PassListKind list, std::function<void(Result<PassListResult>)> done) {
  auto fetch = std::make_shared<PassListFetch>();
  fetch->send = send;
  fetch->config = config;
  fetch->token = token;
  fetch->list = list;
  fetch->done = std::move(done);
  RequestPage(fetch);
}

Result<PassListResult> FetchPassListBlocking(HttpTransport& transport, const BytemarkConfig& config,
                                             const std::string& token, PassListKind list) {
  std::optional<Result<PassListResult>> result;
  FetchPassList(
      [&transport](HttpRequest request, HttpCallback done) {
        transport.Start(std::move(request), std::move(done));
      },
      config, token, list,
      [&result](Result<PassListResult> list_result) { result.emplace(std::move(list_result)); });
  while (!result) transport.Drive(Duration(100));
  return std::move(*result);
}

}  // namespace tc
