#include "report/lifecycle_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <string>

namespace tc {

LifecycleMetrics::LifecycleMetrics(prometheus::Registry& registry) {
  auto& prunes = prometheus::BuildCounter()
                     .Name("ticketcache_prunes_total")
                     .Help("Prunes of orphaned caches by status (ok, refused, failed)")
                     .Register(registry);
  prunes_ok_ = &prunes.Add({{"status", "ok"}});
  prunes_refused_ = &prunes.Add({{"status", "refused"}});
  prunes_failed_ = &prunes.Add({{"status", "failed"}});
  auto& pruned = prometheus::BuildCounter()
                     .Name("ticketcache_pruned_total")
                     .Help("Records of users without a token deleted by prune, by record")
                     .Register(registry);
  pruned_caches_ = &pruned.Add({{"record", "cache"}});
  pruned_states_ = &pruned.Add({{"record", "user_state"}});
  orphaned_caches_ = &prometheus::BuildGauge()
                          .Name("ticketcache_orphaned_caches")
                          .Help("Caches of users without a token found by the last prune")
                          .Register(registry)
                          .Add({});
  last_prune_ = &prometheus::BuildGauge()
                     .Name("ticketcache_last_prune_timestamp_seconds")
                     .Help("When the last prune finished (0: none yet)")
                     .Register(registry)
                     .Add({});
  auto& retention = prometheus::BuildCounter()
                        .Name("ticketcache_retention_deleted_total")
                        .Help("Rows deleted by retention, by record (runs, audit)")
                        .Register(registry);
  retention_runs_ = &retention.Add({{"record", "runs"}});
  retention_audit_ = &retention.Add({{"record", "audit"}});
}

void LifecycleMetrics::ObservePrune(std::string_view status, int64_t orphaned_caches,
                                    int64_t pruned_caches, int64_t pruned_states,
                                    int64_t finished_at_unix_seconds) {
  if (status == "ok") {
    prunes_ok_->Increment();
  } else if (status == "refused") {
    prunes_refused_->Increment();
  } else {
    prunes_failed_->Increment();
  }
  if (status != "failed") orphaned_caches_->Set(static_cast<double>(orphaned_caches));
  pruned_caches_->Increment(static_cast<double>(pruned_caches));
  pruned_states_->Increment(static_cast<double>(pruned_states));
  last_prune_->Set(static_cast<double>(finished_at_unix_seconds));
}

void LifecycleMetrics::ObserveRetention(std::optional<int64_t> runs_deleted,
                                        std::optional<int64_t> audit_deleted) {
  if (runs_deleted) retention_runs_->Increment(static_cast<double>(*runs_deleted));
  if (audit_deleted) retention_audit_->Increment(static_cast<double>(*audit_deleted));
}

}  // namespace tc
