#include "sqlite/sqlite_cache_store.h"

#include <filesystem>
#include <system_error>
#include <utility>

#include "sqlite/sqlite_identifier.h"
#include "sqlite/sqlite_query.h"
#include "sqlite/sqlite_transaction.h"
#include "store/sql_stored_document.h"

namespace tc {
namespace {

// "name" for the quoted identifier "\"name\"" (index names are derived from table names).
std::string Unquoted(const std::string& quoted) { return quoted.substr(1, quoted.size() - 2); }

}  // namespace

SqliteCacheStore::SqliteCacheStore(std::string path, SqliteOpenMode mode, std::string cache_table,
                                   std::string log_table)
    : path_(std::move(path)),
      mode_(mode),
      cache_table_(std::move(cache_table)),
      log_table_(std::move(log_table)) {}

SqliteCacheStore::~SqliteCacheStore() = default;

Result<std::unique_ptr<SqliteCacheStore>> SqliteCacheStore::Open(const std::string& path,
                                                                 const StoreConfig& config,
                                                                 StoreAccess access) {
  auto cache = QuoteSqliteIdentifier(config.cache_collection, "store.cache_collection");
  if (!cache.ok()) return cache.error();
  auto log = QuoteSqliteIdentifier(config.log_collection, "store.log_collection");
  if (!log.ok()) return log.error();
  const SqliteOpenMode first_mode = access == StoreAccess::kCreate     ? SqliteOpenMode::kCreate
                                    : access == StoreAccess::kReadOnly ? SqliteOpenMode::kReadOnly
                                                                       : SqliteOpenMode::kReadWrite;
  auto first = SqliteDatabase::Open(path, first_mode);
  if (!first.ok()) {
    std::string message = "store.url: " + first.error().message;
    std::error_code ec;
    if (first.error().error_class == ErrorClass::kStore && first_mode != SqliteOpenMode::kCreate &&
        !std::filesystem::exists(path, ec)) {
      message += " (only `ticketcache init` creates it; check the path)";
    }
    return MakeError(first.error().error_class, std::move(message));
  }
  // Once the file exists, further connections open it without creating.
  const SqliteOpenMode mode =
      first_mode == SqliteOpenMode::kCreate ? SqliteOpenMode::kReadWrite : first_mode;
  std::unique_ptr<SqliteCacheStore> store(
      new SqliteCacheStore(path, mode, std::move(cache).value(), std::move(log).value()));
  (*first)->set_missing_table_hint(" (run `ticketcache init`)");
  store->Release(std::move(first).value());
  return store;
}

Result<std::unique_ptr<SqliteDatabase>> SqliteCacheStore::Connect() const {
  auto connection = SqliteDatabase::Open(path_, mode_);
  if (connection.ok()) (*connection)->set_missing_table_hint(" (run `ticketcache init`)");
  return connection;
}

Result<SqliteCacheStore::Lease> SqliteCacheStore::Acquire() {
  {
    std::lock_guard<std::mutex> lock(pool_mutex_);
    if (!idle_.empty()) {
      std::unique_ptr<SqliteDatabase> connection = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(connection));
    }
  }
  auto connection = Connect();
  if (!connection.ok()) return connection.error();
  return Lease(this, std::move(connection).value());
}

void SqliteCacheStore::Release(std::unique_ptr<SqliteDatabase> connection) {
  // A connection left inside a transaction (a failed ROLLBACK) is closed, not reused.
  if (connection->InTransaction()) {
    (void)connection->Exec("ROLLBACK", "rollback");
    if (connection->InTransaction()) return;
  }
  std::lock_guard<std::mutex> lock(pool_mutex_);
  idle_.push_back(std::move(connection));
}

