#include "report/job_metrics.h"

#include <dirent.h>
#include <fcntl.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#ifndef TICKETCACHE_VERSION
#define TICKETCACHE_VERSION "unknown"
#endif
#ifndef TICKETCACHE_REVISION
#define TICKETCACHE_REVISION ""
#endif

namespace tc {

namespace {

const prometheus::Histogram::BucketBoundaries kLatencyBuckets = {
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

// Every answer an on-demand call can get (UserRefreshKindName, and "running").
constexpr const char* kOnDemandAnswers[] = {"built",  "updated",   "unchanged",    "fresh",
                                            "failed", "abandoned", "unknown_user", "running"};

// Every class a user's refresh can fail with (not configuration or lock errors, which end a run).
constexpr ErrorClass kUserFailureClasses[] = {
    ErrorClass::kTransient,   ErrorClass::kTimeout,       ErrorClass::kNetwork,
    ErrorClass::kRateLimited, ErrorClass::kRejectedToken, ErrorClass::kMalformed,
    ErrorClass::kStore,       ErrorClass::kConflict,      ErrorClass::kInterrupted,
    ErrorClass::kCircuitOpen, ErrorClass::kInternal};

constexpr const char* kProgressOutcomes[] = {"fresh",  "built",   "updated",  "unchanged",
                                             "failed", "skipped", "abandoned"};

// Raises a counter to `target`; never lowers it (a counter only goes up).
void RaiseTo(prometheus::Counter& counter, double target) {
  const double now = counter.Value();
  if (target > now) counter.Increment(target - now);
}

// prometheus-cpp (1.0) has no process collector, so the standard process_* metrics are read
// by hand from /proc/self, as the Go client's process collector does.
struct ProcessSample {
  double cpu_seconds = 0;
  double resident_bytes = 0;
  double start_time_seconds = 0;
  double open_fds = 0;
  double max_fds = 0;
};

double BootTimeSeconds() {
  std::ifstream stat("/proc/stat");
  std::string key;
  while (stat >> key) {
    if (key == "btime") {
      double value = 0;
      stat >> value;
      return value;
    }
    stat.ignore(1 << 16, '\n');
  }
  return 0;
}

ProcessSample ReadProcessSample() {
  ProcessSample sample;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  std::ifstream stat_file("/proc/self/stat");
  std::string stat((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
  // Fields after the command name (which may contain spaces) start at field 3 (state).
  const auto close = stat.rfind(')');
  if (close != std::string::npos && ticks > 0) {
    std::istringstream fields(stat.substr(close + 2));
    std::vector<std::string> values;
    std::string value;
    while (fields >> value) values.push_back(value);
    // state is field 3; utime 14, stime 15, starttime 22 → indexes 11, 12, 19.
    if (values.size() > 19) {
      sample.cpu_seconds = (std::stod(values[11]) + std::stod(values[12])) / ticks;
      sample.start_time_seconds = BootTimeSeconds() + std::stod(values[19]) / ticks;
    }
  }
  std::ifstream statm("/proc/self/statm");
  double size_pages = 0;
  double resident_pages = 0;
  if (statm >> size_pages >> resident_pages) {
    sample.resident_bytes = resident_pages * static_cast<double>(sysconf(_SC_PAGESIZE));
  }
  if (DIR* fds = opendir("/proc/self/fd"); fds != nullptr) {
    int count = 0;
    while (const dirent* entry = readdir(fds)) {
      if (entry->d_name[0] != '.') ++count;
    }
    closedir(fds);
    sample.open_fds = count - 1;  // not the directory stream itself
  }
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) sample.max_fds = static_cast<double>(limit.rlim_cur);
  return sample;
}

prometheus::Gauge& PlainGauge(prometheus::Registry& registry, const char* name, const char* help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(registry).Add({});
}

prometheus::Counter& PlainCounter(prometheus::Registry& registry, const char* name,
                                  const char* help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(registry).Add({});
}

}  // namespace

JobMetrics::JobMetrics(MetricsScope scope)
    : scope_(scope), registry_(std::make_shared<prometheus::Registry>()) {
  auto& registry = *registry_;
  prometheus::Labels build_labels{{"version", TICKETCACHE_VERSION}};
  if (std::strlen(TICKETCACHE_REVISION) > 0) build_labels["revision"] = TICKETCACHE_REVISION;
  prometheus::BuildGauge()
      .Name("ticketcache_build_info")
      .Help("Always 1; the labels say which build is running")
      .Register(registry)
      .Add(build_labels)
      .Set(1);
  runs_ = &prometheus::BuildCounter()
               .Name("ticketcache_runs_total")
               .Help("Recorded runs by final status (ok, degraded, aborted, interrupted)")
               .Register(registry);
  runs_not_started_ = &PlainCounter(registry, "ticketcache_runs_not_started_total",
                                    "Runs that never started: lock held or store unreachable");
  runs_locked_ = &PlainCounter(registry, "ticketcache_runs_locked_total",
                               "Runs that found the run lock held and did nothing (locked)");
  users_ = &prometheus::BuildCounter()
                .Name("ticketcache_users_total")
                .Help(
                    "Users by outcome of their run (fresh, built, updated, unchanged, failed, "
                    "skipped_backoff, abandoned)")
                .Register(registry);
  failures_ = &prometheus::BuildCounter()
                   .Name("ticketcache_user_failures_total")
                   .Help("Failed users by error class")
                   .Register(registry);
  api_requests_ = &prometheus::BuildCounter()
                       .Name("ticketcache_api_requests_total")
                       .Help("Bytemark API attempts by endpoint and HTTP status or error class")
                       .Register(registry);
  if (scope_ == MetricsScope::kDaemon) {
    api_latency_ = &prometheus::BuildHistogram()
                        .Name("ticketcache_api_request_duration_seconds")
                        .Help("Bytemark API attempt latency")
                        .Register(registry);
  }
  prometheus::Histogram::BucketBoundaries run_buckets(kRunDurationBuckets.begin(),
                                                      kRunDurationBuckets.end());
  run_duration_ = &prometheus::BuildHistogram()
                       .Name("ticketcache_run_duration_seconds")
                       .Help("Duration of recorded runs")
                       .Register(registry)
                       .Add({}, run_buckets);
  breaker_state_ = &PlainGauge(registry, "ticketcache_circuit_breaker_state",
                               "Circuit breaker: 0 closed, 1 half-open, 2 open");
  users_in_backoff_ = &PlainGauge(registry, "ticketcache_users_in_backoff",
                                  "Users skipped in the last run because they keep failing");
  last_run_ = &PlainGauge(registry, "ticketcache_last_run_timestamp_seconds",
                          "Unix time the last recorded run finished");
  last_success_ = &PlainGauge(registry, "ticketcache_last_success_timestamp_seconds",
                              "Unix time the last run with status ok finished (0: none recorded)");
  last_run_users_seen_ =
      &PlainGauge(registry, "ticketcache_last_run_users_seen", "Users enumerated by the last run");
  if (scope_ == MetricsScope::kDaemon) {
    skipped_ticks_ = &PlainCounter(registry, "ticketcache_schedule_ticks_skipped_total",
                                   "Scheduled ticks skipped because a run was still going");
    on_demand_answers_ =
        &prometheus::BuildCounter()
             .Name("ticketcache_on_demand_answers_total")
             .Help(
                 "On-demand refresh calls by answer (built, updated, unchanged, fresh, failed, "
                 "abandoned, unknown_user; running: the deadline passed first, HTTP 202)")
             .Register(registry);
    for (const char* answer : kOnDemandAnswers) on_demand_answers_->Add({{"answer", answer}});
    on_demand_wait_ = &prometheus::BuildHistogram()
                           .Name("ticketcache_on_demand_answer_seconds")
                           .Help("Time an on-demand caller waited for its answer")
                           .Register(registry)
                           .Add({}, kLatencyBuckets);
  }
  api_retries_ = &PlainCounter(registry, "ticketcache_api_retries_total",
                               "API attempts that were retries of a failed attempt");
  write_conflicts_ =
      &PlainCounter(registry, "ticketcache_write_conflicts_total",
                    "Document writes retried because another writer got there first");
  oldest_cache_ = &PlainGauge(
      registry, "ticketcache_oldest_cache_timestamp_seconds",
      "Timestamp of the oldest cache after the last run (cache age = time() - this; 0: none)");
  stale_caches_ = &PlainGauge(registry, "ticketcache_stale_caches",
                              "Stale caches the last run could not refresh");
  users_without_cache_ = &PlainGauge(registry, "ticketcache_users_without_cache",
                                     "Users the last run left without a cache");
  cache_ttl_ =
      &PlainGauge(registry, "ticketcache_cache_ttl_seconds", "Configured cache TTL (refresh.ttl)");
  run_in_progress_ =
      &PlainGauge(registry, "ticketcache_run_in_progress", "1 while a run is working, else 0");
  run_started_ = &PlainGauge(registry, "ticketcache_run_started_timestamp_seconds",
                             "Unix time the current (or last) run started");
  run_users_expected_ =
      &PlainGauge(registry, "ticketcache_run_users_expected",
                  "Users the current (or last) run expects to look at (-1: unknown)");
  run_users_done_ = &PlainGauge(registry, "ticketcache_run_users_done",
                                "Users the current (or last) run has finished with");
  run_users_ = &prometheus::BuildGauge()
                    .Name("ticketcache_run_users")
                    .Help("Users of the current (or last) run by outcome so far")
                    .Register(registry);
  run_users_expected_->Set(-1);
  if (scope_ == MetricsScope::kDaemon) {
    process_cpu_ = &PlainCounter(registry, "process_cpu_seconds_total",
                                 "Total user and system CPU time spent in seconds");
    process_memory_ =
        &PlainGauge(registry, "process_resident_memory_bytes", "Resident memory size in bytes");
    process_start_ = &PlainGauge(registry, "process_start_time_seconds",
                                 "Start time of the process since unix epoch in seconds");
    process_open_fds_ =
        &PlainGauge(registry, "process_open_fds", "Number of open file descriptors");
    process_max_fds_ =
        &PlainGauge(registry, "process_max_fds", "Maximum number of open file descriptors");
  }

  continuous_users_ = &prometheus::BuildGauge()
                           .Name("ticketcache_continuous_users")
                           .Help(
                               "Continuous mode, last pass: users due in the window (due), "
                               "overdue, past_ttl, and will_miss_ttl within the budget")
                           .Register(registry);
  for (const char* status : {"ok", "degraded", "aborted", "interrupted"}) {
    runs_->Add({{"status", status}});
  }
  for (const char* outcome : kUserOutcomes) users_->Add({{"outcome", outcome}});
  for (ErrorClass error_class : kUserFailureClasses) {
    failures_->Add({{"class", std::string(ErrorClassName(error_class))}});
  }
  for (const char* outcome : kProgressOutcomes) run_users_->Add({{"outcome", outcome}});
}

JobMetrics::~JobMetrics() = default;

void JobMetrics::Restore(const RunTotals& totals) {
  std::lock_guard lock(mutex_);
  Publish(totals);
}

void JobMetrics::SetCacheTtl(int64_t seconds) { cache_ttl_->Set(static_cast<double>(seconds)); }

void JobMetrics::ObserveApiRequest(std::string_view endpoint, std::string_view result,
                                   double seconds) {
  const std::string endpoint_label(endpoint);
  api_requests_->Add({{"endpoint", endpoint_label}, {"result", std::string(result)}}).Increment();
  if (api_latency_ != nullptr) {
    api_latency_->Add({{"endpoint", endpoint_label}}, kLatencyBuckets).Observe(seconds);
  }
}

void JobMetrics::SetBreakerState(BreakerStateValue state) {
  breaker_state_->Set(static_cast<double>(state));
}

void JobMetrics::ObserveContinuousPass(int64_t due, int64_t overdue, int64_t past_ttl,
                                       int64_t will_miss_ttl) {
  continuous_users_->Add({{"state", "due"}}).Set(static_cast<double>(due));
  continuous_users_->Add({{"state", "overdue"}}).Set(static_cast<double>(overdue));
  continuous_users_->Add({{"state", "past_ttl"}}).Set(static_cast<double>(past_ttl));
  continuous_users_->Add({{"state", "will_miss_ttl"}}).Set(static_cast<double>(will_miss_ttl));
}

void JobMetrics::ObserveOnDemandAnswer(std::string_view answer, double seconds) {
  if (on_demand_answers_ == nullptr) return;
  on_demand_answers_->Add({{"answer", std::string(answer)}}).Increment();
  on_demand_wait_->Observe(seconds);
}

void JobMetrics::CountSkippedTick() {
  if (skipped_ticks_ != nullptr) skipped_ticks_->Increment();
}

void JobMetrics::ObserveRunStarted(const RunProgressGauges& progress) {
  std::lock_guard lock(mutex_);
  run_in_progress_->Set(1);
  run_started_->Set(static_cast<double>(progress.started_at_ms) / 1000.0);
  SetProgressLocked(progress);
}

void JobMetrics::ObserveRunProgress(const RunProgressGauges& progress) {
  std::lock_guard lock(mutex_);
  SetProgressLocked(progress);
}

void JobMetrics::SetProgressLocked(const RunProgressGauges& progress) {
  run_users_expected_->Set(static_cast<double>(progress.users_total));
  run_users_done_->Set(static_cast<double>(progress.users_done));
  for (const char* outcome : kProgressOutcomes) {
    const auto found = progress.users_by_outcome.find(outcome);
    run_users_->Add({{"outcome", outcome}})
        .Set(found == progress.users_by_outcome.end() ? 0.0 : static_cast<double>(found->second));
  }
}

void JobMetrics::ObserveRun(const RunSummary& summary) {
  if (summary.dry_run) return;
  std::lock_guard lock(mutex_);
  if (!summary.started) {
    runs_not_started_->Increment();
    if (summary.status == RunStatus::kLocked) runs_locked_->Increment();
    return;
  }
  RunTotals totals;
  if (summary.totals.is_object()) {
    totals = RunTotals::FromJson(summary.totals);
  } else {
    totals = totals_;
    totals.Add(summary);
  }
  Publish(totals);
  run_in_progress_->Set(0);
  RunProgressGauges final_numbers;
  final_numbers.users_total = summary.users_seen;
  final_numbers.users_done = summary.OutcomeTotal();
  final_numbers.users_by_outcome = {
      {"fresh", summary.fresh},
      {"built", summary.built},
      {"updated", summary.updated},
      {"unchanged", summary.unchanged},
      {"failed", summary.failed},
      {"skipped", summary.skipped_backoff + summary.skipped_duplicates},
      {"abandoned", summary.abandoned}};
  run_started_->Set(static_cast<double>(summary.started_at_ms) / 1000.0);
  SetProgressLocked(final_numbers);
}

void JobMetrics::Publish(const RunTotals& totals) {
  for (const auto& [status, count] : totals.runs_by_status) {
    RaiseTo(runs_->Add({{"status", status}}), static_cast<double>(count));
  }
  for (const auto& [outcome, count] : totals.users_by_outcome) {
    RaiseTo(users_->Add({{"outcome", outcome}}), static_cast<double>(count));
  }
  for (const auto& [error_class, count] : totals.failures_by_class) {
    RaiseTo(failures_->Add({{"class", error_class}}), static_cast<double>(count));
  }
  for (const auto& [endpoint, results] : totals.api_requests) {
    for (const auto& [result, count] : results) {
      RaiseTo(api_requests_->Add({{"endpoint", endpoint}, {"result", result}}),
              static_cast<double>(count));
    }
  }
  RaiseTo(*api_retries_, static_cast<double>(totals.api_retries));
  RaiseTo(*write_conflicts_, static_cast<double>(totals.write_conflicts));

  // The run duration histogram moves by the runs added since the last totals published.
  std::vector<double> increments(totals.run_duration_buckets.size());
  bool grew = false;
  bool shrank = false;
  for (size_t i = 0; i < increments.size(); ++i) {
    const int64_t before =
        i < totals_.run_duration_buckets.size() ? totals_.run_duration_buckets[i] : 0;
    const int64_t delta = totals.run_duration_buckets[i] - before;
    shrank = shrank || delta < 0;
    grew = grew || delta > 0;
    increments[i] = static_cast<double>(delta);
  }
  if (grew && !shrank) {
    run_duration_->ObserveMultiple(increments,
                                   totals.run_duration_seconds - totals_.run_duration_seconds);
  }

  if (totals.last_run_at_ms > 0) {
    last_run_->Set(static_cast<double>(totals.last_run_at_ms) / 1000.0);
    last_run_users_seen_->Set(static_cast<double>(totals.last_run_users_seen));
    users_in_backoff_->Set(static_cast<double>(totals.last_run_skipped_backoff));
  }
  if (totals.last_success_at_ms > 0) {
    last_success_->Set(static_cast<double>(totals.last_success_at_ms) / 1000.0);
  }
  if (totals.caches_known) {
    oldest_cache_->Set(static_cast<double>(totals.caches.oldest_cache_timestamp));
    stale_caches_->Set(static_cast<double>(totals.caches.stale_caches));
    users_without_cache_->Set(static_cast<double>(totals.caches.users_without_cache));
  }
  if (!shrank) totals_ = totals;
}

void JobMetrics::UpdateProcessMetrics() const {
  if (process_cpu_ == nullptr) return;
  const ProcessSample sample = ReadProcessSample();
  RaiseTo(*process_cpu_, sample.cpu_seconds);
  process_memory_->Set(sample.resident_bytes);
  process_start_->Set(sample.start_time_seconds);
  process_open_fds_->Set(sample.open_fds);
  process_max_fds_->Set(sample.max_fds);
}

std::string JobMetrics::Render() const {
  UpdateProcessMetrics();
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

Status JobMetrics::WriteFile(const std::string& path) const {
  const std::string temp_path = path + ".tmp";
  const std::string text = Render();
  const int fd = ::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return MakeError(ErrorClass::kInternal,
                     "cannot write metrics file " + temp_path + ": " + std::strerror(errno));
  }
  bool ok = ::fchmod(fd, 0644) == 0;  // the umask (systemd's UMask=0077) must not hide it
  size_t written = 0;
  while (ok && written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) written += static_cast<size_t>(n);
  }
  const int saved_errno = errno;
  ok = (::close(fd) == 0) && ok;
  if (!ok) {
    std::remove(temp_path.c_str());
    return MakeError(ErrorClass::kInternal,
                     "cannot write metrics file " + temp_path + ": " + std::strerror(saved_errno));
  }
  if (std::rename(temp_path.c_str(), path.c_str()) != 0) {
    const int rename_errno = errno;
    std::remove(temp_path.c_str());
    return MakeError(ErrorClass::kInternal, "cannot rename metrics file into " + path + ": " +
                                                std::strerror(rename_errno));
  }
  return Status::Ok();
}

}  // namespace tc
