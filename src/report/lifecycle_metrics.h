// The data lifecycle's metrics (docs/operations.md), served with the job's by `serve`: prunes by
// status, caches pruned, the orphans the last prune found, rows deleted by retention. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace prometheus {
class Registry;
class Counter;
class Gauge;
}  // namespace prometheus

namespace tc {

class LifecycleMetrics {
 public:
  // Registers on `registry` (JobMetrics::registry()); every series exists from the start at 0.
  explicit LifecycleMetrics(prometheus::Registry& registry);

  // status: ok | refused | failed. The counts are those of the prune (0 when it failed).
  void ObservePrune(std::string_view status, int64_t orphaned_caches, int64_t pruned_caches,
                    int64_t pruned_states, int64_t finished_at_unix_seconds);
  // Rows deleted by one application of retention (nullopt: kept forever, nothing counted).
  void ObserveRetention(std::optional<int64_t> runs_deleted, std::optional<int64_t> audit_deleted);

 private:
  prometheus::Counter* prunes_ok_;
  prometheus::Counter* prunes_refused_;
  prometheus::Counter* prunes_failed_;
  prometheus::Counter* pruned_caches_;
  prometheus::Counter* pruned_states_;
  prometheus::Gauge* orphaned_caches_;
  prometheus::Gauge* last_prune_;
  prometheus::Counter* retention_runs_;
  prometheus::Counter* retention_audit_;
};

}  // namespace tc
