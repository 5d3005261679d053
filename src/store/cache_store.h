// The cache store seam: documents, audit log, run history, per-user state and run locks
// (docs/stores.md). SQLite, MySQL and MongoDB implement it; one conformance suite tests them all.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "config/config.h"
#include "document/cache_document.h"
#include "error/error.h"

namespace tc {

struct CacheTimestamp {
  int64_t user_id = 0;
  int64_t timestamp = 0;
};

struct StoredDocument {
  CacheDocument document;
  int64_t version = 0;  // opaque compare-and-swap token of what was read
};

// How one user fared over recent runs (per-user failure memory).
struct UserState {
  int64_t user_id = 0;
  int consecutive_failures = 0;
  std::string last_error_class;    // ErrorClassName(), empty after a success
  std::string last_error_message;  // never contains a token
  int64_t last_attempt_at = 0;     // unix seconds
  int64_t next_attempt_at = 0;     // unix seconds; 0 = no backoff
  std::string token_fingerprint;   // short one-way digest of the token; a change resets the backoff
};

// A user failing this many runs in a row fails persistently (per-user backoff starts there too);
// fewer is a one-off failure. `status` and the webhook alert count by it.
inline constexpr int kPersistentFailureRuns = 2;

// Who holds a run lock and until when.
struct LockLease {
  std::string owner;
  int64_t expires_at_ms = 0;
};

struct RunRecord {
  std::string run_id;
  int64_t started_at_ms = 0;
  int64_t finished_at_ms = 0;  // 0 while running
  std::string status;          // running | ok | degraded | aborted | interrupted
  std::string shard;           // "K/N" or empty
  std::string summary_json;    // the run's summary object, as printed
};

// The per-user records a store keeps: what `prune` walks.
enum class UserRecords { kCaches, kUserStates };

// Thread-safety contract: every method may be called concurrently from several threads (a run
// calls CacheTimestamps/LoadUserStates from its selection thread, Load/Replace/SaveUserStates
// from several store workers and TryLock from its lease keeper, all at once). SQLite keeps a
// pool of connections (one per calling thread, readers in parallel under WAL) and serialises this
// process's writers on a mutex; MySQL borrows a connection from a pool per call; MongoDB borrows
// a client from a mongoc client pool per call. Wrappers (CacheStoreWrapper and its decorators)
// must keep the contract. Atomicity is per call: no sequence of calls is a transaction.
class CacheStore {
 public:
  virtual ~CacheStore() = default;

  // Creates tables/collections and indexes. Idempotent.
  virtual Status Init() = 0;
  // Cheap reachability check (readiness).
  virtual Status Ping() = 0;

  // Freshness of a page of users in ONE query: the timestamp of each existing document among
  // `user_ids`. Users without a document are absent from the answer.
  virtual Result<std::vector<CacheTimestamp>> CacheTimestamps(
      std::span<const int64_t> user_ids) = 0;

  virtual Result<std::optional<StoredDocument>> Load(int64_t user_id) = 0;

  // Atomically replaces the user's whole document and appends `audit`, only if the stored
  // version is still `expected_version` (nullopt: only if no document exists). kConflict when
  // another writer got there first (re-read, re-merge, retry); kStore on failure, and then the
  // stored document is unchanged — except when the answer was lost after the write landed (a
  // connection dropped after COMMIT; MongoDB's audit insert failing after the document write): a
  // caller that must know re-reads the document (the run does, see docs/failure-model.md).
  virtual Status Replace(const CacheDocument& document, std::optional<int64_t> expected_version,
                         std::span<const AuditEntry> audit) = 0;

  // Per-user failure memory.
  virtual Result<std::vector<UserState>> LoadUserStates(std::span<const int64_t> user_ids) = 0;
  virtual Status SaveUserStates(std::span<const UserState> states) = 0;
  // Users with consecutive_failures > 0, most failures first.
  virtual Result<std::vector<UserState>> FailingUsers(int limit) = 0;

  // Run history.
  virtual Status SaveRun(const RunRecord& run) = 0;                  // insert or update by run_id
  virtual Result<std::vector<RunRecord>> RecentRuns(int limit) = 0;  // newest first

  // Run lock: one holder per name (e.g. "run" or "run-shard-2/4"). Succeeds when free, expired,
  // or already held by `owner`; then holds it until `expires_at_ms`. Returns false when held by
  // someone else.
  virtual Result<bool> TryLock(const std::string& name, const std::string& owner, int64_t now_ms,
                               int64_t expires_at_ms) = 0;
  virtual Status Unlock(const std::string& name, const std::string& owner) = 0;
  // The current lease of lock `name` (expired or not); nullopt when nobody holds it. `status`
  // uses it to tell a run still going from one whose process died (its lease ran out).
  virtual Result<std::optional<LockLease>> ReadLock(const std::string& name) = 0;

  // Data lifecycle (`ticketcache prune`, retention; docs/operations.md).
  // Up to `limit` user ids holding a record of `kind`, ascending, above `after_user_id` (from the
  // first when nullopt): a keyset page read on the primary key. Empty at the end.
  virtual Result<std::vector<int64_t>> UserIdsPage(UserRecords kind,
                                                   std::optional<int64_t> after_user_id,
                                                   int limit) = 0;
  virtual Result<int64_t> CountCaches() = 0;
  // Deletes the cache documents and the per-user state of `user_ids` (their audit entries stay:
  // the audit log has its own retention). Returns the documents deleted.
  virtual Result<int64_t> DeleteUsers(std::span<const int64_t> user_ids) = 0;
  // Range deletes on an index, in batches. Return the rows deleted.
  virtual Result<int64_t> DeleteRunsStartedBefore(int64_t cutoff_ms) = 0;
  virtual Result<int64_t> DeleteAuditBefore(int64_t cutoff_unix_seconds) = 0;
};

// How a command uses the store. Only `init` creates an embedded (sqlite:) database: any other
// command given a misspelt path fails naming it instead of starting an empty cache. Read-only
// commands (`status`, `show`) never write, so they work on a read-only file. Server stores
// (MySQL, MongoDB) are opened the same way in every mode.
enum class StoreAccess { kCreate, kReadWrite, kReadOnly };

}  // namespace tc
