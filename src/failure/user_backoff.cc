#include "failure/user_backoff.h"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>

#include "failure/blame.h"

namespace tc {
namespace {

constexpr size_t kMaxStoredMessage = 500;

// min(base * 2^exponent, max) in milliseconds, without overflow.
int64_t CappedDoublingMillis(int64_t base_ms, int exponent, int64_t max_ms) {
  int64_t delay = std::max<int64_t>(0, base_ms);
  for (int i = 0; i < exponent && delay < max_ms; ++i) delay *= 2;
  return std::min(delay, max_ms);
}

}  // namespace

std::string TokenFingerprint(std::string_view token) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(token.data(), token.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
    return std::string();  // OpenSSL failure: no fingerprint, so no backoff is ever matched
  }
  std::string hex;
  for (unsigned int i = 0; i < 8 && i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

UserState AfterFailure(const UserState& previous, const Error& error, int64_t now_unix_seconds,
                       const std::string& token_fingerprint, const UserBackoffPolicy& policy) {
  // Not an attempt, or not the user's doing (configuration, the store): nothing to remember.
  if (WasNotAnAttempt(error.error_class) || IsOurSide(error.error_class)) return previous;
  UserState next = previous;
  if (previous.token_fingerprint != token_fingerprint) {
    next.consecutive_failures = 0;  // a new token: its history starts now
    next.next_attempt_at = 0;
  }
  next.consecutive_failures += 1;
  next.last_error_class = std::string(ErrorClassName(error.error_class));
  next.last_error_message = error.message.substr(0, kMaxStoredMessage);
  next.last_attempt_at = now_unix_seconds;
  next.token_fingerprint = token_fingerprint;
  next.next_attempt_at = 0;
  if (IsUsersOwnFault(error.error_class) && next.consecutive_failures >= 2) {
    const int64_t delay_ms = CappedDoublingMillis(
        policy.base.count(), next.consecutive_failures - 2, policy.max.count());
    next.next_attempt_at = now_unix_seconds + (delay_ms + 999) / 1000;
  }
  return next;
}

UserState AfterSuccess(const UserState& previous, int64_t now_unix_seconds,
                       const std::string& token_fingerprint) {
  UserState next;
  next.user_id = previous.user_id;
  next.last_attempt_at = now_unix_seconds;
  next.token_fingerprint = token_fingerprint;
  return next;
}

bool InBackoff(const UserState& state, int64_t now_unix_seconds,
               std::string_view token_fingerprint) {
  return state.next_attempt_at > now_unix_seconds && state.token_fingerprint == token_fingerprint;
}

}  // namespace tc
