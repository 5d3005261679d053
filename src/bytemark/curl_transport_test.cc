// CurlTransport against canned loopback peers (the full API is exercised against the simulator in
// tests/bytemark_client_test.cc).
#include "bytemark/curl_transport.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace tc {
namespace {

// A listening loopback socket on an ephemeral port.
int ListenOnLoopback(int* port, int backlog) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), length) != 0 || listen(fd, backlog) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    close(fd);
    return -1;
  }
  *port = ntohs(address.sin_port);
  return fd;
}

// A one-connection-at-a-time HTTP/1.1 peer answering each request with `respond(request_text)`;
// an empty answer closes the connection without a response, an answer with "Connection: close"
// closes it after the answer. With `greet`, it answers respond("") as soon as a peer connects, then
// closes (a peer that is not speaking TLS). Written on raw sockets because it only replays bytes.
class CannedServer {
 public:
  explicit CannedServer(std::function<std::string(const std::string&)> respond, bool greet = false)
      : respond_(std::move(respond)), greet_(greet) {
    listen_fd_ = ListenOnLoopback(&port_, 16);
    thread_ = std::thread([this] { Serve(); });
  }
  ~CannedServer() {
    stopping_ = true;
    shutdown(listen_fd_, SHUT_RDWR);
    {
      std::lock_guard lock(mutex_);
      if (client_fd_ >= 0) shutdown(client_fd_, SHUT_RDWR);
    }
    thread_.join();
    close(listen_fd_);
  }

  std::string url(const std::string& path = "/") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  int connections() const { return connections_; }
  std::vector<std::string> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  void Serve() {
    while (!stopping_) {
      const int fd = accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) return;
      ++connections_;
      {
        std::lock_guard lock(mutex_);
        client_fd_ = fd;
      }
      if (greet_) {
        const std::string greeting = respond_("");
        (void)send(fd, greeting.data(), greeting.size(), MSG_NOSIGNAL);
      } else {
        ServeConnection(fd);
      }
      {
        std::lock_guard lock(mutex_);
        client_fd_ = -1;
      }
      close(fd);
    }
  }

  void ServeConnection(int fd) {
    std::string buffer;
    char chunk[4096];
    while (true) {
      const auto head_end = buffer.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        size_t body_length = 0;
        if (auto at = buffer.find("Content-Length: "); at != std::string::npos && at < head_end) {
          body_length = std::stoul(buffer.substr(at + 16));
        }
        if (buffer.size() >= head_end + 4 + body_length) {
          const std::string request = buffer.substr(0, head_end + 4 + body_length);
          buffer.erase(0, request.size());
          {
            std::lock_guard lock(mutex_);
            requests_.push_back(request);
          }
          const std::string response = respond_(request);
          if (response.empty()) return;
          if (send(fd, response.data(), response.size(), MSG_NOSIGNAL) < 0) return;
          if (response.find("\r\nConnection: close\r\n") != std::string::npos) return;
          continue;
        }
      }
      const ssize_t got = recv(fd, chunk, sizeof(chunk), 0);
      if (got <= 0) return;
      buffer.append(chunk, static_cast<size_t>(got));
    }
  }

  std::function<std::string(const std::string&)> respond_;
  bool greet_ = false;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  mutable std::mutex mutex_;
  int client_fd_ = -1;
  std::vector<std::string> requests_;
  std::thread thread_;
};

std::string Response(const std::string& status, const std::string& body,
                     const std::string& extra_headers = "") {
  return "HTTP/1.1 " + status +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n" + extra_headers + "\r\n" + body;
}

