#include "alerts/metrics_push.h"

#include <gtest/gtest.h>

#include <optional>

namespace tc {
namespace {

// Records the request and answers it with `answer`.
class RecordingTransport final : public HttpTransport {
 public:
  explicit RecordingTransport(Result<HttpResponse> answer) : answer_(std::move(answer)) {}
  void Start(HttpRequest request, HttpCallback done) override {
    request_ = std::move(request);
    done_ = std::move(done);
  }
  size_t Drive(Duration) override {
    if (done_) {
      auto done = std::move(done_);
      done_ = nullptr;
      done(answer_);
    }
    return 0;
  }
  void Wakeup() override {}
  const std::optional<HttpRequest>& request() const { return request_; }

 private:
  Result<HttpResponse> answer_;
  std::optional<HttpRequest> request_;
  HttpCallback done_;
};

TEST(MetricsPushTest, GroupsByJobAndShardInstance) {
  EXPECT_EQ(PushGroupUrl("http://gw:9091", ""),
            "http://gw:9091/metrics/job/ticketcache/instance/all");
  EXPECT_EQ(PushGroupUrl("http://gw:9091/", "2/4"),
            "http://gw:9091/metrics/job/ticketcache/instance/shard-2-of-4");
}

TEST(MetricsPushTest, PutsTheTextExpositionToTheGroup) {
  RecordingTransport transport(HttpResponse{200, "", std::nullopt});
  const std::string text = "# TYPE ticketcache_runs_total counter\nticketcache_runs_total 1\n";
  Status pushed = PushMetrics(transport, "http://127.0.0.1:9091", "1/3", text);
  ASSERT_TRUE(pushed.ok()) << pushed.error().ToString();
  ASSERT_TRUE(transport.request().has_value());
  EXPECT_EQ(transport.request()->method, "PUT");
  EXPECT_EQ(transport.request()->url,
            "http://127.0.0.1:9091/metrics/job/ticketcache/instance/shard-1-of-3");
  EXPECT_EQ(transport.request()->content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(transport.request()->body, text);
}

TEST(MetricsPushTest, ANon2xxAnswerIsAnErrorNamingTheStatus) {
  RecordingTransport transport(HttpResponse{400, "text format parsing error", std::nullopt});
  Status pushed = PushMetrics(transport, "http://gw:9091", "", "x 1\n");
  ASSERT_FALSE(pushed.ok());
  EXPECT_NE(pushed.error().message.find("HTTP 400: text format parsing error"), std::string::npos)
      << pushed.error().message;
}

TEST(MetricsPushTest, ATransportFailureIsAnError) {
  RecordingTransport transport(MakeError(ErrorClass::kNetwork, "connection refused"));
  Status pushed = PushMetrics(transport, "http://gw:9091", "", "x 1\n");
  ASSERT_FALSE(pushed.ok());
  EXPECT_EQ(pushed.error().error_class, ErrorClass::kNetwork);
}

}  // namespace
}  // namespace tc
