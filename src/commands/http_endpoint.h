// A small HTTP/1.1 server for `serve`'s /metrics, /healthz, /readyz and status page, on
// Boost.Beast. One connection at a time is plenty for scrapes and probes; every answer closes
// the connection.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "error/error.h"

namespace tc {

struct HttpAnswer {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

// Called on the server's thread with the request's method and target ("/metrics?x=1").
using HttpHandler = std::function<HttpAnswer(const std::string& method, const std::string& target)>;

class HttpEndpoint {
 public:
  HttpEndpoint();
  ~HttpEndpoint();  // stops
  HttpEndpoint(const HttpEndpoint&) = delete;
  HttpEndpoint& operator=(const HttpEndpoint&) = delete;

  // Binds `listen` ("HOST:PORT"; port 0 = any free port) and serves on a background thread.
  // kConfig naming server.listen when the address is bad, kNetwork when it cannot bind.
  Status Start(const std::string& listen, HttpHandler handler);
  int port() const { return port_; }
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace tc
