#include "selection/user_selection.h"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>
#include <utility>

#include "failure/user_backoff.h"

namespace tc {

void CacheTally::Add(std::optional<int64_t> cache_timestamp, StaleReason reason) {
  if (!cache_timestamp) {
    ++missing;
    return;
  }
  oldest = oldest ? std::min(*oldest, *cache_timestamp) : *cache_timestamp;
  if (reason == StaleReason::kExpired) ++stale;
}

void CacheTally::Merge(const CacheTally& other) {
  if (other.oldest) oldest = oldest ? std::min(*oldest, *other.oldest) : *other.oldest;
  stale += other.stale;
  missing += other.missing;
}

UserSelection::UserSelection(TokenSource& tokens, CacheStore& store, const Clock& clock,
                             const RefreshConfig& refresh, SelectionOptions options)
    : tokens_(tokens),
      store_(store),
      clock_(clock),
      refresh_(refresh),
      options_(std::move(options)) {}

template <typename Query>
auto UserSelection::WithStoreRetries(const std::function<bool()>& stopping, Query&& query)
    -> decltype(query()) {
  auto result = query();
  for (int attempt = 1; !result.ok() && attempt < kStoreTries && !stopping(); ++attempt) {
    clock_.SleepFor(Duration(200 * attempt));
    result = query();
  }
  return result;
}

Result<std::optional<SelectedPage>> UserSelection::Next(const std::function<bool()>& stopping) {
  while (!done_) {
    auto tokens = NextTokens(stopping);
    if (!tokens.ok()) {
      done_ = true;
      return tokens.error();
    }
    if (tokens->empty()) break;
    auto page = Select(std::move(*tokens), stopping);
    if (!page.ok()) {
      done_ = true;
      return page.error();
    }
    return std::optional<SelectedPage>(std::move(*page));
  }
  done_ = true;
  return std::optional<SelectedPage>();
}

Result<std::vector<UserToken>> UserSelection::NextTokens(const std::function<bool()>& stopping) {
  Result<std::vector<UserToken>> page = std::vector<UserToken>();
  if (!options_.only_users.empty()) {
    done_ = true;  // one lookup is the whole enumeration
    page = WithStoreRetries(stopping, [&] { return tokens_.Lookup(options_.only_users); });
  } else {
    const int limit = std::max(1, options_.page_size);
    page = WithStoreRetries(stopping, [&] { return tokens_.NextPage(cursor_, limit); });
  }
  if (!page.ok())
    return MakeError(page.error().error_class, "token source failed: " + page.error().ToString());
  if (!page->empty() && options_.only_users.empty() && cursor_ &&
      page->back().user_id <= *cursor_) {
    return MakeError(ErrorClass::kStore,
                     fmt::format("token source failed: a page after user_id {} ended at user_id "
                                 "{} (the keyset cursor must move forward)",
                                 *cursor_, page->back().user_id));
  }
  return page;
}

Result<SelectedPage> UserSelection::Select(std::vector<UserToken> tokens,
                                           const std::function<bool()>& stopping) {
  SelectedPage out;
  // Ids must strictly increase across the whole enumeration: an id at or below the last one is a
  // repeat (or out of order) and is skipped, so no user is ever refreshed twice in one run.
  std::erase_if(tokens, [&](const UserToken& user) {
    if (cursor_ && user.user_id <= *cursor_) {
      ++out.duplicates;
      return true;
    }
    cursor_ = user.user_id;
    return false;
  });
  if (options_.shard) {
    std::erase_if(tokens, [&](const UserToken& user) {
      return !ShardOwnsUser(*options_.shard, user.user_id);
    });
  }
  out.seen = static_cast<int64_t>(tokens.size());
  if (tokens.empty()) return out;

  std::vector<int64_t> ids;
  ids.reserve(tokens.size());
  for (const auto& user : tokens) ids.push_back(user.user_id);
  auto timestamps = WithStoreRetries(stopping, [&] { return store_.CacheTimestamps(ids); });
  if (!timestamps.ok()) {
    return MakeError(timestamps.error().error_class,
                     "freshness query failed: " + timestamps.error().ToString());
  }
  std::unordered_map<int64_t, int64_t> cache_time;
  for (const auto& row : *timestamps) cache_time.emplace(row.user_id, row.timestamp);

  const int64_t now = clock_.NowUnixSeconds();
  for (auto& user : tokens) {
    const auto found = cache_time.find(user.user_id);
    const std::optional<int64_t> timestamp =
        found == cache_time.end() ? std::nullopt : std::optional<int64_t>(found->second);
    const StaleReason reason = Classify(timestamp, now, refresh_, options_.force);
    if (reason == StaleReason::kFresh) {
      ++out.fresh;
      out.kept.Add(timestamp, reason);
      continue;
    }
    StaleUser entry;
    entry.user_id = user.user_id;
    entry.token_fingerprint = TokenFingerprint(user.token);
    entry.token = std::move(user.token);
    entry.reason = reason;
    entry.cache_timestamp = timestamp;
    out.stale.push_back(std::move(entry));
  }
  if (out.stale.empty()) return out;

  std::vector<int64_t> stale_ids;
  stale_ids.reserve(out.stale.size());
  for (const auto& user : out.stale) stale_ids.push_back(user.user_id);
  auto states = WithStoreRetries(stopping, [&] { return store_.LoadUserStates(stale_ids); });
  if (!states.ok()) {
    return MakeError(states.error().error_class,
                     "user state query failed: " + states.error().ToString());
  }
  std::unordered_map<int64_t, UserState> by_user;
  for (auto& state : *states) by_user.emplace(state.user_id, std::move(state));
  for (auto& user : out.stale) {
    if (auto found = by_user.find(user.user_id); found != by_user.end()) {
      user.previous = std::move(found->second);
    }
  }
  // Users named by `run --user` are always attempted; everyone else respects the backoff.
  if (options_.only_users.empty() || options_.only_users_respect_backoff) {
    std::erase_if(out.stale, [&](const StaleUser& user) {
      const bool skip = user.previous && InBackoff(*user.previous, now, user.token_fingerprint);
      out.in_backoff += skip ? 1 : 0;
      return skip;
    });
  }
  return out;
}

}  // namespace tc
