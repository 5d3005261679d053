#include "sim_server.h"

#include <fmt/format.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <exception>
#include <optional>

namespace tc::sim {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// Concrete executor types instead of asio's type-erased any_io_executor: the erasure showed up
// in profiles at tens of thousands of requests per second.
using ConnectionExecutor = asio::strand<asio::io_context::executor_type>;
using ConnectionStream = beast::basic_stream<tcp, ConnectionExecutor>;
using ConnectionTimer =
    asio::basic_waitable_timer<std::chrono::steady_clock,
                               asio::wait_traits<std::chrono::steady_clock>, ConnectionExecutor>;

constexpr auto kIdleTimeout = std::chrono::seconds(120);
constexpr auto kWriteTimeout = std::chrono::seconds(60);
constexpr uint64_t kRequestBodyLimit = 1 << 20;

// One keep-alive connection: read a request, let SimService answer, wait its delay on a timer,
// write, repeat.
class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(ConnectionStream::socket_type&& socket, SimService& service)
      : stream_(std::move(socket)), timer_(stream_.get_executor()), service_(service) {}

  void Start() {
    asio::dispatch(stream_.get_executor(),
                   beast::bind_front_handler(&HttpSession::Read, shared_from_this()));
  }

 private:
  void Read() {
    parser_.emplace();
    parser_->body_limit(kRequestBodyLimit);
    stream_.expires_after(kIdleTimeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&HttpSession::OnRead, shared_from_this()));
  }

  void OnRead(beast::error_code ec, size_t /*bytes*/) {
    // The latency counts from the request's arrival: the time spent answering is part of it, as it
    // is for a real API, not added on top.
    const auto arrived = ConnectionTimer::clock_type::now();
    if (ec == http::error::end_of_stream) {
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
      return;
    }
    if (ec) return;  // timeout, reset or a bad request: drop the connection
    const http::request<http::string_body>& request = parser_->get();
    auto authorization = request.find(http::field::authorization);
    answer_ = service_.Handle(SimRequest{
        .method = std::string_view(request.method_string().data(), request.method_string().size()),
        .target = std::string_view(request.target().data(), request.target().size()),
        .authorization =
            authorization == request.end()
                ? std::string_view()
                : std::string_view(authorization->value().data(), authorization->value().size()),
        .body = request.body(),
    });
    keep_alive_ = request.keep_alive();
    version_ = request.version();
    if (answer_.delay.count() > 0) {
      stream_.expires_never();
      timer_.expires_at(arrived + answer_.delay);
      timer_.async_wait(beast::bind_front_handler(&HttpSession::OnDelay, shared_from_this()));
    } else {
      Answer();
    }
  }

  void OnDelay(beast::error_code ec) {
    if (ec) return;
    Answer();
  }

  void Answer() {
    service_.Answered(answer_);
    if (answer_.drop_connection) {
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
      stream_.socket().close(ignored);
      return;
    }
    response_ =
        http::response<http::string_body>(static_cast<http::status>(answer_.status), version_);
    response_.set(http::field::server, "ticketcache-sim");
    response_.set(http::field::content_type, answer_.content_type);
    try {
      for (const auto& [name, value] : answer_.headers) response_.set(name, value);
    } catch (const std::exception&) {
      // A header the HTTP library refuses (a value too large): drop the connection instead.
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
      stream_.socket().close(ignored);
      return;
    }
    response_.body() = std::move(answer_.body);
    response_.keep_alive(keep_alive_);
    response_.prepare_payload();
    stream_.expires_after(kWriteTimeout);
    http::async_write(stream_, response_,
                      beast::bind_front_handler(&HttpSession::OnWrite, shared_from_this()));
  }

  void OnWrite(beast::error_code ec, size_t /*bytes*/) {
    if (ec) return;
    if (!keep_alive_) {
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
      return;
    }
    Read();
  }

  ConnectionStream stream_;
  ConnectionTimer timer_;
  beast::flat_buffer buffer_;
  SimService& service_;
  std::optional<http::request_parser<http::string_body>> parser_;
  SimResponse answer_;
  http::response<http::string_body> response_;
  bool keep_alive_ = true;
  unsigned version_ = 11;
};

}  // namespace

SimServer::SimServer(SimService& service, int threads)
    : service_(service),
      threads_count_(threads < 1 ? 1 : threads),
      io_context_(threads_count_),
      acceptor_(asio::make_strand(io_context_)) {}

SimServer::~SimServer() { Stop(); }

Status SimServer::Listen(const std::string& host, uint16_t port) {
  beast::error_code ec;
  asio::ip::address address = asio::ip::make_address(host, ec);
  if (ec)
    return MakeError(ErrorClass::kConfig,
                     fmt::format("listen address '{}' is not an IP address", host));
  tcp::endpoint endpoint(address, port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (!ec) endpoint_ = acceptor_.local_endpoint(ec);
  if (ec) {
    return MakeError(ErrorClass::kNetwork,
                     fmt::format("cannot listen on {}:{}: {}", host, port, ec.message()));
  }
  return Status::Ok();
}

void SimServer::Start() {
  Accept();
  for (int i = 0; i < threads_count_; ++i) {
    threads_.emplace_back([this] { io_context_.run(); });
  }
}

void SimServer::Stop() {
  io_context_.stop();
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
}

void SimServer::Accept() {
  acceptor_.async_accept(asio::make_strand(io_context_),
                         [this](beast::error_code ec, ConnectionStream::socket_type socket) {
                           if (ec) {
                             if (ec == asio::error::operation_aborted) return;
                           } else {
                             beast::error_code ignored;
                             socket.set_option(tcp::no_delay(true), ignored);
                             std::make_shared<HttpSession>(std::move(socket), service_)->Start();
                           }
                           Accept();
                         });
}

}  // namespace tc::sim
