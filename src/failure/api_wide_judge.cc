#include "failure/api_wide_judge.h"

#include <fmt/format.h>

#include <algorithm>

#include "failure/blame.h"

namespace tc {

ApiWideJudge::ApiWideJudge(const ApiWidePolicy& policy)
    : min_users_(static_cast<size_t>(std::max(1, policy.min_users))),
      window_(std::max(min_users_, static_cast<size_t>(std::max(1, policy.window)))),
      ratio_(policy.ratio) {}

bool ApiWideJudge::IsJudged(ErrorClass error_class) { return IsJudgedApiWide(error_class); }

void ApiWideJudge::Record(std::optional<ErrorClass> failure) {
  ++recorded_;
  recent_.push_back(failure);
  if (failure) ++in_window_[*failure];
  if (recent_.size() > window_) {
    if (recent_.front()) --in_window_[*recent_.front()];
    recent_.pop_front();
  }
  if (verdict_ || recent_.size() < min_users_) return;
  for (const auto& [error_class, count] : in_window_) {
    if (static_cast<double>(count) >= ratio_ * static_cast<double>(recent_.size())) {
      verdict_ = error_class;
      description_ = fmt::format("{} for {} of the last {} users tried",
                                 ErrorClassName(error_class), count, recent_.size());
      return;
    }
  }
}

}  // namespace tc
