// Per-user failure memory: users who fail run after run (dead tokens are common: users
// who left the app) stop costing API calls every hour. Pure functions over UserState
// (store/cache_store.h); times are unix seconds.
//
// Rule: from the 2nd consecutive failure, next_attempt_at = now +
// min(base * 2^(failures-2), max). A changed token (fingerprint)
// starts the count afresh and lifts any backoff.
//
// Only failures that are the user's own (failure/blame.h) schedule a backoff: a rejected token
// (401/403) or a malformed answer for that user. Failures of the API (transient, timeout, network,
// rate limited) and lost write races (conflict) are counted and remembered (so `ticketcache
// status` shows them) but never delay the next attempt — otherwise one API outage would push
// every user into hours of backoff. Failures of our side (configuration, the store, a bug) are
// never the user's: like an interrupted or circuit-broken attempt, they leave the state unchanged.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "config/config.h"
#include "error/error.h"
#include "store/cache_store.h"

namespace tc {

// The first 16 hex characters of the SHA-256 of `token`: one-way, safe to store and log, and
// enough to notice that a user's token changed.
std::string TokenFingerprint(std::string_view token);

// The state after a failed attempt at `now_unix_seconds` with the token of `token_fingerprint`.
// Reads refresh.user_backoff.base and refresh.user_backoff.max.
UserState AfterFailure(const UserState& previous, const Error& error, int64_t now_unix_seconds,
                       const std::string& token_fingerprint, const UserBackoffPolicy& policy);

// The state after a successful refresh: no failures, no backoff.
UserState AfterSuccess(const UserState& previous, int64_t now_unix_seconds,
                       const std::string& token_fingerprint);

// True when the user must not be attempted at `now_unix_seconds`: next_attempt_at is still in
// the future and the token is the one that failed.
bool InBackoff(const UserState& state, int64_t now_unix_seconds,
               std::string_view token_fingerprint);

}  // namespace tc
