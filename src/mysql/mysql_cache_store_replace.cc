// MysqlCacheStore::Replace: compare-and-swap document writes with their audit rows, written in
// groups (group commit) so that a run costs few statements per user.
#include <mysqld_error.h>

#include <algorithm>
#include <utility>

#include "json/js_json.h"
#include "mysql/mysql_cache_store.h"
#include "mysql/sql_placeholders.h"

namespace tc {
namespace {

// A group holds at most this many writes and about this many bytes of documents (one
// statement carries them all; max_allowed_packet is 16 MiB by default).
constexpr size_t kMaxGroupWrites = 32;
constexpr size_t kMaxGroupBytes = 4 << 20;

}  // namespace

// One caller's Replace, waiting in the group commit queue.
struct MysqlCacheStore::PendingReplace {
  const CacheDocument& document;
  std::string text;
  std::optional<int64_t> expected_version;
  std::span<const AuditEntry> audit;
  std::vector<std::string> audit_payloads;
  Status result = Status::Ok();
  bool done = false;
};

// Group commit: a caller that finds no write in progress becomes the leader and writes the
// Replaces queued so far (its own included, up to a bound) in one transaction: one multi-row
// INSERT for the new documents, one UPDATE for the changed ones (each row conditioned on the
// version its writer read), one multi-row INSERT of every audit entry. The other callers wait
// for the commit that carries theirs. When any write of the group does not apply (a document
// another writer created or changed meanwhile), the group is rolled back whole and each write is
// repeated alone, so each caller gets its own answer: a conflict for the one that lost, success
// for the others. Each document is old or new, never half.
Status MysqlCacheStore::Replace(const CacheDocument& document,
                                std::optional<int64_t> expected_version,
                                std::span<const AuditEntry> audit) {
  PendingReplace mine{document, DocumentText(document), expected_version, audit, {}};
  mine.audit_payloads.reserve(audit.size());
  for (const AuditEntry& entry : audit) mine.audit_payloads.push_back(AuditPayloadText(entry));

  std::unique_lock<std::mutex> lock(group_mutex_);
  group_queue_.push_back(&mine);
  while (!mine.done) {
    if (group_leader_active_) {
      group_done_.wait(lock);
      continue;
    }
    group_leader_active_ = true;
    std::vector<PendingReplace*> group;
    size_t bytes = 0;
    size_t taken = 0;
    while (taken < group_queue_.size() && group.size() < kMaxGroupWrites &&
           (group.empty() || bytes + group_queue_[taken]->text.size() <= kMaxGroupBytes)) {
      bytes += group_queue_[taken]->text.size();
      group.push_back(group_queue_[taken++]);
    }
    group_queue_.erase(group_queue_.begin(),
                       group_queue_.begin() + static_cast<std::ptrdiff_t>(taken));
    lock.unlock();
    WriteGroup(group);
    lock.lock();
    for (PendingReplace* pending : group) pending->done = true;
    group_leader_active_ = false;
    group_done_.notify_all();
  }
  return mine.result;
}

void MysqlCacheStore::WriteGroup(const std::vector<PendingReplace*>& group) {
  if (group.size() > 1) {
    const Status together = WriteTogether(group);
    if (together.ok() || together.error().error_class != ErrorClass::kConflict) {
      for (PendingReplace* pending : group) pending->result = together;
      return;
    }
  }
  for (PendingReplace* pending : group) pending->result = WriteOne(*pending);
}

Status MysqlCacheStore::WriteTogether(const std::vector<PendingReplace*>& group) {
  std::vector<const PendingReplace*> inserts;
  std::vector<const PendingReplace*> updates;
  for (const PendingReplace* pending : group) {
    (pending->expected_version ? updates : inserts).push_back(pending);
  }
  const Error conflict =
      MakeError(ErrorClass::kConflict, "a document of the group was written by another writer");
  return pool_.Run([&](MysqlConnection& connection) -> Status {
    if (Status begun = connection.Begin(); !begun.ok()) return begun;
    auto fail = [&](Error error) -> Status {
      // A duplicate key or a deadlock: another writer touched one of the rows.
      const unsigned number = connection.last_error_number();
      connection.Rollback();
      if (number == ER_LOCK_DEADLOCK || number == ER_DUP_ENTRY) {
        error.error_class = ErrorClass::kConflict;
      }
      return error;
    };
    if (!inserts.empty()) {
      std::vector<SqlParam> params;
      params.reserve(inserts.size() * 3);
      for (const PendingReplace* pending : inserts) {
        params.insert(params.end(), {pending->document.user_id, pending->document.timestamp,
                                     std::string_view(pending->text)});
      }
      std::string rows;
      for (size_t i = 0; i < inserts.size(); ++i) rows += i == 0 ? "(?,?,1,?)" : ",(?,?,1,?)";
      auto inserted =
          connection.Execute("INSERT INTO " + tables_.cache +
                                 " (user_id, timestamp, version, document) VALUES " + rows,
                             params);
      if (!inserted.ok()) return fail(inserted.error());
    }
    if (!updates.empty()) {
      // One UPDATE for every changed document; each row only at the version its writer read.
      std::vector<SqlParam> params;
      params.reserve(updates.size() * 6);
      std::string timestamps = "CASE user_id";
      std::string documents = "CASE user_id";
      std::string where;
      for (const PendingReplace* pending : updates) {
        timestamps += " WHEN ? THEN ?";
        params.insert(params.end(), {pending->document.user_id, pending->document.timestamp});
      }
      for (const PendingReplace* pending : updates) {
        documents += " WHEN ? THEN ?";
        params.insert(params.end(), {pending->document.user_id, std::string_view(pending->text)});
      }
      for (const PendingReplace* pending : updates) {
        where +=
            where.empty() ? "(user_id = ? AND version = ?)" : " OR (user_id = ? AND version = ?)";
        params.insert(params.end(), {pending->document.user_id, *pending->expected_version});
      }
      auto matched = connection.Execute(
          "UPDATE " + tables_.cache + " SET timestamp = " + timestamps +
              " END, document = " + documents + " END, version = version + 1 WHERE " + where,
          params);
      if (!matched.ok()) return fail(matched.error());
      if (*matched != updates.size()) return fail(conflict);
    }
    if (Status appended = AppendAudit(connection, group); !appended.ok()) {
      return fail(appended.error());
    }
    if (Status committed = connection.Commit(); !committed.ok()) return fail(committed.error());
    return Status::Ok();
  });
}

Status MysqlCacheStore::WriteOne(const PendingReplace& pending) {
  const CacheDocument& document = pending.document;
  const std::optional<int64_t>& expected_version = pending.expected_version;
  const std::string user = "user " + std::to_string(document.user_id);
  const Error conflict = MakeError(
      ErrorClass::kConflict,
      "the document of " + user +
          (expected_version ? " is no longer at version " + std::to_string(*expected_version)
                            : " was created by another writer"));
  const std::vector<PendingReplace*> alone{const_cast<PendingReplace*>(&pending)};

  return pool_.Run([&](MysqlConnection& connection) -> Status {
    if (Status begun = connection.Begin(); !begun.ok()) return begun;
    auto fail = [&](Error error) -> Status {
      // A deadlock means another writer touched the row: the caller re-reads and re-merges.
      const bool deadlock = connection.last_error_number() == ER_LOCK_DEADLOCK;
      connection.Rollback();
      if (deadlock) error.error_class = ErrorClass::kConflict;
      return error;
    };
    if (expected_version) {
      const SqlParam params[] = {document.timestamp, std::string_view(pending.text),
                                 document.user_id, *expected_version};
      auto matched = connection.Execute(
          "UPDATE " + tables_.cache +
              " SET timestamp = ?, version = version + 1, document = ? WHERE user_id = ? AND "
              "version = ?",
          params);
      if (!matched.ok()) return fail(matched.error());
      if (*matched == 0) return fail(conflict);
    } else {
      const SqlParam params[] = {document.user_id, document.timestamp,
                                 std::string_view(pending.text)};
      auto inserted = connection.Execute("INSERT INTO " + tables_.cache +
                                             " (user_id, timestamp, version, document) VALUES "
                                             "(?, ?, 1, ?)",
                                         params);
      if (!inserted.ok()) {
        return fail(connection.last_error_number() == ER_DUP_ENTRY ? conflict : inserted.error());
      }
    }
    if (Status appended = AppendAudit(connection, alone); !appended.ok()) {
      return fail(appended.error());
    }
    if (Status committed = connection.Commit(); !committed.ok()) return fail(committed.error());
    return Status::Ok();
  });
}

// The audit entries of every write in `group`, in multi-row INSERTs of up to
// kAuditRowsPerStatement rows.
Status MysqlCacheStore::AppendAudit(MysqlConnection& connection,
                                    const std::vector<PendingReplace*>& group) {
  std::vector<std::pair<const AuditEntry*, const std::string*>> rows;
  for (const PendingReplace* pending : group) {
    for (size_t i = 0; i < pending->audit.size(); ++i) {
      rows.emplace_back(&pending->audit[i], &pending->audit_payloads[i]);
    }
  }
  for (size_t begin = 0; begin < rows.size(); begin += kAuditRowsPerStatement) {
    const size_t count = std::min(kAuditRowsPerStatement, rows.size() - begin);
    std::vector<SqlParam> params;
    params.reserve(count * 8);
    for (size_t i = begin; i < begin + count; ++i) {
      const AuditEntry& entry = *rows[i].first;
      params.insert(params.end(),
                    {entry.user_id, std::string_view(entry.pass_uuid),
                     std::string_view(PassListName(entry.list)),
                     std::string_view(entry.created ? "create" : "update"),
                     std::string_view(entry.status), std::string_view(*rows[i].second),
                     std::string_view(entry.payload_hash), entry.timestamp});
    }
    auto appended = connection.Execute("INSERT INTO " + tables_.log +
                                           " (user_id, pass_uuid, list, action, status, payload, "
                                           "payload_hash, timestamp) VALUES " +
                                           RowPlaceholders(count, 8),
                                       params);
    if (!appended.ok()) return appended.error();
  }
  return Status::Ok();
}

}  // namespace tc
