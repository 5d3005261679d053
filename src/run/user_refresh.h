// One user's refresh through the API stage, written once for a sweep (NetworkLoop) and an
// on-demand call or refresh request (OnDemandRefresher): both pass lists of the user — active
// (`/passes`) and expired (`/v4.0/passes`), page by page — fetched through the caller's
// ApiRequestPipeline under one byte budget (bytemark.max_bytes_per_user), then one outcome per
// user told to the circuit breaker, and the WriteJob the DocumentWriter takes, with the user's
// FailureStateGate ticket.
//
// Not thread-safe: the thread that steps the pipeline owns a UserFetches.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "api/api_request_pipeline.h"
#include "bytemark/pass_list_fetch.h"
#include "clock/clock.h"
#include "config/config.h"
#include "error/error.h"
#include "failure/circuit_breaker.h"
#include "failure/failure_state_gate.h"
#include "json/shared_json.h"
#include "run/document_writer.h"
#include "selection/user_selection.h"

namespace tc {

// A user whose pass lists are on the wire, or both in.
struct UserFetch {
  StaleUser user;
  int lists_pending = 2;
  std::vector<SharedJson> active;
  std::vector<SharedJson> expired;
  std::optional<Error> error;         // the first list's error
  std::optional<SteadyTime> started;  // when the fetch began (the user's log line's duration)

  // The user's one API outcome once both lists are in: nullopt when both were fetched.
  std::optional<ErrorClass> failure() const {
    return error ? std::optional<ErrorClass>(error->error_class) : std::nullopt;
  }
};

// The users whose lists are being fetched, each in at most once.
class UserFetches {
 public:
  struct Callbacks {
    // Both lists are in; the user has left the set.
    std::function<void(std::unique_ptr<UserFetch>)> fetched;
    // Optional: whether a list's error gives the user up at once (its other list's answer then
    // finds it gone); `given_up` is told, the user has left the set.
    std::function<bool(const Error&)> gives_up;
    std::function<void(std::unique_ptr<UserFetch>)> given_up;
  };

  // REQUIRES: every argument outlives this object.
  UserFetches(const BytemarkConfig& config, const Clock& clock, ApiRequestPipeline& pipeline,
              Callbacks callbacks);

  bool contains(int64_t user_id) const { return fetching_.contains(user_id); }
  bool empty() const { return fetching_.empty(); }
  size_t size() const { return fetching_.size(); }

  // Sends the first page of both lists. REQUIRES: !contains(user.user_id).
  void Start(StaleUser user);
  // Every user in the set, which is left empty (answers still on the wire then find nobody).
  std::unordered_map<int64_t, std::unique_ptr<UserFetch>> TakeAll();

 private:
  void OnListFetched(int64_t user_id, PassListKind list, Result<PassListResult> result);

  const BytemarkConfig& config_;
  const Clock& clock_;
  ApiRequestPipeline& pipeline_;
  Callbacks callbacks_;
  std::unordered_map<int64_t, std::unique_ptr<UserFetch>> fetching_;
};

// The user's one outcome, for the circuit breaker the caller's requests pass: a failure of our
// side (configuration, a bug) says nothing of the API and is not told.
void TellBreaker(CircuitBreaker& breaker, const Clock& clock, const UserFetch& fetch);

// The user's job for the DocumentWriter, with the ticket of its outcome in `gate`.
WriteJob JudgedWriteJob(UserFetch&& fetch, FailureStateGate& gate);

}  // namespace tc
