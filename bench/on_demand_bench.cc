// On-demand refresh during a sweep, against the simulator (prints figures, never asserts):
//
//   on_demand_bench [USERS=3000] [LATENCY_MS=50] [CALLS=200] [DISTINCT=120]
//
// A sweep refreshes USERS stale users (API latency LATENCY_MS, refresh.concurrency 16) while
// CALLS on-demand calls arrive at once over HTTP — each for one of DISTINCT random users, so some
// users are asked for several times. The sweep and the on-demand refresher run in this process as
// `serve` wires them (one rate limiter, breaker and set of users in flight), each with its own
// transport; a counting layer under both transports counts the API requests per user. Prints the
// on-demand answers' p50/p99 latency, the sweep's users/s, and how many users had more than one
// refresh's worth of requests (2: passes and passes4) — duplicates.
//
// Figures: docs/performance.md. Earlier, on a shared 2-core machine: sweep 150.9 users/s;
// on-demand answers p50 529 ms, p99 944 ms (98 calls joined a refresh under way, 27 found the
// cache fresh); 6,000 API requests for 3,000 users, 0 users with duplicates.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "api/rate_limiter.h"
#include "bytemark/curl_transport.h"
#include "bytemark/transport_options.h"
#include "commands/job_setup.h"
#include "failure/circuit_breaker.h"
#include "run/on_demand_refresher.h"
#include "run/refresh_run.h"
#include "run/user_flights.h"
#include "serve/http_endpoint.h"
#include "serve/on_demand_route.h"
#include "storage/open_cache_store.h"
#include "support/job_fixture.h"

namespace tc {
namespace {

// Counts API requests per bearer token, over several transports (each still used by one thread).
class RequestCounts {
 public:
  void Add(const std::string& token) {
    std::lock_guard lock(mutex_);
    ++counts_[token];
  }
  std::map<std::string, int> Snapshot() {
    std::lock_guard lock(mutex_);
    return counts_;
  }

 private:
  std::mutex mutex_;
  std::map<std::string, int> counts_;
};

class CountingTransport final : public HttpTransport {
 public:
  CountingTransport(HttpTransport& inner, RequestCounts& counts) : inner_(inner), counts_(counts) {}
  void Start(HttpRequest request, HttpCallback done) override {
    counts_.Add(request.bearer_token);
    inner_.Start(std::move(request), std::move(done));
  }
  size_t Drive(Duration max_wait) override { return inner_.Drive(max_wait); }
  void Wakeup() override { inner_.Wakeup(); }

