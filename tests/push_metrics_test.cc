// `run --push-metrics URL` against a local one-shot HTTP receiver standing in for a Pushgateway,
// and against a gateway that is down (the run still succeeds; the failure is logged).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <thread>

#include "support/job_fixture.h"

namespace tc {
namespace {

// Accepts one connection on loopback, reads one request (head + Content-Length body), answers
// `status`. Waits at most ~60 s for the client.
class OneShotReceiver {
 public:
  explicit OneShotReceiver(int status) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    ::listen(listener_, 1);
    socklen_t length = sizeof address;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this, status] { Serve(status); });
  }
  ~OneShotReceiver() {
    thread_.join();
    ::close(listener_);
  }
  int port() const { return port_; }
  // Valid once the run that pushed has ended.
  const std::string& request() const { return request_; }

 private:
  void Serve(int status) {
    pollfd ready{listener_, POLLIN, 0};
    if (::poll(&ready, 1, 60'000) != 1) return;
    const int connection = ::accept(listener_, nullptr, nullptr);
    if (connection < 0) return;
    char buffer[4096];
    size_t expected = std::string::npos;
    while (request_.size() < expected) {
      pollfd readable{connection, POLLIN, 0};
      if (::poll(&readable, 1, 10'000) != 1) break;
      const ssize_t got = ::read(connection, buffer, sizeof buffer);
      if (got <= 0) break;
      request_.append(buffer, static_cast<size_t>(got));
      const size_t head_end = request_.find("\r\n\r\n");
      const size_t length_at = request_.find("Content-Length: ");
      if (head_end != std::string::npos && length_at != std::string::npos) {
        expected = head_end + 4 + std::stoul(request_.substr(length_at + 16));
      }
    }
    const std::string answer = "HTTP/1.1 " + std::to_string(status) +
                               " X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    (void)::write(connection, answer.data(), answer.size());
    ::close(connection);
  }

  int listener_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::string request_;
};

TEST(PushMetricsTest, ARunPutsItsMetricsAsTextToItsShardsGroup) {
  JobFixture job(JobFixtureOptions().WithUsers(20));
  ASSERT_TRUE(job.error().empty()) << job.error();
  auto gateway = std::make_unique<OneShotReceiver>(200);
  const std::string url = "http://127.0.0.1:" + std::to_string(gateway->port());
  ChildResult run = job.Run({"--shard", "1/2", "--push-metrics", url});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::string request = gateway->request();
  gateway.reset();
  EXPECT_EQ(request.rfind("PUT /metrics/job/ticketcache/instance/shard-1-of-2 HTTP/1.1\r\n", 0), 0u)
      << request.substr(0, 200);
  EXPECT_NE(request.find("Content-Type: text/plain; version=0.0.4"), std::string::npos);
  EXPECT_NE(request.find("\nticketcache_runs_total{status=\"ok\"} 1"), std::string::npos)
      << request;
}

TEST(PushMetricsTest, AGatewayThatIsDownIsLoggedAndTheRunStillSucceeds) {
  JobFixture job(JobFixtureOptions().WithUsers(20));
  ASSERT_TRUE(job.error().empty()) << job.error();
  // Port 1 on loopback: nothing listens, the connection is refused.
  // Credentials belong in no URL on a command line; if one is there anyway, the log masks it.
  Json summary;
  ChildResult run =
      job.Run({"--push-metrics", "http://pusher:push-test-secret@127.0.0.1:1"}, &summary);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(summary["status"], "ok");
  EXPECT_NE(run.err.find("could not push metrics"), std::string::npos) << run.err;
  EXPECT_EQ(run.err.find("push-test-secret"), std::string::npos) << run.err;
}

TEST(PushMetricsTest, AGatewayAnsweringAnErrorIsLoggedAndTheRunStillSucceeds) {
  JobFixture job(JobFixtureOptions().WithUsers(20));
  ASSERT_TRUE(job.error().empty()) << job.error();
  auto gateway = std::make_unique<OneShotReceiver>(500);
  ChildResult run =
      job.Run({"--push-metrics", "http://127.0.0.1:" + std::to_string(gateway->port())});
  gateway.reset();
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.err.find("HTTP 500"), std::string::npos) << run.err;
}

}  // namespace
}  // namespace tc
