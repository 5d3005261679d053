// 1,000,000 users over several simulated hours, in process: a fake clock, a fake API (each user
// costs two requests at the budget's pace) and an in-memory store. The hourly sweep runs through
// the real ScheduleLoop and UserSelection (freshness, refresh-ahead, user_id order); continuous
// mode through the real ContinuousLoop (census, pacing, ordering) and the pass rate serve uses.
// Prints, per mode and budget, the cache ages (max and p99, sampled every 5 simulated minutes
// after the first hour) and the requests per simulated minute (peak and mean).
//
//   build/bench/refresh_simulation [--users N] [--hours H]
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "clock/clock.h"
#include "schedule/continuous_loop.h"
#include "schedule/cron_expression.h"
#include "schedule/cron_schedule.h"
#include "selection/user_selection.h"
#include "serve/continuous_serve.h"
#include "serve/schedule_loop.h"
#include "store/cache_store.h"
#include "tokens/token_source.h"

namespace tc {
namespace {

constexpr int64_t kNoCache = -1;

// Users 1..N; tokens are made up on the fly.
class CountingTokenSource final : public TokenSource {
 public:
  explicit CountingTokenSource(int64_t users) : users_(users) {}
  Result<std::vector<UserToken>> NextPage(std::optional<int64_t> after, int limit) override {
    std::vector<UserToken> page;
    for (int64_t id = after ? *after + 1 : 1; id <= users_ && std::ssize(page) < limit; ++id) {
      page.push_back(UserToken{id, "t"});
    }
    return page;
  }
  Result<std::vector<UserToken>> Lookup(const std::vector<int64_t>& ids) override {
    std::vector<UserToken> page;
    for (int64_t id : ids) page.push_back(UserToken{id, "t"});
    return page;
  }
  Result<int64_t> CountUsers() override { return users_; }

 private:
  int64_t users_;
};

// Only what selection and the census read: cache timestamps (no user state, no locks).
class TimestampStore final : public CacheStore {
 public:
  explicit TimestampStore(std::vector<int64_t>& timestamps) : timestamps_(timestamps) {}
  Status Init() override { return Status::Ok(); }
  Status Ping() override { return Status::Ok(); }
  Result<std::vector<CacheTimestamp>> CacheTimestamps(std::span<const int64_t> ids) override {
    std::vector<CacheTimestamp> out;
    out.reserve(ids.size());
    for (int64_t id : ids) {
      if (timestamps_[id] != kNoCache) out.push_back(CacheTimestamp{id, timestamps_[id]});
    }
    return out;
  }
  Result<std::optional<StoredDocument>> Load(int64_t) override {
    return std::optional<StoredDocument>();
  }
  Status Replace(const CacheDocument&, std::optional<int64_t>,
                 std::span<const AuditEntry>) override {
    return Status::Ok();
  }
  Result<std::vector<UserState>> LoadUserStates(std::span<const int64_t>) override {
    return std::vector<UserState>();
  }
  Status SaveUserStates(std::span<const UserState>) override { return Status::Ok(); }
  Result<std::vector<UserState>> FailingUsers(int) override { return std::vector<UserState>(); }
  Status SaveRun(const RunRecord&) override { return Status::Ok(); }
  Result<std::vector<RunRecord>> RecentRuns(int) override { return std::vector<RunRecord>(); }
  Result<bool> TryLock(const std::string&, const std::string&, int64_t, int64_t) override {
    return true;
  }
  Status Unlock(const std::string&, const std::string&) override { return Status::Ok(); }
  Result<std::optional<LockLease>> ReadLock(const std::string&) override {
    return std::optional<LockLease>();
  }
  Result<std::vector<int64_t>> UserIdsPage(UserRecords, std::optional<int64_t>, int) override {
    return std::vector<int64_t>();
  }
  Result<int64_t> CountCaches() override { return int64_t{0}; }
  Result<int64_t> DeleteUsers(std::span<const int64_t>) override { return int64_t{0}; }
  Result<int64_t> DeleteRunsStartedBefore(int64_t) override { return int64_t{0}; }
  Result<int64_t> DeleteAuditBefore(int64_t) override { return int64_t{0}; }

 private:
  std::vector<int64_t>& timestamps_;
};

struct Figures {
  int64_t max_age = 0;
  int64_t p99_age = 0;        // the highest p99 of any sample
  int64_t most_past_ttl = 0;  // the most caches older than the TTL in any sample
  int64_t peak_per_minute = 0;
  double mean_per_minute = 0;
  int64_t sweeps_or_passes = 0;
  int64_t skipped_ticks = 0;
  int64_t most_reported_missing = 0;  // continuous: the largest will_miss_ttl of a pass
};

// The world both modes share: caches, the clock, the requests per minute, the age samples.
class World {
 public:
  World(int64_t users, int64_t start_ms, const RefreshConfig& refresh, int64_t end_ms)
      : clock(start_ms),
        timestamps(static_cast<size_t>(users) + 1, kNoCache),
        refresh_(refresh),
        start_ms_(start_ms),
        end_ms_(end_ms),
        next_sample_ms_(start_ms + 3'600'000) {
    // A cold start: no cache yet. Both modes begin with everyone missing; the first hour is
    // their start-up and is left out of the figures.
    (void)refresh;
  }

