// `ticketcache prune [--dry-run] [--force]`: deletes orphaned caches, then applies retention.
#include <iostream>

#include "clock/clock.h"
#include "commands/commands.h"
#include "lifecycle/prune.h"
#include "lifecycle/retention.h"
#include "log/logger.h"
#include "storage/open_cache_store.h"

namespace tc {

int PruneCommand(const CommonOptions& common, const PruneFlags& flags) {
  auto config = LoadJobConfig(common);
  if (!config.ok()) return ReportStartupError("configuration", config.error());
  auto tokens = OpenTokenSource(config->tokens);
  if (!tokens.ok()) return ReportStartupError("token source", tokens.error());
  auto store = OpenCacheStore(config->store);
  if (!store.ok()) return ReportStartupError("cache store", store.error());
  SystemClock clock;
  PruneOptions options;
  options.dry_run = flags.dry_run;
  options.force = flags.force;
  options.max_fraction = config->prune.max_fraction;
  options.page_size = config->tokens.page_size;
  auto report = PruneOrphans(**tokens, **store, clock, options);
  if (!report.ok()) return ReportStartupError("prune", report.error());
  if (report->refused) {
    std::cout << PruneSummary(*report, nullptr).dump() << std::endl;
    return ReportStartupError(
        "prune", MakeError(ErrorClass::kStore, PruneRefusal(*report, options.max_fraction)));
  }
  // A dry run deletes nothing, retention included.
  std::optional<RetentionReport> retention;
  if (!flags.dry_run) {
    auto applied = ApplyRetention(**store, config->retention, clock);
    if (!applied.ok()) return ReportStartupError("retention", applied.error());
    retention = *applied;
  }
  LogInfo("prune finished", {{"pruned_caches", report->pruned_caches},
                             {"orphaned_caches", report->orphaned_caches},
                             {"dry_run", flags.dry_run}});
  std::cout << PruneSummary(*report, retention ? &*retention : nullptr).dump() << std::endl;
  return kExitOk;
}

}  // namespace tc
