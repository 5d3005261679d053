#include "store/sqlite_cache_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <system_error>
#include <unordered_map>
#include <utility>

#include "json/js_json.h"

namespace tc {
namespace {

constexpr int kBusyTimeoutMs = 10'000;

bool IsPlainIdentifier(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  if (std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

std::string Quote(const std::string& identifier) { return "\"" + identifier + "\""; }

// A JSON array of ids, bound as one parameter and unpacked by json_each(): one statement for any
// number of ids.
std::string IdArray(std::span<const int64_t> ids) {
  std::string text = "[";
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) text += ',';
    text += std::to_string(ids[i]);
  }
  text += ']';
  return text;
}

}  // namespace

// One sqlite3 handle (used by one thread at a time) with its prepared statements, kept for reuse.
class SqliteConnection {
 public:
  static Result<std::unique_ptr<SqliteConnection>> Open(const std::string& path) {
    sqlite3* db = nullptr;
    const int rc =
        sqlite3_open_v2(path.c_str(), &db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    std::unique_ptr<SqliteConnection> connection(new SqliteConnection(db, path));
    if (rc != SQLITE_OK) return connection->Fail("cannot open");
    sqlite3_busy_timeout(db, kBusyTimeoutMs);
    // WAL: readers never block the writer; synchronous=NORMAL: a commit survives a crash of the
    // process (not necessarily of the machine) and never corrupts the file.
    if (sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", nullptr, nullptr,
                     nullptr) != SQLITE_OK) {
      return connection->Fail("cannot switch to WAL");
    }
    return connection;
  }

  ~SqliteConnection() {
    for (auto& [sql, statement] : statements_) sqlite3_finalize(statement);
    sqlite3_close(db_);
  }

  sqlite3* db() const { return db_; }

  // The prepared statement for `sql`, compiled once per connection.
  Result<sqlite3_stmt*> Prepare(const std::string& sql) {
    auto found = statements_.find(sql);
    if (found != statements_.end()) return found->second;
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v3(db_, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &statement, nullptr) !=
        SQLITE_OK) {
      return Fail("cannot prepare a statement");
    }
    statements_.emplace(sql, statement);
    return statement;
  }

  // Runs a statement that returns no rows.
  Status Exec(const std::string& sql, const std::string& what) {
    auto statement = Prepare(sql);
    if (!statement.ok()) return statement.error();
    const int rc = sqlite3_step(*statement);
    Status status = rc == SQLITE_DONE || rc == SQLITE_ROW ? Status::Ok() : Status(Fail(what));
    sqlite3_reset(*statement);
    return status;
  }

  // kStore naming the file, the operation and SQLite's reason.
  Error Fail(const std::string& what) const {
    std::string message = "sqlite:" + path_ + ": " + what + ": " + sqlite3_errmsg(db_);
    if (message.find("no such table") != std::string::npos) message += " (run `ticketcache init`)";
    return MakeError(ErrorClass::kStore, std::move(message));
  }

 private:
  SqliteConnection(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

  sqlite3* db_;
  std::string path_;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

namespace {

// One use of a prepared statement: bind, step, read columns; reset and unbound at scope exit so
// the cached statement is ready for the next use.
class Query {
 public:
  explicit Query(sqlite3_stmt* statement) : statement_(statement) {}
  ~Query() {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
  }
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;

  Query& Bind(int index, int64_t value) {
    sqlite3_bind_int64(statement_, index, value);
    return *this;
  }
  Query& Bind(int index, const std::string& value) {
    sqlite3_bind_text(statement_, index, value.data(), static_cast<int>(value.size()),
                      SQLITE_TRANSIENT);
    return *this;
  }
  int Step() { return sqlite3_step(statement_); }
  int64_t Int(int column) const { return sqlite3_column_int64(statement_, column); }
  std::string Text(int column) const {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement_, column));
    return text == nullptr ? std::string()
                           : std::string(text, sqlite3_column_bytes(statement_, column));
  }

 private:
  sqlite3_stmt* statement_;
};

// BEGIN IMMEDIATE (takes the write lock up front, so the transaction never fails half-way on a
// lock upgrade) ... COMMIT; rolled back if it goes out of scope uncommitted.
class Transaction {
 public:
  explicit Transaction(SqliteConnection& connection) : connection_(connection) {}
  ~Transaction() {
    if (active_) (void)connection_.Exec("ROLLBACK", "rollback");
  }
  Status Begin() {
    Status status = connection_.Exec("BEGIN IMMEDIATE", "cannot begin a transaction");
    active_ = status.ok();
    return status;
  }
  Status Commit() {
    Status status = connection_.Exec("COMMIT", "cannot commit");
    if (status.ok()) active_ = false;
    return status;
  }

