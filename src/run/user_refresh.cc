#include "run/user_refresh.h"

#include <utility>

#include "bytemark/bytemark_api.h"
#include "failure/blame.h"

namespace tc {

UserFetches::UserFetches(const BytemarkConfig& config, const Clock& clock,
                         ApiRequestPipeline& pipeline, Callbacks callbacks)
    : config_(config), clock_(clock), pipeline_(pipeline), callbacks_(std::move(callbacks)) {}

void UserFetches::Start(StaleUser user) {
  const int64_t user_id = user.user_id;
  auto fetch = std::make_unique<UserFetch>();
  fetch->user = std::move(user);
  fetch->started = clock_.SteadyNow();
  // A copy: an answer given at once may take the user out of the set before the second list.
  const std::string token = fetch->user.token;
  fetching_.emplace(user_id, std::move(fetch));
  const SendRequest send = [this](HttpRequest request, ClassifiedCallback done) {
    const char* endpoint = PassEndpointLabel(request.url);
    pipeline_.Send(std::move(request), endpoint, std::move(done));
  };
  // Both lists share one byte budget (bytemark.max_bytes_per_user).
  const auto budget = std::make_shared<UserByteBudget>(config_.max_bytes_per_user);
  for (PassListKind list : {PassListKind::kActive, PassListKind::kExpired}) {
    FetchPassList(send, config_, clock_, token, list, budget,
                  [this, user_id, list](Result<PassListResult> result) {
                    OnListFetched(user_id, list, std::move(result));
                  });
  }
}

void UserFetches::OnListFetched(int64_t user_id, PassListKind list, Result<PassListResult> result) {
  const auto found = fetching_.find(user_id);
  if (found == fetching_.end()) return;  // given up or taken
  UserFetch& fetch = *found->second;
  if (!result.ok() && callbacks_.gives_up && callbacks_.gives_up(result.error())) {
    std::unique_ptr<UserFetch> given_up = std::move(found->second);
    fetching_.erase(found);
    callbacks_.given_up(std::move(given_up));
    return;
  }
  if (!result.ok()) {
    if (!fetch.error) fetch.error = result.error();
  } else if (list == PassListKind::kActive) {
    fetch.active = std::move(result->passes);
  } else {
    fetch.expired = std::move(result->passes);
  }
  if (--fetch.lists_pending > 0) return;
  std::unique_ptr<UserFetch> fetched = std::move(found->second);
  fetching_.erase(found);
  callbacks_.fetched(std::move(fetched));
}

std::unordered_map<int64_t, std::unique_ptr<UserFetch>> UserFetches::TakeAll() {
  auto taken = std::move(fetching_);
  fetching_.clear();
  return taken;
}

void TellBreaker(CircuitBreaker& breaker, const Clock& clock, const UserFetch& fetch) {
  const std::optional<ErrorClass> failure = fetch.failure();
  if (!failure || !IsOurSide(*failure)) breaker.RecordUser(clock.SteadyNow(), failure);
}

WriteJob JudgedWriteJob(UserFetch&& fetch, FailureStateGate& gate) {
  const int64_t ticket = gate.RecordOutcome(fetch.failure());
  return WriteJob{std::move(fetch.user),
                  std::move(fetch.active),
                  std::move(fetch.expired),
                  std::move(fetch.error),
                  ticket,
                  fetch.started};
}

}  // namespace tc
