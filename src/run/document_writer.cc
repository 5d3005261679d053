#include "run/document_writer.h"

#include <fmt/format.h>

#include <chrono>
#include <string>
#include <utility>

#include "document/document_merge.h"
#include "failure/blame.h"
#include "failure/user_backoff.h"
#include "log/logger.h"
#include "log/secret_redactor.h"

namespace tc {

DocumentWriter::DocumentWriter(CacheStore& store, const Clock& clock, const RefreshConfig& refresh,
                               RunCounters& counters, FailureStateGate& gate, RunControl& control)
    : store_(store),
      clock_(clock),
      refresh_(refresh),
      counters_(counters),
      gate_(gate),
      control_(control) {}

WriteOutcome DocumentWriter::Handle(WriteJob& job) {
  if (control_.writes_stopped()) {
    ++counters_.abandoned;
    counters_.KeepCache(job.user);
    return WriteOutcome{};
  }
  if (job.fetch_error) return RecordFailure(job, *job.fetch_error, "fetch");
  return Write(job);
}

WriteOutcome DocumentWriter::Write(WriteJob& job) {
  const int64_t user_id = job.user.user_id;
  for (int round = 0; round < kMaxWriteConflicts; ++round) {
    auto loaded = store_.Load(user_id);
    if (!loaded.ok()) return RecordFailure(job, loaded.error(), "load");
    const int64_t now = clock_.NowUnixSeconds();
    const std::optional<StoredDocument>& existing = *loaded;
    auto outcome = existing ? MergeDocument(existing->document, job.active, job.expired, now,
                                            refresh_.free_product_uuids)
                            : BuildDocument(user_id, job.active, job.expired, now,
                                            refresh_.free_product_uuids);
    if (!outcome.ok()) return RecordFailure(job, outcome.error(), "merge");
    const std::optional<int64_t> expected =
        existing ? std::optional<int64_t>(existing->version) : std::nullopt;
    Status written = store_.Replace(outcome->document, expected, outcome->audit);
    // A lost acknowledgement (the write committed, the answer did not arrive, a retry then met
    // our own write) reads back as exactly our document: the user is counted by what happened.
    const bool ours = written.ok() || StoredIsOurs(user_id, outcome->document);
    if (ours) {
      using Kind = WriteOutcome::Kind;
      const Kind kind =
          !existing ? Kind::kBuilt : (IsUpdated(*outcome) ? Kind::kUpdated : Kind::kUnchanged);
      RunCounters::Counter& outcome_counter =
          kind == Kind::kBuilt ? counters_.built
                               : (kind == Kind::kUpdated ? counters_.updated : counters_.unchanged);
      ++outcome_counter;
      counters_.passes_created += outcome->created;
      counters_.passes_changed += outcome->changed;
      counters_.free_tickets_added += outcome->free_tickets_added;
      if (outcome->free_tickets_added > 0) {
        LogInfo("free ticket added",
                {{"user_id", user_id}, {"count", outcome->free_tickets_added}});
      }
      if (LogEnabled(LogLevel::kDebug)) {
        LogFields fields = {
            {"user_id", user_id},
            {"outcome",
             kind == Kind::kBuilt ? "built" : (kind == Kind::kUpdated ? "updated" : "unchanged")},
            {"passes_created", outcome->created},
            {"passes_changed", outcome->changed}};
        AddDuration(job, fields);
        LogDebug("user refreshed", fields);
      }
      NoteStore(nullptr);
      RecordSuccess(job.user);
      return WriteOutcome{kind, std::nullopt, outcome->document.timestamp};
    }
    if (written.error().error_class != ErrorClass::kConflict) {
      return RecordFailure(job, written.error(), "write");
    }
    ++counters_.write_conflicts;  // another writer got there first: re-read, re-merge
  }
  return RecordFailure(
      job,
      MakeError(ErrorClass::kConflict,
                fmt::format("gave up after {} conflicting writes", kMaxWriteConflicts)),
      "write");
}

void DocumentWriter::AddDuration(const WriteJob& job, LogFields& fields) const {
  if (!job.started) return;  // a job built without a fetch (tests)
  fields.emplace_back("duration_ms", std::chrono::duration_cast<std::chrono::milliseconds>(
                                         clock_.SteadyNow() - *job.started)
                                         .count());
}

bool DocumentWriter::StoredIsOurs(int64_t user_id, const CacheDocument& ours) {
  auto reread = store_.Load(user_id);
  if (!reread.ok() || !reread->has_value()) return false;
  return DocumentText((*reread)->document) == DocumentText(ours);
}

void DocumentWriter::NoteStore(const Error* store_error) {
  if (store_error == nullptr) {
    store_failures_in_a_row_ = 0;
    return;
  }
  if (++store_failures_in_a_row_ >= kMaxConsecutiveStoreFailures) {
    control_.Stop(RunStatus::kAborted,
                  fmt::format("store failing: {} users in a row could not be written ({})",
                              kMaxConsecutiveStoreFailures, RedactSecrets(store_error->ToString())),
                  /*stop_writes=*/true);
  }
}

WriteOutcome DocumentWriter::RecordFailure(const WriteJob& job, const Error& error,
                                           const char* stage) {
  const StaleUser& user = job.user;
  counters_.CountFailure(error.error_class);
  counters_.KeepCache(user);
  if (error.error_class == ErrorClass::kStore) {
    NoteStore(&error);
  } else if (std::string(stage) != "fetch") {
    NoteStore(nullptr);  // the store answered
  }
  // Messages may quote a URL with its password (a curl error); what is stored must not.
  Error stored = error;
  stored.message = RedactSecrets(error.message);
  LogFields fields = {{"user_id", user.user_id},
                      {"stage", stage},
                      {"error_class", ErrorClassName(error.error_class)},
                      {"error", stored.message}};
  AddDuration(job, fields);
  LogWarn("user refresh failed", fields);
  if (IsOurSide(error.error_class)) {
    // Configuration, the store or a bug: not the user's doing, nothing enters their memory (and
    // the run does not end ok: refresh_run.cc).
    Save(gate_.TakeReleased());
    return WriteOutcome{WriteOutcome::Kind::kFailed, error.error_class, 0};
  }
  UserState previous = user.previous.value_or(UserState{});
  previous.user_id = user.user_id;
  UserState next = AfterFailure(previous, stored, clock_.NowUnixSeconds(), user.token_fingerprint,
                                refresh_.user_backoff);
  // Only API outcomes are judged; a store-stage failure of a judged class (a malformed stored
  // document) is the user's own and is written at once.
  const ErrorClass gated_class =
      std::string(stage) == "fetch" ? error.error_class : ErrorClass::kInternal;
  Save(gate_.Admit(job.ticket, gated_class, std::move(next)));
  return WriteOutcome{WriteOutcome::Kind::kFailed, error.error_class, 0};
}

void DocumentWriter::RecordSuccess(const StaleUser& user) {
  std::vector<UserState> states = gate_.TakeReleased();
  if (user.previous && user.previous->consecutive_failures > 0) {
    states.push_back(AfterSuccess(*user.previous, clock_.NowUnixSeconds(), user.token_fingerprint));
  }
  Save(states);
}

void DocumentWriter::Flush(const std::function<bool(ErrorClass)>& api_wide) {
  Save(gate_.Finish(api_wide));
}

void DocumentWriter::Save(const std::vector<UserState>& states) {
  if (states.empty()) return;
  if (Status saved = store_.SaveUserStates(states); !saved.ok()) {
    LogWarn("could not save user states", {{"users", states.size()},
                                           {"first_user_id", states.front().user_id},
                                           {"error", saved.error().ToString()}});
  }
}

}  // namespace tc