 private:
  SqliteConnection& connection_;
  bool active_ = false;
};

UserState ReadUserState(const Query& query) {
  UserState state;
  state.user_id = query.Int(0);
  state.consecutive_failures = static_cast<int>(query.Int(1));
  state.last_error_class = query.Text(2);
  state.last_error_message = query.Text(3);
  state.last_attempt_at = query.Int(4);
  state.next_attempt_at = query.Int(5);
  state.token_fingerprint = query.Text(6);
  return state;
}

constexpr const char* kUserStateColumns =
    "user_id, consecutive_failures, last_error_class, last_error_message, last_attempt_at, "
    "next_attempt_at, token_fingerprint";

}  // namespace

// A borrowed connection, returned to the pool when the lease ends.
class SqliteCacheStore::Lease {
 public:
  Lease(SqliteCacheStore* store, std::unique_ptr<SqliteConnection> connection)
      : store_(store), connection_(std::move(connection)) {}
  Lease(Lease&&) = default;
  Lease& operator=(Lease&&) = delete;
  ~Lease() {
    if (connection_ != nullptr) store_->Release(std::move(connection_));
  }
  SqliteConnection& connection() { return *connection_; }

 private:
  SqliteCacheStore* store_;
  std::unique_ptr<SqliteConnection> connection_;
};

SqliteCacheStore::SqliteCacheStore(std::string path, std::string cache_table, std::string log_table)
    : path_(std::move(path)),
      cache_table_(std::move(cache_table)),
      log_table_(std::move(log_table)) {}

SqliteCacheStore::~SqliteCacheStore() = default;

Result<std::unique_ptr<SqliteCacheStore>> SqliteCacheStore::Open(const std::string& path,
                                                                 const StoreConfig& config) {
  for (const auto& [setting, name] : {std::pair{"store.cache_collection", &config.cache_collection},
                                      std::pair{"store.log_collection", &config.log_collection}}) {
    if (!IsPlainIdentifier(*name)) {
      return MakeError(ErrorClass::kConfig,
                       std::string(setting) +
                           " must be a plain identifier ([A-Za-z_][A-Za-z0-9_]*), got \"" + *name +
                           "\"");
    }
  }
  if (path.empty() || path == ":memory:") {
    return MakeError(ErrorClass::kConfig,
                     "store.url: sqlite: needs a file path (an in-memory database would not be "
                     "shared between connections)");
  }
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) {
    std::error_code ignored;  // a failure shows up as "cannot open" below
    std::filesystem::create_directories(parent, ignored);
  }
  std::unique_ptr<SqliteCacheStore> store(
      new SqliteCacheStore(path, config.cache_collection, config.log_collection));
  auto first = SqliteConnection::Open(path);
  if (!first.ok()) return first.error();
  store->Release(std::move(first).value());
  return store;
}

Result<SqliteCacheStore::Lease> SqliteCacheStore::Acquire() {
  {
    std::lock_guard<std::mutex> lock(pool_mutex_);
    if (!idle_.empty()) {
      std::unique_ptr<SqliteConnection> connection = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(connection));
    }
  }
  auto connection = SqliteConnection::Open(path_);
  if (!connection.ok()) return connection.error();
  return Lease(this, std::move(connection).value());
}

