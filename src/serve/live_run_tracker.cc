#include "serve/live_run_tracker.h"

namespace tc {

namespace {

// The rate is measured over this much of the recent past (smooths bursts, follows slow-downs).
constexpr int64_t kRateWindowMs = 30'000;
// Below this much elapsed time a rate says little.
constexpr int64_t kMinRateSpanMs = 1'000;

}  // namespace

void LiveRunTracker::OnRunStarted(const RunProgress& progress) {
  std::lock_guard lock(mutex_);
  samples_.clear();
  latest_.reset();
  Record(progress);
}

void LiveRunTracker::OnProgress(const RunProgress& progress) {
  std::lock_guard lock(mutex_);
  Record(progress);
}

void LiveRunTracker::OnRunFinished(const RunSummary& /*summary*/) {
  std::lock_guard lock(mutex_);
  latest_.reset();
  samples_.clear();
}

void LiveRunTracker::Record(const RunProgress& progress) {
  latest_ = progress;
  samples_.emplace_back(progress.now_ms, progress.done());
  while (samples_.size() > 2 && samples_.back().first - samples_[1].first >= kRateWindowMs) {
    samples_.pop_front();
  }
}

std::optional<LiveRunView> LiveRunTracker::Current() const {
  std::lock_guard lock(mutex_);
  if (!latest_) return std::nullopt;
  LiveRunView view;
  view.progress = *latest_;
  // From the oldest sample in the window; before the first snapshot, from the run's start.
  int64_t from_ms = latest_->started_at_ms;
  int64_t from_done = 0;
  if (samples_.size() >= 2 && samples_.back().first - samples_.front().first >= kMinRateSpanMs) {
    from_ms = samples_.front().first;
    from_done = samples_.front().second;
  }
  const int64_t span_ms = latest_->now_ms - from_ms;
  if (span_ms >= kMinRateSpanMs) {
    const double rate =
        static_cast<double>(latest_->done() - from_done) * 1000.0 / static_cast<double>(span_ms);
    view.users_per_second = rate;
    if (latest_->users_total >= 0 && rate > 0) {
      const int64_t left = std::max<int64_t>(0, latest_->users_total - latest_->done());
      view.eta_seconds = static_cast<double>(left) / rate;
    }
  }
  return view;
}

}  // namespace tc
