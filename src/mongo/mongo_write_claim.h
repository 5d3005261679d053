// Write claims: what makes MongoCacheStore's compare-and-swap hold on FerretDB. MongoDB applies
// an update's filter and its write atomically, so two writers that read the same version of a
// document cannot both match. FerretDB v1 evaluates the filter, then writes the document by
// `_id`, as two steps: both may match, and the second write silently overwrites the first (a
// lost update). There, before its conditional update, a writer inserts a claim document whose
// `_id` names the user and the version it read; the `_id` index lets exactly one writer insert
// it, the others get a conflict. A claim is deleted when its Replace ends, and one left behind
// by a writer that died is taken over once `expires_at_ms` has passed. docs/stores.md.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "error/error.h"
#include "mongo/mongo_client.h"

namespace tc::mongo {

// How long a claim left behind by a dead writer blocks the (user, version) it names.
inline constexpr int64_t kClaimLeaseMs = 15'000;

// "<user_id>:<version>".
std::string ClaimKey(int64_t user_id, int64_t version);

// Ok when this writer holds the claim; kConflict when another one does; kStore on failure.
Status TakeClaim(const CollectionHandle& claims, const std::string& key, int64_t now_ms,
                 const std::vector<std::string>& secrets);

// Deletes the claim (best effort: a claim that stays expires).
void ReleaseClaim(const CollectionHandle& claims, const std::string& key);

// True when the server is FerretDB (its buildInfo answer has `ferretdbVersion`).
Result<bool> ServerIsFerretDb(mongoc_client_t* client, const std::vector<std::string>& secrets);

}  // namespace tc::mongo
