// The run's global API rate limit (refresh.rate_limit requests/s over every endpoint and page),
// adaptive on 429 (see docs/design.md, failure model).
//
// A token bucket in its "virtual scheduling" form (GCRA): each request reserves the next slot
// and is told how long to wait for it, so callers never spin. The burst is small,
// max(1, rate / 25): after an idle spell at most rate + burst - 1 requests start in any
// 1-second window, i.e. under 4 % over the limit.
//
// A single 429 (and its Retry-After) concerns that request only: the pipeline defers it. The
// limiter slows EVERYBODY only when the API pushes back broadly: when 25 of the last 100 answers
// (a quarter) were 429s, the effective rate drops to the share the API accepted (75 % of it when
// a quarter was refused), at most by half, at most once a second. Without a configured rate the
// first slowdown applies this to the rate observed over the last second.
//
// Recovery, towards the configured rate (or, when unlimited, twice the rate seen at the slowdown,
// where the limit is dropped again), starts 1 s after the last slowdown: every 250 ms in which
// under a quarter of the answers were 429s, the rate doubles (at least +10 % of the target). So
// a run is back at full rate within about two seconds even from the floor, and 429s that do not
// fall with the rate (an API that refuses some first calls whatever the rate; the pipeline defers
// those requests) cost a second or so at a lower rate, not a slow climb under them.
//
// A limiter can have a ceiling: another limiter (typically shared by a whole daemon) that every
// request of this one must also fit under. A continuous pass paces its users with its own
// limiter under the daemon's rate limit, which on-demand refreshes draw from too.
//
// All time arithmetic saturates: no input makes it overflow.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <optional>

#include "clock/clock.h"

namespace tc {

class RateLimiter {
 public:
  // rate_per_second: 0 = unlimited. `start`: the time the bucket is full at.
  RateLimiter(double rate_per_second, SteadyTime start);

  // Reserves the next request slot and returns how long the caller must wait before starting
  // it (0 = go now). Rounded up to whole milliseconds, so a caller never starts early.
  // Every returned slot counts, whether or not the caller uses it.
  Duration DelayForNext(SteadyTime now);

  // The API answered (any answer, or a transport failure): `rate_limited` for a 429.
  void OnAnswer(SteadyTime now, bool rate_limited);

  // From now on each slot reserved here also reserves one of `ceiling` (the delay is the longer
  // of the two) and each answer is reported to it as well. Not owned; it must outlive this
  // limiter. Set before the first request; `ceiling` may be shared with other threads.
  void SetCeiling(RateLimiter* ceiling) { ceiling_ = ceiling; }

  double configured_rate() const;  // 0 = unlimited
  double effective_rate() const;   // 0 = unlimited
  int burst() const;               // of the effective rate; 0 when unlimited
  int slowdowns() const;           // how often the effective rate was lowered

 private:
  static constexpr int kBuckets = 10;   // observed-rate window: 10 x 100 ms
  static constexpr int kAnswers = 100;  // 429 window: the last answers

  Duration ReserveOwnSlot(SteadyTime now);
  void RecordOwnAnswer(SteadyTime now, bool rate_limited);
  void RecordStart(SteadyTime at);
  void MarkAdjusted(SteadyTime now, bool slowdown);
  void ClearAnswerWindow();
  double ObservedRate(SteadyTime now) const;
  double RecoveryTarget() const;
  bool PushedBack() const;

  RateLimiter* ceiling_ = nullptr;
  mutable std::mutex mutex_;
  const double configured_rate_;
  double effective_rate_;           // 0 = unlimited
  double rate_at_slowdown_ = 0;     // unlimited mode: the observed rate when 429s began
  SteadyTime theoretical_arrival_;  // GCRA: when the bucket would be empty again
  SteadyTime last_adjustment_;
  bool adjusted_ = false;  // last_adjustment_ is meaningful
  bool last_was_slowdown_ = false;
  // How to climb back after the last slowdown (see RecordOwnAnswer).
  enum class Climb { kFast, kUndecided, kProbe };
  Climb climb_ = Climb::kFast;
  double share_at_slowdown_ = 0;  // of 429s among the answers that caused the last slowdown
  int slowdowns_ = 0;
  std::array<int64_t, kBuckets> bucket_ids_{};
  std::array<int64_t, kBuckets> bucket_counts_{};
  std::array<bool, kAnswers> answers_{};         // ring: true = 429
  std::optional<SteadyTime> last_rate_limited_;  // the latest 429
  int answers_since_rate_limited_ = 0;
  int answers_seen_ = 0;  // up to kAnswers
  int answers_next_ = 0;
  int rate_limited_in_window_ = 0;
};

}  // namespace tc
