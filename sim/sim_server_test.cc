// End to end: the server on a free loopback port, a Beast client over real sockets.
#include "sim_server.h"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include "sim_token.h"

namespace tc::sim {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using nlohmann::json;

class SimServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Status status = server_.Listen("127.0.0.1", 0);
    ASSERT_TRUE(status.ok()) << status.error().message;
    server_.Start();
  }

  // A keep-alive client connection.
  struct Client {
    asio::io_context io;
    beast::tcp_stream stream{io};
    beast::flat_buffer buffer;

    beast::error_code Send(http::verb verb, std::string target, int64_t user, std::string body,
                           http::response<http::string_body>& response) {
      http::request<http::string_body> request(verb, target, 11);
      request.set(http::field::host, "127.0.0.1");
      if (user > 0) request.set(http::field::authorization, "Bearer " + SimTokenForUser(user));
      request.body() = std::move(body);
      request.prepare_payload();
      beast::error_code ec;
      http::write(stream, request, ec);
      if (!ec) http::read(stream, buffer, response, ec);
      return ec;
    }
  };

  std::unique_ptr<Client> Connect() {
    auto client = std::make_unique<Client>();
    client->stream.connect(server_.endpoint());
    return client;
  }

  SimService service_{SimSettings{.users = 20, .passes = 5}, 1};
  SimServer server_{service_, 2};
};

TEST_F(SimServerTest, ServesPagesOverOneKeepAliveConnection) {
  std::unique_ptr<Client> client = Connect();
  for (int page = 1; page <= 3; ++page) {
    http::response<http::string_body> response;
    ASSERT_FALSE(client->Send(http::verb::get, "/passes?per_page=2&page=" + std::to_string(page), 4,
                              "", response));
    EXPECT_EQ(response.result_int(), 200);
    EXPECT_TRUE(response.keep_alive());
    EXPECT_EQ(response[http::field::content_type], "application/json");
    json body = json::parse(response.body());
    EXPECT_EQ(body["data"]["pagination"]["page"], page);
  }
  http::response<http::string_body> unauthorized;
  ASSERT_FALSE(client->Send(http::verb::get, "/passes", 21, "", unauthorized));
  EXPECT_EQ(unauthorized.result_int(), 401);

  http::response<http::string_body> counters;
  ASSERT_FALSE(client->Send(http::verb::get, "/_sim/counters", 0, "", counters));
  json parsed = json::parse(counters.body());
  EXPECT_EQ(parsed["requests_total"], 4);
  EXPECT_EQ(parsed["by_path_status"]["/passes 200"], 3);
  EXPECT_EQ(parsed["by_path_status"]["/passes 401"], 1);
}

TEST_F(SimServerTest, ControlApiAndLatencyOverHttp) {
  std::unique_ptr<Client> client = Connect();
  http::response<http::string_body> config;
  ASSERT_FALSE(client->Send(http::verb::post, "/_sim/config", 0,
                            R"({"latency_ms":30,"rate_limit":0})", config));
  ASSERT_EQ(config.result_int(), 200) << config.body();
  http::response<http::string_body> slow;
  auto start = std::chrono::steady_clock::now();
  ASSERT_FALSE(client->Send(http::verb::get, "/v4.0/passes?status=EXPIRED", 2, "", slow));
  EXPECT_EQ(slow.result_int(), 200);
  // The latency is a lower bound only (no upper bound: tests never assert on speed).
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(30));
}

TEST_F(SimServerTest, ResetFaultClosesTheConnectionWithoutAnswer) {
  std::unique_ptr<Client> client = Connect();
  http::response<http::string_body> put;
  ASSERT_FALSE(client->Send(http::verb::put, "/_sim/users/5/fault", 0, R"({"kind":"reset"})", put));
  ASSERT_EQ(put.result_int(), 200);
  http::response<http::string_body> dropped;
  beast::error_code ec = client->Send(http::verb::get, "/passes", 5, "", dropped);
  EXPECT_TRUE(ec) << "expected the connection to be closed";

  std::unique_ptr<Client> again = Connect();
  http::response<http::string_body> other_user;
  ASSERT_FALSE(again->Send(http::verb::get, "/passes", 6, "", other_user));
  EXPECT_EQ(other_user.result_int(), 200);
}

TEST_F(SimServerTest, RateLimitedAnswerCarriesRetryAfter) {
  std::unique_ptr<Client> client = Connect();
  http::response<http::string_body> fault;
  ASSERT_FALSE(client->Send(http::verb::put, "/_sim/users/7/fault", 0, R"({"kind":429})", fault));
  http::response<http::string_body> limited;
  ASSERT_FALSE(client->Send(http::verb::get, "/passes", 7, "", limited));
  EXPECT_EQ(limited.result_int(), 429);
  EXPECT_EQ(limited[http::field::retry_after], "1");
}

TEST_F(SimServerTest, StopsWhileARequestIsStalled) {
  std::unique_ptr<Client> client = Connect();
  http::response<http::string_body> fault;
  ASSERT_FALSE(
      client->Send(http::verb::put, "/_sim/users/8/fault", 0, R"({"kind":"timeout"})", fault));
  http::request<http::empty_body> request(http::verb::get, "/passes", 11);
  request.set(http::field::authorization, "Bearer " + SimTokenForUser(8));
  http::write(client->stream, request);
  server_.Stop();  // must not wait 60 s for the stalled answer
}

}  // namespace
}  // namespace tc::sim