Status SqliteCacheStore::Init() {
  std::lock_guard<std::mutex> write_lock(write_mutex_);
  auto lease = Acquire();
  if (!lease.ok()) return lease.error();
  SqliteDatabase& connection = lease->connection();
  const std::string& cache = cache_table_;
  const std::string& log = log_table_;
  const std::string schema =
      "BEGIN IMMEDIATE;"
      "CREATE TABLE IF NOT EXISTS " +
      cache +
      " (user_id INTEGER PRIMARY KEY, timestamp INTEGER NOT NULL, version INTEGER NOT NULL,"
      "  document TEXT NOT NULL);"
      "CREATE INDEX IF NOT EXISTS " +
      "\"" + Unquoted(cache_table_) + "_timestamp\"" + " ON " + cache +
      " (timestamp);"
      "CREATE TABLE IF NOT EXISTS " +
      log +
      " (id INTEGER PRIMARY KEY AUTOINCREMENT, user_id INTEGER NOT NULL, pass_uuid TEXT NOT NULL,"
      "  list TEXT NOT NULL, action TEXT NOT NULL, status TEXT NOT NULL, payload TEXT NOT NULL,"
      "  payload_hash TEXT NOT NULL, timestamp INTEGER NOT NULL);"
      "CREATE INDEX IF NOT EXISTS " +
      "\"" + Unquoted(log_table_) + "_user_timestamp\"" + " ON " + log +
      " (user_id, timestamp);"
      "CREATE INDEX IF NOT EXISTS " +
      "\"" + Unquoted(log_table_) + "_timestamp\"" + " ON " + log +
      " (timestamp);"
      "CREATE TABLE IF NOT EXISTS ticketcache_runs"
      " (run_id TEXT PRIMARY KEY, started_at_ms INTEGER NOT NULL, finished_at_ms INTEGER NOT NULL,"
      "  status TEXT NOT NULL, shard TEXT NOT NULL, summary_json TEXT NOT NULL);"
      "CREATE INDEX IF NOT EXISTS ticketcache_runs_started ON ticketcache_runs (started_at_ms);"
      "CREATE TABLE IF NOT EXISTS ticketcache_user_state"
      " (user_id INTEGER PRIMARY KEY, consecutive_failures INTEGER NOT NULL,"
      "  last_error_class TEXT NOT NULL, last_error_message TEXT NOT NULL,"
      "  last_attempt_at INTEGER NOT NULL, next_attempt_at INTEGER NOT NULL,"
      "  token_fingerprint TEXT NOT NULL);"
      "CREATE INDEX IF NOT EXISTS ticketcache_user_state_failures"
      " ON ticketcache_user_state (consecutive_failures);"
      "CREATE TABLE IF NOT EXISTS ticketcache_locks"
      " (name TEXT PRIMARY KEY, owner TEXT NOT NULL, expires_at_ms INTEGER NOT NULL);"
      "COMMIT;";
  if (Status created = connection.ExecScript(schema, "cannot create the schema"); !created.ok()) {
    (void)connection.Exec("ROLLBACK", "rollback");
    return created;
  }
  return Status::Ok();
}

Status SqliteCacheStore::Ping() {
  auto lease = Acquire();
  if (!lease.ok()) return lease.error();
  return lease->connection().Exec("SELECT 1", "ping");
}

Result<std::vector<CacheTimestamp>> SqliteCacheStore::CacheTimestamps(
    std::span<const int64_t> user_ids) {
  std::vector<CacheTimestamp> found;
  if (user_ids.empty()) return found;
  auto lease = Acquire();
  if (!lease.ok()) return lease.error();
  SqliteDatabase& connection = lease->connection();
  auto statement = connection.Prepare("SELECT user_id, timestamp FROM " + cache_table_ +
                                      " WHERE user_id IN (SELECT value FROM json_each(?1))"
                                      " ORDER BY user_id");
  if (!statement.ok()) return statement.error();
  SqliteQuery query(*statement);
  query.Bind(1, SqliteIdArray(user_ids));
  int rc;
  while ((rc = query.Step()) == SQLITE_ROW) found.push_back({query.Int(0), query.Int(1)});
  if (rc != SQLITE_DONE) return connection.Fail("cannot read cache timestamps");
  return found;
}

Result<std::optional<StoredDocument>> SqliteCacheStore::Load(int64_t user_id) {
  std::string text;
  int64_t version = 0;
  {
    auto lease = Acquire();
    if (!lease.ok()) return lease.error();
    SqliteDatabase& connection = lease->connection();
    auto statement =
        connection.Prepare("SELECT version, document FROM " + cache_table_ + " WHERE user_id = ?1");
    if (!statement.ok()) return statement.error();
    SqliteQuery query(*statement);
    query.Bind(1, user_id);
    const int rc = query.Step();
    if (rc == SQLITE_DONE) return std::optional<StoredDocument>();
    if (rc != SQLITE_ROW) {
      return connection.Fail("cannot read the document of user " + std::to_string(user_id));
    }
    version = query.Int(0);
    text = query.Text(1);
  }
  return StoredDocumentFromText("sqlite:" + path_, user_id, text, version);
}

// One caller's Replace, waiting in the group commit queue.
struct SqliteCacheStore::PendingReplace {
  const CacheDocument& document;
  const std::string& text;
  std::optional<int64_t> expected_version;
  std::span<const AuditEntry> audit;
  const std::vector<std::string>& audit_payloads;
  Status result = Status::Ok();
  bool done = false;
};

