// Throughput of ticketcache-sim on loopback: starts the simulator binary on a free port, drives it
// with N keep-alive connections (one request outstanding on each, single-threaded asio/Beast
// client) for a few seconds, and prints requests/s, latency percentiles and the simulator's own
// counters. A figure, not a test: nothing is asserted.
#include <fmt/format.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "sim_token.h"

extern char** environ;

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
// A concrete executor (not any_io_executor): the client shares the cores with the simulator, so
// it must be cheap per request.
using ClientStream = beast::basic_stream<tcp, asio::io_context::executor_type>;

struct SimProcess {
  pid_t pid = -1;
  uint16_t port = 0;
};

// Starts the simulator and reads its "listening on HOST:PORT" line.
SimProcess StartSim(const std::vector<std::string>& args) {
  int out[2];
  if (pipe(out) != 0) return {};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  std::vector<char*> argv;
  for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  SimProcess sim;
  if (posix_spawn(&sim.pid, argv[0], &actions, nullptr, argv.data(), environ) != 0) sim.pid = -1;
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  std::string line;
  char c = 0;
  while (read(out[0], &c, 1) == 1 && c != '\n') line.push_back(c);
  close(out[0]);
  size_t colon = line.rfind(':');
  if (sim.pid > 0 && line.starts_with("listening on ") && colon != std::string::npos) {
    sim.port = static_cast<uint16_t>(std::stoi(line.substr(colon + 1)));
  }
  return sim;
}

struct Totals {
  int64_t ok = 0;
  int64_t other_status = 0;
  int64_t errors = 0;
  int64_t bytes = 0;
  std::vector<uint32_t> latency_us;
};

// One keep-alive connection sending requests back to back until `deadline`.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(asio::io_context& io, tcp::endpoint endpoint, int id, int users, int per_page,
             Clock::time_point deadline, Totals& totals)
      : stream_(io),
        endpoint_(endpoint),
        id_(id),
        users_(users),
        per_page_(per_page),
        deadline_(deadline),
        totals_(totals) {}

  void Start() {
    stream_.async_connect(endpoint_, [self = shared_from_this()](beast::error_code ec) {
      if (ec) {
        ++self->totals_.errors;
        return;
      }
      self->stream_.socket().set_option(tcp::no_delay(true));
      self->Send();
    });
  }

 private:
  void Send() {
    if (Clock::now() >= deadline_) return;
    int64_t user = (id_ * 7919 + sequence_) % users_ + 1;
    bool expired = sequence_ % 2 == 1;
    ++sequence_;
    request_ = {};
    request_.method(http::verb::get);
    request_.version(11);
    request_.target(expired
                        ? fmt::format("/v4.0/passes?status=EXPIRED&per_page={}&page=1", per_page_)
                        : fmt::format("/passes?per_page={}&page=1", per_page_));
    request_.set(http::field::host, "127.0.0.1");
    request_.set(http::field::authorization, "Bearer " + tc::sim::SimTokenForUser(user));
    sent_at_ = Clock::now();
    http::async_write(stream_, request_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) {
        ++self->totals_.errors;
        return;
      }
      self->Receive();
    });
  }

  void Receive() {
    response_ = {};
    http::async_read(stream_, buffer_, response_,
                     [self = shared_from_this()](beast::error_code ec, size_t bytes) {
                       if (ec) {
                         ++self->totals_.errors;
                         return;
                       }
                       auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(
                           Clock::now() - self->sent_at_);
                       self->totals_.latency_us.push_back(static_cast<uint32_t>(elapsed.count()));
                       self->totals_.bytes += static_cast<int64_t>(bytes);
                       if (self->response_.result() == http::status::ok)
                         ++self->totals_.ok;
                       else
                         ++self->totals_.other_status;
                       self->Send();
                     });
  }

  ClientStream stream_;
  tcp::endpoint endpoint_;
  int id_;
  int users_;
  int per_page_;
  Clock::time_point deadline_;
  Totals& totals_;
  int64_t sequence_ = 0;
  beast::flat_buffer buffer_;
  http::request<http::empty_body> request_;
  http::response<http::string_body> response_;
  Clock::time_point sent_at_;
};

std::string FetchCounters(tcp::endpoint endpoint) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  beast::error_code ec;
  stream.connect(endpoint, ec);
  if (ec) return "{}";
  http::request<http::empty_body> request(http::verb::get, "/_sim/counters", 11);
  request.set(http::field::host, "127.0.0.1");
  http::write(stream, request, ec);
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  if (!ec) http::read(stream, buffer, response, ec);
  return ec ? "{}" : response.body();
}

