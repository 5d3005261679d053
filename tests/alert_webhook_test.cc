// `[alerts] webhook_url_file` against a local receiver: `run` and `serve` post a Slack-compatible
// message on a degraded or aborted run and when users newly fail persistently, nothing on healthy
// runs; a dead or silent receiver changes neither the exit code nor the summary; the URL (a
// secret) appears in no output, log or stored record (docs/operations.md).
#include <arpa/inet.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "support/job_fixture.h"
#include "support/serve_process.h"

namespace tc {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kSecretPart = "sEcReT-wEbHoOk-4711";

// A loopback HTTP server that records each request body and answers 200, or (silent) accepts
// connections and never answers.
class WebhookReceiver {
 public:
  explicit WebhookReceiver(bool silent = false) : silent_(silent) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), size) != 0 ||
        ::listen(listener_, 16) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
      return;
    }
    port_ = ntohs(address.sin_port);
    if (!silent_) thread_ = std::thread([this] { Serve(); });
  }
  ~WebhookReceiver() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    ::close(listener_);
  }

  int port() const { return port_; }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/services/T01/B02/" + kSecretPart;
  }
  std::vector<std::string> bodies() {
    std::lock_guard lock(mutex_);
    return bodies_;
  }
  std::vector<std::string> request_lines() {
    std::lock_guard lock(mutex_);
    return request_lines_;
  }

 private:
  void Serve() {
    while (!stop_) {
      pollfd ready{listener_, POLLIN, 0};
      if (::poll(&ready, 1, 50) <= 0) continue;
      const int connection = ::accept(listener_, nullptr, nullptr);
      if (connection < 0) continue;
      std::string request;
      char buffer[4096];
      size_t body_at = std::string::npos;
      size_t length = 0;
      while (true) {
        pollfd readable{connection, POLLIN, 0};
        if (::poll(&readable, 1, 5000) <= 0) break;
        const ssize_t got = ::read(connection, buffer, sizeof buffer);
        if (got <= 0) break;
        request.append(buffer, static_cast<size_t>(got));
        if (body_at == std::string::npos &&
            (body_at = request.find("\r\n\r\n")) != std::string::npos) {
          body_at += 4;
          const size_t header = request.find("Content-Length: ");
          if (header != std::string::npos) length = std::stoul(request.substr(header + 16));
        }
        if (body_at != std::string::npos && request.size() >= body_at + length) break;
      }
      const std::string answer =
          "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n"
          "Connection: close\r\n\r\nok";
      (void)!::write(connection, answer.data(), answer.size());
      ::close(connection);
      std::lock_guard lock(mutex_);
      request_lines_.push_back(request.substr(0, request.find("\r\n")));
      bodies_.push_back(body_at == std::string::npos ? "" : request.substr(body_at));
    }
  }

  bool silent_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mutex_;
  std::vector<std::string> bodies_;
  std::vector<std::string> request_lines_;
};

// A loopback port nobody listens on.
int ClosedPort() {
  const int probe = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  ::bind(probe, reinterpret_cast<sockaddr*>(&address), size);
  ::getsockname(probe, reinterpret_cast<sockaddr*>(&address), &size);
  ::close(probe);
  return ntohs(address.sin_port);
}

struct AlertingJob {
  explicit AlertingJob(const std::string& url, const std::string& timeout = "3s",
                       const std::string& extra = "") {
    url_dir = MakeTestTempDir("tc_webhook_url");
    url_file = url_dir + "/webhook-url";
    WriteFile(url_file, url + "\n");
    // A wrong API path (404 for everyone) is judged API-wide after 5 users: a quick degraded run.
    job = std::make_unique<JobFixture>(
        JobFixtureOptions()
            .WithUsers(20)
            .WithRefresh(JobFixtureOptions().refresh_section + "api_wide_min_users = 5\n")
            .WithConfig("[alerts]\nwebhook_url_file = \"" + url_file + "\"\nwebhook_timeout = \"" +
                        timeout + "\"\n" + extra));
  }
  std::string url_dir;
  std::string url_file;
  std::unique_ptr<JobFixture> job;
};

Json ParsedBody(const std::string& body) {
  auto parsed = ParseJsJson(body);
  EXPECT_TRUE(parsed.ok()) << body;
  return parsed.ok() ? *parsed : Json();
}

