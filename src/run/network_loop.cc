#include "run/network_loop.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <utility>

#include "failure/blame.h"
#include "log/logger.h"
#include "log/secret_redactor.h"
#include "run/user_flights.h"

namespace tc {
namespace {

constexpr Duration kLoopTick{50};
constexpr const char* kNotSentBeforeTheStop = "run stopped before the request was sent";

UserRefreshResult AbandonedWith(ErrorClass error_class) {
  UserRefreshResult result;
  result.kind = UserRefreshResult::Kind::kAbandoned;
  result.error_class = error_class;
  return result;
}

}  // namespace

NetworkLoop::NetworkLoop(const RunEnvironment& env, RunPipes pipes)
    : env_(env),
      refresh_(env.config.refresh),
      pipes_(pipes),
      concurrency_(std::max(1, refresh_.concurrency)),
      own_limiter_(env.shared_limiter != nullptr
                       ? nullptr
                       : std::make_unique<RateLimiter>(refresh_.rate_limit, env.clock.SteadyNow())),
      own_breaker_(env.shared_breaker != nullptr ? nullptr
                                                 : std::make_unique<CircuitBreaker>(env.config)),
      limiter_(env.shared_limiter != nullptr ? env.shared_limiter : own_limiter_.get()),
      breaker_(env.shared_breaker != nullptr ? env.shared_breaker : own_breaker_.get()),
      breaker_opened_before_(breaker_->times_opened()),
      flights_since_(env.flights != nullptr ? env.flights->Now() : 0),
      run_started_(env.clock.SteadyNow()),
      pipeline_(std::make_unique<ApiRequestPipeline>(
          env.transport, env.clock, refresh_.retry, env.config.bytemark.max_retry_after, *limiter_,
          *breaker_, env.metrics, concurrency_, static_cast<uint64_t>(env.clock.NowUnixMillis()))),
      fetching_(
          env.config.bytemark, env.clock, *pipeline_,
          UserFetches::Callbacks{
              .fetched =
                  [this](std::unique_ptr<UserFetch> fetch) { OnUserFetched(std::move(fetch)); },
              // A request the stop dropped: the user is abandoned (cache kept, nothing
              // recorded), and an answer to its other list, still on the wire, finds it
              // gone.
              .gives_up =
                  [this](const Error& error) {
                    return error.error_class == ErrorClass::kInterrupted &&
                           pipes_.control.stopping();
                  },
              .given_up =
                  [this](std::unique_ptr<UserFetch> fetch) {
                    ReleaseAbandonedUser(fetch->user, ErrorClass::kInterrupted);
                  }}) {
  if (own_limiter_ != nullptr && env.ceiling_limiter != nullptr) {
    own_limiter_->SetCeiling(env.ceiling_limiter);
  }
}

NetworkLoop::~NetworkLoop() = default;

void NetworkLoop::Run() {
  RunControl& control = pipes_.control;
  // Users in the API stage plus users in the store stage: enough to keep every request slot
  // busy while store work catches up, bounded so memory stays O(concurrency).
  const int64_t max_active = static_cast<int64_t>(concurrency_) * 2;
  std::optional<SteadyTime> grace_deadline;
  int last_breaker_opened = breaker_->times_opened();
  bool verdict_seen = false;

  while (true) {
    const SteadyTime now = env_.clock.SteadyNow();
    if (env_.stop_requested != nullptr && env_.stop_requested->load() && !grace_deadline) {
      grace_deadline = now + refresh_.grace_period;
      control.Stop(RunStatus::kInterrupted, "stop requested (signal)");
      // Requests not on the wire yet are never sent, and their users are abandoned now (a slow
      // pace could otherwise hold a stop for the whole grace period); users with a request on
      // the wire get the grace period to finish.
      pipeline_->AbandonQueued(MakeError(ErrorClass::kInterrupted, kNotSentBeforeTheStop));
      LogInfo("stopping: letting in-flight users finish",
              {{"in_flight_users", fetching_.size()}, {"grace_ms", refresh_.grace_period.count()}});
    }
    // The breaker may have left closed in an earlier run (a daemon shares it): this run gives up
    // only after give_up_after of its own, and never while a probe is under way — a run that
    // starts open or half-open gives its probe the whole request timeout to close the breaker.
    if (const auto since = breaker_->NotClosedSince();
        since && now - std::max(*since, run_started_) >= refresh_.breaker.give_up_after &&
        !breaker_->ProbeUnderWay(now) && !fetching_.empty()) {
      breaker_gave_up_ = true;
      std::string reason = "circuit breaker stayed open: Bytemark API failing";
      if (const auto& cause = pipeline_->last_breaker_failure()) {
        reason += " (last error " + cause->ToString() + ")";
      }
      control.Stop(RunStatus::kDegraded, RedactSecrets(reason));
      AbandonFetchingUsers(MakeError(ErrorClass::kCircuitOpen, "circuit breaker open"));
    }
    if (our_side_failure_ && !control.stopping()) {
      // Configuration (a URL libcurl refuses) or a bug: every user would fail alike, and none of
      // them by their own fault.
      const std::string reason =
          RedactSecrets("cannot call the API: " + our_side_failure_->ToString());
      LogError("stopping: the API cannot be called", {{"reason", reason}});
      control.Stop(RunStatus::kAborted, reason);
      AbandonFetchingUsers(MakeError(ErrorClass::kInterrupted, "run stopped: " + reason));
    }
    if (!verdict_seen && pipes_.gate.verdict()) {
      verdict_seen = true;
      const std::string reason = "API-wide failure: " + pipes_.gate.description() +
                                 " (the Bytemark API or its configured URL is failing, not "
                                 "these users)";
      LogError("stopping: the API fails for everyone", {{"reason", reason}});
      control.Stop(RunStatus::kDegraded, reason);
      AbandonFetchingUsers(MakeError(ErrorClass::kInterrupted, "run stopped: API-wide failure"));
    }
    if (control.writes_stopped() && !fetching_.empty()) {
      AbandonFetchingUsers(MakeError(ErrorClass::kInterrupted, "run stopped: " + control.reason()));
    }
    if (breaker_->times_opened() != last_breaker_opened) {
      last_breaker_opened = breaker_->times_opened();
      LogFields fields = {{"times", last_breaker_opened}};
      if (const auto& cause = pipeline_->last_breaker_failure()) {
        // The logger redacts the message (a URL with credentials, a bearer token).
        fields.emplace_back("error_class", std::string(ErrorClassName(cause->error_class)));
        fields.emplace_back("error", cause->message);
      }
      LogWarn("circuit breaker opened", fields);
    }
    if (env_.metrics != nullptr) {
      env_.metrics->SetBreakerState(static_cast<BreakerStateValue>(breaker_->state()));
    }

    // Held back by the store stage: a store worker that finishes a user wakes this loop.
    bool held_by_store = false;
    while (!control.stopping()) {
      const auto fetching = static_cast<int64_t>(fetching_.size());
      if (fetching + pipes_.store_backlog.pending() >= max_active &&
          fetching + pipes_.store_backlog.RequestWake() >= max_active) {
        held_by_store = true;  // (looked at again after asking, so a Done() in between counts)
        break;
      }
      auto user = pipes_.stale_users.TryPop();
      if (!user) {
        // Asked before looking again, so a push in between is either seen here or wakes us.
        pipes_.users_wanted.store(true);
        user = pipes_.stale_users.TryPop();
        if (!user) break;
      }
      StartUser(std::move(*user));
    }
    if (control.stopping()) AbandonQueuedUsers();

    if (fetching_.empty() && pipes_.stale_users.size() == 0 &&
        (pipes_.enumeration_done.load() || control.stopping())) {
      break;  // store workers finish their jobs after the loop
    }
    if (grace_deadline && now >= *grace_deadline) {
      LogWarn("grace period over: abandoning in-flight users", {{"users", fetching_.size()}});
      AbandonFetchingUsers(MakeError(ErrorClass::kInterrupted, "run interrupted"));
      break;
    }
    if (fetching_.empty() && held_by_store) {
      // Every active user is with the store workers: sleep until one of them is done.
      pipes_.store_backlog.WaitBelow(max_active, kLoopTick);
    } else if (fetching_.empty()) {
      // Nothing on the wire or waiting for a retry: sleep until the selection hands over a user
      // (no polling of the transport, and no time passes for a test's fake clock).
      pipes_.stale_users.WaitForItem(kLoopTick);
    } else if (WaitForAnotherThread(/*at_capacity=*/held_by_store, max_active)) {
      continue;  // a store worker finished a user, the selection handed some over, or time passed
    } else {
      pipeline_->Step(kLoopTick);
    }
  }
  // The state the run leaves (a daemon's breaker keeps it until the next run or call).
  if (env_.metrics != nullptr) {
    env_.metrics->SetBreakerState(static_cast<BreakerStateValue>(breaker_->state()));
  }
}

// Nothing on the wire, the fetching users wait for a retry or a rate-limit slot, and the loop is
// held back by another thread: the store workers, or a selection that has not handed over its
// next users yet. Then the loop waits for that thread (until the next attempt is due at the
// latest) instead of in the transport: no answer can arrive, and the transport's idle wait is
// where a test's fake transport lets fake time pass, which would run the fetching users' retries
// ahead of users the real threads have not delivered yet. False when there is nothing to wait
// for this way.
bool NetworkLoop::WaitForAnotherThread(bool at_capacity, int64_t max_active) {
  if (pipeline_->in_flight() > 0 || pipes_.control.stopping()) return false;
  // At capacity with users in the store stage: a store worker that finishes one makes room.
  // (At capacity with every user still fetching, only the transport can make progress.) A user
  // moves from fetching to the store stage, never back, and the loop starts one only below
  // capacity: fetching + pending never exceeds max_active, so pending > 0 means fetching is below
  // it and WaitBelow's limit is at least 1.
  const int64_t fetching = static_cast<int64_t>(fetching_.size());
  const bool held_by_store = at_capacity && pipes_.store_backlog.pending() > 0;
  const bool starved =
      !at_capacity && pipes_.stale_users.size() == 0 && !pipes_.enumeration_done.load();
  if (!held_by_store && !starved) return false;
  const Duration until_due = std::min(kLoopTick, pipeline_->UntilNextAttempt());
  if (until_due <= Duration(0)) return false;
  if (held_by_store) {
    pipes_.store_backlog.WaitBelow(max_active - fetching, until_due);
  } else {
    pipes_.stale_users.WaitForItem(until_due);
  }
  return true;
}

void NetworkLoop::StartUser(StaleUser user) {
  const int64_t user_id = user.user_id;
  // A user is never in flight twice (its token would be read after its entry was replaced).
  // Nor while an on-demand refresh has it, or once one refreshed it during this run.
  if (fetching_.contains(user_id) ||
      (env_.flights != nullptr &&
       !env_.flights->TryClaim(user_id, UserFlights::Owner::kSweep, flights_since_))) {
    --pipes_.counters.users_seen;
    ++pipes_.counters.skipped_duplicates;
    return;
  }
  fetching_.Start(std::move(user));
}

void NetworkLoop::OnUserFetched(std::unique_ptr<UserFetch> fetch) {
  const std::optional<ErrorClass> failure = fetch->failure();
  if (failure && IsOurSide(*failure)) {
    // Not this user's outcome, nor the API's: the run stops (Run) and the user is abandoned.
    if (!our_side_failure_) our_side_failure_ = fetch->error;
    ReleaseAbandonedUser(fetch->user, ErrorClass::kInterrupted);
    return;
  }
  TellBreaker(*breaker_, env_.clock, *fetch);  // one outcome per user
  WriteJob job = JudgedWriteJob(std::move(*fetch), pipes_.gate);
  pipes_.store_backlog.Add();
  pipes_.write_jobs.Push(std::move(job));
}

void NetworkLoop::AbandonQueuedUsers() {
  const auto left = pipes_.stale_users.Drain();
  pipes_.counters.abandoned += static_cast<int64_t>(left.size());
  for (const StaleUser& user : left) pipes_.counters.KeepCache(user);
}

// Users still waiting for API answers are abandoned: never written, counted as abandoned, their
// caches untouched. They leave fetching_ first, so the callbacks AbandonAll runs find nothing.
void NetworkLoop::AbandonFetchingUsers(const Error& error) {
  auto doomed = fetching_.TakeAll();
  pipeline_->AbandonAll(error);
  for (const auto& [user_id, fetch] : doomed) ReleaseAbandonedUser(fetch->user, error.error_class);
}

void NetworkLoop::ReleaseAbandonedUser(const StaleUser& user, ErrorClass error_class) {
  ++pipes_.counters.abandoned;
  pipes_.counters.KeepCache(user);
  if (env_.flights != nullptr) env_.flights->Finish(user.user_id, AbandonedWith(error_class));
}

}  // namespace tc