// CPU seconds (user + system) the process `pid` has used so far, from /proc/PID/stat.
double ProcessCpuSeconds(pid_t pid) {
  std::ifstream stat_file("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
  size_t paren = text.rfind(')');
  if (paren == std::string::npos) return 0;
  std::istringstream fields(text.substr(paren + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14 || i == 15) ticks += std::stod(field);  // utime, stime
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double OwnCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](timeval t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

uint32_t Percentile(const std::vector<uint32_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t index = static_cast<size_t>(p * static_cast<double>(sorted.size() - 1));
  return sorted[index];
}

}  // namespace

int main(int argc, char** argv) {
  std::string sim_binary = TICKETCACHE_SIM_BINARY;
  int connections = 64;
  double seconds = 5;
  int sim_threads = 2;
  int users = 1000;
  int passes = 10;
  int per_page = 100;
  double latency_ms = 0;
  CLI::App app{"Throughput of ticketcache-sim on loopback"};
  app.add_option("--sim", sim_binary, "simulator binary")->capture_default_str();
  app.add_option("--connections", connections, "keep-alive connections")->capture_default_str();
  app.add_option("--seconds", seconds, "duration")->capture_default_str();
  app.add_option("--sim-threads", sim_threads, "simulator io threads")->capture_default_str();
  app.add_option("--users", users, "simulated users")->capture_default_str();
  app.add_option("--passes", passes, "active passes per user")->capture_default_str();
  app.add_option("--per-page", per_page, "per_page of each request")->capture_default_str();
  app.add_option("--latency-ms", latency_ms, "simulator latency")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  SimProcess sim =
      StartSim({sim_binary, "--listen", "127.0.0.1:0", "--threads", std::to_string(sim_threads),
                "--users", std::to_string(users), "--passes", std::to_string(passes),
                "--latency-ms", fmt::format("{}", latency_ms)});
  if (sim.port == 0) {
    fmt::print(stderr, "could not start {}\n", sim_binary);
    if (sim.pid > 0) kill(sim.pid, SIGTERM);
    return 1;
  }
  tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), sim.port);

  const double sim_cpu_start = ProcessCpuSeconds(sim.pid);
  const double client_cpu_start = OwnCpuSeconds();
  asio::io_context io(1);
  Totals totals;
  totals.latency_us.reserve(1 << 20);
  const Clock::time_point start = Clock::now();
  const Clock::time_point deadline =
      start + std::chrono::microseconds(static_cast<int64_t>(seconds * 1e6));
  for (int i = 0; i < connections; ++i) {
    std::make_shared<Connection>(io, endpoint, i, users, per_page, deadline, totals)->Start();
  }
  io.run();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();

  const double sim_cpu = ProcessCpuSeconds(sim.pid) - sim_cpu_start;
  const double client_cpu = OwnCpuSeconds() - client_cpu_start;
  std::string counters = FetchCounters(endpoint);
  kill(sim.pid, SIGTERM);
  int wait_status = 0;
  waitpid(sim.pid, &wait_status, 0);

  std::sort(totals.latency_us.begin(), totals.latency_us.end());
  const int64_t answered = totals.ok + totals.other_status;
  nlohmann::json counters_json = nlohmann::json::parse(counters, nullptr, false);
  fmt::print(
      "sim_throughput: {} connections, {:.1f} s, sim threads {}, {} users x {} passes, "
      "per_page {}, latency {} ms\n",
      connections, elapsed, sim_threads, users, passes, per_page, latency_ms);
  fmt::print("requests/s: {:.0f}  (answered {}, 200 {}, other status {}, client errors {})\n",
             static_cast<double>(answered) / elapsed, answered, totals.ok, totals.other_status,
             totals.errors);
  fmt::print("latency us: p50 {}  p99 {}  max {}\n", Percentile(totals.latency_us, 0.50),
             Percentile(totals.latency_us, 0.99), Percentile(totals.latency_us, 1.0));
  // On a busy machine the wall-clock rate measures the share of CPU we got; the CPU cost per
  // request does not depend on that, so also print what 2 otherwise idle cores would sustain.
  if (answered > 0) {
    const double sim_us = sim_cpu / static_cast<double>(answered) * 1e6;
    const double client_us = client_cpu / static_cast<double>(answered) * 1e6;
    fmt::print(
        "cpu per request: sim {:.1f} us, client {:.1f} us  (sim used {:.2f} CPU-s, client "
        "{:.2f} CPU-s)\n",
        sim_us, client_us, sim_cpu, client_cpu);
    fmt::print("projected requests/s on 2 idle cores shared by sim and client: {:.0f}\n",
               2e6 / (sim_us + client_us));
  }
  fmt::print("response MB/s: {:.1f}\n", static_cast<double>(totals.bytes) / elapsed / 1e6);
  if (!counters_json.is_discarded()) {
    fmt::print("sim counters: requests_total {}  peak_concurrency {}  max_per_second {}\n",
               counters_json.value("requests_total", 0), counters_json.value("peak_concurrency", 0),
               counters_json.value("max_per_second", 0));
    fmt::print("sim by_path_status: {}\n", counters_json["by_path_status"].dump());
  }
  fmt::print("sim exit: {}\n", WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1);
  return 0;
}
