// serve's data lifecycle: prunes orphaned caches on `[prune] cron` (off when empty) and applies
// `[retention]` once a day (at 03:17 in schedule.timezone), each on its own thread with its own
// ScheduleLoop, beside the refresh runs. Each prune also applies retention, as `prune` does.
#pragma once

#include <atomic>
#include <optional>
#include <thread>

#include "clock/clock.h"
#include "config/config.h"
#include "date/tz.h"
#include "report/lifecycle_metrics.h"
#include "schedule/cron_expression.h"
#include "store/cache_store.h"
#include "tokens/token_source.h"

namespace tc {

class Housekeeping {
 public:
  // The daily retention time.
  static constexpr const char* kRetentionCron = "17 3 * * *";

  // REQUIRES: every argument outlives the housekeeping; `tokens` is used by its prune thread only
  // (serve opens one of its own) and sees every user (no shard).
  Housekeeping(const Config& config, TokenSource& tokens, CacheStore& store, const Clock& clock,
               LifecycleMetrics& metrics, const std::atomic<bool>& stop,
               std::optional<CronExpression> prune_cron, const date::time_zone& zone);
  ~Housekeeping();  // joins
  Housekeeping(const Housekeeping&) = delete;
  Housekeeping& operator=(const Housekeeping&) = delete;

  void Start();
  // The threads end once `stop` is set.
  void Join();

  // One prune then retention, logged and counted (a refused prune deletes nothing and applies no
  // retention). What the prune schedule runs.
  void PruneOnce();
  // Retention alone, logged and counted. What the daily schedule runs.
  void RetainOnce();

 private:
  const Config& config_;
  TokenSource& tokens_;
  CacheStore& store_;
  const Clock& clock_;
  LifecycleMetrics& metrics_;
  const std::atomic<bool>& stop_;
  std::optional<CronExpression> prune_cron_;
  CronExpression retention_cron_;
  const date::time_zone& zone_;
  std::thread prune_thread_;
  std::thread retention_thread_;
};

}  // namespace tc
