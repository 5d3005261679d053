// The bearer token the simulator accepts for a user. Demo databases and tests seed the token table
// with exactly these strings.
#pragma once

#include <cstdint>
#include <string>

namespace tc::sim {

// Token of simulated user `user_id`: "tc-sim-token-<user_id>".
inline std::string SimTokenForUser(int64_t user_id) {
  return "tc-sim-token-" + std::to_string(user_id);
}

}  // namespace tc::sim
