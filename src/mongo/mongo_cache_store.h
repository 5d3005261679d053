// The MongoDB cache store on libmongoc: the Node job's `BytemarkTicketsCache` and
// `BytemarkTicketsLog` collections, typed as the Node driver writes them, plus ticketcache's own
// `ticketcache_runs`, `ticketcache_user_state` and `ticketcache_locks`. Collections, indexes,
// versioning and the drop-in path: docs/stores.md.
#pragma once

#include <mongoc/mongoc.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "clock/clock.h"
#include "config/config.h"
#include "error/error.h"
#include "store/cache_store.h"

namespace tc {

// Thread-safe: every call borrows a client from a mongoc_client_pool_t (blocking while all are in
// use). Without a replica set no transaction spans two collections, so Replace writes the audit
// entries first (one unordered bulk insert, deterministic ObjectIds: AuditEntryId), then the
// document (conditional update or first insert). So kStore always means "document unchanged":
// an audit insert that fails stops there, and the entries it may have left are found again (not
// duplicated) when the Replace is retried on the same base. A conflict takes back the entries
// this call inserted. The one leftover: a kStore from the document write itself (reply lost,
// server gone) keeps its audit entries, which describe a change the next run makes again on
// the same base, under the same ids: they are found, not duplicated. docs/stores.md. No message
// holds the password.
class MongoCacheStore final : public CacheStore {
 public:
  struct Options {
    // Connections in the client pool: one per concurrently refreshed user is enough. A
    // `maxPoolSize` option in the URL overrides it.
    int pool_size = 32;
    // ticketcache's own collections: <prefix>runs, <prefix>user_state, <prefix>locks, and on
    // FerretDB <prefix>claims.
    std::string collection_prefix = "ticketcache_";
    // Database when the URL names none. Deliberately not an app's database name: a store that
    // writes must be told where the apps' cache lives.
    std::string default_database = "ticketcache";
    // Tests only: which write path a conditional Replace takes, whatever the server. false runs
    // the plain conditional update MongoDB gets against FerretDB too, so single-writer tests
    // cover it (FerretDB's conditional update is not atomic between writers: never in
    // production). nullopt: by the server (write claims on FerretDB only).
    std::optional<bool> write_claims;
  };

  // Opens a store for config.url (`mongodb://…` or `mongodb+srv://…`). The password comes from
  // the URL or, when the URL has none, from config.password; TLS turns on with config.tls_ca.
  // Pings the server once. kConfig for a URL libmongoc rejects, kStore when the server cannot be
  // reached (after the URL's serverSelectionTimeoutMS, 30 s by default).
  static Result<std::unique_ptr<MongoCacheStore>> Open(const StoreConfig& config,
                                                       const Options& options);
  static Result<std::unique_ptr<MongoCacheStore>> Open(const StoreConfig& config) {
    return Open(config, Options());
  }

  MongoCacheStore(const MongoCacheStore&) = delete;
  MongoCacheStore& operator=(const MongoCacheStore&) = delete;
  ~MongoCacheStore() override;

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
  Result<int64_t> DeleteBefore(const std::string& collection_name, const char* field,
                               int64_t cutoff);
  struct Collections {
    std::string cache, log, runs, user_state, locks, claims;
  };
  MongoCacheStore(mongoc_client_pool_t* pool, std::string database, Collections collections,
                  std::vector<std::string> secrets);

  mongoc_client_pool_t* const pool_;
  const std::string database_;
  const Collections collections_;
  const std::vector<std::string> secrets_;  // scrubbed from every message
  // Write claims expire in real time: other processes' writers judge them by their own clocks.
  const SystemClock wall_clock_;
  // FerretDB: conditional updates take a write claim first (mongo_write_claim.h). Set by Open.
  bool claim_writes_ = false;
};

}  // namespace tc
