#include "sim_counters.h"

#include <algorithm>
#include <vector>

namespace tc::sim {

void SimCounters::RequestStarted(int64_t unix_second) {
  std::lock_guard lock(mutex_);
  ++requests_total_;
  ++in_flight_;
  peak_concurrency_ = std::max(peak_concurrency_, in_flight_);
  SecondCount& slot = per_second_[static_cast<size_t>(unix_second % kWindowSeconds)];
  if (slot.second != unix_second) slot = SecondCount{unix_second, 0};
  ++slot.count;
  max_per_second_ = std::max(max_per_second_, slot.count);
}

void SimCounters::RequestFinished(std::string_view path, std::string_view status) {
  std::string key;
  key.reserve(path.size() + 1 + status.size());
  key.append(path).append(" ").append(status);
  std::lock_guard lock(mutex_);
  --in_flight_;
  auto it = by_path_status_.find(key);
  if (it == by_path_status_.end())
    by_path_status_.emplace(std::move(key), 1);
  else
    ++it->second;
}

void SimCounters::Reset() {
  std::lock_guard lock(mutex_);
  requests_total_ = 0;
  by_path_status_.clear();
  peak_concurrency_ = in_flight_;
  max_per_second_ = 0;
  per_second_.fill(SecondCount{});
}

nlohmann::json SimCounters::ToJson(int64_t now_unix_second) const {
  std::lock_guard lock(mutex_);
  nlohmann::json by_path_status = nlohmann::json::object();
  for (const auto& [key, count] : by_path_status_) by_path_status[key] = count;
  std::vector<SecondCount> seconds;
  for (const SecondCount& slot : per_second_) {
    if (slot.count > 0 && slot.second > now_unix_second - kWindowSeconds &&
        slot.second <= now_unix_second) {
      seconds.push_back(slot);
    }
  }
  std::sort(seconds.begin(), seconds.end(),
            [](const SecondCount& a, const SecondCount& b) { return a.second < b.second; });
  nlohmann::json per_second = nlohmann::json::array();
  for (const SecondCount& s : seconds) per_second.push_back({s.second, s.count});
  return {{"requests_total", requests_total_}, {"by_path_status", std::move(by_path_status)},
          {"in_flight", in_flight_},           {"peak_concurrency", peak_concurrency_},
          {"max_per_second", max_per_second_}, {"per_second", std::move(per_second)}};
}

}  // namespace tc::sim
