#include "commands/show_report.h"

#include <fmt/format.h>

#include <algorithm>

#include "clock/iso_time.h"
#include "selection/freshness.h"

namespace tc {
namespace {

std::string IsoSeconds(int64_t unix_seconds) {
  return FormatIsoUtcMillis(unix_seconds * 1000).substr(0, 19) + "Z";
}

}  // namespace

std::string FormatAge(int64_t seconds) {
  seconds = std::max<int64_t>(0, seconds);
  if (seconds < 60) return fmt::format("{}s", seconds);
  if (seconds < 3600) return fmt::format("{}m", seconds / 60);
  if (seconds < 86400) return fmt::format("{}h{:02}m", seconds / 3600, seconds % 3600 / 60);
  return fmt::format("{}d{:02}h", seconds / 86400, seconds % 86400 / 3600);
}

std::string RenderShowText(const CacheDocument& document, const std::optional<UserState>& state,
                           const RefreshConfig& refresh, int64_t now_unix_seconds) {
  std::string out = fmt::format("user      {}\n", document.user_id);
  const int64_t age = now_unix_seconds - document.timestamp;
  out += fmt::format("updated   {} ({} ago)\n", IsoSeconds(document.timestamp), FormatAge(age));
  // A cache is stale once timestamp <= now - ttl + refresh_ahead (selection/freshness.h).
  const int64_t stale_at = now_unix_seconds - StaleAtOrBefore(now_unix_seconds, refresh);
  if (Classify(document.timestamp, now_unix_seconds, refresh, false) == StaleReason::kFresh) {
    out += fmt::format("cache     fresh: the next run after {} refreshes it (in {})\n",
                       IsoSeconds(document.timestamp + stale_at),
                       FormatAge(document.timestamp + stale_at - now_unix_seconds));
  } else {
    out += fmt::format("cache     stale for {}: the next run refreshes it\n",
                       FormatAge(age - stale_at));
  }
  if (!state || state->consecutive_failures == 0) {
    out += "failures  none\n";
  } else {
    std::string line = fmt::format("failures  {} in a row", state->consecutive_failures);
    if (state->next_attempt_at > now_unix_seconds) {
      line += fmt::format(", in backoff until {} (in {})", IsoSeconds(state->next_attempt_at),
                          FormatAge(state->next_attempt_at - now_unix_seconds));
    } else {
      line += ", failing (tried again by the next run)";
    }
    out += line + "\n";
    if (!state->last_error_class.empty()) {
      out += fmt::format("last error {}: {} (at {})\n", state->last_error_class,
                         state->last_error_message, IsoSeconds(state->last_attempt_at));
    }
  }
  out += fmt::format("passes    {} active, {} expired\n", document.passes.size(),
                     document.passes4.size());
  out += "document\n";
  out += DocumentToJson(document).dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
  out += "\n";
  return out;
}

}  // namespace tc
