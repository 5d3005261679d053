#include "selection/cache_age_census.h"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>
#include <vector>

namespace tc {

Status VisitCacheAges(TokenSource& tokens, CacheStore& store, int page_size,
                      const std::optional<Shard>& shard,
                      const std::function<void(int64_t, std::optional<int64_t>)>& visit) {
  std::optional<int64_t> cursor;
  std::vector<int64_t> ids;
  std::unordered_map<int64_t, int64_t> cache_time;
  while (true) {
    auto page = tokens.NextPage(cursor, std::max(1, page_size));
    if (!page.ok()) {
      return MakeError(page.error().error_class, "token source failed: " + page.error().ToString());
    }
    if (page->empty()) return Status::Ok();
    if (cursor && page->back().user_id <= *cursor) {
      return MakeError(ErrorClass::kStore,
                       fmt::format("token source failed: a page after user_id {} ended at user_id "
                                   "{} (the keyset cursor must move forward)",
                                   *cursor, page->back().user_id));
    }
    ids.clear();
    for (const UserToken& user : *page) {
      if (cursor && user.user_id <= *cursor) continue;  // a repeat: counted once
      cursor = user.user_id;
      if (!shard || ShardOwnsUser(*shard, user.user_id)) ids.push_back(user.user_id);
    }
    if (ids.empty()) continue;
    auto timestamps = store.CacheTimestamps(ids);
    if (!timestamps.ok()) {
      return MakeError(timestamps.error().error_class,
                       "freshness query failed: " + timestamps.error().ToString());
    }
    cache_time.clear();
    for (const CacheTimestamp& row : *timestamps) cache_time.emplace(row.user_id, row.timestamp);
    for (int64_t id : ids) {
      const auto found = cache_time.find(id);
      visit(id, found == cache_time.end() ? std::nullopt : std::optional<int64_t>(found->second));
    }
  }
}

}  // namespace tc