// Group commit: a caller that finds no write in progress becomes the leader and writes every
// Replace queued so far (its own included) in one transaction, each in its own savepoint, so one
// user's conflict or failure leaves the others' writes in place; the other callers wait for the
// commit that carries theirs. Each document is old or new, never half: a failed commit rolls the
// whole group back and every caller in it gets the error.
Status SqliteCacheStore::Replace(const CacheDocument& document,
                                 std::optional<int64_t> expected_version,
                                 std::span<const AuditEntry> audit) {
  // Serialize before queueing: the write lock is held only for the SQL.
  const std::string text = DocumentText(document);
  std::vector<std::string> audit_payloads;
  audit_payloads.reserve(audit.size());
  for (const AuditEntry& entry : audit) audit_payloads.push_back(AuditPayloadText(entry));

  PendingReplace mine{document, text, expected_version, audit, audit_payloads};
  std::unique_lock<std::mutex> lock(group_mutex_);
  group_queue_.push_back(&mine);
  while (!mine.done) {
    if (group_leader_active_) {
      group_done_.wait(lock);
      continue;
    }
    group_leader_active_ = true;
    std::vector<PendingReplace*> group;
    group.swap(group_queue_);
    lock.unlock();
    WriteGroup(group);
    lock.lock();
    for (PendingReplace* pending : group) pending->done = true;
    group_leader_active_ = false;
    group_done_.notify_all();
  }
  return mine.result;
}

void SqliteCacheStore::WriteGroup(const std::vector<PendingReplace*>& group) {
  auto fail_all = [&group](const Status& status) {
    for (PendingReplace* pending : group) pending->result = status;
  };
  std::lock_guard<std::mutex> write_lock(write_mutex_);
  auto lease = Acquire();
  if (!lease.ok()) return fail_all(lease.error());
  SqliteDatabase& connection = lease->connection();
  SqliteTransaction transaction(connection);
  if (Status begun = transaction.Begin(); !begun.ok()) return fail_all(begun);
  const bool savepoints = group.size() > 1;
  bool any_written = false;
  for (PendingReplace* pending : group) {
    if (savepoints) {
      if (Status saved = connection.Exec("SAVEPOINT replace_one", "cannot start a savepoint");
          !saved.ok()) {
        return fail_all(saved);  // the transaction rolls back: nothing of the group is written
      }
    }
    pending->result = WriteOne(connection, *pending);
    if (!savepoints) break;
    if (!pending->result.ok()) {
      if (Status undone = connection.Exec("ROLLBACK TO replace_one", "cannot roll back a write");
          !undone.ok()) {
        return fail_all(undone);
      }
    } else {
      any_written = true;
    }
    if (Status released = connection.Exec("RELEASE replace_one", "cannot release a savepoint");
        !released.ok()) {
      return fail_all(released);
    }
  }
  if (!savepoints) any_written = group.front()->result.ok();
  if (!any_written) return;  // the transaction rolls back: nothing to keep
  if (Status committed = transaction.Commit(); !committed.ok()) {
    for (PendingReplace* pending : group) {
      if (pending->result.ok()) pending->result = committed;
    }
  }
}

Status SqliteCacheStore::WriteOne(SqliteDatabase& connection, const PendingReplace& pending) {
  const CacheDocument& document = pending.document;
  const std::optional<int64_t>& expected_version = pending.expected_version;
  const std::span<const AuditEntry> audit = pending.audit;
  const std::string user = "user " + std::to_string(document.user_id);
  {
    auto statement = connection.Prepare(
        expected_version.has_value()
            ? "UPDATE " + cache_table_ +
                  " SET timestamp = ?2, version = version + 1, document = ?3"
                  " WHERE user_id = ?1 AND version = ?4"
            : "INSERT INTO " + cache_table_ +
                  " (user_id, timestamp, version, document) VALUES (?1, ?2, 1, ?3)"
                  " ON CONFLICT (user_id) DO NOTHING");
    if (!statement.ok()) return statement.error();
    SqliteQuery query(*statement);
    query.Bind(1, document.user_id).Bind(2, document.timestamp).Bind(3, pending.text);
    if (expected_version.has_value()) query.Bind(4, *expected_version);
    if (query.Step() != SQLITE_DONE) {
      return connection.Fail("cannot write the document of " + user);
    }
    if (connection.Changes() == 0) {
      return MakeError(ErrorClass::kConflict,
                       "the document of " + user +
                           (expected_version.has_value()
                                ? " is no longer at version " + std::to_string(*expected_version)
                                : " was created by another writer"));
    }
  }
  if (!audit.empty()) {
    auto statement =
        connection.Prepare("INSERT INTO " + log_table_ +
                           " (user_id, pass_uuid, list, action, status, payload, payload_hash,"
                           " timestamp) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    if (!statement.ok()) return statement.error();
    for (size_t i = 0; i < audit.size(); ++i) {
      const AuditEntry& entry = audit[i];
      SqliteQuery query(*statement);
      query.Bind(1, entry.user_id)
          .Bind(2, entry.pass_uuid)
          .Bind(3, std::string(PassListName(entry.list)))
          .Bind(4, std::string(entry.created ? "create" : "update"))
          .Bind(5, entry.status)
          .Bind(6, pending.audit_payloads[i])
          .Bind(7, entry.payload_hash)
          .Bind(8, entry.timestamp);
      if (query.Step() != SQLITE_DONE) {
        return connection.Fail("cannot append the audit log of " + user);
      }
    }
  }
  return Status::Ok();
}

}  // namespace tc