HttpRequest Get(const std::string& url) {
  HttpRequest request;
  request.url = url;
  request.timeout = Duration(5'000);
  request.connect_timeout = Duration(2'000);
  return request;
}

TEST(CurlTransportTest, GetsStatusBodyAndRetryAfterAndSendsTheBearerToken) {
  CannedServer server([](const std::string&) {
    return Response("429 Too Many Requests", R"({"x":1})", "Retry-After: 12\r\n");
  });
  CurlTransport transport;
  HttpRequest request = Get(server.url("/passes?page=1"));
  request.bearer_token = "tok-secret";
  Result<HttpResponse> response = FetchBlocking(transport, request);
  ASSERT_TRUE(response.ok()) << response.error().ToString();
  EXPECT_EQ(response->status, 429);
  EXPECT_EQ(response->body, R"({"x":1})");
  EXPECT_EQ(response->retry_after, "12");
  ASSERT_EQ(server.requests().size(), 1u);
  const std::string sent = server.requests()[0];
  EXPECT_TRUE(sent.starts_with("GET /passes?page=1 HTTP/1.1\r\n")) << sent;
  EXPECT_NE(sent.find("\r\nAuthorization: Bearer tok-secret\r\n"), std::string::npos) << sent;
  EXPECT_NE(sent.find("\r\nAccept-Encoding: "), std::string::npos) << sent;
}

TEST(CurlTransportTest, NoRetryAfterHeaderIsNullopt) {
  CannedServer server([](const std::string&) { return Response("200 OK", "{}"); });
  CurlTransport transport;
  Result<HttpResponse> response = FetchBlocking(transport, Get(server.url()));
  ASSERT_TRUE(response.ok()) << response.error().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->retry_after, std::nullopt);
}

TEST(CurlTransportTest, SendsMethodAndJsonBody) {
  CannedServer server([](const std::string&) { return Response("200 OK", "{}"); });
  CurlTransport transport;
  for (const char* method : {"POST", "PUT", "DELETE"}) {
    HttpRequest request = Get(server.url("/_sim/x"));
    request.method = method;
    request.body = std::string(method) == "DELETE" ? "" : R"({"kind":"500"})";
    ASSERT_TRUE(FetchBlocking(transport, request).ok()) << method;
  }
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_TRUE(requests[0].starts_with("POST /_sim/x ")) << requests[0];
  EXPECT_TRUE(requests[0].ends_with("\r\n\r\n{\"kind\":\"500\"}")) << requests[0];
  EXPECT_NE(requests[0].find("Content-Type: application/json"), std::string::npos);
  EXPECT_TRUE(requests[1].starts_with("PUT /_sim/x ")) << requests[1];
  EXPECT_TRUE(requests[1].ends_with("{\"kind\":\"500\"}")) << requests[1];
  EXPECT_TRUE(requests[2].starts_with("DELETE /_sim/x ")) << requests[2];
}

TEST(CurlTransportTest, ReusesOneConnectionForSequentialRequests) {
  CannedServer server([](const std::string&) { return Response("200 OK", "{}"); });
  CurlTransport transport;
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(FetchBlocking(transport, Get(server.url())).ok());
  EXPECT_EQ(server.connections(), 1);
  EXPECT_EQ(transport.connections_opened(), 1);
}

TEST(CurlTransportTest, BodyOverTheCapIsMalformed) {
  const std::string big(100'000, 'x');
  CannedServer server([&big](const std::string&) { return Response("200 OK", big); });
  CurlTransport transport;
  HttpRequest request = Get(server.url());
  request.max_response_bytes = 1000;
  Result<HttpResponse> response = FetchBlocking(transport, request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().error_class, ErrorClass::kMalformed);
  EXPECT_NE(response.error().message.find("response larger than 1000 bytes"), std::string::npos)
      << response.error().message;
}

TEST(CurlTransportTest, ChunkedBodyOverTheCapIsMalformed) {
  std::string chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 20; ++i) chunked += "100\r\n" + std::string(256, 'y') + "\r\n";
  chunked += "0\r\n\r\n";
  CannedServer server([&chunked](const std::string&) { return chunked; });
  CurlTransport transport;
  HttpRequest request = Get(server.url());
  request.max_response_bytes = 1000;
  Result<HttpResponse> response = FetchBlocking(transport, request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().error_class, ErrorClass::kMalformed);
  request.max_response_bytes = 20 * 256;  // exactly the body: allowed
  response = FetchBlocking(transport, request);
  ASSERT_TRUE(response.ok()) << response.error().ToString();
  EXPECT_EQ(response->body.size(), 20u * 256u);
}

TEST(CurlTransportTest, ClosedWithoutAnswerIsTransient) {
  CannedServer server([](const std::string&) { return std::string(); });
  CurlTransport transport;
  HttpRequest request = Get(server.url());
  request.bearer_token = "tok-secret";
  Result<HttpResponse> response = FetchBlocking(transport, request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().error_class, ErrorClass::kTransient) << response.error().ToString();
  EXPECT_EQ(response.error().message.find("tok-secret"), std::string::npos);
}

TEST(CurlTransportTest, TruncatedBodyIsTransient) {
  CannedServer server([](const std::string&) {
    return std::string("HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\n{}");
  });
  CurlTransport transport;
  Result<HttpResponse> response = FetchBlocking(transport, Get(server.url()));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().error_class, ErrorClass::kTransient) << response.error().ToString();
}

