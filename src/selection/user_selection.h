// Who this run refreshes: token pages → one freshness query per page → per-user backoff → stale
// users, in user_id order (docs/failure-model.md says what is counted where).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "clock/clock.h"
#include "config/config.h"
#include "error/error.h"
#include "selection/freshness.h"
#include "store/cache_store.h"
#include "tokens/shard.h"
#include "tokens/token_source.h"

namespace tc {

// Caches a run leaves as they were, for the cache-age metrics: the oldest timestamp, how many are
// stale (past the refresh threshold) and how many users have none.
struct CacheTally {
  std::optional<int64_t> oldest;  // unix seconds
  int64_t stale = 0;
  int64_t missing = 0;

  // One user whose cache this run leaves as it is.
  void Add(std::optional<int64_t> cache_timestamp, StaleReason reason);
  void Merge(const CacheTally& other);
};

// A user the selection found stale, on its way through the run.
struct StaleUser {
  int64_t user_id = 0;
  std::string token;  // secret
  std::string token_fingerprint;
  StaleReason reason = StaleReason::kMissing;
  std::optional<int64_t> cache_timestamp;  // of the cache as selected; nullopt: none
  std::optional<UserState> previous;       // failure memory, when the user has any
};

struct SelectionOptions {
  std::vector<int64_t> only_users;  // non-empty: exactly these, backoff ignored (`run --user`)
  bool only_users_respect_backoff = false;  // a continuous pass: named users, backoff kept
  std::optional<Shard> shard;
  bool force = false;
  int page_size = 1000;
};

// What one page of token rows became. seen = fresh + in_backoff + stale.size().
struct SelectedPage {
  std::vector<StaleUser> stale;
  int64_t seen = 0;  // users of this page (in this shard)
  int64_t fresh = 0;
  int64_t in_backoff = 0;
  int64_t duplicates = 0;  // user ids not above the previous one: skipped, never refreshed twice
  // The fresh users' caches. Users in backoff are left out of the cache-age numbers: their
  // refresh keeps failing (typically a revoked token) and their caches would age forever.
  CacheTally kept;
};

// Streams the token source in keyset pages. Single-threaded. Each store query is tried up to
// kStoreTries times, waiting through the clock between tries, unless `stopping` says the run ends.
class UserSelection {
 public:
  static constexpr int kStoreTries = 3;

  // REQUIRES: every argument outlives the selection.
  UserSelection(TokenSource& tokens, CacheStore& store, const Clock& clock,
                const RefreshConfig& refresh, SelectionOptions options);

  // The next page of users; nullopt once every user was enumerated. An error names its stage
  // ("token source failed: …", "freshness query failed: …", "user state query failed: …") and
  // ends the enumeration, as does a token page that does not move the cursor forward (a source
  // breaking the keyset contract would otherwise be read forever).
  Result<std::optional<SelectedPage>> Next(const std::function<bool()>& stopping);

 private:
  Result<std::vector<UserToken>> NextTokens(const std::function<bool()>& stopping);
  Result<SelectedPage> Select(std::vector<UserToken> tokens, const std::function<bool()>& stopping);
  template <typename Query>
  auto WithStoreRetries(const std::function<bool()>& stopping, Query&& query) -> decltype(query());

  TokenSource& tokens_;
  CacheStore& store_;
  const Clock& clock_;
  const RefreshConfig& refresh_;
  const SelectionOptions options_;
  std::optional<int64_t> cursor_;  // the largest user id handed out so far
  bool done_ = false;
};

}  // namespace tc
