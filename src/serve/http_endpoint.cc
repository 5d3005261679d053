#include "serve/http_endpoint.h"

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <list>
#include <mutex>

namespace tc {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

class HttpConnection;  // below; not in an unnamed namespace, as Impl (declared in the header) holds
                       // it

struct HttpEndpoint::Impl {
  explicit Impl(const HttpEndpointOptions& endpoint_options) : options(endpoint_options) {}
  // The connections that could be closed to make room, oldest first: still waiting for their
  // request head, or lingering after their answer. Not the ones being answered.
  std::mutex idle_mutex;
  std::list<std::weak_ptr<HttpConnection>> idle;  // guarded by idle_mutex
  // Declared before `io`: destroying `io` destroys the connections its handlers still own, and
  // they count themselves out of `open_connections`.
  HttpEndpointOptions options;
  HttpAsyncHandler handler;
  std::atomic<int> open_connections{0};
  asio::io_context io;
  // The acceptor's handlers (each accept's completion, Stop's close) run on one strand: several
  // io threads run `io`, and ThreadSanitizer caught an accept's next async_accept reading the
  // acceptor while Stop's close wrote it on another thread.
  tcp::acceptor acceptor{asio::make_strand(io)};
};

// One accepted connection: read until the head is complete (or rejected, or the deadline passes),
// answer, close. Owns itself through shared_ptr for the life of its async operations.
class HttpConnection : public std::enable_shared_from_this<HttpConnection> {
 public:
  HttpConnection(HttpEndpoint::Impl* impl, tcp::socket socket)
      : impl_(impl), stream_(std::move(socket)) {
    ++impl_->open_connections;
  }
  ~HttpConnection() {
    SetIdle(false);
    --impl_->open_connections;
  }

  void Start() {
    // The whole request (head and small body), not per read: slowloris.
    stream_.expires_after(impl_->options.head_timeout);
    SetIdle(true);
    Read();
  }

  // At the connection cap: closes the oldest idle connection, so a new one (a liveness probe, a
  // scrape) is served rather than refused. False when every connection is being answered.
  static bool CloseOldestIdle(HttpEndpoint::Impl* impl) {
    std::shared_ptr<HttpConnection> oldest;
    {
      std::lock_guard lock(impl->idle_mutex);
      while (!oldest && !impl->idle.empty()) {
        oldest = impl->idle.front().lock();  // null: being destroyed, it makes room itself
        if (oldest) oldest->listed_ = false;
        impl->idle.pop_front();
      }
    }
    if (!oldest) return false;
    // On the connection's strand: its pending read ends with an error and it goes away.
    asio::post(oldest->stream_.get_executor(), [oldest] { oldest->stream_.close(); });
    return true;
  }

 private:
  void SetIdle(bool idle) {
    std::lock_guard lock(impl_->idle_mutex);
    if (listed_ == idle) return;
    if (idle) {
      listed_at_ = impl_->idle.insert(impl_->idle.end(), weak_from_this());
    } else {
      impl_->idle.erase(listed_at_);
    }
    listed_ = idle;
  }

  void Read() {
    const HttpRequestLimits& limits = impl_->options.limits;
    const size_t room = limits.max_head_bytes + limits.max_body_bytes + 1 - received_.size();
    const size_t old_size = received_.size();
    received_.resize(old_size + std::min<size_t>(room, 4096));
    stream_.async_read_some(
        asio::buffer(received_.data() + old_size, received_.size() - old_size),
        [self = shared_from_this(), old_size](beast::error_code error, size_t bytes) {
          self->received_.resize(old_size + bytes);
          self->OnRead(error);
        });
  }

  void OnRead(beast::error_code error) {
    const HeadScan scan = ScanRequestHead(received_, impl_->options.limits);
    if (scan.state == HeadScan::State::kNeedMore) {
      if (error) return;  // timeout, reset, or closed before a whole head: drop it
      Read();
      return;
    }
    SetIdle(false);  // a whole request: it gets its answer
    if (scan.state == HeadScan::State::kReject) {
      Write(SerializeAnswer(RejectionAnswer(scan.reject_status), false));
      return;
    }
    ParsedRequest parsed =
        ParseRequest(std::string_view(received_).substr(0, scan.head_bytes + scan.body_bytes),
                     impl_->options.limits);
    if (!parsed.request) {
      Write(SerializeAnswer(parsed.answer, parsed.head_only));
      return;
    }
    // The answer may come later from another thread: it is written on this connection's strand.
    auto answered = std::make_shared<std::atomic<bool>>(false);
    HttpResponder respond = [self = shared_from_this(), head_only = parsed.head_only,
                             answered](HttpAnswer answer) {
      if (answered->exchange(true)) return;  // exactly once
      asio::post(self->stream_.get_executor(),
                 [self, bytes = SerializeAnswer(answer, head_only)]() mutable {
                   self->Write(std::move(bytes));
                 });
    };
    try {
      impl_->handler(*parsed.request, respond);
    } catch (const std::exception& e) {
      respond(HttpAnswer{500, "text/plain; charset=utf-8",
                         std::string("internal error: ") + e.what() + "\n"});
    }
  }

