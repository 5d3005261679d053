// The user-state table of the SQL stores (SQLite and MySQL/MariaDB): its columns, in the order
// both stores read and write them.
#pragma once

namespace tc {

inline constexpr const char* kUserStateColumns =
    "user_id, consecutive_failures, last_error_class, last_error_message, last_attempt_at, "
    "next_attempt_at, token_fingerprint";

}  // namespace tc
