#include "lifecycle/orphan_join.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tc {
namespace {

// The token side of the merge: answers "has this user a token?" for ascending ids, reading the
// next token page only when an id passes the end of the current one.
class TokenCursor {
 public:
  TokenCursor(TokenSource& tokens, int page_size) : tokens_(tokens), page_size_(page_size) {}

  // REQUIRES: user_id ascending across calls.
  Result<bool> HasToken(int64_t user_id) {
    for (;;) {
      while (next_ < page_.size() && page_[next_].user_id < user_id) ++next_;
      if (next_ < page_.size()) return page_[next_].user_id == user_id;
      if (done_) return false;
      auto page = tokens_.NextPage(cursor_, page_size_);
      if (!page.ok()) {
        return MakeError(page.error().error_class,
                         "token source failed: " + page.error().ToString());
      }
      next_ = 0;
      if (page->empty()) {
        done_ = true;
        page_.clear();
        return false;
      }
      if (cursor_ && page->back().user_id <= *cursor_) {
        return MakeError(ErrorClass::kStore,
                         fmt::format("token source failed: a page after user_id {} ended at "
                                     "user_id {} (the keyset cursor must move forward)",
                                     *cursor_, page->back().user_id));
      }
      cursor_ = page->back().user_id;
      page_ = std::move(page).value();
    }
  }

 private:
  TokenSource& tokens_;
  const int page_size_;
  std::vector<UserToken> page_;
  size_t next_ = 0;
  std::optional<int64_t> cursor_;
  bool done_ = false;
};

}  // namespace

Status VisitOrphans(TokenSource& tokens, CacheStore& store, UserRecords kind, int page_size,
                    const std::function<Status(std::span<const int64_t>)>& orphans) {
  page_size = std::max(1, page_size);
  TokenCursor token_cursor(tokens, page_size);
  std::optional<int64_t> cursor;
  std::vector<int64_t> found;
  for (;;) {
    auto ids = store.UserIdsPage(kind, cursor, page_size);
    if (!ids.ok()) {
      return MakeError(ids.error().error_class,
                       "cache store failed listing users: " + ids.error().ToString());
    }
    if (ids->empty()) return Status::Ok();
    if (cursor && ids->back() <= *cursor) {
      return MakeError(ErrorClass::kStore,
                       fmt::format("cache store failed listing users: a page after user_id {} "
                                   "ended at user_id {} (the keyset cursor must move forward)",
                                   *cursor, ids->back()));
    }
    found.clear();
    for (int64_t id : *ids) {
      if (cursor && id <= *cursor) continue;  // a store breaking keyset order: never twice
      cursor = id;
      auto has = token_cursor.HasToken(id);
      if (!has.ok()) return has.error();
      if (!*has) found.push_back(id);
    }
    if (Status visited = orphans(found); !visited.ok()) return visited;
  }
}

}  // namespace tc
