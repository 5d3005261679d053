#include "failure/failure_state_gate.h"

#include <algorithm>
#include <utility>

namespace tc {

FailureStateGate::FailureStateGate(const ApiWidePolicy& policy)
    : hold_for_(std::max({1, policy.window, policy.min_users})), judge_(policy) {}

int64_t FailureStateGate::RecordOutcome(std::optional<ErrorClass> failure) {
  std::lock_guard lock(mutex_);
  if (failure && !ApiWideJudge::IsJudged(*failure)) return judge_.recorded();
  judge_.Record(failure);
  return judge_.recorded();
}

std::optional<ErrorClass> FailureStateGate::verdict() const {
  std::lock_guard lock(mutex_);
  return judge_.verdict();
}

std::string FailureStateGate::description() const {
  std::lock_guard lock(mutex_);
  return judge_.description();
}

std::vector<UserState> FailureStateGate::Admit(int64_t ticket, ErrorClass error_class,
                                               UserState state) {
  std::lock_guard lock(mutex_);
  std::vector<UserState> out;
  if (!ApiWideJudge::IsJudged(error_class)) {
    out.push_back(std::move(state));
  } else if (judge_.verdict() != error_class) {
    held_.push_back({ticket, error_class, std::move(state)});
  }
  ReleaseLocked(out);
  return out;
}

std::vector<UserState> FailureStateGate::TakeReleased() {
  std::lock_guard lock(mutex_);
  std::vector<UserState> out;
  ReleaseLocked(out);
  return out;
}

void FailureStateGate::ReleaseLocked(std::vector<UserState>& out) {
  const std::optional<ErrorClass> verdict = judge_.verdict();
  std::erase_if(held_, [&](Held& held) {
    if (verdict == held.error_class) return true;  // the API's failure: never written
    if (judge_.recorded() < held.ticket + hold_for_) return false;
    out.push_back(std::move(held.state));
    return true;
  });
}

std::vector<UserState> FailureStateGate::Finish(const std::function<bool(ErrorClass)>& api_wide) {
  std::lock_guard lock(mutex_);
  std::vector<UserState> out;
  const std::optional<ErrorClass> verdict = judge_.verdict();
  for (Held& held : held_) {
    if (verdict == held.error_class || api_wide(held.error_class)) continue;
    out.push_back(std::move(held.state));
  }
  held_.clear();
  return out;
}

}  // namespace tc