TEST(AlertWebhookTest, RunPostsOnlyWhenUsersTurnPersistentOrTheRunStopsAndNeverShowsTheUrl) {
  WebhookReceiver receiver;
  ASSERT_GT(receiver.port(), 0);
  AlertingJob setup(receiver.url());
  JobFixture& job = *setup.job;
  ASSERT_TRUE(job.error().empty()) << job.error();
  std::vector<ChildResult> outputs;

  // Healthy: nothing.
  outputs.push_back(job.Run());
  ASSERT_EQ(outputs.back().exit_code, 0) << outputs.back().err;
  EXPECT_TRUE(receiver.bodies().empty());

  // Users 3 and 4 lose their tokens: the first failed run is a one-off (no alert), the second
  // makes them persistent (one alert), the third finds them in backoff (no alert).
  ASSERT_TRUE(job.sim().SetUserFault(3, "401").ok());
  ASSERT_TRUE(job.sim().SetUserFault(4, "401").ok());
  outputs.push_back(job.Run({"--force"}));
  ASSERT_EQ(outputs.back().exit_code, 0) << outputs.back().err;
  EXPECT_TRUE(receiver.bodies().empty());
  outputs.push_back(job.Run({"--force"}));
  ASSERT_EQ(outputs.back().exit_code, 0) << outputs.back().err;
  ASSERT_EQ(receiver.bodies().size(), 1u);
  const Json persistent = ParsedBody(receiver.bodies()[0]);
  EXPECT_THAT(persistent["text"].get<std::string>(),
              HasSubstr("2 users newly failing persistently (2 runs in a row)"));
  EXPECT_THAT(persistent["text"].get<std::string>(), HasSubstr(": 3, 4\n"));
  EXPECT_EQ(persistent["blocks"][0]["type"], "section");
  EXPECT_THAT(receiver.request_lines()[0], HasSubstr("POST /services/T01/B02/"));
  EXPECT_THAT(outputs.back().err, HasSubstr("\"message\":\"alert delivered\""));
  EXPECT_THAT(outputs.back().err,
              HasSubstr("\"webhook_host\":\"127.0.0.1:" + std::to_string(receiver.port())));
  outputs.push_back(job.Run({"--force"}));
  ASSERT_EQ(outputs.back().exit_code, 0) << outputs.back().err;
  EXPECT_EQ(receiver.bodies().size(), 1u);

  // The API answers 404 to everyone: degraded, exit 3, one alert with the reason.
  ASSERT_TRUE(job.sim().Post("/_sim/config", R"({"fault_all":"404"})").ok());
  outputs.push_back(job.Run({"--force"}));
  EXPECT_EQ(outputs.back().exit_code, 3) << outputs.back().err;
  ASSERT_EQ(receiver.bodies().size(), 2u);
  const Json degraded = ParsedBody(receiver.bodies()[1]);
  EXPECT_THAT(degraded["text"].get<std::string>(), HasSubstr("ended *degraded*: "));
  ASSERT_TRUE(job.sim().Post("/_sim/config", R"({"fault_all":""})").ok());

  // A store that cannot be opened: aborted before the run starts, still alerted.
  outputs.push_back(
      job.Run({}, nullptr, {{"TICKETCACHE_STORE_URL", "sqlite:" + job.dir() + "/missing.db"}}));
  EXPECT_EQ(outputs.back().exit_code, 1) << outputs.back().err;
  ASSERT_EQ(receiver.bodies().size(), 3u);
  EXPECT_THAT(ParsedBody(receiver.bodies()[2])["text"].get<std::string>(),
              HasSubstr("ended *aborted*: cache store"));

  outputs.push_back(job.Ticketcache({"status", "--json"}));
  outputs.push_back(job.Ticketcache({"config"}));
  for (const ChildResult& output : outputs) {
    EXPECT_THAT(output.out, Not(HasSubstr(kSecretPart)));
    EXPECT_THAT(output.err, Not(HasSubstr(kSecretPart)));
  }
  EXPECT_THAT(ReadFile(job.dir() + "/cache.db"), Not(HasSubstr(kSecretPart)));
  for (const std::string& body : receiver.bodies()) {
    EXPECT_THAT(body, Not(HasSubstr("tc-sim-token-")));
    EXPECT_THAT(body, Not(HasSubstr(kSecretPart)));
  }
}

