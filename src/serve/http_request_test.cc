#include "serve/http_request.h"

#include <gtest/gtest.h>

namespace tc {
namespace {

HttpAnswer EchoRoute(const std::string& /*method*/, const std::string& target) {
  if (target == "/healthz") return HttpAnswer{200, "text/plain", "ok\n"};
  if (target == "/boom") throw std::runtime_error("boom");
  return HttpAnswer{404, "text/plain", "not found\n"};
}

int StatusCodeOf(const std::string& response) {
  if (response.rfind("HTTP/1.1 ", 0) != 0 || response.size() < 12) return 0;
  return std::stoi(response.substr(9, 3));
}

std::string Respond(std::string_view bytes, HttpRequestLimits limits = {}) {
  return RespondToBytes(bytes, limits, EchoRoute);
}

TEST(HttpRequestTest, AnswersGetAndHeadAndClosesTheConnection) {
  const std::string get = Respond("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(StatusCodeOf(get), 200);
  EXPECT_NE(get.find("Connection: close\r\n"), std::string::npos);
  EXPECT_NE(get.find("Content-Length: 3\r\n"), std::string::npos);
  EXPECT_EQ(get.substr(get.size() - 3), "ok\n");
  const std::string head = Respond("HEAD /healthz HTTP/1.0\r\n\r\n");
  EXPECT_EQ(StatusCodeOf(head), 200);
  EXPECT_NE(head.find("Content-Length: 3\r\n"), std::string::npos);
  EXPECT_EQ(head.substr(head.size() - 4), "\r\n\r\n");  // no body
}

TEST(HttpRequestTest, RoutesAndRejectsMethods) {
  EXPECT_EQ(StatusCodeOf(Respond("GET /nope HTTP/1.1\r\n\r\n")), 404);
  EXPECT_EQ(StatusCodeOf(Respond("POST /healthz HTTP/1.1\r\nContent-Length: 2\r\n\r\n")), 405);
  EXPECT_EQ(StatusCodeOf(Respond("DELETE /healthz HTTP/1.1\r\n\r\n")), 405);
  EXPECT_EQ(StatusCodeOf(Respond("GET /boom HTTP/1.1\r\n\r\n")), 500);
}

TEST(HttpRequestTest, GarbageIs400WithoutWaitingForMore) {
  EXPECT_EQ(StatusCodeOf(Respond("\x16\x03\x01\x02")), 400);  // a TLS hello on the plain port
  EXPECT_EQ(StatusCodeOf(Respond("get / HTTP/1.1\r\n\r\n")), 400);
  EXPECT_EQ(StatusCodeOf(Respond("GET / HTTP/9\r\n\r\n")), 400);
  EXPECT_EQ(StatusCodeOf(Respond("GET / HTTP/1.1\r\nno colon here\r\n\r\n")), 400);
  EXPECT_EQ(StatusCodeOf(Respond(std::string(100, 'G'))), 400);
}

TEST(HttpRequestTest, IncompleteHeadWaitsForMore) {
  EXPECT_EQ(Respond(""), "");
  EXPECT_EQ(Respond("GET /healthz HTTP/1.1\r\nHost: x\r\n"), "");
  EXPECT_EQ(Respond("GE"), "");
}

TEST(HttpRequestTest, OversizedTargetIs414AsSoonAsItIsTooLong) {
  HttpRequestLimits limits;
  limits.max_target_bytes = 100;
  limits.max_head_bytes = 1000;
  EXPECT_EQ(StatusCodeOf(Respond("GET /" + std::string(200, 'a'), limits)),
            414);  // line unfinished
  EXPECT_EQ(StatusCodeOf(Respond("GET /" + std::string(200, 'a') + " HTTP/1.1\r\n\r\n", limits)),
            414);
  EXPECT_EQ(StatusCodeOf(Respond("GET /" + std::string(98, 'a') + " HTTP/1.1\r\n\r\n", limits)),
            404);
}

TEST(HttpRequestTest, OversizedHeadersAre431) {
  HttpRequestLimits limits;
  limits.max_head_bytes = 1000;
  const std::string big = "GET /healthz HTTP/1.1\r\nX-Big: " + std::string(2000, 'b');
  EXPECT_EQ(StatusCodeOf(Respond(big, limits)), 431);               // still arriving
  EXPECT_EQ(StatusCodeOf(Respond(big + "\r\n\r\n", limits)), 431);  // complete
  EXPECT_EQ(StatusCodeOf(Respond("GET /healthz HTTP/1.1\r\nX-Small: 1\r\n\r\n", limits)), 200);
}

HttpRequestLimits WithBodies() {
  HttpRequestLimits limits;
  limits.max_body_bytes = 64;
  return limits;
}

// Echoes what a handler sees.
HttpAnswer Echo(const HttpServerRequest& request) {
  const std::string* auth = request.Header("authorization");
  return HttpAnswer{200, "text/plain",
                    request.method + " " + request.target + " auth=" + (auth ? *auth : "-") +
                        " body=" + request.body};
}

std::string BodyOf(const std::string& response) {
  return response.substr(response.find("\r\n\r\n") + 4);
}

TEST(HttpRequestTest, PostWithASmallBodyReachesTheHandlerWithItsHeaders) {
  const std::string answer = RespondToBytes(
      "POST /v1/x?force=1 HTTP/1.1\r\nAuthorization: Bearer abc\r\nContent-Length: 4\r\n\r\nping",
      WithBodies(), HttpRequestHandler(Echo));
  EXPECT_EQ(StatusCodeOf(answer), 200);
  EXPECT_EQ(BodyOf(answer), "POST /v1/x?force=1 auth=Bearer abc body=ping");
  const std::string bare =
      RespondToBytes("POST /v1/x HTTP/1.1\r\n\r\n", WithBodies(), HttpRequestHandler(Echo));
  EXPECT_EQ(BodyOf(bare), "POST /v1/x auth=- body=");
}

TEST(HttpRequestTest, BodyIsWaitedForUpToItsLength) {
  const std::string head = "POST /v1/x HTTP/1.1\r\nContent-Length: 4\r\n\r\n";
  EXPECT_EQ(ScanRequestHead(head + "pi", WithBodies()).state, HeadScan::State::kNeedMore);
  const HeadScan scan = ScanRequestHead(head + "ping", WithBodies());
  EXPECT_EQ(scan.state, HeadScan::State::kComplete);
  EXPECT_EQ(scan.head_bytes, head.size());
  EXPECT_EQ(scan.body_bytes, 4u);
}

TEST(HttpRequestTest, OversizedChunkedOrConflictingBodiesAreRejectedFromTheHead) {
  const auto status = [](std::string_view bytes) {
    return StatusCodeOf(RespondToBytes(bytes, WithBodies(), HttpRequestHandler(Echo)));
  };
  EXPECT_EQ(status("POST /x HTTP/1.1\r\nContent-Length: 65\r\n\r\n"), 413);
  EXPECT_EQ(status("POST /x HTTP/1.1\r\nContent-Length: 99999999999999999\r\n\r\n"), 413);
  EXPECT_EQ(status("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"), 411);
  EXPECT_EQ(status("POST /x HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"), 400);
  EXPECT_EQ(status("POST /x HTTP/1.1\r\nContent-Length: -1\r\n\r\n"), 400);
  EXPECT_EQ(status("PUT /x HTTP/1.1\r\nContent-Length: 0\r\n\r\n"), 405);
}

TEST(HttpRequestTest, WithoutABodyLimitPostIsRefusedAndBodiesIgnored) {
  EXPECT_EQ(StatusCodeOf(RespondToBytes("POST /x HTTP/1.1\r\nContent-Length: 2\r\n\r\n", {},
                                        HttpRequestHandler(Echo))),
            405);
  const std::string get =
      RespondToBytes("GET /x HTTP/1.1\r\nContent-Length: 2\r\n\r\n", {}, HttpRequestHandler(Echo));
  EXPECT_EQ(BodyOf(get), "GET /x auth=- body=");
}

}  // namespace
}  // namespace tc

namespace tc {
namespace {

// Found by fuzz/serve_request_fuzz.cc: "\r" was rejected but "\r\n" then waited for more.
TEST(HttpRequestTest, ScanNeverChangesItsMindAsBytesArrive) {
  HttpRequestLimits limits;
  limits.max_target_bytes = 16;
  limits.max_head_bytes = 64;
  for (const std::string& input :
       {std::string("\r\n"), std::string("\r\n\r\nGET / HTTP/1.1\r\n\r\n"),
        std::string("GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n"), std::string("GET\r\n\r\n"),
        std::string("GET /aaaaaaaaaaaaaaaaaaaaaaaa HTTP/1.1\r\n\r\n"),
        std::string("GET / HTTP/1.1\r\nX: ") + std::string(80, 'x') + "\r\n\r\n"}) {
    const HeadScan full = ScanRequestHead(input, limits);
    for (size_t length = 0; length <= input.size(); ++length) {
      const HeadScan prefix = ScanRequestHead(std::string_view(input).substr(0, length), limits);
      if (prefix.state == HeadScan::State::kReject) {
        EXPECT_EQ(full.state, HeadScan::State::kReject) << "input " << input << " at " << length;
      }
      if (prefix.state == HeadScan::State::kComplete) {
        EXPECT_EQ(full.state, HeadScan::State::kComplete) << "input " << input << " at " << length;
        EXPECT_EQ(full.head_bytes, prefix.head_bytes);
      }
    }
  }
  EXPECT_EQ(ScanRequestHead("\r\n", limits).reject_status, 400);
}

}  // namespace
}  // namespace tc
