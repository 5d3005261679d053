// The production cache store on MySQL/MariaDB (`store.url = mysql://user@host:port/db`, password
// from store.password): documents, audit log, run history, per-user state and run locks in InnoDB
// tables (utf8mb4). Schema: docs/stores.md.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "config/config.h"
#include "mysql/mysql_pool.h"
#include "store/cache_store.h"

namespace tc {

// Thread-safe: each call borrows one of a small pool of connections. Every statement is prepared
// (values bound, never spliced). A document is stored as the text JsStringify(DocumentToJson(doc))
// with a version counter for compare-and-swap. A lost connection (server restart) is replaced and
// the call repeated, with bounded retries (MysqlRetryPolicy); repeating is safe because reads are
// idempotent and every write is conditioned on what it read (a Replace whose COMMIT reached the
// server before the connection dropped comes back as kConflict, never as a second write).
class MysqlCacheStore final : public CacheStore {
 public:
  struct Options {
    int pool_size = 8;  // connections; the engine's concurrency is a good value
    // The tables other than the two collections: <prefix>runs, <prefix>user_state, <prefix>locks.
    std::string table_prefix = "ticketcache_";
    MysqlRetryPolicy retry;
  };

  // Connects once, so a wrong password or an unreachable server fails here (kStore naming the
  // server, never the password); the tables are created by Init(). kConfig for a bad URL or a
  // collection name that is not a plain identifier.
  static Result<std::unique_ptr<MysqlCacheStore>> Open(const StoreConfig& config,
                                                       const Options& options);
  static Result<std::unique_ptr<MysqlCacheStore>> Open(const StoreConfig& config) {
    return Open(config, Options());
  }

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

  // The audit entries of one user, oldest first (diagnostics and tests; the engine only appends).
  Result<std::vector<AuditEntry>> AuditLog(int64_t user_id);

 private:
  // Adds index `name` on `columns` to `table` unless an index of that name exists (MySQL 8 has no
  // CREATE INDEX IF NOT EXISTS).
  Status EnsureIndex(const std::string& table, const std::string& name, const std::string& columns);
  Result<int64_t> DeleteOlderThan(const std::string& table, const std::string& column,
                                  int64_t cutoff);
  struct Tables {  // quoted identifiers
    std::string cache, log, runs, user_state, locks;
  };
  MysqlCacheStore(MysqlConnectOptions connect, const Options& options, Tables tables);
  // Runs statements that return no rows.
  Status Execute(const std::string& sql, std::span<const SqlParam> params);

  MysqlPool pool_;
  const Tables tables_;
};

}  // namespace tc
