#include "serve/status_service.h"

#include <algorithm>

#include "clock/iso_time.h"
#include "schedule/cron_expression.h"
#include "schedule/cron_schedule.h"
#include "serve/status_page.h"

namespace tc {

ScheduleView ScheduleViewFor(const ScheduleConfig& config, int64_t now_ms) {
  ScheduleView view;
  view.cron = config.cron;
  view.timezone = config.timezone;
  auto cron = CronExpression::Parse(config.cron);
  auto zone = LocateTimeZone(config.timezone);
  if (cron.ok() && zone.ok()) {
    const auto now = std::chrono::sys_seconds(std::chrono::seconds(now_ms / 1000));
    auto next = NextFireTime(*cron, **zone, now);
    if (next.ok()) view.next_run_at = FormatZonedTime(**zone, *next);
  }
  return view;
}

StatusService::StatusService(CacheStore& store, const Clock& clock, ScheduleConfig schedule,
                             bool daemon)
    : store_(store), clock_(clock), schedule_config_(std::move(schedule)), daemon_(daemon) {}

void StatusService::SetNextRun(std::string zoned_time) {
  std::lock_guard lock(mutex_);
  next_run_ = std::move(zoned_time);
}

void StatusService::SetRefreshRequests(std::function<Json()> view) {
  std::lock_guard lock(mutex_);
  refresh_requests_ = std::move(view);
}

Json RefreshRequestsStatusJson(const RefreshRequestStatus& status, int64_t now_unix) {
  Json out = Json::object();
  out["due"] = status.due;
  out["oldest_due_age_seconds"] =
      status.oldest_due_since ? Json(std::max<int64_t>(0, now_unix - *status.oldest_due_since))
                              : Json();
  out["last_poll_at"] =
      status.last_poll_at > 0 ? Json(FormatIsoUtcMillis(status.last_poll_at * 1000)) : Json();
  out["last_error"] = status.last_error.empty() ? Json() : Json(status.last_error);
  out.update(RefreshRequestCountsJson(status.counts));
  return out;
}

void StatusService::CountSkippedTick() {
  std::lock_guard lock(mutex_);
  ++ticks_skipped_;
}

void StatusService::SetBreakerState(std::function<std::string()> breaker_state) {
  std::lock_guard lock(mutex_);
  breaker_state_ = std::move(breaker_state);
}

Json StatusService::Document(int runs, int failing_users) {
  const int64_t now_ms = clock_.NowUnixMillis();
  ScheduleView schedule;
  if (daemon_) {
    schedule.cron = schedule_config_.cron;
    schedule.timezone = schedule_config_.timezone;
    schedule.daemon = true;
    std::lock_guard lock(mutex_);
    schedule.next_run_at = next_run_;
    schedule.ticks_skipped = ticks_skipped_;
  } else {
    schedule = ScheduleViewFor(schedule_config_, now_ms);
  }
  std::function<std::string()> breaker_state;
  {
    std::lock_guard lock(mutex_);
    breaker_state = breaker_state_;
  }
  const std::optional<LiveRunView> live = tracker_.Current();
  const Result<StatusReport> report = GatherStatus(store_, runs, failing_users, now_ms);
  Json document = BuildStatusDocument(report, schedule, live, now_ms);
  // Only a daemon has a breaker that outlives a run; elsewhere the field is null.
  document["breaker"] = breaker_state ? Json(breaker_state()) : Json();
  std::function<Json()> refresh_requests;
  {
    std::lock_guard lock(mutex_);
    refresh_requests = refresh_requests_;
  }
  if (refresh_requests) document["refresh_requests"] = refresh_requests();
  return document;
}

std::optional<HttpAnswer> StatusService::Answer(const std::string& path) {
  if (path == "/api/status") {
    const Json document = Document();
    return HttpAnswer{document["store_error"].is_null() ? 200 : 503,
                      "application/json; charset=utf-8", document.dump(2) + "\n"};
  }
  if (path == "/") {
    return HttpAnswer{200, "text/html; charset=utf-8", RenderStatusPage(Document())};
  }
  return std::nullopt;
}

}  // namespace tc
