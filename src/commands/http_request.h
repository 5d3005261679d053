// One HTTP/1.1 exchange of `serve`'s endpoint, without sockets: the bytes a client sent in, the
// bytes of the answer out. The endpoint feeds it what it read; the fuzz target feeds it anything.
// Only the request head matters (every route is GET/HEAD and every answer closes the
// connection), so a body is never read.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace tc {

struct HttpAnswer {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

// Routes one GET or HEAD request by its target ("/metrics?x=1"). May throw: the caller answers
// 500. Called concurrently from the endpoint's threads: it must be thread-safe.
using HttpHandler = std::function<HttpAnswer(const std::string& method, const std::string& target)>;

struct HttpRequestLimits {
  size_t max_target_bytes = 2048;  // longer request target → 414
  size_t max_head_bytes = 8192;    // longer request line + headers → 431
};

// Where a connection's bytes so far stand.
struct HeadScan {
  enum class State { kNeedMore, kComplete, kReject };
  State state = State::kNeedMore;
  size_t head_bytes = 0;  // kComplete: bytes up to and including the blank line
  int reject_status = 0;  // kReject: 400, 414 or 431
};

// Looks at the first bytes of a connection. kReject as soon as the bytes can no longer become an
// acceptable head (an over-long target or head, a request line that is not HTTP) — without
// waiting for the rest, so a client cannot make the server buffer more than the limits.
HeadScan ScanRequestHead(std::string_view bytes, const HttpRequestLimits& limits);

// The answer to one complete head (as ScanRequestHead found it): 400 when it does not parse,
// 405 for a method other than GET/HEAD, else what `handler` says (500 when it throws).
HttpAnswer AnswerRequestHead(std::string_view head, const HttpHandler& handler,
                             bool* is_head_method = nullptr);

// The answer's bytes: status line, Server, Content-Type, Content-Length, Connection: close, and
// the body unless `head_only`.
std::string SerializeAnswer(const HttpAnswer& answer, bool head_only);

// Everything above for a connection that sent exactly `bytes` and then closed or stalled: the
// bytes to send back, or "" when the server would keep waiting for more (an incomplete head).
std::string RespondToBytes(std::string_view bytes, const HttpRequestLimits& limits,
                           const HttpHandler& handler);

}  // namespace tc
