// The embedded default cache store (`store.url = sqlite:PATH`): documents, audit log, run history,
// per-user state and run locks in one SQLite file, in WAL mode. Schema: docs/stores.md.
// sqlite_cache_store.cc: opening, the connection pool, schema and documents;
// sqlite_store_bookkeeping.cc: user state, run history and run locks.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "sqlite/sqlite_database.h"
#include "store/cache_store.h"

namespace tc {

// Thread-safe: each call borrows a connection from a pool (one per concurrently calling thread,
// so readers run in parallel under WAL); writers in this process take turns on a mutex, writers in
// other processes are waited for (busy timeout), and compare-and-swap catches lost updates.
// Concurrent Replace calls share transactions (group commit, one savepoint per call).
// A document is stored as the text JsStringify(DocumentToJson(doc)), so its bytes are exactly what
// the Node job's JavaScript would write.
class SqliteCacheStore final : public CacheStore {
 public:
  // Opens the file at `path`; the tables are created by Init(). kCreate creates the file and its
  // folder if missing; otherwise a missing file is kStore naming the path. kReadOnly never writes
  // (sqlite/sqlite_database.h: works on a read-only file and folder). kConfig when a
  // collection name in `config` is not a plain identifier, kStore when the file cannot be opened.
  static Result<std::unique_ptr<SqliteCacheStore>> Open(
      const std::string& path, const StoreConfig& config,
      StoreAccess access = StoreAccess::kReadWrite);
  ~SqliteCacheStore() override;

  Status Init() override;
  Status Ping() override;
  Result<std::vector<CacheTimestamp>> CacheTimestamps(std::span<const int64_t> user_ids) override;
  Result<std::optional<StoredDocument>> Load(int64_t user_id) override;
  Status Replace(const CacheDocument& document, std::optional<int64_t> expected_version,
                 std::span<const AuditEntry> audit) override;
  Result<std::vector<UserState>> LoadUserStates(std::span<const int64_t> user_ids) override;
  Status SaveUserStates(std::span<const UserState> states) override;
  Result<std::vector<UserState>> FailingUsers(int limit) override;
  Status SaveRun(const RunRecord& run) override;
  Result<std::vector<RunRecord>> RecentRuns(int limit) override;
  Result<bool> TryLock(const std::string& name, const std::string& owner, int64_t now_ms,
                       int64_t expires_at_ms) override;
  Status Unlock(const std::string& name, const std::string& owner) override;
  Result<std::optional<LockLease>> ReadLock(const std::string& name) override;
  Result<std::vector<int64_t>> UserIdsPage(UserRecords kind, std::optional<int64_t> after_user_id,
                                           int limit) override;
  Result<int64_t> CountCaches() override;
  Result<int64_t> DeleteUsers(std::span<const int64_t> user_ids) override;
  Result<int64_t> DeleteRunsStartedBefore(int64_t cutoff_ms) override;
  Result<int64_t> DeleteAuditBefore(int64_t cutoff_unix_seconds) override;

 private:
  Result<int64_t> DeleteOlderThan(const std::string& table, const std::string& column,
                                  int64_t cutoff);
  // A borrowed connection, returned to the pool when the lease ends.
  class Lease {
   public:
    Lease(SqliteCacheStore* store, std::unique_ptr<SqliteDatabase> connection)
        : store_(store), connection_(std::move(connection)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (connection_ != nullptr) store_->Release(std::move(connection_));
    }
    SqliteDatabase& connection() { return *connection_; }

   private:
    SqliteCacheStore* store_;
    std::unique_ptr<SqliteDatabase> connection_;
  };

  struct PendingReplace;

  SqliteCacheStore(std::string path, SqliteOpenMode mode, std::string cache_table,
                   std::string log_table);
  void WriteGroup(const std::vector<PendingReplace*>& group);
  Status WriteOne(SqliteDatabase& connection, const PendingReplace& pending);
  Result<Lease> Acquire();
  void Release(std::unique_ptr<SqliteDatabase> connection);
  Result<std::unique_ptr<SqliteDatabase>> Connect() const;

  const std::string path_;
  const SqliteOpenMode mode_;      // of connections after the first (never kCreate)
  const std::string cache_table_;  // quoted identifiers
  const std::string log_table_;
  std::mutex pool_mutex_;
  std::vector<std::unique_ptr<SqliteDatabase>> idle_;  // guarded by pool_mutex_
  // Held for every write: threads of this process queue here instead of spinning in SQLite's
  // busy handler.
  std::mutex write_mutex_;
  // Replace's group commit (see Replace): callers waiting for a leader to write theirs.
  std::mutex group_mutex_;
  std::condition_variable group_done_;
  std::vector<PendingReplace*> group_queue_;  // guarded by group_mutex_
  bool group_leader_active_ = false;          // guarded by group_mutex_
};

}  // namespace tc
