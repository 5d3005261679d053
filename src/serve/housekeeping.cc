#include "serve/housekeeping.h"

#include <string>
#include <utility>

#include "lifecycle/prune.h"
#include "lifecycle/retention.h"
#include "log/logger.h"
#include "serve/schedule_loop.h"

namespace tc {
namespace {

// kRetentionCron is a constant: it parses.
CronExpression RetentionCron() {
  auto cron = CronExpression::Parse(Housekeeping::kRetentionCron);
  return std::move(cron).value();
}

void LogRetention(const RetentionReport& report) {
  auto value = [](const std::optional<int64_t>& deleted) {
    return deleted ? nlohmann::json(*deleted) : nlohmann::json();
  };
  LogInfo("retention applied", {{"runs_deleted", value(report.runs_deleted)},
                                {"audit_deleted", value(report.audit_deleted)}});
}

}  // namespace

Housekeeping::Housekeeping(const Config& config, TokenSource& tokens, CacheStore& store,
                           const Clock& clock, LifecycleMetrics& metrics,
                           const std::atomic<bool>& stop, std::optional<CronExpression> prune_cron,
                           const date::time_zone& zone)
    : config_(config),
      tokens_(tokens),
      store_(store),
      clock_(clock),
      metrics_(metrics),
      stop_(stop),
      prune_cron_(std::move(prune_cron)),
      retention_cron_(RetentionCron()),
      zone_(zone) {}

Housekeeping::~Housekeeping() { Join(); }

void Housekeeping::Start() {
  if (prune_cron_) {
    prune_thread_ = std::thread([this] {
      ScheduleLoop::Callbacks callbacks;
      callbacks.run = [this](ScheduleLoop::FireTime) { PruneOnce(); };
      ScheduleLoop loop(clock_, *prune_cron_, zone_, stop_, std::move(callbacks));
      if (Status looped = loop.Run(); !looped.ok()) {
        LogError("prune schedule has no next fire time", {{"error", looped.error().message}});
      }
    });
  }
  retention_thread_ = std::thread([this] {
    ScheduleLoop::Callbacks callbacks;
    callbacks.run = [this](ScheduleLoop::FireTime) { RetainOnce(); };
    ScheduleLoop loop(clock_, retention_cron_, zone_, stop_, std::move(callbacks));
    (void)loop.Run();  // a daily expression always has a next fire time
  });
}

void Housekeeping::Join() {
  if (prune_thread_.joinable()) prune_thread_.join();
  if (retention_thread_.joinable()) retention_thread_.join();
}

void Housekeeping::PruneOnce() {
  PruneOptions options;
  options.max_fraction = config_.prune.max_fraction;
  options.page_size = config_.tokens.page_size;
  options.stop = &stop_;
  LogInfo("prune started", {});
  auto report = PruneOrphans(tokens_, store_, clock_, options);
  const int64_t now = clock_.NowUnixSeconds();
  if (!report.ok()) {
    LogError("prune failed", {{"error", report.error().ToString()}});
    metrics_.ObservePrune("failed", 0, 0, 0, now);
    return;
  }
  if (report->refused) {
    LogError(PruneRefusal(*report, options.max_fraction), {});
    metrics_.ObservePrune("refused", report->orphaned_caches, 0, 0, now);
    return;
  }
  metrics_.ObservePrune("ok", report->orphaned_caches, report->pruned_caches, report->pruned_states,
                        now);
  auto retention = ApplyRetention(store_, config_.retention, clock_);
  if (!retention.ok()) {
    LogError("retention failed", {{"error", retention.error().ToString()}});
  } else {
    metrics_.ObserveRetention(retention->runs_deleted, retention->audit_deleted);
  }
  LogInfo("prune finished",
          {{"summary", PruneSummary(*report, retention.ok() ? &*retention : nullptr)}});
}

void Housekeeping::RetainOnce() {
  auto retention = ApplyRetention(store_, config_.retention, clock_);
  if (!retention.ok()) {
    LogError("retention failed", {{"error", retention.error().ToString()}});
    return;
  }
  metrics_.ObserveRetention(retention->runs_deleted, retention->audit_deleted);
  LogRetention(*retention);
}

}  // namespace tc
