#include "bytemark/http_transport.h"

#include <utility>

namespace tc {

Result<HttpResponse> FetchBlocking(HttpTransport& transport, HttpRequest request) {
  std::optional<Result<HttpResponse>> result;
  transport.Start(std::move(request), [&result](Result<HttpResponse> response) {
    result.emplace(std::move(response));
  });
  // Every transport completes each request (curl enforces the request's timeouts), so this ends.
  while (!result) transport.Drive(Duration(100));
  return std::move(*result);
}

}  // namespace tc
