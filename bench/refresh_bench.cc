// Measures the job against the simulator and prints figures (never asserts on them):
//
//   refresh_bench throughput  N users all stale, zero latency, 10 passes each
//   refresh_bench bound       latency L, concurrency C, N stale users: users/s vs the ideal
//                             bound min(C / L, R) / requests-per-user, and the Node job's C = 1
//   refresh_bench latency     the production shape: latency 50 ms, small pages (~2.4 requests a
//                             user), concurrency 64; then 256 at 200 ms and 1,024 at 500 ms: CPU
//                             and context switches per user, ratio to the bound, simulator CPU;
//                             each for a first build and for the next refresh of every cache
//   refresh_bench rate        the global rate limit: highest API rate seen in any one second
//   refresh_bench recovery    after 5 s of nothing but 429s: mean and peak request rate once the
//                             API accepts again, against the configured limit
//                             and: 20 % of pages answer 429 on their first request, the API
//                             enforcing the limit too: the mean rate against the limit
//   refresh_bench memory      peak RSS with 10,000 and 1,000,000 users in the token table, most
//                             fresh
//   refresh_bench mysql       MariaDB in both roles (under scripts/with-mariadb.sh): users/s and
//                             statements per built user (the server's Questions counter)
//   refresh_bench scale [N...] every user stale, small pages, zero latency: CPU per user, wall,
//                             peak RSS for each N (default 10,000, 100,000 and 1,000,000)
//   refresh_bench all         everything above
//
// The job runs as a separate process (the real binary), so its peak RSS and CPU time come from
// wait4(2); the simulator runs in another process and reports its own counters.
// BENCH_TICKETCACHE_BINARY=PATH runs that ticketcache binary instead of this build's.
#include <fmt/format.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "json/js_json.h"
#include "mysql/mysql_pool.h"
#include "support/child_process.h"
#include "support/mysql_test_server.h"
#include "support/sim_process.h"

