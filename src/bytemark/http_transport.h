// The HTTP transport seam. The engine starts many requests and drives them from one thread; a test
// transport can answer anything (faults, delays) without a network.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "clock/clock.h"
#include "error/error.h"

namespace tc {

struct HttpRequest {
  std::string url;
  std::string method =
      "GET";         // the API is read with GET; tools (the simulator's control API) use others
  std::string body;  // sent with content_type when non-empty
  std::string content_type = "application/json";
  std::string bearer_token;  // secret: sent as Authorization, never logged
  Duration timeout{30'000};
  Duration connect_timeout{5'000};
  int64_t max_response_bytes = int64_t{8} * 1024 * 1024;
};

struct HttpResponse {
  long status = 0;
  std::string body;
  std::optional<std::string> retry_after;  // raw Retry-After header, when present
};

// Transport-level failures come back as errors: kTimeout, kNetwork (refused, DNS, TLS, reset as
// kTransient), kMalformed for a body over max_response_bytes. Any HTTP status is a response.
using HttpCallback = std::function<void(Result<HttpResponse>)>;

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // Starts a request. Never blocks; `done` runs exactly once, later, on the thread calling Drive().
  virtual void Start(HttpRequest request, HttpCallback done) = 0;
  // Moves transfers on for at most `max_wait` and runs the callbacks of finished ones.
  // Returns how many requests are still in flight.
  virtual size_t Drive(Duration max_wait) = 0;
  // Thread-safe: makes a Drive() that is waiting return early.
  virtual void Wakeup() = 0;
};

// Blocking convenience for tools and tests: Start + Drive until done.
Result<HttpResponse> FetchBlocking(HttpTransport& transport, HttpRequest request);

}  // namespace tc
