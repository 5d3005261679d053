// SimService over HTTP/1.1 with keep-alive (Boost.Beast): a fixed pool of threads runs one
// io_context; each connection is a strand; latency and stalls are asio timers, never a sleeping
// thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "error/error.h"
#include "sim_service.h"

namespace tc::sim {

class SimServer {
 public:
  // `service` must outlive the server.
  SimServer(SimService& service, int threads);
  ~SimServer();  // Stop()
  SimServer(const SimServer&) = delete;
  SimServer& operator=(const SimServer&) = delete;

  // Binds and listens on host:port (port 0 = any free port). kConfig/kNetwork error on failure.
  Status Listen(const std::string& host, uint16_t port);
  // The bound endpoint, valid after Listen().
  boost::asio::ip::tcp::endpoint endpoint() const { return endpoint_; }

  // Starts accepting on the thread pool. REQUIRES: Listen() succeeded.
  void Start();
  // Stops the io_context and joins the threads; open connections are dropped. Idempotent.
  void Stop();

 private:
  void Accept();

  SimService& service_;
  const int threads_count_;
  boost::asio::io_context io_context_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::ip::tcp::endpoint endpoint_;
  std::vector<std::thread> threads_;
};

}  // namespace tc::sim