// Runs ticketcache with stdout a pipe whose reader is already gone, as in `ticketcache run | true`
// once `true` has exited: every write to stdout fails (EPIPE, or SIGPIPE unless ignored). stderr
// goes to `err_path`.
ChildResult RunWithClosedStdout(const std::vector<std::string>& args, const std::string& err_path) {
  int pipe_ends[2];
  if (::pipe(pipe_ends) != 0) return {};
  ::close(pipe_ends[0]);
  std::vector<std::string> argv{TICKETCACHE_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(pipe_ends[1], STDOUT_FILENO);
    const int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(err, STDERR_FILENO);
    ::signal(SIGPIPE, SIG_DFL);  // as a shell leaves it: the default, fatal
    std::vector<char*> raw;
    for (auto& arg : argv) raw.push_back(arg.data());
    raw.push_back(nullptr);
    ::execv(raw[0], raw.data());
    ::_exit(127);
  }
  ::close(pipe_ends[1]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ChildResult result;
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  result.err = ReadFile(err_path);
  return result;
}

// The summary comes last: a reader that went away costs neither the alert nor the metrics file,
// and the exit code is the run's (not 141, death by SIGPIPE).
TEST(AlertWebhookTest, AClosedStdoutLosesNeitherAlertNorMetricsNorTheExitCode) {
  WebhookReceiver receiver;
  ASSERT_GT(receiver.port(), 0);
  AlertingJob setup(receiver.url());
  JobFixture& job = *setup.job;
  ASSERT_TRUE(job.error().empty()) << job.error();
  ASSERT_TRUE(job.sim().Post("/_sim/config", R"({"fault_all":"404"})").ok());  // degraded
  const std::string metrics_file = job.dir() + "/ticketcache.prom";
  const ChildResult result = RunWithClosedStdout(
      {"run", "--force", "--config", job.config_path(), "--metrics-file", metrics_file},
      job.dir() + "/closed-stdout.err");
  EXPECT_EQ(result.signal, 0) << "killed by signal " << result.signal;
  EXPECT_EQ(result.exit_code, 3) << result.err;
  ASSERT_EQ(receiver.bodies().size(), 1u) << result.err;
  EXPECT_THAT(ParsedBody(receiver.bodies()[0])["text"].get<std::string>(),
              HasSubstr("ended *degraded*: "));
  const std::string metrics = ReadFile(metrics_file);
  EXPECT_THAT(metrics, HasSubstr("\nticketcache_run_in_progress 0\n"));
  EXPECT_THAT(metrics, HasSubstr("ticketcache_runs_total{status=\"degraded\"} 1"));
  EXPECT_THAT(result.err, HasSubstr("could not write the run summary to stdout"));
}

TEST(AlertWebhookTest, ADeadOrSilentReceiverChangesNothingButAWarning) {
  WebhookReceiver silent(/*silent=*/true);
  ASSERT_GT(silent.port(), 0);
  const std::string secret_urls[] = {
      "http://127.0.0.1:" + std::to_string(ClosedPort()) + "/hook/" + kSecretPart,
      "http://127.0.0.1:" + std::to_string(silent.port()) + "/hook/" + kSecretPart};
  for (const std::string& url : secret_urls) {
    AlertingJob setup(url, "1s");
    JobFixture& job = *setup.job;
    ASSERT_TRUE(job.error().empty()) << job.error();
    ASSERT_TRUE(job.sim().Post("/_sim/config", R"({"fault_all":"404"})").ok());
    const auto started = std::chrono::steady_clock::now();
    Json summary;
    ChildResult run = job.Run({}, &summary);
    const auto took = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(run.exit_code, 3) << run.err;  // degraded, as without alerting
    EXPECT_EQ(summary["status"], "degraded");
    EXPECT_THAT(run.err, HasSubstr("\"message\":\"alert not delivered\""));
    EXPECT_THAT(run.err, HasSubstr("\"webhook_host\":\"127.0.0.1:"));
    EXPECT_THAT(run.err, Not(HasSubstr(kSecretPart)));
    EXPECT_THAT(run.out, Not(HasSubstr(kSecretPart)));
    // A generous bound: the alert gives up after its 1 s budget, the run takes a few seconds.
    EXPECT_LT(took, std::chrono::seconds(60));
  }
}

TEST(AlertWebhookTest, ServePostsWhenItsRunIsDegraded) {
  WebhookReceiver receiver;
  ASSERT_GT(receiver.port(), 0);
  AlertingJob setup(receiver.url(), "3s",
                    "\n[schedule]\ncron = \"* * * * * *\"\n\n[server]\nlisten = \"127.0.0.1:0\"\n");
  JobFixture& job = *setup.job;
  ASSERT_TRUE(job.error().empty()) << job.error();
  ASSERT_TRUE(job.sim().Post("/_sim/config", R"({"fault_all":"404"})").ok());
  BackgroundChild serve({TICKETCACHE_BINARY, "serve", "--config", job.config_path()}, {},
                        job.dir());
  for (int i = 0; i < 1200 && receiver.bodies().empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  serve.Signal(SIGTERM);
  ChildResult stopped = serve.Wait(20'000);
  EXPECT_EQ(stopped.exit_code, 0) << stopped.err;
  EXPECT_GT(ServePortIn(stopped.err), 0) << stopped.err;
  ASSERT_FALSE(receiver.bodies().empty()) << stopped.err;
  EXPECT_THAT(ParsedBody(receiver.bodies()[0])["text"].get<std::string>(),
              HasSubstr("ended *degraded*"));
  EXPECT_THAT(stopped.err, Not(HasSubstr(kSecretPart)));
  EXPECT_THAT(stopped.out, Not(HasSubstr(kSecretPart)));
}

}  // namespace
}  // namespace tc
