#include "rate_limiter.h"

#include <algorithm>

namespace tc::sim {

bool RateLimiter::Admit(double rate, TimePoint now) {
  if (rate <= 0) return true;
  const double capacity = std::max(1.0, rate);
  if (rate != rate_) {
    rate_ = rate;
    tokens_ = capacity;
    last_ = now;
  }
  if (now > last_) {
    std::chrono::duration<double> elapsed = now - last_;
    tokens_ = std::min(capacity, tokens_ + elapsed.count() * rate);
    last_ = now;
  }
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

}  // namespace tc::sim
