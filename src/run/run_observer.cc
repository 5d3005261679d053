#include "run/run_observer.h"

#include <algorithm>

namespace tc {

RunObservers::RunObservers(std::vector<RunObserver*> observers)
    : observers_(std::move(observers)), next_due_(observers_.size()) {
  std::erase(observers_, nullptr);
  next_due_.resize(observers_.size());
}

void RunObservers::OnRunStarted(const RunProgress& progress) {
  const SteadyTime now = wall_clock_.SteadyNow();
  for (size_t i = 0; i < observers_.size(); ++i) {
    observers_[i]->OnRunStarted(progress);
    next_due_[i] = now + observers_[i]->progress_interval();
  }
}

void RunObservers::OnProgress(const RunProgress& progress) {
  const SteadyTime now = wall_clock_.SteadyNow();
  for (size_t i = 0; i < observers_.size(); ++i) {
    if (now < next_due_[i]) continue;
    observers_[i]->OnProgress(progress);
    next_due_[i] = now + observers_[i]->progress_interval();
  }
}

void RunObservers::OnRunFinished(const RunSummary& summary) {
  for (RunObserver* observer : observers_) observer->OnRunFinished(summary);
}

std::chrono::milliseconds RunObservers::progress_interval() const {
  std::chrono::milliseconds shortest = std::chrono::seconds(1);
  for (const RunObserver* observer : observers_) {
    shortest = std::min(shortest, observer->progress_interval());
  }
  return std::max(shortest, std::chrono::milliseconds(100));
}

}  // namespace tc