  // One refresh landing at the clock's now; samples the ages when a sample is due.
  void Refresh(int64_t user_id, int64_t at_ms) {
    timestamps[user_id] = at_ms / 1000;
    requests_per_minute_[(at_ms - start_ms_) / 60'000] += 2;
  }
  void SampleWhenDue() {
    while (clock.NowUnixMillis() >= next_sample_ms_ && next_sample_ms_ <= end_ms_) {
      Sample(next_sample_ms_ / 1000);
      next_sample_ms_ += 5 * 60'000;
    }
  }
  bool Over() const { return clock.NowUnixMillis() >= end_ms_; }

  Figures Finish() {
    SampleWhenDue();
    Figures figures = figures_;
    const int64_t first_minute = 60;  // after the first hour, like the samples
    const int64_t minutes = (end_ms_ - start_ms_) / 60'000;
    int64_t total = 0;
    for (int64_t minute = first_minute; minute < minutes; ++minute) {
      const int64_t count = requests_per_minute_[minute];
      total += count;
      figures.peak_per_minute = std::max(figures.peak_per_minute, count);
    }
    figures.mean_per_minute =
        static_cast<double>(total) / static_cast<double>(minutes - first_minute);
    return figures;
  }

  FakeClock clock;
  std::vector<int64_t> timestamps;  // by user id; kNoCache: none
  Figures figures_;

 private:
  void Sample(int64_t now) {
    ages_.clear();
    for (size_t id = 1; id < timestamps.size(); ++id) {
      // A cache never built is as old as the simulation.
      ages_.push_back(now - (timestamps[id] == kNoCache ? start_ms_ / 1000 : timestamps[id]));
    }
    const int64_t ttl = refresh_.ttl.count() / 1000;
    const auto p99 = ages_.begin() + static_cast<std::ptrdiff_t>(ages_.size() * 99 / 100);
    std::nth_element(ages_.begin(), p99, ages_.end());
    figures_.p99_age = std::max(figures_.p99_age, *p99);
    figures_.max_age = std::max(figures_.max_age, *std::max_element(p99, ages_.end()));
    figures_.most_past_ttl = std::max<int64_t>(
        figures_.most_past_ttl,
        std::count_if(ages_.begin(), ages_.end(), [ttl](int64_t age) { return age > ttl; }));
  }

  const RefreshConfig& refresh_;
  int64_t start_ms_;
  int64_t end_ms_;
  int64_t next_sample_ms_;
  std::vector<int64_t> ages_;
  std::map<int64_t, int64_t> requests_per_minute_;
};

// The hourly sweep: the real cron loop fires each hour; a sweep walks the users through the real
// selection and refreshes each stale one at the budget's pace (the API's answer is instant, the
// rate limit is what takes time).
Figures SimulateHourlySweep(int64_t users, double rate_limit, const RefreshConfig& refresh,
                            int64_t start_ms, int64_t end_ms) {
  World world(users, start_ms, refresh, end_ms);
  CountingTokenSource tokens(users);
  TimestampStore store(world.timestamps);
  const int64_t ms_per_user = static_cast<int64_t>(2'000.0 / rate_limit);
  auto cron = CronExpression::Parse("0 * * * *");
  auto zone = LocateTimeZone("UTC");
  std::atomic<bool> stop{false};
  ScheduleLoop::Callbacks callbacks;
  callbacks.run = [&](ScheduleLoop::FireTime) {
    world.SampleWhenDue();
    UserSelection selection(tokens, store, world.clock, refresh, SelectionOptions{});
    const auto never = [] { return false; };
    while (!world.Over()) {
      auto page = selection.Next(never);
      if (!page.ok() || !page->has_value()) break;
      for (const StaleUser& user : (*page)->stale) {
        world.clock.Advance(Duration(ms_per_user));
        world.Refresh(user.user_id, world.clock.NowUnixMillis());
        world.SampleWhenDue();
      }
    }
    ++world.figures_.sweeps_or_passes;
    if (world.Over()) stop = true;
  };
  callbacks.on_next = [&](ScheduleLoop::FireTime next) {
    if (next.time_since_epoch() >= std::chrono::milliseconds(end_ms)) stop = true;
  };
  ScheduleLoop loop(world.clock, *cron, **zone, stop, std::move(callbacks),
                    std::chrono::seconds(30));
  // Nothing changes while the loop waits: the samples due in a wait are taken when the next sweep
  // starts (or at the end), with the ages of their own time.
  (void)loop.Run();
  world.figures_.skipped_ticks = loop.skipped_ticks();
  return world.Finish();
}

// Continuous mode: the real ContinuousLoop with serve's options and pass rate.
Figures SimulateContinuous(int64_t users, double rate_limit, const RefreshConfig& base,
                           int64_t start_ms, int64_t end_ms) {
  RefreshConfig refresh = base;
  refresh.rate_limit = rate_limit;
  World world(users, start_ms, refresh, end_ms);
  std::atomic<bool> stop{false};
  ContinuousLoop::Callbacks callbacks;
  callbacks.census = [&]() -> Result<std::vector<CensusEntry>> {
    std::vector<CensusEntry> entries;
    entries.reserve(static_cast<size_t>(users));
    for (int64_t id = 1; id <= users; ++id) {
      const int64_t timestamp = world.timestamps[id];
      entries.push_back(CensusEntry{
          id, timestamp == kNoCache ? std::nullopt : std::optional<int64_t>(timestamp)});
    }
    return entries;
  };
  callbacks.refresh = [&](const std::vector<int64_t>& pass, Duration slice) {
    const double rate = PassRateLimit(
        refresh, pass.size(), std::chrono::duration_cast<std::chrono::seconds>(slice).count());
    const double ms_per_user = 2'000.0 / rate;
    const int64_t pass_start = world.clock.NowUnixMillis();
    for (size_t i = 0; i < pass.size(); ++i) {
      const int64_t at =
          pass_start + static_cast<int64_t>(ms_per_user * static_cast<double>(i + 1));
      world.Refresh(pass[i], at);
    }
    // The pass ends when its last user is refreshed; the loop waits out the rest of the slice.
    world.clock.Advance(
        Duration(static_cast<int64_t>(ms_per_user * static_cast<double>(pass.size()))));
  };
  callbacks.on_pass = [&](const ContinuousPass& pass) {
    world.figures_.most_reported_missing =
        std::max(world.figures_.most_reported_missing, pass.will_miss_ttl);
  };
  ContinuousLoop loop(world.clock, ContinuousOptionsFor(refresh), std::move(callbacks), stop);
  while (!world.Over()) {
    loop.RunSlice();
    world.SampleWhenDue();
  }
  world.figures_.sweeps_or_passes = loop.passes();
  return world.Finish();
}

std::string Minutes(int64_t seconds) { return fmt::format("{:.1f} min", seconds / 60.0); }

void Print(const char* mode, double rate_limit, const Figures& f, double seconds) {
  fmt::print(
      "{:<11} {:>6.0f} req/s | age max {:>10} p99 {:>10} | most past ttl {:>8} | "
      "requests/min peak {:>6} mean {:>8.0f} (peak/mean {:.2f}) | {} {} | {:.0f} s\n",
      mode, rate_limit, Minutes(f.max_age), Minutes(f.p99_age), f.most_past_ttl, f.peak_per_minute,
      f.mean_per_minute, f.peak_per_minute / std::max(1.0, f.mean_per_minute), f.sweeps_or_passes,
      std::string(mode) == "hourly"
          ? fmt::format("sweeps, {} ticks skipped", f.skipped_ticks)
          : fmt::format("passes, reported will-miss max {}", f.most_reported_missing),
      seconds);
}

}  // namespace
}  // namespace tc

int main(int argc, char** argv) {
  int64_t users = 1'000'000;
  int64_t hours = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--users") == 0) users = std::stoll(argv[i + 1]);
    if (std::strcmp(argv[i], "--hours") == 0) hours = std::stoll(argv[i + 1]);
  }
  tc::RefreshConfig refresh;  // ttl 60 min, refresh_ahead 5 min
  // A second before the hour, so the cron loop's first tick comes at once.
  const int64_t start_ms = 1'767'225'599'000;  // 2025-12-31T23:59:59Z
  const int64_t end_ms = start_ms + hours * 3'600'000;
  // Fits: 2 requests × N users per 55 min at 1.5× headroom; does not fit: 60 % of what is needed.
  const double needed = 2.0 * static_cast<double>(users) / 3300.0;
  const double fits = std::ceil(needed * 1.5);
  const double short_budget = std::floor(needed * 0.6);
  fmt::print(
      "{} users, {} simulated hours, ttl 60 min, refresh_ahead 5 min, 2 requests per "
      "user; {:.0f} requests/s cover every user once per 55 min\n",
      users, hours, needed);
  for (double rate : {fits, short_budget}) {
    for (const char* mode : {"hourly", "continuous"}) {
      const auto began = std::chrono::steady_clock::now();
      const tc::Figures figures =
          std::string(mode) == "hourly"
              ? tc::SimulateHourlySweep(users, rate, refresh, start_ms, end_ms)
              : tc::SimulateContinuous(users, rate, refresh, start_ms, end_ms);
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
      tc::Print(mode, rate, figures, seconds);
    }
  }
  return 0;
}
