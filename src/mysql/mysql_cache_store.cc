#include "mysql/mysql_cache_store.h"

#include <mysqld_error.h>

#include <algorithm>
#include <utility>

#include "json/js_json.h"
#include "mysql/mysql_identifier.h"
#include "mysql/sql_placeholders.h"
#include "store/sql_stored_document.h"
#include "store/sql_user_state.h"

namespace tc {
namespace {

Status AsStatus(const Result<uint64_t>& result) {
  if (!result.ok()) return result.error();
  return Status::Ok();
}

UserState StateFromRow(const SqlRow& row) {
  UserState state;
  state.user_id = row.Int(0).value_or(0);
  state.consecutive_failures = static_cast<int>(row.Int(1).value_or(0));
  state.last_error_class = row.Text(2);
  state.last_error_message = row.Text(3);
  state.last_attempt_at = row.Int(4).value_or(0);
  state.next_attempt_at = row.Int(5).value_or(0);
  state.token_fingerprint = row.Text(6);
  return state;
}

}  // namespace

MysqlCacheStore::MysqlCacheStore(MysqlConnectOptions connect, const Options& options, Tables tables)
    : pool_(std::move(connect), options.pool_size, options.retry), tables_(std::move(tables)) {}

Result<std::unique_ptr<MysqlCacheStore>> MysqlCacheStore::Open(const StoreConfig& config,
                                                               const Options& options) {
  auto endpoint = ParseMysqlUrl(config.url, "store.url");
  if (!endpoint.ok()) return endpoint.error();
  Tables tables;
  const std::pair<std::string*, std::pair<std::string, const char*>> names[] = {
      {&tables.cache, {config.cache_collection, "store.cache_collection"}},
      {&tables.log, {config.log_collection, "store.log_collection"}},
      {&tables.runs, {options.table_prefix + "runs", "the runs table"}},
      {&tables.user_state, {options.table_prefix + "user_state", "the user state table"}},
      {&tables.locks, {options.table_prefix + "locks", "the locks table"}},
  };
  for (const auto& [target, name] : names) {
    auto quoted = QuoteMysqlIdentifier(name.first, name.second);
    if (!quoted.ok()) return quoted.error();
    *target = std::move(quoted).value();
  }
  MysqlConnectOptions connect;
  connect.endpoint = std::move(endpoint).value();
  connect.password = config.password;
  connect.tls_ca = config.tls_ca;
  std::unique_ptr<MysqlCacheStore> store(
      new MysqlCacheStore(std::move(connect), options, std::move(tables)));
  if (Status reachable = store->Ping(); !reachable.ok()) return reachable.error();
  return store;
}

Status MysqlCacheStore::Execute(const std::string& sql, std::span<const SqlParam> params) {
  return pool_.Run(
      [&](MysqlConnection& connection) { return AsStatus(connection.Execute(sql, params)); });
}

Status MysqlCacheStore::Init() {
  const std::string table_options = " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";
  const std::string statements[] = {
      "CREATE TABLE IF NOT EXISTS " + tables_.cache +
          " (user_id BIGINT NOT NULL PRIMARY KEY, timestamp BIGINT NOT NULL,"
          " version BIGINT NOT NULL, document LONGTEXT NOT NULL, INDEX by_timestamp (timestamp))" +
          table_options,
      "CREATE TABLE IF NOT EXISTS " + tables_.log +
          " (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, user_id BIGINT NOT NULL,"
          " pass_uuid VARCHAR(191) NOT NULL, list VARCHAR(16) NOT NULL, action VARCHAR(16) NOT "
          "NULL,"
          " status VARCHAR(191) NOT NULL, payload LONGTEXT NOT NULL, payload_hash CHAR(32) NOT "
          "NULL,"
          " timestamp BIGINT NOT NULL, INDEX by_user_timestamp (user_id, timestamp),"
          " INDEX by_timestamp (timestamp))" +
          table_options,
      "CREATE TABLE IF NOT EXISTS " + tables_.runs +
          " (run_id VARCHAR(191) NOT NULL PRIMARY KEY, started_at_ms BIGINT NOT NULL,"
          " finished_at_ms BIGINT NOT NULL, status VARCHAR(32) NOT NULL,"
          " shard VARCHAR(64) NOT NULL, summary_json LONGTEXT NOT NULL,"
          " INDEX by_started (started_at_ms))" +
          table_options,
      "CREATE TABLE IF NOT EXISTS " + tables_.user_state +
          " (user_id BIGINT NOT NULL PRIMARY KEY, consecutive_failures INT NOT NULL,"
          " last_error_class VARCHAR(64) NOT NULL, last_error_message TEXT NOT NULL,"
          " last_attempt_at BIGINT NOT NULL, next_attempt_at BIGINT NOT NULL,"
          " token_fingerprint VARCHAR(191) NOT NULL, INDEX by_failures (consecutive_failures))" +
          table_options,
      "CREATE TABLE IF NOT EXISTS " + tables_.locks +
          " (name VARCHAR(191) NOT NULL PRIMARY KEY, owner VARCHAR(191) NOT NULL,"
          " expires_at_ms BIGINT NOT NULL)" +
          table_options,
  };
  for (const std::string& sql : statements) {
    if (Status created = Execute(sql, {}); !created.ok()) return created;
  }
  // Audit tables made before retention existed lack the index its range delete needs.
  return EnsureIndex(tables_.log, "by_timestamp", "timestamp");
}

Status MysqlCacheStore::Ping() { return Execute("DO 1", {}); }

Result<std::vector<CacheTimestamp>> MysqlCacheStore::CacheTimestamps(
    std::span<const int64_t> user_ids) {
  std::vector<CacheTimestamp> found;
  for (size_t begin = 0; begin < user_ids.size(); begin += kIdsPerStatement) {
    const size_t count = std::min(kIdsPerStatement, user_ids.size() - begin);
    const std::string sql = "SELECT user_id, timestamp FROM " + tables_.cache +
                            " WHERE user_id IN (" + Placeholders(count) + ") ORDER BY user_id";
    const std::vector<SqlParam> params(user_ids.begin() + begin, user_ids.begin() + begin + count);
    auto rows = pool_.Run<std::vector<SqlRow>>(
        [&](MysqlConnection& connection) { return connection.Query(sql, params); });
    if (!rows.ok()) return rows.error();
    for (const SqlRow& row : *rows) {
      found.push_back({row.Int(0).value_or(0), row.Int(1).value_or(0)});
    }
  }
  return found;
}

Result<std::optional<StoredDocument>> MysqlCacheStore::Load(int64_t user_id) {
  const SqlParam params[] = {user_id};
  auto rows = pool_.Run<std::vector<SqlRow>>([&](MysqlConnection& connection) {
    return connection.Query("SELECT version, document FROM " + tables_.cache + " WHERE user_id = ?",
                            params);
  });
  if (!rows.ok()) return rows.error();
  if (rows->empty()) return std::optional<StoredDocument>();
  const SqlRow& row = rows->front();
  return StoredDocumentFromText("mysql", user_id, row.Text(1), row.Int(0).value_or(0));
}

Result<std::vector<AuditEntry>> MysqlCacheStore::AuditLog(int64_t user_id) {
  const SqlParam params[] = {user_id};
  auto rows = pool_.Run<std::vector<SqlRow>>([&](MysqlConnection& connection) {
    return connection.Query(
        "SELECT pass_uuid, list, action, status, payload, payload_hash, timestamp FROM " +
            tables_.log + " WHERE user_id = ? ORDER BY id",
        params);
  });
  if (!rows.ok()) return rows.error();
  std::vector<AuditEntry> entries;
  for (const SqlRow& row : *rows) {
    AuditEntry entry;
    entry.user_id = user_id;
    entry.pass_uuid = row.Text(0);
    entry.list = row.Text(1) == PassListName(PassListKind::kExpired) ? PassListKind::kExpired
                                                                     : PassListKind::kActive;
    entry.created = row.Text(2) == "create";
    entry.status = row.Text(3);
    auto payload = ParseJsJson(row.Text(4));
    if (!payload.ok()) {
      return MakeError(ErrorClass::kStore, "mysql: an audit payload of user " +
                                               std::to_string(user_id) + " is unreadable");
    }
    entry.payload = std::move(payload).value();
    entry.payload_hash = row.Text(5);
    entry.timestamp = row.Int(6).value_or(0);
    entries.push_back(std::move(entry));
  }
  return entries;
}

Result<std::vector<UserState>> MysqlCacheStore::LoadUserStates(std::span<const int64_t> user_ids) {
  std::vector<UserState> states;
  for (size_t begin = 0; begin < user_ids.size(); begin += kIdsPerStatement) {
    const size_t count = std::min(kIdsPerStatement, user_ids.size() - begin);
    const std::string sql = std::string("SELECT ") + kUserStateColumns + " FROM " +
                            tables_.user_state + " WHERE user_id IN (" + Placeholders(count) +
                            ") ORDER BY user_id";
    const std::vector<SqlParam> params(user_ids.begin() + begin, user_ids.begin() + begin + count);
    auto rows = pool_.Run<std::vector<SqlRow>>(
        [&](MysqlConnection& connection) { return connection.Query(sql, params); });
    if (!rows.ok()) return rows.error();
    for (const SqlRow& row : *rows) states.push_back(StateFromRow(row));
  }
  return states;
}

Status MysqlCacheStore::SaveUserStates(std::span<const UserState> states) {
  for (size_t begin = 0; begin < states.size(); begin += kStatesPerStatement) {
    const size_t count = std::min(kStatesPerStatement, states.size() - begin);
    std::vector<SqlParam> params;
    params.reserve(count * 7);
    for (const UserState& state : states.subspan(begin, count)) {
      params.insert(params.end(),
                    {state.user_id, int64_t{state.consecutive_failures},
                     std::string_view(state.last_error_class),
                     std::string_view(state.last_error_message), state.last_attempt_at,
                     state.next_attempt_at, std::string_view(state.token_fingerprint)});
    }
    const std::string sql =
        "INSERT INTO " + tables_.user_state + " (" + kUserStateColumns + ") VALUES " +
        RowPlaceholders(count, 7) +
        " ON DUPLICATE KEY UPDATE consecutive_failures = VALUES(consecutive_failures),"
        " last_error_class = VALUES(last_error_class),"
        " last_error_message = VALUES(last_error_message),"
        " last_attempt_at = VALUES(last_attempt_at), next_attempt_at = VALUES(next_attempt_at),"
        " token_fingerprint = VALUES(token_fingerprint)";
    if (Status saved = Execute(sql, params); !saved.ok()) return saved;
  }
  return Status::Ok();
}

Result<std::vector<UserState>> MysqlCacheStore::FailingUsers(int limit) {
  const SqlParam params[] = {int64_t{std::max(limit, 0)}};
  auto rows = pool_.Run<std::vector<SqlRow>>([&](MysqlConnection& connection) {
    return connection.Query(std::string("SELECT ") + kUserStateColumns + " FROM " +
                                tables_.user_state +
                                " WHERE consecutive_failures > 0 ORDER BY consecutive_failures "
                                "DESC, last_attempt_at DESC, user_id LIMIT ?",
                            params);
  });
  if (!rows.ok()) return rows.error();
  std::vector<UserState> states;
  for (const SqlRow& row : *rows) states.push_back(StateFromRow(row));
  return states;
}

Status MysqlCacheStore::SaveRun(const RunRecord& run) {
  const SqlParam params[] = {std::string_view(run.run_id), run.started_at_ms,
                             run.finished_at_ms,           std::string_view(run.status),
                             std::string_view(run.shard),  std::string_view(run.summary_json)};
  return Execute("INSERT INTO " + tables_.runs +
                     " (run_id, started_at_ms, finished_at_ms, status, shard, summary_json)"
                     " VALUES (?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE"
                     " started_at_ms = VALUES(started_at_ms),"
                     " finished_at_ms = VALUES(finished_at_ms), status = VALUES(status),"
                     " shard = VALUES(shard), summary_json = VALUES(summary_json)",
                 params);
}

Result<std::vector<RunRecord>> MysqlCacheStore::RecentRuns(int limit) {
  const SqlParam params[] = {int64_t{std::max(limit, 0)}};
  auto rows = pool_.Run<std::vector<SqlRow>>([&](MysqlConnection& connection) {
    return connection.Query(
        "SELECT run_id, started_at_ms, finished_at_ms, status, shard, summary_json FROM " +
            tables_.runs + " ORDER BY started_at_ms DESC, run_id DESC LIMIT ?",
        params);
  });
  if (!rows.ok()) return rows.error();
  std::vector<RunRecord> runs;
  for (const SqlRow& row : *rows) {
    runs.push_back(RunRecord{row.Text(0), row.Int(1).value_or(0), row.Int(2).value_or(0),
                             row.Text(3), row.Text(4), row.Text(5)});
  }
  return runs;
}

// One upsert decides atomically: MySQL applies the SET list left to right, so once `owner` is
// taken over, the expiry condition sees the new owner and moves too. The holder is then read
// back inside the same transaction (the upsert's row lock keeps it).
Result<bool> MysqlCacheStore::TryLock(const std::string& name, const std::string& owner,
                                      int64_t now_ms, int64_t expires_at_ms) {
  return pool_.Run<bool>([&](MysqlConnection& connection) -> Result<bool> {
    if (Status begun = connection.Begin(); !begun.ok()) return begun.error();
    const SqlParam upsert_params[] = {std::string_view(name), std::string_view(owner),
                                      expires_at_ms, now_ms};
    auto upserted = connection.Execute(
        "INSERT INTO " + tables_.locks +
            " (name, owner, expires_at_ms) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE"
            " owner = IF(owner = VALUES(owner) OR expires_at_ms <= ?, VALUES(owner), owner),"
            " expires_at_ms = IF(owner = VALUES(owner), VALUES(expires_at_ms), expires_at_ms)",
        upsert_params);
    if (!upserted.ok()) {
      connection.Rollback();
      return upserted.error();
    }
    const SqlParam read_params[] = {std::string_view(name)};
    auto holder =
        connection.Query("SELECT owner FROM " + tables_.locks + " WHERE name = ?", read_params);
    if (!holder.ok()) {
      connection.Rollback();
      return holder.error();
    }
    if (Status committed = connection.Commit(); !committed.ok()) return committed.error();
    return !holder->empty() && holder->front().Text(0) == owner;
  });
}

Status MysqlCacheStore::Unlock(const std::string& name, const std::string& owner) {
  const SqlParam params[] = {std::string_view(name), std::string_view(owner)};
  return Execute("DELETE FROM " + tables_.locks + " WHERE name = ? AND owner = ?", params);
}

Result<std::optional<LockLease>> MysqlCacheStore::ReadLock(const std::string& name) {
  return pool_.Run<std::optional<LockLease>>(
      [&](MysqlConnection& connection) -> Result<std::optional<LockLease>> {
        const SqlParam params[] = {std::string_view(name)};
        auto rows = connection.Query(
            "SELECT owner, expires_at_ms FROM " + tables_.locks + " WHERE name = ?", params);
        if (!rows.ok()) return rows.error();
        if (rows->empty()) return std::optional<LockLease>();
        return std::optional<LockLease>(
            LockLease{rows->front().Text(0), rows->front().Int(1).value_or(0)});
      });
}

}  // namespace tc