void SqliteCacheStore::Release(std::unique_ptr<SqliteConnection> connection) {
  // A connection left inside a transaction (a failed ROLLBACK) is closed, not reused.
  if (sqlite3_get_autocommit(connection->db()) == 0) {
    (void)connection->Exec("ROLLBACK", "rollback");
    if (sqlite3_get_autocommit(connection->db()) == 0) return;
  }
  std::lock_guard<std::mutex> lock(pool_mutex_);
  idle_.push_back(std::move(connection));
}

Status SqliteCacheStore::Init() {
  std::lock_guard<std::mutex> write_lock(write_mutex_);
  auto lease = Acquire();
  if (!lease.ok()) return lease.error();
  SqliteConnection& connection = lease->connection();
  const std::string cache = Quote(cache_table_);
  const std::string log = Quote(log_table_);
  const std::string schema =
      "BEGIN IMMEDIATE;"
      "CREATE TABLE IF NOT EXISTS " +
      cache +
      " (user_id INTEGER PRIMARY KEY, timestamp INTEGER NOT NULL, version INTEGER NOT NULL,"
      "  document TEXT NOT NULL);"
      "CREATE INDEX IF NOT EXISTS " +
      Quote(cache_table_ + "_timestamp") + " ON " + cache +
      " (timestamp);"
      "CREATE TABLE IF NOT EXISTS " +
      log +
      " (id INTEGER PRIMARY KEY AUTOINCREMENT, user_id INTEGER NOT NULL, pass_uuid TEXT NOT NULL,"
      "  list TEXT NOT NULL, action TEXT NOT NULL, status TEXT NOT NULL, payload TEXT NOT NULL,"
      "  payload_hash TEXT NOT NULL, timestamp INTEGER NOT NULL);"
      "CREATE INDEX IF NOT EXISTS " +
      Quote(log_table_ + "_user_timestamp") + " ON " + log +
      " (user_id, timestamp);"
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
  if (sqlite3_exec(connection.db(), schema.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
    Error error = connection.Fail("cannot create the schema");
    (void)connection.Exec("ROLLBACK", "rollback");
    return error;
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
  SqliteConnection& connection = lease->connection();
  auto statement = connection.Prepare("SELECT user_id, timestamp FROM " + Quote(cache_table_) +
                                      " WHERE user_id IN (SELECT value FROM json_each(?1))"
                                      " ORDER BY user_id");
  if (!statement.ok()) return statement.error();
  Query query(*statement);
  query.Bind(1, IdArray(user_ids));
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
    SqliteConnection& connection = lease->connection();
    auto statement = connection.Prepare("SELECT version, document FROM " + Quote(cache_table_) +
                                        " WHERE user_id = ?1");
    if (!statement.ok()) return statement.error();
    Query query(*statement);
    query.Bind(1, user_id);
    const int rc = query.Step();
    if (rc == SQLITE_DONE) return std::optional<StoredDocument>();
    if (rc != SQLITE_ROW) {
      return connection.Fail("cannot read the document of user " + std::to_string(user_id));
    }
    version = query.Int(0);
    text = query.Text(1);
  }
  auto unreadable = [&](const Error& error) {
    return MakeError(ErrorClass::kStore, "sqlite:" + path_ + ": the stored document of user " +
                                             std::to_string(user_id) +
                                             " is unreadable: " + error.ToString());
  };
  auto json = ParseJsJson(text);
  if (!json.ok()) return unreadable(json.error());
  auto document = DocumentFromJson(*json);
  if (!document.ok()) return unreadable(document.error());
  // The key column is authoritative: ids beyond 2^53 do not survive JSON's doubles.
  document->user_id = user_id;
  return std::optional<StoredDocument>(StoredDocument{std::move(document).value(), version});
}

Status SqliteCacheStore::Replace(const CacheDocument& document,
                                 std::optional<int64_t> expected_version,
                                 std::span<const AuditEntry> audit) {
  // Serialize before taking the write lock: the lock is held only for the SQL.
  const std::string text = JsStringify(DocumentToJson(document));
  std::vector<std::string> audit_payloads;
  audit_payloads.reserve(audit.size());
  for (const AuditEntry& entry : audit) audit_payloads.push_back(JsStringify(entry.payload));

  std::lock_guard<std::mutex> write_lock(write_mutex_);
  auto lease = Acquire();
  if (!lease.ok()) return lease.error();
  SqliteConnection& connection = lease->connection();
  const std::string user = "user " + std::to_string(document.user_id);
  Transaction transaction(connection);
  if (Status begun = transaction.Begin(); !begun.ok()) return begun;
  {
    auto statement = connection.Prepare(
        expected_version.has_value()
            ? "UPDATE " + Quote(cache_table_) +
                  " SET timestamp = ?2, version = version + 1, document = ?3"
                  " WHERE user_id = ?1 AND version = ?4"
            : "INSERT INTO " + Quote(cache_table_) +
                  " (user_id, timestamp, version, document) VALUES (?1, ?2, 1, ?3)"
                  " ON CONFLICT (user_id) DO NOTHING");
    if (!statement.ok()) return statement.error();
    Query query(*statement);
    query.Bind(1, document.user_id).Bind(2, document.timestamp).Bind(3, text);
    if (expected_version.has_value()) query.Bind(4, *expected_version);
    if (query.Step() != SQLITE_DONE) {
      return connection.Fail("cannot write the document of " + user);
    }
    if (sqlite3_changes(connection.db()) == 0) {
      return MakeError(ErrorClass::kConflict,
                       "the document of " + user +
                           (expected_version.has_value()
                                ? " is no longer at version " + std::to_string(*expected_version)
                                : " was created by another writer"));
    }
  }
  if (!audit.empty()) {
    auto statement =
        connection.Prepare("INSERT INTO " + Quote(log_table_) +
                           " (user_id, pass_uuid, list, action, status, payload, payload_hash,"
                           " timestamp) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    if (!statement.ok()) return statement.error();
    for (size_t i = 0; i < audit.size(); ++i) {
      const AuditEntry& entry = audit[i];
      Query query(*statement);
      query.Bind(1, entry.user_id)
          .Bind(2, entry.pass_uuid)
          .Bind(3, std::string(PassListName(entry.list)))
          .Bind(4, std::string(entry.created ? "create" : "update"))
          .Bind(5, entry.status)
          .Bind(6, audit_payloads[i])
          .Bind(7, entry.payload_hash)
          .Bind(8, entry.timestamp);
      if (query.Step() != SQLITE_DONE) {
        return connection.Fail("cannot append the audit log of " + user);
      }
    }
  }
  return transaction.Commit();
}

Result<std::vector<AuditEntry>> SqliteCacheStore::AuditLog(int64_t user_id) {
  auto lease = Acquire();
  if (!lease.ok()) return lease.error();
  SqliteConnection& connection = lease->connection();
  auto statement = connection.Prepare(
      "SELECT pass_uuid, list, action, status, payload, payload_hash, timestamp FROM " +
      Quote(log_table_) + " WHERE user_id = ?1 ORDER BY id");
  if (!statement.ok()) return statement.error();
  Query query(*statement);
  query.Bind(1, user_id);
  std::vector<AuditEntry> entries;
  int rc;
  while ((rc = query.Step()) == SQLITE_ROW) {
    AuditEntry entry;
    entry.user_id = user_id;
    entry.pass_uuid = query.Text(0);
    entry.list = query.Text(1) == PassListName(PassListKind::kExpired) ? PassListKind::kExpired
                                                                       : PassListKind::kActive;
    entry.created = query.Text(2) == "create";
    entry.status = query.Text(3);
    auto payload = ParseJsJson(query.Text(4));
    if (!payload.ok()) {
      return MakeError(ErrorClass::kStore, "sqlite:" + path_ + ": an audit payload of user " +
                                               std::to_string(user_id) + " is unreadable");
    }
    entry.payload = std::move(payload).value();
    entry.payload_hash = query.Text(5);
    entry.timestamp = query.Int(6);
    entries.push_back(std::move(entry));
  }
  if (rc != SQLITE_DONE) return connection.Fail("cannot read the audit log");
  return entries;
}

Result<std::vector<UserState>> SqliteCacheStore::LoadUserStates(std::span<const int64_t> user_ids) {
  std::vector<UserState> states;
  if (user_ids.empty()) return states;
  auto lease = Acquire();
  if (!lease.ok()) return lease.error();
  SqliteConnection& connection = lease->connection();
  auto statement = connection.Prepare(std::string("SELECT ") + kUserStateColumns +
                                      " FROM ticketcache_user_state"
                                      " WHERE user_id IN (SELECT value FROM json_each(?1))"
                                      " ORDER BY user_id");
  if (!statement.ok()) return statement.error();
  Query query(*statement);
  query.Bind(1, IdArray(user_ids));
  int rc;
  while ((rc = query.Step()) == SQLITE_ROW) states.push_back(ReadUserState(query));
  if (rc != SQLITE_DONE) return connection.Fail("cannot read user states");
  return states;
}

Status SqliteCacheStore::SaveUserStates(std::span<const UserState> states) {
  if (states.empty()) return Status::Ok();
  std::lock_guard<std::mutex> write_lock(write_mutex_);
  auto lease = Acquire();
  if (!lease.ok()) return lease.error();
  SqliteConnection& connection = lease->connection();
  Transaction transaction(connection);
  if (Status begun = transaction.Begin(); !begun.ok()) return begun;
  auto statement = connection.Prepare(
      std::string("INSERT INTO ticketcache_user_state (") + kUserStateColumns +
      ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (user_id) DO UPDATE SET"
      " consecutive_failures = excluded.consecutive_failures,"
      " last_error_class = excluded.last_error_class,"
      " last_error_message = excluded.last_error_message,"
      " last_attempt_at = excluded.last_attempt_at, next_attempt_at = excluded.next_attempt_at,"
      " token_fingerprint = excluded.token_fingerprint");
  if (!statement.ok()) return statement.error();
  for (const UserState& state : states) {
    Query query(*statement);
    query.Bind(1, state.user_id)
        .Bind(2, int64_t{state.consecutive_failures})
        .Bind(3, state.last_error_class)
        .Bind(4, state.last_error_message)
        .Bind(5, state.last_attempt_at)
        .Bind(6, state.next_attempt_at)
        .Bind(7, state.token_fingerprint);
    if (query.Step() != SQLITE_DONE) {
      return connection.Fail("cannot save the state of user " + std::to_string(state.user_id));
    }
  }
  return transaction.Commit();
}

Result<std::vector<UserState>> SqliteCacheStore::FailingUsers(int limit) {
  std::vector<UserState> states;
  if (limit <= 0) return states;
  auto lease = Acquire();
  if (!lease.ok()) return lease.error();
  SqliteConnection& connection = lease->connection();
  auto statement = connection.Prepare(
      std::string("SELECT ") + kUserStateColumns +
      " FROM ticketcache_user_state WHERE consecutive_failures > 0"
      " ORDER BY consecutive_failures DESC, last_attempt_at DESC, user_id LIMIT ?1");
  if (!statement.ok()) return statement.error();
  Query query(*statement);
  query.Bind(1, int64_t{limit});
  int rc;
  while ((rc = query.Step()) == SQLITE_ROW) states.push_back(ReadUserState(query));
  if (rc != SQLITE_DONE) return connection.Fail("cannot read failing users");
  return states;
}

Status SqliteCacheStore::SaveRun(const RunRecord& run) {
  std::lock_guard<std::mutex> write_lock(write_mutex_);
  auto lease = Acquire();
  if (!lease.ok()) return lease.error();
  SqliteConnection& connection = lease->connection();
  auto statement = connection.Prepare(
      "INSERT INTO ticketcache_runs (run_id, started_at_ms, finished_at_ms, status, shard,"
      " summary_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (run_id) DO UPDATE SET"
      " started_at_ms = excluded.started_at_ms, finished_at_ms = excluded.finished_at_ms,"
      " status = excluded.status, shard = excluded.shard, summary_json = excluded.summary_json");
  if (!statement.ok()) return statement.error();
  Query query(*statement);
  query.Bind(1, run.run_id)
      .Bind(2, run.started_at_ms)
      .Bind(3, run.finished_at_ms)
      .Bind(4, run.status)
      .Bind(5, run.shard)
      .Bind(6, run.summary_json);
  if (query.Step() != SQLITE_DONE) return connection.Fail("cannot save run " + run.run_id);
  return Status::Ok();
}

Result<std::vector<RunRecord>> SqliteCacheStore::RecentRuns(int limit) {
  std::vector<RunRecord> runs;
  if (limit <= 0) return runs;
  auto lease = Acquire();
  if (!lease.ok()) return lease.error();
  SqliteConnection& connection = lease->connection();
  auto statement = connection.Prepare(
      "SELECT run_id, started_at_ms, finished_at_ms, status, shard, summary_json"
      " FROM ticketcache_runs ORDER BY started_at_ms DESC, run_id DESC LIMIT ?1");
  if (!statement.ok()) return statement.error();
  Query query(*statement);
  query.Bind(1, int64_t{limit});
  int rc;
  while ((rc = query.Step()) == SQLITE_ROW) {
    runs.push_back(RunRecord{query.Text(0), query.Int(1), query.Int(2), query.Text(3),
                             query.Text(4), query.Text(5)});
  }
  if (rc != SQLITE_DONE) return connection.Fail("cannot read runs");
  return runs;
}

// One statement decides and takes the lock: insert when free, or overwrite when the holder is the
// same owner or its lease has expired; zero changed rows means someone else holds it.
Result<bool> SqliteCacheStore::TryLock(const std::string& name, const std::string& owner,
                                       int64_t now_ms, int64_t expires_at_ms) {
  std::lock_guard<std::mutex> write_lock(write_mutex_);
  auto lease = Acquire();
  if (!lease.ok()) return lease.error();
  SqliteConnection& connection = lease->connection();
  auto statement = connection.Prepare(
      "INSERT INTO ticketcache_locks (name, owner, expires_at_ms) VALUES (?1, ?2, ?4)"
      " ON CONFLICT (name) DO UPDATE SET owner = excluded.owner,"
      " expires_at_ms = excluded.expires_at_ms"
      " WHERE ticketcache_locks.owner = excluded.owner OR ticketcache_locks.expires_at_ms <= ?3");
  if (!statement.ok()) return statement.error();
  Query query(*statement);
  query.Bind(1, name).Bind(2, owner).Bind(3, now_ms).Bind(4, expires_at_ms);
  if (query.Step() != SQLITE_DONE) return connection.Fail("cannot take lock " + name);
  return sqlite3_changes(connection.db()) > 0;
}

Status SqliteCacheStore::Unlock(const std::string& name, const std::string& owner) {
  std::lock_guard<std::mutex> write_lock(write_mutex_);
  auto lease = Acquire();
  if (!lease.ok()) return lease.error();
  SqliteConnection& connection = lease->connection();
  auto statement =
      connection.Prepare("DELETE FROM ticketcache_locks WHERE name = ?1 AND owner = ?2");
  if (!statement.ok()) return statement.error();
  Query query(*statement);
  query.Bind(1, name).Bind(2, owner);
  if (query.Step() != SQLITE_DONE) return connection.Fail("cannot release lock " + name);
  return Status::Ok();
}

Result<std::optional<LockLease>> SqliteCacheStore::ReadLock(const std::string& name) {
  auto lease = Acquire();
  if (!lease.ok()) return lease.error();
  SqliteConnection& connection = lease->connection();
  auto statement = connection.Prepare(
      "SELECT owner, expires_at_ms FROM ticketcache_locks WHERE name = ?1");
  if (!statement.ok()) return statement.error();
  Query query(*statement);
  query.Bind(1, name);
  const int rc = query.Step();
  if (rc == SQLITE_DONE) return std::optional<LockLease>();
  if (rc != SQLITE_ROW) return connection.Fail("cannot read lock " + name);
  return std::optional<LockLease>(LockLease{query.Text(0), query.Int(1)});
}

}  // namespace tc