 private:
  HttpTransport& inner_;
  RequestCounts& counts_;
};

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t index = std::min(values.size() - 1, static_cast<size_t>(p * values.size()));
  return values[index];
}

int Main(int argc, char** argv) {
  const int64_t users = argc > 1 ? std::stoll(argv[1]) : 3000;
  const int latency_ms = argc > 2 ? std::stoi(argv[2]) : 50;
  const int calls = argc > 3 ? std::stoi(argv[3]) : 200;
  const int distinct = argc > 4 ? std::stoi(argv[4]) : 120;
  const std::string bearer = "bench-on-demand-token";

  JobFixture job(JobFixtureOptions()
                     .WithUsers(users)
                     .WithSim({"--latency-ms", std::to_string(latency_ms), "--passes", "5"})
                     .WithRefresh("concurrency = 16\nretries = 1\nlock_ttl = \"30s\"\n"));
  if (!job.error().empty()) {
    std::cerr << "setup failed: " << job.error() << "\n";
    return 1;
  }
  CommonOptions common;
  common.config_file = job.config_path();
  common.overrides = {{"log.level", "warn"}};
  auto config = LoadJobConfig(common);
  if (!config.ok()) return ReportStartupError("configuration", config.error());
  const Config& cfg = *config;
  auto sweep_tokens = OpenTokenSource(cfg.tokens);
  auto on_demand_tokens = OpenTokenSource(cfg.tokens);
  auto store = OpenCacheStore(cfg.store);
  if (!sweep_tokens.ok() || !on_demand_tokens.ok() || !store.ok()) {
    std::cerr << "cannot open the databases\n";
    return 1;
  }

  SystemClock clock;
  RateLimiter limiter(cfg.refresh.rate_limit, clock.SteadyNow());
  CircuitBreaker breaker(cfg);
  UserFlights flights;
  RequestCounts counts;
  CurlTransport on_demand_curl(TransportOptionsFor(cfg));
  CountingTransport on_demand_transport(on_demand_curl, counts);
  OnDemandRefresher refresher(cfg, std::chrono::seconds(10), **on_demand_tokens, **store,
                              on_demand_transport, clock,
                              SharedApiState{limiter, breaker, flights});
  refresher.Start();
  const OnDemandRoute route(bearer, &refresher);
  HttpEndpointOptions http_options;
  http_options.limits.max_body_bytes = 4096;
  HttpEndpoint http(http_options);
  if (!http.StartAsync("127.0.0.1:0",
                       [&](const HttpServerRequest& request, const HttpResponder& respond) {
                         route.Handle(request, respond);
                       })
           .ok()) {
    std::cerr << "cannot listen\n";
    return 1;
  }

  RunSummary summary;
  double sweep_seconds = 0;
  std::thread sweep([&] {
    CurlTransport curl(TransportOptionsFor(cfg));
    CountingTransport transport(curl, counts);
    RunEnvironment env{cfg, **sweep_tokens, **store, transport, clock, nullptr, nullptr};
    env.shared_limiter = &limiter;
    env.shared_breaker = &breaker;
    env.flights = &flights;
    const auto started = std::chrono::steady_clock::now();
    summary = ExecuteRun(env, RunRequest{});
    sweep_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  });

  std::this_thread::sleep_for(std::chrono::seconds(2));  // the sweep is under way
  std::mt19937_64 random(12345);
  std::vector<int64_t> pool;
  std::uniform_int_distribution<int64_t> any_user(1, users);
  for (int i = 0; i < distinct; ++i) pool.push_back(any_user(random));
  std::uniform_int_distribution<size_t> from_pool(0, pool.size() - 1);

  CurlTransportOptions client_options;
  client_options.max_connections = calls;
  CurlTransport client(client_options);
  std::vector<double> latencies_ms;
  std::map<std::string, int> outcomes;
  int done = 0;
  const auto fired = std::chrono::steady_clock::now();
  for (int i = 0; i < calls; ++i) {
    HttpRequest request;
    request.method = "POST";
    request.url = fmt::format("http://127.0.0.1:{}/v1/users/{}/refresh", http.port(),
                              pool[from_pool(random)]);
    request.bearer_token = bearer;
    request.timeout = std::chrono::seconds(60);
    client.Start(request, [&](Result<HttpResponse> response) {
      latencies_ms.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - fired)
              .count());
      ++done;
      if (!response.ok()) {
        ++outcomes["error " + std::string(ErrorClassName(response.error().error_class))];
      } else if (response->status != 200) {
        ++outcomes[std::to_string(response->status)];
      } else {
        auto body = Json::parse(response->body, nullptr, false);
        ++outcomes[body.is_object() && body.contains("outcome")
                       ? body["outcome"].get<std::string>() +
                             (body.contains("refreshed_by") ? " (by sweep)" : "")
                       : "?"];
      }
    });
  }
  while (done < calls) client.Drive(std::chrono::milliseconds(50));
  sweep.join();
  refresher.Stop();
  http.Stop();

  const auto per_user = counts.Snapshot();
  int64_t requests = 0;
  int duplicates = 0;
  int max_per_user = 0;
  for (const auto& [token, count] : per_user) {
    requests += count;
    if (count > 2) ++duplicates;
    max_per_user = std::max(max_per_user, count);
  }
  const int64_t swept = summary.built + summary.updated + summary.unchanged;
  fmt::print("users {}  API latency {} ms  refresh.concurrency {}\n", users, latency_ms,
             cfg.refresh.concurrency);
  fmt::print("sweep: {} users refreshed in {:.2f} s = {:.1f} users/s ({} skipped: on demand)\n",
             swept, sweep_seconds, static_cast<double>(swept) / sweep_seconds,
             summary.skipped_duplicates);
  fmt::print("on demand: {} calls for {} distinct users, at once, 2 s into the sweep\n", calls,
             distinct);
  fmt::print("  latency p50 {:.0f} ms  p99 {:.0f} ms  max {:.0f} ms\n",
             Percentile(latencies_ms, 0.5), Percentile(latencies_ms, 0.99),
             Percentile(latencies_ms, 1.0));
  for (const auto& [outcome, count] : outcomes) fmt::print("  {:>24}: {}\n", outcome, count);
  fmt::print("  joined a refresh under way: {}\n", refresher.joined());
  fmt::print("API requests: {} for {} users; users with more than 2 (duplicates): {}; max {}\n",
             requests, per_user.size(), duplicates, max_per_user);
  return 0;
}

}  // namespace
}  // namespace tc

int main(int argc, char** argv) { return tc::Main(argc, argv); }
