// The HTTP/1.1 server behind `serve`'s /metrics, /healthz, /readyz and status page, on Boost.Asio.
// A request's head and (when limits.max_body_bytes allows one) its small body are read whole
// before the handler runs. Connections are served concurrently by a small pool of threads; a
// connection that is idle or trickles its request (slowloris) costs a socket, not a thread, and is
// closed when its head deadline passes. At `max_connections`, a new connection makes room by
// closing the oldest idle one (waiting for its request head, or lingering after its answer), so
// idle clients can never keep a liveness probe or a scrape out; only when every connection is
// being answered is the new one closed at once. Every answer closes its connection. Request parsing
// and limits live in serve/http_request.h.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "clock/clock.h"
#include "error/error.h"
#include "serve/http_request.h"

namespace tc {

struct HttpEndpointOptions {
  // From accept to the end of the request head; a client slower than that is disconnected.
  Duration head_timeout = std::chrono::seconds(10);
  // Sending the answer.
  Duration write_timeout = std::chrono::seconds(10);
  // Open connections at once; beyond it the oldest idle one is closed (or, with none idle, the
  // new one).
  int max_connections = 256;
  // Threads running handlers and I/O. A slow handler (a /readyz probe) holds one of them.
  int threads = 4;
  HttpRequestLimits limits;
};

// Gives a request's answer, exactly once, from any thread (a handler may keep it and answer later
// without holding one of the endpoint's threads).
using HttpResponder = std::function<void(HttpAnswer answer)>;
// May throw before it answers: the endpoint answers 500. Must be thread-safe.
using HttpAsyncHandler =
    std::function<void(const HttpServerRequest& request, HttpResponder respond)>;

class HttpEndpoint {
 public:
  explicit HttpEndpoint(HttpEndpointOptions options = {});
  ~HttpEndpoint();  // stops
  HttpEndpoint(const HttpEndpoint&) = delete;
  HttpEndpoint& operator=(const HttpEndpoint&) = delete;

  // Binds `listen` ("HOST:PORT"; port 0 = any free port) and serves on background threads.
  // kConfig naming server.listen when the address is bad, kNetwork when it cannot bind.
  Status StartAsync(const std::string& listen, HttpAsyncHandler handler);
  Status Start(const std::string& listen, HttpRequestHandler handler);
  Status Start(const std::string& listen, HttpHandler handler) {
    return Start(listen, ByMethodAndTarget(std::move(handler)));
  }
  int port() const { return port_; }
  // Stops accepting, drops open connections, joins the threads. Idempotent.
  void Stop();

 public:
  struct Impl;  // shared with the connections in http_endpoint.cc

 private:
  std::unique_ptr<Impl> impl_;
  std::vector<std::thread> threads_;
  HttpEndpointOptions options_;
  int port_ = 0;
};

}  // namespace tc
