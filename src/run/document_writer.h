// The store stage of a run: for each user whose API answers are in, load → build or merge →
// compare-and-swap, and record how the user fared (counters, per-user failure state through the
// FailureStateGate). Several store workers share one writer. Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "clock/clock.h"
#include "config/config.h"
#include "error/error.h"
#include "failure/failure_state_gate.h"
#include "json/js_json.h"
#include "json/shared_json.h"
#include "log/logger.h"
#include "run/run_control.h"
#include "run/run_counters.h"
#include "selection/user_selection.h"
#include "store/cache_store.h"

namespace tc {

// One user after its API calls.
struct WriteJob {
  StaleUser user;
  std::vector<SharedJson> active;
  std::vector<SharedJson> expired;
  std::optional<Error> fetch_error;   // set: record the failure; unset: write the document
  int64_t ticket = 0;                 // FailureStateGate ticket of the API outcome
  std::optional<SteadyTime> started;  // when the user's fetch began (its log line's duration)
};

// What Handle did with one user (on-demand callers answer with it).
struct WriteOutcome {
  enum class Kind { kBuilt, kUpdated, kUnchanged, kFailed, kAbandoned };
  Kind kind = Kind::kAbandoned;
  std::optional<ErrorClass> error_class;  // kFailed
  int64_t timestamp = 0;                  // the document written (built/updated/unchanged)
};

class DocumentWriter {
 public:
  static constexpr int kMaxWriteConflicts = 5;  // compare-and-swap rounds before giving up
  // Users in a row failing on the store before the run stops as aborted: the store is down, and
  // calling the API for thousands more users would only waste it.
  static constexpr int kMaxConsecutiveStoreFailures = 5;

  // REQUIRES: every argument outlives the writer.
  DocumentWriter(CacheStore& store, const Clock& clock, const RefreshConfig& refresh,
                 RunCounters& counters, FailureStateGate& gate, RunControl& control);

  // Writes the user's document, or records its failure. Once the run stopped writes, the user is
  // counted as abandoned instead.
  WriteOutcome Handle(WriteJob& job);
  // End of run: writes the failure states the gate still holds, except API-wide ones.
  void Flush(const std::function<bool(ErrorClass)>& api_wide);

 private:
  WriteOutcome Write(WriteJob& job);
  // After a Replace error: true when the stored document is exactly `ours` (our write landed and
  // only its acknowledgement was lost).
  bool StoredIsOurs(int64_t user_id, const CacheDocument& ours);
  // duration_ms since the user's fetch began, when the job knows it.
  void AddDuration(const WriteJob& job, LogFields& fields) const;
  WriteOutcome RecordFailure(const WriteJob& job, const Error& error, const char* stage);
  void RecordSuccess(const StaleUser& user);
  void NoteStore(const Error* store_error);
  void Save(const std::vector<UserState>& states);

  CacheStore& store_;
  const Clock& clock_;
  const RefreshConfig& refresh_;
  RunCounters& counters_;
  FailureStateGate& gate_;
  RunControl& control_;
  std::atomic<int> store_failures_in_a_row_{0};
};

}  // namespace tc
