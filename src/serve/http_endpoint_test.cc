// The endpoint over real loopback sockets: idle and trickling clients must not hold up the
// others, over-long requests get an answer instead of a reset, and the head deadline closes a
// silent connection. Every client read has a 10 s receive timeout, so a server that hangs fails
// the test instead of hanging it.
#include "serve/http_endpoint.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "clock/clock.h"

namespace tc {
namespace {

class Socket {
 public:
  explicit Socket(int port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    timeval timeout{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }
  ~Socket() { ::close(fd_); }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  bool connected() const { return connected_; }
  bool Send(std::string_view bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }
  // Everything until the server closes; "<timeout>" when it stays silent for 10 s.
  std::string ReadAll() {
    std::string out;
    char chunk[4096];
    while (true) {
      const ssize_t got = ::recv(fd_, chunk, sizeof chunk, 0);
      if (got == 0) return out;
      if (got < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? "<timeout>" : out;
      out.append(chunk, static_cast<size_t>(got));
    }
  }

 private:
  int fd_;
  bool connected_ = false;
};

int StatusOf(const std::string& response) {
  if (response.rfind("HTTP/1.1 ", 0) != 0 || response.size() < 12) return 0;
  return std::stoi(response.substr(9, 3));
}

HttpAnswer Route(const std::string& /*method*/, const std::string& target) {
  if (target == "/healthz") return HttpAnswer{200, "text/plain", "ok\n"};
  return HttpAnswer{404, "text/plain", "not found\n"};
}

int Get(int port, const std::string& path) {
  Socket socket(port);
  if (!socket.connected() || !socket.Send("GET " + path + " HTTP/1.1\r\nHost: t\r\n\r\n"))
    return -1;
  return StatusOf(socket.ReadAll());
}

TEST(HttpEndpointTest, IdleAndTricklingClientsDoNotHoldUpFiftyConcurrentProbes) {
  HttpEndpoint endpoint;  // default head deadline (10 s): the idle clients stay open throughout
  ASSERT_TRUE(endpoint.Start("127.0.0.1:0", Route).ok());
  const int port = endpoint.port();

  std::vector<std::unique_ptr<Socket>> idle;
  for (int i = 0; i < 20; ++i) {
    idle.push_back(std::make_unique<Socket>(port));
    ASSERT_TRUE(idle.back()->connected());
  }
  // Slowloris: a head that never ends, one byte at a time.
  std::atomic<bool> done{false};
  std::vector<std::thread> trickles;
  for (int i = 0; i < 5; ++i) {
    trickles.emplace_back([port, &done] {
      Socket socket(port);
      const std::string head = "GET /healthz HTTP/1.1\r\nX-Slow: " + std::string(1000, 's');
      for (size_t sent = 0; sent < head.size() && !done.load(); ++sent) {
        if (!socket.Send(head.substr(sent, 1))) return;
        SystemClock().SleepFor(std::chrono::milliseconds(100));
      }
    });
  }
  std::vector<int> statuses(50, 0);
  std::vector<std::thread> clients;
  for (int i = 0; i < 50; ++i) {
    clients.emplace_back([port, &statuses, i] { statuses[i] = Get(port, "/healthz"); });
  }
  for (auto& client : clients) client.join();
  done = true;
  for (auto& trickle : trickles) trickle.join();
  for (int i = 0; i < 50; ++i) EXPECT_EQ(statuses[i], 200) << "client " << i;
  EXPECT_EQ(Get(port, "/healthz"), 200);
}

TEST(HttpEndpointTest, SilentConnectionIsClosedAtTheHeadDeadline) {
  HttpEndpointOptions options;
  options.head_timeout = std::chrono::milliseconds(200);
  HttpEndpoint endpoint(options);
  ASSERT_TRUE(endpoint.Start("127.0.0.1:0", Route).ok());
  Socket silent(endpoint.port());
  ASSERT_TRUE(silent.connected());
  EXPECT_EQ(silent.ReadAll(), "");  // closed by the server, no answer, well before 10 s
  Socket partial(endpoint.port());
  ASSERT_TRUE(partial.Send("GET /healthz HTTP/1.1\r\n"));
  EXPECT_EQ(partial.ReadAll(), "");
  EXPECT_EQ(Get(endpoint.port(), "/healthz"), 200);
}

TEST(HttpEndpointTest, OversizedRequestsGetAnAnswerNotAReset) {
  HttpEndpoint endpoint;
  ASSERT_TRUE(endpoint.Start("127.0.0.1:0", Route).ok());
  const int port = endpoint.port();
  EXPECT_EQ(Get(port, "/" + std::string(100'000, 'a')), 414);
  {
    Socket socket(port);
    std::string head = "GET /healthz HTTP/1.1\r\n";
    for (int i = 0; i < 2000; ++i) head += "X-Header-" + std::to_string(i) + ": value\r\n";
    ASSERT_TRUE(socket.Send(head + "\r\n"));
    EXPECT_EQ(StatusOf(socket.ReadAll()), 431);
  }
  {
    Socket socket(port);
    ASSERT_TRUE(socket.Send("\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03"));
    EXPECT_EQ(StatusOf(socket.ReadAll()), 400);
  }
  {
    Socket socket(port);
    ASSERT_TRUE(socket.Send("PUT /healthz HTTP/1.1\r\nContent-Length: 0\r\n\r\n"));
    EXPECT_EQ(StatusOf(socket.ReadAll()), 405);
  }
  EXPECT_EQ(Get(port, "/nope"), 404);
  EXPECT_EQ(Get(port, "/healthz"), 200);
}

// A liveness probe or a scrape always gets in: at the cap the oldest idle connection makes room.
TEST(HttpEndpointTest, AtTheCapTheOldestIdleConnectionMakesRoomForAProbe) {
  HttpEndpoint endpoint;  // the default cap (256) and head deadline (10 s, longer than the test)
  ASSERT_TRUE(endpoint.Start("127.0.0.1:0", Route).ok());
  const int port = endpoint.port();
  std::vector<std::unique_ptr<Socket>> idle;
  for (int i = 0; i < 300; ++i) {
    idle.push_back(std::make_unique<Socket>(port));
    ASSERT_TRUE(idle.back()->connected());
  }
  // Accepted in order: by the time the probes are, every idle client was, and the cap is reached.
  EXPECT_EQ(Get(port, "/healthz"), 200);
  EXPECT_EQ(Get(port, "/metrics"), 404);  // answered (this router knows no /metrics)
  // The oldest idle clients were closed without an answer; the newest are still open.
  EXPECT_EQ(idle.front()->ReadAll(), "");
  EXPECT_TRUE(idle.back()->Send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"));
  EXPECT_EQ(StatusOf(idle.back()->ReadAll()), 200);
}

// With every connection being answered (a slow handler), there is nothing to close: the new one
// is, and service resumes once answers are out.
TEST(HttpEndpointTest, AtTheCapWithNothingIdleNewConnectionsAreClosed) {
  HttpEndpointOptions options;
  options.max_connections = 2;
  HttpEndpoint endpoint(options);
  std::mutex mutex;
  std::vector<HttpResponder> held;
  ASSERT_TRUE(endpoint
                  .StartAsync("127.0.0.1:0",
                              [&](const HttpServerRequest& request, HttpResponder respond) {
                                if (request.target != "/slow") {
                                  return respond(HttpAnswer{200, "text/plain", "ok\n"});
                                }
                                std::lock_guard lock(mutex);
                                held.push_back(std::move(respond));
                              })
                  .ok());
  const int port = endpoint.port();
  std::vector<std::unique_ptr<Socket>> slow;
  for (int i = 0; i < 2; ++i) {
    slow.push_back(std::make_unique<Socket>(port));
    ASSERT_TRUE(slow.back()->Send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n"));
  }
  // Wait (bounded) until both requests reached the handler: then neither connection is idle.
  for (int attempt = 0; attempt < 500; ++attempt) {
    {
      std::lock_guard lock(mutex);
      if (held.size() == 2) break;
    }
    SystemClock().SleepFor(std::chrono::milliseconds(10));
  }
  {
    std::lock_guard lock(mutex);
    ASSERT_EQ(held.size(), 2u);
  }
  EXPECT_EQ(Get(port, "/healthz"), 0);  // closed without an answer
  {
    std::lock_guard lock(mutex);
    for (auto& respond : held) respond(HttpAnswer{200, "text/plain", "done\n"});
  }
  for (auto& socket : slow) EXPECT_EQ(StatusOf(socket->ReadAll()), 200);
  slow.clear();
  int status = 0;
  for (int attempt = 0; attempt < 100 && status != 200; ++attempt) {
    status = Get(port, "/healthz");
    if (status != 200) SystemClock().SleepFor(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(status, 200);
}

TEST(HttpEndpointTest, RejectsBadListenAddresses) {
  HttpEndpoint endpoint;
  EXPECT_EQ(endpoint.Start("nonsense", Route).error().error_class, ErrorClass::kConfig);
  HttpEndpoint other;
  EXPECT_EQ(other.Start("999.1.1.1:80", Route).error().error_class, ErrorClass::kConfig);
}

TEST(HttpEndpointTest, HandlersMayAnswerLaterFromAnotherThreadWithoutHoldingOne) {
  HttpEndpointOptions options;
  options.threads = 1;  // one thread: a held answer must not block the next request
  options.limits.max_body_bytes = 64;
  HttpEndpoint endpoint(options);
  std::mutex mutex;
  std::vector<HttpResponder> held;
  ASSERT_TRUE(endpoint
                  .StartAsync("127.0.0.1:0",
                              [&](const HttpServerRequest& request, HttpResponder respond) {
                                if (request.target == "/later") {
                                  std::lock_guard lock(mutex);
                                  held.push_back(std::move(respond));
                                  return;
                                }
                                respond(HttpAnswer{200, "text/plain", request.body});
                              })
                  .ok());
  Socket waiting(endpoint.port());
  ASSERT_TRUE(waiting.Send("POST /later HTTP/1.1\r\nContent-Length: 0\r\n\r\n"));
  while (true) {
    std::lock_guard lock(mutex);
    if (!held.empty()) break;
  }
  Socket now(endpoint.port());
  ASSERT_TRUE(now.Send("POST /now HTTP/1.1\r\nContent-Length: 4\r\n\r\npong"));
  const std::string answer = now.ReadAll();
  EXPECT_EQ(StatusOf(answer), 200);
  EXPECT_EQ(answer.substr(answer.size() - 4), "pong");

  std::thread other([&] {
    std::lock_guard lock(mutex);
    held.front()(HttpAnswer{202, "text/plain", "later\n"});
    held.front()(HttpAnswer{500, "text/plain", "twice\n"});  // ignored: exactly once
  });
  other.join();
  const std::string later = waiting.ReadAll();
  EXPECT_EQ(StatusOf(later), 202);
  EXPECT_EQ(later.find("twice"), std::string::npos);
  endpoint.Stop();
}

}  // namespace
}  // namespace tc
