// One HTTP/1.1 exchange of `serve`'s endpoint, without sockets: the bytes a client sent in, the
// bytes of the answer out. The endpoint feeds it what it read; the fuzz target feeds it anything.
// Every answer closes the connection. GET and HEAD are always accepted; POST and a small body
// (Content-Length up to max_body_bytes, never chunked) only when max_body_bytes > 0.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tc {

struct HttpAnswer {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

// One parsed request, as a handler sees it.
struct HttpServerRequest {
  std::string method;                                        // "GET" | "HEAD" | "POST"
  std::string target;                                        // "/metrics?x=1"
  std::vector<std::pair<std::string, std::string>> headers;  // as sent, in order
  std::string body;                                          // POST: at most max_body_bytes

  // The first header named `name` (case-insensitive); nullptr when absent.
  const std::string* Header(std::string_view name) const;
};

// Answers one request. May throw: the caller answers 500. Called concurrently from the
// endpoint's threads: it must be thread-safe.
using HttpRequestHandler = std::function<HttpAnswer(const HttpServerRequest& request)>;
// The same for routes that need only the method and target ("/metrics?x=1").
using HttpHandler = std::function<HttpAnswer(const std::string& method, const std::string& target)>;
HttpRequestHandler ByMethodAndTarget(HttpHandler handler);

struct HttpRequestLimits {
  size_t max_target_bytes = 2048;  // longer request target → 414
  size_t max_head_bytes = 8192;    // longer request line + headers → 431
  // A larger Content-Length → 413; chunked bodies → 411. 0: POST is refused (405) and a body is
  // never read.
  size_t max_body_bytes = 0;
};

// Where a connection's bytes so far stand.
struct HeadScan {
  enum class State { kNeedMore, kComplete, kReject };
  State state = State::kNeedMore;
  size_t head_bytes = 0;  // kComplete: bytes up to and including the blank line
  size_t body_bytes = 0;  // kComplete: the body after the head (its Content-Length)
  int reject_status = 0;  // kReject: 400, 411, 413, 414 or 431
};

// Looks at the first bytes of a connection. kReject as soon as the bytes can no longer become an
// acceptable request (an over-long target, head or body, a request line that is not HTTP) —
// without waiting for the rest, so a client cannot make the server buffer more than the limits.
// kComplete once the head and its body (when bodies are accepted) are in.
HeadScan ScanRequestHead(std::string_view bytes, const HttpRequestLimits& limits);

// One complete request (head and body, as ScanRequestHead found them): the request for a handler,
// or the answer to give at once: 400 when it does not parse, 405 for a method other than GET/HEAD
// (and POST when bodies are accepted).
struct ParsedRequest {
  std::optional<HttpServerRequest> request;
  HttpAnswer answer;       // when there is no request
  bool head_only = false;  // HEAD: the answer goes without its body
};
ParsedRequest ParseRequest(std::string_view bytes, const HttpRequestLimits& limits);

// The answer to a request ScanRequestHead rejected with `status`.
HttpAnswer RejectionAnswer(int status);

// ParseRequest, then what `handler` says (500 when it throws).
HttpAnswer AnswerRequest(std::string_view request, const HttpRequestLimits& limits,
                         const HttpRequestHandler& handler, bool* is_head_method = nullptr);

// The answer's bytes: status line, Server, Content-Type, Content-Length, Connection: close, and
// the body unless `head_only`.
std::string SerializeAnswer(const HttpAnswer& answer, bool head_only);

// Everything above for a connection that sent exactly `bytes` and then closed or stalled: the
// bytes to send back, or "" when the server would keep waiting for more (an incomplete head).
std::string RespondToBytes(std::string_view bytes, const HttpRequestLimits& limits,
                           const HttpRequestHandler& handler);
std::string RespondToBytes(std::string_view bytes, const HttpRequestLimits& limits,
                           const HttpHandler& handler);

}  // namespace tc
