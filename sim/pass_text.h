// The raw JSON text of one simulated pass, written by hand (not by a serializer) so that the
// awkward forms real APIs send appear byte for byte: raw UTF-8 and \u escapes, a surrogate pair,
// "\/" in URLs, "\n"/"\t" escapes, numbers such as 2.50, 1E3, 0.1, -0 and integers beyond 2^64,
// nested objects and arrays, null, booleans, {} and [], and keys in varied order.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace tc::sim {

enum class PassList {
  kActive,   // GET /passes
  kExpired,  // GET /v4.0/passes?status=EXPIRED
};

// Product uuids that passes reference; docs/simulator.md lists them for tests that configure
// free products. Pass (user, list, index) uses product HashOf(user, list, index) % 5.
inline constexpr std::array<std::string_view, 5> kSimProductUuids = {
    "5a1e7c2e-0001-4f00-8000-00000000f001",  // Day pass
    "5a1e7c2e-0002-4f00-8000-00000000f002",  // Single ride
    "5a1e7c2e-0003-4f00-8000-00000000f003",  // Weekly pass
    "5a1e7c2e-0004-4f00-8000-00000000f004",  // Monthly pass
    "5a1e7c2e-0005-4f00-8000-00000000f005",  // Free transfer
};

// Stable uuid of pass `index` of `user`'s list (independent of the version).
std::string SimPassUuid(int64_t user_id, PassList list, int64_t index);

// Unix seconds of the pass's time_created. Depends on (user, list, index) only. Per user % 4:
// 0 ascending with index, 1 descending, 2 scattered, 3 ascending with pairs of equal times —
// so API order is not creation order for many users and ties occur.
int64_t SimPassTimeCreated(int64_t user_id, PassList list, int64_t index);

// The pass as compact-ish JSON text. `version` counts the mutations that changed this pass:
// each one flips an active pass's status (USABLE <-> USING) and sets "use_count" to the version.
// Expired passes keep status EXPIRED and change "use_count" only.
void AppendPassJson(int64_t user_id, PassList list, int64_t index, int64_t version,
                    std::string& out);
std::string PassJson(int64_t user_id, PassList list, int64_t index, int64_t version);

// "2026-11-01T08:15:00Z".
std::string Iso8601Utc(int64_t unix_seconds);

}  // namespace tc::sim