TEST(CurlTransportTest, NoAnswerWithinTheTimeoutIsTimeout) {
  int port = 0;
  const int fd = ListenOnLoopback(&port, 16);  // never accepts: the kernel completes connects
  ASSERT_GE(fd, 0);
  CurlTransport transport;
  HttpRequest request = Get("http://127.0.0.1:" + std::to_string(port) + "/");
  request.timeout = Duration(200);
  Result<HttpResponse> response = FetchBlocking(transport, request);
  close(fd);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().error_class, ErrorClass::kTimeout) << response.error().ToString();
}

TEST(CurlTransportTest, RefusedConnectionIsNetwork) {
  int port = 0;
  const int fd = ListenOnLoopback(&port, 1);
  close(fd);  // nothing listens on that port now
  CurlTransport transport;
  Result<HttpResponse> response =
      FetchBlocking(transport, Get("http://127.0.0.1:" + std::to_string(port) + "/"));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().error_class, ErrorClass::kNetwork) << response.error().ToString();
}

TEST(CurlTransportTest, UnresolvableHostIsNetwork) {
  CurlTransport transport;
  Result<HttpResponse> response = FetchBlocking(transport, Get("http://no-such-host.invalid/"));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().error_class, ErrorClass::kNetwork) << response.error().ToString();
}

TEST(CurlTransportTest, TlsToAPlainServerIsNetwork) {
  CannedServer server([](const std::string&) { return Response("400 Bad Request", "{}"); },
                      /*greet=*/true);
  CurlTransport transport;
  std::string url = server.url();
  url.replace(0, 4, "https");
  Result<HttpResponse> response = FetchBlocking(transport, Get(url));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().error_class, ErrorClass::kNetwork) << response.error().ToString();
}

TEST(CurlTransportTest, MissingCaFileIsNetwork) {
  CannedServer server([](const std::string&) { return Response("200 OK", "{}"); });
  CurlTransport transport({.ca_path = "/nonexistent/ca.pem"});
  std::string url = server.url();
  url.replace(0, 4, "https");
  Result<HttpResponse> response = FetchBlocking(transport, Get(url));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().error_class, ErrorClass::kNetwork) << response.error().ToString();
}

TEST(CurlTransportTest, BadUrlsAreConfigErrors) {
  CurlTransport transport;
  for (const char* url : {"ftp://127.0.0.1/passes", "not a url at all"}) {
    Result<HttpResponse> response = FetchBlocking(transport, Get(url));
    ASSERT_FALSE(response.ok()) << url;
    EXPECT_EQ(response.error().error_class, ErrorClass::kConfig) << response.error().ToString();
  }
}

