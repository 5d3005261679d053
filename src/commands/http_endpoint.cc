#include "commands/http_endpoint.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace tc {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct HttpEndpoint::Impl {
  asio::io_context io;
  tcp::acceptor acceptor{io};
  HttpHandler handler;

  void Accept() {
    acceptor.async_accept([this](beast::error_code error, tcp::socket socket) {
      if (error) {
        if (error == asio::error::operation_aborted) return;
      } else {
        Serve(std::move(socket));
      }
      Accept();
    });
  }

  void Serve(tcp::socket socket) {
    // Probes and scrapes are tiny: a synchronous exchange with a short deadline is enough.
    beast::tcp_stream stream(std::move(socket));
    stream.expires_after(std::chrono::seconds(5));
    beast::flat_buffer buffer;
    http::request<http::string_body> request;
    beast::error_code error;
    http::read(stream, buffer, request, error);
    if (error) return;
    HttpAnswer answer;
    try {
      answer = handler(std::string(request.method_string()), std::string(request.target()));
    } catch (const std::exception& e) {
      answer = HttpAnswer{500, "text/plain; charset=utf-8", std::string("internal error: ") + e.what()};
    }
    http::response<http::string_body> response{static_cast<http::status>(answer.status),
                                               request.version()};
    response.set(http::field::server, "ticketcache");
    response.set(http::field::content_type, answer.content_type);
    response.keep_alive(false);
    response.body() = std::move(answer.body);
    response.prepare_payload();
    http::write(stream, response, error);
    stream.socket().shutdown(tcp::socket::shutdown_send, error);
  }
};

HttpEndpoint::HttpEndpoint() : impl_(std::make_unique<Impl>()) {}

HttpEndpoint::~HttpEndpoint() { Stop(); }

Status HttpEndpoint::Start(const std::string& listen, HttpHandler handler) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos) {
    return MakeError(ErrorClass::kConfig, "server.listen: expected HOST:PORT, got \"" + listen + "\"");
  }
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  int port = 0;
  try {
    port = std::stoi(listen.substr(colon + 1));
  } catch (const std::exception&) {
    port = -1;
  }
  beast::error_code error;
  const auto address = asio::ip::make_address(host, error);
  if (error || port < 0 || port > 65535) {
    return MakeError(ErrorClass::kConfig, "server.listen: bad address \"" + listen + "\"");
  }
  impl_->handler = std::move(handler);
  tcp::endpoint endpoint(address, static_cast<unsigned short>(port));
  impl_->acceptor.open(endpoint.protocol(), error);
  if (!error) impl_->acceptor.set_option(asio::socket_base::reuse_address(true), error);
  if (!error) impl_->acceptor.bind(endpoint, error);
  if (!error) impl_->acceptor.listen(asio::socket_base::max_listen_connections, error);
  if (error) {
    return MakeError(ErrorClass::kNetwork, "server.listen: cannot listen on " + listen + ": " + error.message());
  }
  port_ = impl_->acceptor.local_endpoint().port();
  impl_->Accept();
  thread_ = std::thread([this] { impl_->io.run(); });
  return Status::Ok();
}

void HttpEndpoint::Stop() {
  if (!thread_.joinable()) return;
  asio::post(impl_->io, [this] {
    beast::error_code ignored;
    impl_->acceptor.close(ignored);
  });
  impl_->io.stop();
  thread_.join();
}

}  // namespace tc