namespace tc {
namespace {

struct JobMeasure {
  int exit_code = -1;
  double wall_seconds = 0;
  double cpu_seconds = 0;
  double system_seconds = 0;  // of cpu_seconds, in the kernel
  double peak_rss_mb = 0;
  int64_t voluntary_switches = 0;    // context switches: waits (ru_nvcsw)
  int64_t involuntary_switches = 0;  // context switches: preempted (ru_nivcsw)
  Json summary;
  std::string err;
};

// Runs the ticketcache binary and measures it with wait4; `while_running` (optional) runs in this
// process meanwhile.
JobMeasure MeasureJob(const std::vector<std::string>& args,
                      const std::function<void()>& while_running = {}) {
  JobMeasure measure;
  const std::string out_path = std::filesystem::temp_directory_path() / "tc_bench_out.json";
  const std::string err_path = std::filesystem::temp_directory_path() / "tc_bench_err.log";
  const auto started = std::chrono::steady_clock::now();
  // The child's freopen would flush a copy of what this process has not written out yet.
  std::cout.flush();
  std::fflush(stdout);
  const pid_t pid = fork();
  if (pid == 0) {
    freopen(out_path.c_str(), "w", stdout);
    freopen(err_path.c_str(), "w", stderr);
    // BENCH_TICKETCACHE_BINARY: another build's binary (to measure before and after a change).
    const char* binary = std::getenv("BENCH_TICKETCACHE_BINARY");
    std::vector<std::string> argv{binary != nullptr && *binary != '\0' ? binary
                                                                       : TICKETCACHE_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> pointers;
    pointers.reserve(argv.size() + 1);
    for (auto& arg : argv) pointers.push_back(arg.data());
    pointers.push_back(nullptr);
    execv(pointers[0], pointers.data());
    _exit(127);
  }
  if (while_running) while_running();
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  measure.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  measure.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  measure.cpu_seconds = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                        static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  measure.system_seconds = static_cast<double>(usage.ru_stime.tv_sec) +
                           static_cast<double>(usage.ru_stime.tv_usec) / 1e6;
  measure.peak_rss_mb = static_cast<double>(usage.ru_maxrss) / 1024.0;
  measure.voluntary_switches = usage.ru_nvcsw;
  measure.involuntary_switches = usage.ru_nivcsw;
  auto summary = ParseJsJson(ReadFile(out_path));
  if (summary.ok()) measure.summary = *summary;
  measure.err = ReadFile(err_path);
  return measure;
}

class BenchSetting {
 public:
  BenchSetting(int64_t users, const std::vector<std::string>& sim_args, const std::string& refresh,
               const std::string& bytemark = "") {
    dir_ = std::filesystem::temp_directory_path() / fmt::format("tc_bench_{}", getpid());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    std::vector<std::string> args{"--users", std::to_string(users)};
    args.insert(args.end(), sim_args.begin(), sim_args.end());
    auto sim = SimProcess::Start(args);
    if (!sim.ok()) throw std::runtime_error(sim.error().ToString());
    sim_ = std::move(*sim);
    config_ = (dir_ / "ticketcache.toml").string();
    WriteFile(config_, fmt::format("[tokens]\nurl = \"sqlite:{0}/portal.db\"\n"
                                   "[store]\nurl = \"sqlite:{0}/cache.db\"\n"
                                   "[bytemark]\ncustomer_api = \"{1}\"\n{3}\n"
                                   "[refresh]\n{2}\n[log]\nlevel = \"warn\"\n",
                                   dir_.string(), sim_->base_url(), refresh, bytemark));
    JobMeasure init =
        MeasureJob({"init", "--demo-users", std::to_string(users), "--config", config_});
    if (init.exit_code != 0) throw std::runtime_error("init failed: " + init.err);
  }
  ~BenchSetting() {
    sim_.reset();
    std::filesystem::remove_all(dir_);
  }
  JobMeasure Run(std::vector<std::string> extra = {},
                 const std::function<void()>& while_running = {}) {
    std::vector<std::string> args{"run", "--config", config_};
    args.insert(args.end(), extra.begin(), extra.end());
    return MeasureJob(args, while_running);
  }
  SimProcess& sim() { return *sim_; }
  std::string cache_db() const { return (dir_ / "cache.db").string(); }

 private:
  std::filesystem::path dir_;
  std::string config_;
  std::unique_ptr<SimProcess> sim_;
};

Json SimCounters(SimProcess& sim) {
  auto text = sim.Get("/_sim/counters");
  if (!text.ok()) return Json();
  auto parsed = ParseJsJson(*text);
  return parsed.ok() ? *parsed : Json();
}

int64_t Refreshed(const Json& summary) {
  return summary.value("built", int64_t{0}) + summary.value("updated", int64_t{0}) +
         summary.value("unchanged", int64_t{0});
}

// The simulator's requests per second, in order.
std::vector<int64_t> RequestsPerSecond(const Json& counters) {
  std::vector<int64_t> seconds;
  for (const auto& entry : counters["per_second"]) seconds.push_back(entry[1].get<int64_t>());
  return seconds;
}

// The mean and peak request rate of a run's whole seconds: `seconds` without its first and the
// last `leave_out_last` (at least the last, which is partial). Empty when none are left.
struct WholeSeconds {
  size_t count = 0;
  double mean = 0;
  int64_t peak = 0;
};
std::optional<WholeSeconds> WholeSecondsOf(const std::vector<int64_t>& seconds,
                                           size_t leave_out_last = 1) {
  if (seconds.size() < 2 + leave_out_last) return std::nullopt;
  WholeSeconds whole;
  int64_t total = 0;
  for (size_t index = 1; index + leave_out_last < seconds.size(); ++index) {
    total += seconds[index];
    whole.peak = std::max(whole.peak, seconds[index]);
    ++whole.count;
  }
  whole.mean = static_cast<double>(total) / static_cast<double>(whole.count);
  return whole;
}

void PrintRun(const std::string& label, const JobMeasure& run, int64_t users) {
  std::cout << fmt::format(
      "  {:<34} {:>8.0f} users/s  wall {:>6.2f} s  cpu {:>6.3f} ms/user  exit {}  peak RSS {:.1f} "
      "MB  "
      "api_requests {}  failed {}\n",
      label, static_cast<double>(users) / run.wall_seconds, run.wall_seconds,
      1000.0 * run.cpu_seconds / static_cast<double>(std::max<int64_t>(users, 1)), run.exit_code,
      run.peak_rss_mb, run.summary.value("api_requests", int64_t{0}),
      run.summary.value("failed", int64_t{0}));
}

void Throughput() {
  constexpr int64_t kUsers = 10'000;
  std::cout << fmt::format(
      "\n[throughput] {} stale users, 10 passes each (10 active + 0 expired), "
      "latency 0, concurrency 64\n",
      kUsers);
  BenchSetting setting(kUsers, {"--passes", "10", "--expired", "0", "--latency-ms", "0"},
                       "concurrency = 64\n");
  const JobMeasure run = setting.Run();
  PrintRun("full run (all built)", run, kUsers);
  std::cout << fmt::format("  refreshed {} of {}\n", Refreshed(run.summary), kUsers);
  const JobMeasure fresh = setting.Run();
  PrintRun("second run (all fresh)", fresh, kUsers);
}

void Bound(int latency_ms, int concurrency, int64_t users, int64_t seed_users) {
  std::cout << fmt::format(
      "\n[bound] latency {} ms, concurrency {}, {} stale users, 2 requests/user\n", latency_ms,
      concurrency, users);
  BenchSetting setting(
      users, {"--latency-ms", std::to_string(latency_ms), "--passes", "10", "--expired", "3"},
      fmt::format("concurrency = {}\n", concurrency));
  const JobMeasure run = setting.Run();
  const double requests_per_user =
      static_cast<double>(run.summary.value("api_requests", int64_t{0})) /
      static_cast<double>(users);
  const double ideal = concurrency / (latency_ms / 1000.0) / requests_per_user;
  const double achieved = static_cast<double>(Refreshed(run.summary)) / run.wall_seconds;
  PrintRun(fmt::format("concurrency {}", concurrency), run, users);
  std::cout << fmt::format(
      "  ideal bound {:.0f} users/s (C/L/requests-per-user = {}/{}ms/{:.2f}); ratio {:.3f}\n",
      ideal, concurrency, latency_ms, requests_per_user, achieved / ideal);
  const Json counters = SimCounters(setting.sim());
  std::cout << fmt::format("  simulator: peak concurrency {}, max requests in one second {}\n",
                           counters.value("peak_concurrency", int64_t{0}),
                           counters.value("max_per_second", int64_t{0}));

  // The Node job's behaviour: one request at a time, on a subset (it would take N × 2L otherwise).
  BenchSetting seed(seed_users, {"--latency-ms", std::to_string(latency_ms)}, "concurrency = 1\n");
  const JobMeasure sequential = seed.Run();
  const double sequential_rate =
      static_cast<double>(Refreshed(sequential.summary)) / sequential.wall_seconds;
  PrintRun(fmt::format("concurrency 1 (the Node job), {} users", seed_users), sequential,
           seed_users);
  std::cout << fmt::format("  speedup over the Node job's sequential job: {:.1f}x\n",
                           achieved / sequential_rate);
}

// CPU seconds (user + system) a process has used so far, from /proc/PID/stat; 0 when unreadable.
double ProcessCpuSeconds(pid_t pid) {
  const std::string stat = ReadFile(fmt::format("/proc/{}/stat", pid));
  const size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return 0;
  std::istringstream fields(stat.substr(paren + 2));
  std::string field;
  double ticks = 0;
  // After "(comm)": state is field 3; utime and stime are fields 14 and 15.
  for (int index = 3; index <= 15 && fields >> field; ++index) {
    if (index >= 14) ticks += std::stod(field);
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// One run of the production shape (below), measured: the job's CPU per user, its rate against the
// ideal bound C / L / requests-per-user, its context switches per user, the simulator's own CPU,
// and the request rate over the run's whole seconds.
void MeasureLatencyRun(BenchSetting& setting, const std::string& label, int latency_ms,
                       int concurrency, int64_t users, std::vector<std::string> extra = {}) {
  // Counters from this run only (the per-second rates, the peak concurrency).
  if (auto reset = setting.sim().Post("/_sim/reset", ""); !reset.ok()) {
    throw std::runtime_error(reset.error().ToString());
  }
  const double sim_cpu_before = ProcessCpuSeconds(setting.sim().pid());
  const JobMeasure run = setting.Run(std::move(extra));
  const double sim_cpu = ProcessCpuSeconds(setting.sim().pid()) - sim_cpu_before;
  const auto requests = run.summary.value("api_requests", int64_t{0});
  const double requests_per_user = static_cast<double>(requests) / static_cast<double>(users);
  const double ideal = concurrency / (latency_ms / 1000.0) / requests_per_user;
  const double achieved = static_cast<double>(Refreshed(run.summary)) / run.wall_seconds;
  const double per_user = static_cast<double>(std::max<int64_t>(users, 1));
  PrintRun(label, run, users);
  std::cout << fmt::format(
      "  outcomes: built {}, updated {}, unchanged {}; passes created {}, changed {}\n",
      run.summary.value("built", int64_t{0}), run.summary.value("updated", int64_t{0}),
      run.summary.value("unchanged", int64_t{0}), run.summary.value("passes_created", int64_t{0}),
      run.summary.value("passes_changed", int64_t{0}));
  std::cout << fmt::format(
      "  ideal bound {:.0f} users/s (C/L/requests-per-user = {}/{}ms/{:.2f}); achieved {:.0f}; "
      "ratio {:.3f}\n",
      ideal, concurrency, latency_ms, requests_per_user, achieved, achieved / ideal);
  std::cout << fmt::format(
      "  job: cpu {:.3f} ms/user (user+system {:.2f} s, system {:.2f} s), context switches "
      "{:.2f}/user (voluntary {:.2f}, involuntary {:.2f})\n",
      1000.0 * run.cpu_seconds / per_user, run.cpu_seconds, run.system_seconds,
      static_cast<double>(run.voluntary_switches + run.involuntary_switches) / per_user,
      static_cast<double>(run.voluntary_switches) / per_user,
      static_cast<double>(run.involuntary_switches) / per_user);
  const Json counters = SimCounters(setting.sim());
  std::cout << fmt::format(
      "  simulator: cpu {:.2f} s ({:.1f} us/request, {:.0f}% of one core over the run), peak "
      "concurrency {}, max requests in one second {}\n",
      sim_cpu, 1e6 * sim_cpu / static_cast<double>(std::max<int64_t>(requests, 1)),
      100.0 * sim_cpu / run.wall_seconds, counters.value("peak_concurrency", int64_t{0}),
      counters.value("max_per_second", int64_t{0}));
  // The loop's own efficiency, without start-up and the last users' tail: the mean request rate
  // over the run's whole seconds (the first and last are partial) against C / L.
  if (const auto whole = WholeSecondsOf(RequestsPerSecond(counters))) {
    const double ideal_rate = concurrency / (latency_ms / 1000.0);
    std::cout << fmt::format(
        "  steady state: {:.0f} requests/s over the {} whole seconds, of C/L = {:.0f}: ratio "
        "{:.3f}\n",
        whole->mean, whole->count, ideal_rate, whole->mean / ideal_rate);
  }
}

// The production shape: the API answers in `latency_ms`, most users have few passes and pages are
// small (page_size 5; 5 active passes, 6 or 7 for a user whose id is a multiple of 3 or 7, and
// 2 expired ones: about 2.43 requests per user). Two runs: every cache built (an empty cache),
// then every cache refreshed again (--force) after the users whose id is a multiple of 3 or 7
// had their passes changed, as the hourly run finds them.
void Latency(int latency_ms, int concurrency, int64_t users) {
  std::cout << fmt::format(
      "\n[latency] latency {} ms, concurrency {}, {} stale users, page_size 5, ~2.4 "
      "requests/user\n",
      latency_ms, concurrency, users);
  BenchSetting setting(users,
                       {"--latency-ms", std::to_string(latency_ms), "--passes", "5", "--expired",
                        "2", "--threads", "2"},
                       fmt::format("concurrency = {}\n", concurrency), "page_size = 5\n");
  const auto mutate = [&setting] {
    for (const char* every : {R"({"every":3})", R"({"every":7})"}) {
      if (auto mutated = setting.sim().Post("/_sim/mutate", every); !mutated.ok()) {
        throw std::runtime_error(mutated.error().ToString());
      }
    }
  };
  mutate();
  MeasureLatencyRun(setting, fmt::format("concurrency {}, latency {} ms", concurrency, latency_ms),
                    latency_ms, concurrency, users);
  mutate();
  MeasureLatencyRun(setting, "again, every cache (--force)", latency_ms, concurrency, users,
                    {"--force"});
}

void Rate(double limit, int64_t users) {
  std::cout << fmt::format(
      "\n[rate] rate_limit {} requests/s, {} stale users, latency 5 ms, concurrency 64\n", limit,
      users);
  BenchSetting setting(users, {"--latency-ms", "5"},
                       fmt::format("concurrency = 64\nrate_limit = {}\n", limit));
  const JobMeasure run = setting.Run();
  PrintRun("rate-limited run", run, users);
  const Json counters = SimCounters(setting.sim());
  const auto max_second = counters.value("max_per_second", int64_t{0});
  std::cout << fmt::format("  highest API rate in any one second: {} (limit {}, {:+.1f}%)\n",
                           max_second, limit,
                           100.0 * (static_cast<double>(max_second) - limit) / limit);
  std::cout << "  per second:";
  for (const auto& entry : counters["per_second"]) std::cout << " " << entry[1].get<int64_t>();
  std::cout << "\n";
}

// The limiter's recovery: the API answers every request with 429 (Retry-After: 1) for the first
// `burst_seconds` of the run, then accepts everything; the request rate the simulator saw in each
// whole second after that, until the run ends, against the configured rate_limit.
void Recovery(double limit, int64_t users, int burst_seconds) {
  std::cout << fmt::format(
      "\n[recovery] rate_limit {} requests/s, {} stale users, latency 5 ms, concurrency 64; every "
      "request answered 429 for the first {} s, then none\n",
      limit, users, burst_seconds);
  BenchSetting setting(users, {"--latency-ms", "5"},
                       fmt::format("concurrency = 64\nrate_limit = {}\n", limit));
  if (auto refused = setting.sim().Post("/_sim/config", R"({"fault_all":"429"})"); !refused.ok()) {
    throw std::runtime_error(refused.error().ToString());
  }
  int64_t accepting_from = 0;  // unix second the API stopped refusing
  const JobMeasure run = setting.Run({}, [&] {
    std::this_thread::sleep_for(std::chrono::seconds(burst_seconds));
    if (auto accepted = setting.sim().Post("/_sim/config", R"({"fault_all":""})"); !accepted.ok()) {
      std::cerr << "refresh_bench: " << accepted.error().ToString() << "\n";
    }
    accepting_from = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count() +
                     1;  // the first whole second without 429s
  });
  PrintRun("429 burst, then accepted", run, users);
  const Json counters = SimCounters(setting.sim());
  std::vector<int64_t> after;
  std::cout << "  per second (from the run's start):";
  for (const auto& entry : counters["per_second"]) {
    std::cout << " " << entry[1].get<int64_t>();
    if (entry[0].get<int64_t>() >= accepting_from) after.push_back(entry[1].get<int64_t>());
  }
  std::cout << "\n";
  if (!after.empty()) after.pop_back();  // the run's last second is partial
  if (after.empty()) {
    std::cout << "  the run ended within a second of the API accepting again: no figure\n";
    return;
  }
  int64_t total = 0;
  int64_t peak = 0;
  for (int64_t count : after) {
    total += count;
    peak = std::max(peak, count);
  }
  const double mean = static_cast<double>(total) / static_cast<double>(after.size());
  std::cout << fmt::format(
      "  after the 429s stopped ({} whole seconds): mean {:.1f} requests/s ({:.0f}% of the limit), "
      "peak {}\n",
      after.size(), mean, 100.0 * mean / limit, peak);
}

// 429s on first calls: the API answers the first request for 20 % of the pages 429
// (Retry-After: 1) and serves their retries, while enforcing the same limit as the job's
// rate_limit itself (a token bucket of one second), so a job that overshoots gets more 429s.
// Production-shaped work (latency 50 ms, page_size 5, ~2.4 requests per user). The mean request
// rate over the run's whole seconds (the first and the last, partial, left out) against the limit.
void RecoveryFirstCalls(double limit, int64_t users, double share) {
  std::cout << fmt::format(
      "\n[recovery, first calls] rate_limit {} requests/s (the simulator enforces it too), {} "
      "stale users, latency 50 ms, concurrency 64, page_size 5; {:.0f}% of pages answer 429 "
      "(Retry-After: 1) on their first request\n",
      limit, users, 100 * share);
  BenchSetting setting(users,
                       {"--latency-ms", "50", "--passes", "5", "--expired", "2", "--rate-limit",
                        fmt::format("{}", limit), "--fault-429-first", fmt::format("{}", share)},
                       fmt::format("concurrency = 64\nrate_limit = {}\n", limit),
                       "page_size = 5\n");
  for (const char* every : {R"({"every":3})", R"({"every":7})"}) {
    if (auto mutated = setting.sim().Post("/_sim/mutate", every); !mutated.ok()) {
      throw std::runtime_error(mutated.error().ToString());
    }
  }
  const JobMeasure run = setting.Run();
  PrintRun("429s on first calls", run, users);
  const Json counters = SimCounters(setting.sim());
  const std::vector<int64_t> seconds = RequestsPerSecond(counters);
  std::cout << "  per second:";
  for (int64_t count : seconds) std::cout << " " << count;
  std::cout << "\n";
  int64_t ok = 0;
  int64_t refused = 0;
  for (const auto& [key, count] : counters["by_path_status"].items()) {
    if (key.ends_with(" 200")) ok += count.get<int64_t>();
    if (key.ends_with(" 429")) refused += count.get<int64_t>();
  }
  const auto whole = WholeSecondsOf(seconds);
  if (!whole) {
    std::cout << "  the run lasted under three seconds: no figure\n";
    return;
  }
  // Without the last 5 s, when too few users are left to keep up the rate (their retries wait
  // out Retry-After), whatever the limiter does.
  const auto busy = WholeSecondsOf(seconds, 6);
  const double busy_mean = busy ? busy->mean : 0;
  std::cout << fmt::format(
      "  mean without the last 5 s: {:.1f} requests/s ({:.0f}% of the limit)\n", busy_mean,
      100.0 * busy_mean / limit);
  std::cout << fmt::format(
      "  mean {:.1f} requests/s over {} whole seconds ({:.0f}% of the limit), peak {}; "
      "answers 200: {}, 429: {} ({:.1f}% of the pages served; injected: about {:.0f}%)\n",
      whole->mean, whole->count, 100.0 * whole->mean / limit, whole->peak, ok, refused,
      100.0 * static_cast<double>(refused) / static_cast<double>(std::max<int64_t>(ok, 1)),
      100 * share);
}

// MariaDB in both roles (tokens and cache), against the server of scripts/with-mariadb.sh:
// `users` stale users, zero latency, concurrency 64 (the store is the bottleneck). Statements are
// the server's Questions counter before and after the run (the two reads of it excluded).
void Mysql(int64_t users) {
  const std::optional<testing::TestMysql> server = testing::FindTestMysql();
  if (!server) {
    std::cout << "\n[mysql] skipped: " << testing::kMysqlSkipReason << "\n";
    return;
  }
  std::cout << fmt::format(
      "\n[mysql] MariaDB tokens and cache, {} stale users, 10 passes each, latency 0, "
      "concurrency 64\n",
      users);
  MysqlPool admin(server->options, 1);
  const std::string prefix = testing::UniqueTablePrefix();
  auto exec = [&](const std::string& sql) {
    Status status = admin.Run([&](MysqlConnection& connection) -> Status {
      auto done = connection.Execute(sql, {});
      return done.ok() ? Status::Ok() : Status(done.error());
    });
    if (!status.ok()) throw std::runtime_error(status.error().ToString());
  };
  auto questions = [&] {
    auto rows = admin.Run<std::vector<SqlRow>>([&](MysqlConnection& connection) {
      return connection.Query(
          "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = "
          "'QUESTIONS'");
    });
    return rows.ok() && !rows->empty() ? rows->front().Int(0).value_or(-1) : -1;
  };
  exec("CREATE TABLE `" + prefix +
       "tokens` (id BIGINT AUTO_INCREMENT PRIMARY KEY, user_id BIGINT NOT NULL, token TEXT NULL, "
       "INDEX (user_id))");
  for (int64_t first = 1; first <= users; first += 1000) {
    std::string sql = "INSERT INTO `" + prefix + "tokens` (user_id, token) VALUES ";
    for (int64_t user = first; user < std::min(first + 1000, users + 1); ++user) {
      sql += fmt::format("{0}({1}, 'tc-sim-token-{1}')", user == first ? "" : ",", user);
    }
    exec(sql);
  }
  auto sim = SimProcess::Start(
      {"--users", std::to_string(users), "--passes", "10", "--expired", "0", "--latency-ms", "0"});
  if (!sim.ok()) throw std::runtime_error(sim.error().ToString());
  const std::string dir =
      std::filesystem::temp_directory_path() / fmt::format("tc_bench_mysql_{}", getpid());
  std::filesystem::create_directories(dir);
  const std::string config = dir + "/ticketcache.toml";
  WriteFile(config, fmt::format("[tokens]\nurl = \"{0}\"\ntable = \"{1}tokens\"\n"
                                "[store]\nurl = \"{0}\"\ncache_collection = \"{1}cache\"\n"
                                "log_collection = \"{1}log\"\n"
                                "[bytemark]\ncustomer_api = \"{2}\"\n"
                                "[refresh]\nconcurrency = 64\n[log]\nlevel = \"warn\"\n",
                                server->url, prefix, (*sim)->base_url()));
  setenv("TICKETCACHE_TOKENS_PASSWORD", server->password.c_str(), 1);
  setenv("TICKETCACHE_STORE_PASSWORD", server->password.c_str(), 1);
  const JobMeasure init = MeasureJob({"init", "--config", config});
  if (init.exit_code != 0) throw std::runtime_error("init failed: " + init.err);
  const int64_t before = questions();
  const JobMeasure run = MeasureJob({"run", "--config", config});
  const int64_t statements = questions() - before - 1;
  PrintRun("full run (all built)", run, users);
  const int64_t built = run.summary.value("built", int64_t{0});
  std::cout << fmt::format(
      "  built {}; statements {} ({:.2f} per built user)\n", built, statements,
      static_cast<double>(statements) / static_cast<double>(std::max<int64_t>(built, 1)));
  const int64_t fresh_before = questions();
  const JobMeasure fresh = MeasureJob({"run", "--config", config});
  PrintRun("second run (all fresh)", fresh, users);
  std::cout << fmt::format("  statements {}\n", questions() - fresh_before - 1);
  exec("DROP TABLE IF EXISTS `" + prefix + "tokens`, `" + prefix + "cache`, `" + prefix + "log`");
  std::filesystem::remove_all(dir);
}

// How cost grows with the number of stale users: CPU per user, wall time and peak RSS for each
// size, every user stale, small pages (5 active passes, 2 expired, page_size 5: 2 requests a
// user), zero latency (the simulator's fast answer), concurrency 64.
void Scale(const std::vector<int64_t>& sizes) {
  std::cout << "\n[scale] every user stale, 5 + 2 passes, page_size 5, latency 0, concurrency 64\n";
  for (int64_t users : sizes) {
    BenchSetting setting(users, {"--latency-ms", "0", "--passes", "5", "--expired", "2"},
                         "concurrency = 64\n", "page_size = 5\n");
    const JobMeasure run = setting.Run();
    PrintRun(fmt::format("{} users", users), run, users);
    std::cout << fmt::format("  refreshed {} of {}; system {:.2f} s of {:.2f} s CPU\n",
                             Refreshed(run.summary), users, run.system_seconds, run.cpu_seconds);
  }
}

// Seeds `users` fresh cache documents straight into the cache database (a benchmark shortcut:
// building a million documents through the API would take minutes and is not what is measured).
void SeedFreshCaches(const std::string& db_path, int64_t users, int64_t stale_every) {
  sqlite3* db = nullptr;
  sqlite3_open(db_path.c_str(), &db);
  sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
  sqlite3_stmt* insert = nullptr;
  sqlite3_prepare_v2(
      db,
      "INSERT OR REPLACE INTO BytemarkTicketsCache (user_id, timestamp, version, document) "
      "VALUES (?, ?, 1, ?)",
      -1, &insert, nullptr);
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  for (int64_t user = 1; user <= users; ++user) {
    const int64_t timestamp = user % stale_every == 0 ? now - 7200 : now;
    const std::string document =
        fmt::format(R"({{"user_id":{},"timestamp":{},"passes":[],"passes4":[]}})", user, timestamp);
    sqlite3_bind_int64(insert, 1, user);
    sqlite3_bind_int64(insert, 2, timestamp);
    sqlite3_bind_text(insert, 3, document.c_str(), static_cast<int>(document.size()),
                      SQLITE_TRANSIENT);
    sqlite3_step(insert);
    sqlite3_reset(insert);
  }
  sqlite3_finalize(insert);
  sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  sqlite3_close(db);
}

void Memory() {
  std::cout << "\n[memory] token table of N users, 99.9% of caches fresh (1 in 1,000 stale), "
               "concurrency 64\n";
  double rss_small = 0;
  for (int64_t users : {int64_t{10'000}, int64_t{1'000'000}}) {
    BenchSetting setting(users, {"--latency-ms", "0"}, "concurrency = 64\n");
    SeedFreshCaches(setting.cache_db(), users, 1000);
    const JobMeasure run = setting.Run();
    PrintRun(fmt::format("{} users", users), run, users);
    std::cout << fmt::format("  fresh {}  refreshed {}\n", run.summary.value("fresh", int64_t{0}),
                             Refreshed(run.summary));
    if (users == 10'000) {
      rss_small = run.peak_rss_mb;
    } else {
      std::cout << fmt::format("  peak RSS growth from 10,000 to 1,000,000 users: {:.1f} MB\n",
                               run.peak_rss_mb - rss_small);
    }
  }
}

}  // namespace
}  // namespace tc

int main(int argc, char** argv) {
  const std::string scenario = argc > 1 ? argv[1] : "all";
  try {
    if (scenario == "throughput" || scenario == "all") tc::Throughput();
    if (scenario == "bound" || scenario == "all") tc::Bound(50, 64, 5000, 100);
    if (scenario == "latency" || scenario == "all") {
      tc::Latency(50, 64, 3000);
      tc::Latency(200, 256, 3000);
      tc::Latency(500, 1024, 6000);
    }
    if (scenario == "rate" || scenario == "all") tc::Rate(200, 1500);
    if (scenario == "recovery" || scenario == "all") {
      tc::RecoveryFirstCalls(100, 1000, 0.2);
      tc::Recovery(100, 800, 5);
    }
    if (scenario == "recovery-first") tc::RecoveryFirstCalls(100, 1000, 0.2);
    if (scenario == "memory" || scenario == "all") tc::Memory();
    if (scenario == "mysql" || scenario == "all") tc::Mysql(5000);
    if (scenario == "scale") {
      std::vector<int64_t> sizes;
      for (int index = 2; index < argc; ++index) sizes.push_back(std::stoll(argv[index]));
      if (sizes.empty()) sizes = {10'000, 100'000, 1'000'000};
      tc::Scale(sizes);
    }
  } catch (const std::exception& e) {
    std::cerr << "refresh_bench: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