TEST(CurlTransportTest, CallbacksRunFromDriveNeverFromStart) {
  CannedServer server([](const std::string&) { return Response("200 OK", "{}"); });
  CurlTransport transport;
  int done = 0;
  transport.Start(Get(server.url()), [&done](Result<HttpResponse>) { ++done; });
  transport.Start(Get("ftp://127.0.0.1/"), [&done](Result<HttpResponse>) { ++done; });
  EXPECT_EQ(done, 0);
  while (transport.Drive(Duration(100)) > 0) {
  }
  EXPECT_EQ(done, 2);
}

TEST(CurlTransportTest, CallbackMayStartTheNextRequest) {
  CannedServer server([](const std::string&) { return Response("200 OK", "{}"); });
  CurlTransport transport;
  int done = 0;
  std::function<void(Result<HttpResponse>)> chain = [&](Result<HttpResponse> response) {
    ASSERT_TRUE(response.ok());
    if (++done < 5) transport.Start(Get(server.url()), chain);
  };
  transport.Start(Get(server.url()), chain);
  while (transport.Drive(Duration(100)) > 0) {
  }
  EXPECT_EQ(done, 5);
}

TEST(CurlTransportTest, WakeupEndsAWaitingDriveEarly) {
  CurlTransport transport;
  std::thread waker([&transport] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    transport.Wakeup();
  });
  // With nothing in flight Drive waits up to max_wait; Wakeup must end it. A test cannot assert on
  // time, so this only checks Drive returns (a 10-minute hang would fail the test by timeout).
  EXPECT_EQ(transport.Drive(Duration(600'000)), 0u);
  waker.join();
}

// A hostile server's header flood is the server's fault: malformed, not "out of memory" — one
// 300 KB header line (over libcurl's own per-line limit) and many moderate lines alike.
TEST(CurlTransportTest, HugeResponseHeaderIsMalformed) {
  const std::string one_line = "X-Padding: " + std::string(300 * 1024, 'x') + "\r\n";
  std::string many_lines;
  for (int i = 0; i < 10; ++i) {
    many_lines += "X-Padding-" + std::to_string(i) + ": " + std::string(30 * 1024, 'y') + "\r\n";
  }
  for (const std::string& headers : {one_line, many_lines}) {
    CannedServer server([&headers](const std::string&) {
      return Response("200 OK", "{}", headers + "Connection: close\r\n");
    });
    CurlTransport transport;
    HttpRequest request;
    request.url = server.url("/passes");
    Result<HttpResponse> response = FetchBlocking(transport, request);
    ASSERT_FALSE(response.ok());
    EXPECT_EQ(response.error().error_class, ErrorClass::kMalformed) << response.error().ToString();
    EXPECT_NE(response.error().message.find("response header too large"), std::string::npos)
        << response.error().message;
  }
}

// CR LF in a token would write a header of the token's choosing into the request; such a token
// never leaves the transport.
TEST(CurlTransportTest, TokenWithControlCharactersIsNeverSent) {
  CannedServer server([](const std::string&) { return Response("200 OK", "{}"); });
  CurlTransport transport;
  for (const std::string& token : {std::string("tok\r\nX-Injected: evil"), std::string("a\nb"),
                                   std::string("nul\0byte", 8), std::string("del\x7f")}) {
    HttpRequest request;
    request.url = server.url("/passes");
    request.bearer_token = token;
    Result<HttpResponse> response = FetchBlocking(transport, request);
    ASSERT_FALSE(response.ok());
    EXPECT_EQ(response.error().error_class, ErrorClass::kRejectedToken);
    EXPECT_EQ(response.error().message.find("evil"), std::string::npos);
  }
  EXPECT_EQ(server.connections(), 0);
  for (const std::string& request : server.requests()) {
    EXPECT_EQ(request.find("X-Injected"), std::string::npos);
  }
}

}  // namespace
}  // namespace tc
