// SqliteCacheStore: per-user state, run history and run locks (documents and the audit log are
// in sqlite_cache_store.cc).
#include <utility>

#include "sqlite/sqlite_cache_store.h"
#include "sqlite/sqlite_query.h"
#include "sqlite/sqlite_transaction.h"
#include "store/sql_user_state.h"

namespace tc {
namespace {

UserState ReadUserState(const SqliteQuery& query) {
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

}  // namespace

Result<std::vector<UserState>> SqliteCacheStore::LoadUserStates(std::span<const int64_t> user_ids) {
  std::vector<UserState> states;
  if (user_ids.empty()) return states;
  auto lease = Acquire();
  if (!lease.ok()) return lease.error();
  SqliteDatabase& connection = lease->connection();
  auto statement = connection.Prepare(std::string("SELECT ") + kUserStateColumns +
                                      " FROM ticketcache_user_state"
                                      " WHERE user_id IN (SELECT value FROM json_each(?1))"
                                      " ORDER BY user_id");
  if (!statement.ok()) return statement.error();
  SqliteQuery query(*statement);
  query.Bind(1, SqliteIdArray(user_ids));
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
  SqliteDatabase& connection = lease->connection();
  SqliteTransaction transaction(connection);
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
    SqliteQuery query(*statement);
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
  SqliteDatabase& connection = lease->connection();
  auto statement = connection.Prepare(
      std::string("SELECT ") + kUserStateColumns +
      " FROM ticketcache_user_state WHERE consecutive_failures > 0"
      " ORDER BY consecutive_failures DESC, last_attempt_at DESC, user_id LIMIT ?1");
  if (!statement.ok()) return statement.error();
  SqliteQuery query(*statement);
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
  SqliteDatabase& connection = lease->connection();
  auto statement = connection.Prepare(
      "INSERT INTO ticketcache_runs (run_id, started_at_ms, finished_at_ms, status, shard,"
      " summary_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (run_id) DO UPDATE SET"
      " started_at_ms = excluded.started_at_ms, finished_at_ms = excluded.finished_at_ms,"
      " status = excluded.status, shard = excluded.shard, summary_json = excluded.summary_json");
  if (!statement.ok()) return statement.error();
  SqliteQuery query(*statement);
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
  SqliteDatabase& connection = lease->connection();
  auto statement = connection.Prepare(
      "SELECT run_id, started_at_ms, finished_at_ms, status, shard, summary_json"
      " FROM ticketcache_runs ORDER BY started_at_ms DESC, run_id DESC LIMIT ?1");
  if (!statement.ok()) return statement.error();
  SqliteQuery query(*statement);
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
  SqliteDatabase& connection = lease->connection();
  auto statement = connection.Prepare(
      "INSERT INTO ticketcache_locks (name, owner, expires_at_ms) VALUES (?1, ?2, ?4)"
      " ON CONFLICT (name) DO UPDATE SET owner = excluded.owner,"
      " expires_at_ms = excluded.expires_at_ms"
      " WHERE ticketcache_locks.owner = excluded.owner OR ticketcache_locks.expires_at_ms <= ?3");
  if (!statement.ok()) return statement.error();
  SqliteQuery query(*statement);
  query.Bind(1, name).Bind(2, owner).Bind(3, now_ms).Bind(4, expires_at_ms);
  if (query.Step() != SQLITE_DONE) return connection.Fail("cannot take lock " + name);
  return connection.Changes() > 0;
}

Status SqliteCacheStore::Unlock(const std::string& name, const std::string& owner) {
  std::lock_guard<std::mutex> write_lock(write_mutex_);
  auto lease = Acquire();
  if (!lease.ok()) return lease.error();
  SqliteDatabase& connection = lease->connection();
  auto statement =
      connection.Prepare("DELETE FROM ticketcache_locks WHERE name = ?1 AND owner = ?2");
  if (!statement.ok()) return statement.error();
  SqliteQuery query(*statement);
  query.Bind(1, name).Bind(2, owner);
  if (query.Step() != SQLITE_DONE) return connection.Fail("cannot release lock " + name);
  return Status::Ok();
}

Result<std::optional<LockLease>> SqliteCacheStore::ReadLock(const std::string& name) {
  auto lease = Acquire();
  if (!lease.ok()) return lease.error();
  SqliteDatabase& connection = lease->connection();
  auto statement =
      connection.Prepare("SELECT owner, expires_at_ms FROM ticketcache_locks WHERE name = ?1");
  if (!statement.ok()) return statement.error();
  SqliteQuery query(*statement);
  query.Bind(1, name);
  const int rc = query.Step();
  if (rc == SQLITE_DONE) return std::optional<LockLease>();
  if (rc != SQLITE_ROW) return connection.Fail("cannot read lock " + name);
  return std::optional<LockLease>(LockLease{query.Text(0), query.Int(1)});
}

}  // namespace tc