  void Write(std::string bytes) {
    answer_ = std::move(bytes);
    stream_.expires_after(impl_->options.write_timeout);
    asio::async_write(stream_, asio::buffer(answer_),
                      [self = shared_from_this()](beast::error_code write_error, size_t) {
                        if (write_error) return;
                        beast::error_code ignored;
                        self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
                        self->stream_.expires_after(kLingerTime);
                        self->SetIdle(true);  // answered: only lingering now
                        self->Drain();
                      });
  }

  // Lingering close: reads and drops what the client still sends (the rest of an over-long
  // request) until it closes, for at most kLingerTime / kLingerBytes. Closing with unread bytes
  // would send a reset, and the client could lose the 414/431 it has not read yet.
  void Drain() {
    received_.resize(4096);
    stream_.async_read_some(asio::buffer(received_),
                            [self = shared_from_this()](beast::error_code error, size_t bytes) {
                              self->drained_ += bytes;
                              if (!error && self->drained_ < kLingerBytes) self->Drain();
                            });
  }

  static constexpr std::chrono::seconds kLingerTime{2};
  static constexpr size_t kLingerBytes = 1 << 20;

  HttpEndpoint::Impl* impl_;  // outlives every connection (see Impl)
  beast::tcp_stream stream_;
  std::string received_;
  std::string answer_;
  size_t drained_ = 0;
  bool listed_ = false;  // in impl_->idle at listed_at_; both guarded by impl_->idle_mutex
  std::list<std::weak_ptr<HttpConnection>>::iterator listed_at_;
};

namespace {

void Accept(HttpEndpoint::Impl* impl) {
  // Each connection gets its own strand: its reads, writes and deadline timer run on several io
  // threads but never at once (ThreadSanitizer caught the timer closing a stream being destroyed).
  impl->acceptor.async_accept(
      asio::make_strand(impl->io), [impl](beast::error_code error, tcp::socket socket) {
        if (error == asio::error::operation_aborted || !impl->acceptor.is_open()) return;
        if (!error) {
          if (impl->open_connections.load() >= impl->options.max_connections &&
              !HttpConnection::CloseOldestIdle(impl)) {
            beast::error_code ignored;
            socket.close(ignored);
          } else {
            std::make_shared<HttpConnection>(impl, std::move(socket))->Start();
          }
        }
        Accept(impl);
      });
}

}  // namespace

HttpEndpoint::HttpEndpoint(HttpEndpointOptions options)
    : impl_(std::make_unique<Impl>(options)), options_(options) {}

HttpEndpoint::~HttpEndpoint() { Stop(); }

Status HttpEndpoint::Start(const std::string& listen, HttpRequestHandler handler) {
  return StartAsync(listen, [handler = std::move(handler)](const HttpServerRequest& request,
                                                           const HttpResponder& respond) {
    respond(handler(request));
  });
}

Status HttpEndpoint::StartAsync(const std::string& listen, HttpAsyncHandler handler) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos) {
    return MakeError(ErrorClass::kConfig,
                     "server.listen: expected HOST:PORT, got \"" + listen + "\"");
  }
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
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
    return MakeError(ErrorClass::kNetwork,
                     "server.listen: cannot listen on " + listen + ": " + error.message());
  }
  port_ = impl_->acceptor.local_endpoint().port();
  Accept(impl_.get());
  for (int i = 0; i < std::max(1, options_.threads); ++i) {
    threads_.emplace_back([impl = impl_.get()] { impl->io.run(); });
  }
  return Status::Ok();
}

void HttpEndpoint::Stop() {
  if (threads_.empty()) return;
  asio::post(impl_->acceptor.get_executor(), [impl = impl_.get()] {
    beast::error_code ignored;
    impl->acceptor.close(ignored);
  });
  impl_->io.stop();
  for (auto& thread : threads_) thread.join();
  threads_.clear();
}

}  // namespace tc
