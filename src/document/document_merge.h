// Building and merging a user's cache document from the passes the API returned (rules
// and the reasons for them in docs/data-compatibility.md). Pure functions: no clock, no I/O.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "document/cache_document.h"
#include "error/error.h"
#include "json/js_json.h"
#include "json/shared_json.h"

namespace tc {

struct RefreshOutcome {
  CacheDocument document;
  std::vector<AuditEntry> audit;  // one per created or changed pass: "passes" first, then "passes4"
  int created = 0;                // passes new to the document (audit "create")
  int changed = 0;                // passes whose payload_hash changed (audit "update")
  int free_tickets_added = 0;     // new "passes" entries whose product_uuid is a free product
};

// A refresh that created or changed a pass counts as "updated", otherwise "unchanged".
inline bool IsUpdated(const RefreshOutcome& outcome) {
  return outcome.created + outcome.changed > 0;
}

// Every pass must be an object with a non-empty string "uuid" and a string "status"; otherwise
// kMalformed naming the list and index, and nothing is built. A uuid repeated within one list
// (pages that shifted while being fetched) counts once: its first occurrence wins.

// No document yet: both lists ordered by time_created (ISO-8601, compared as instants), oldest
// first, ties and passes without a readable time_created keeping API order (the latter after the
// dated ones); free_ticket_status 0; every entry and the document stamped `now`; every pass is
// an audit "create".
Result<RefreshOutcome> BuildDocument(int64_t user_id, const std::vector<SharedJson>& active,
                                     const std::vector<SharedJson>& expired, int64_t now,
                                     const std::vector<std::string>& free_product_uuids);

// A document exists: "passes" is rebuilt from `active` in the same order as a build
// (time_created, oldest first, ties and undated passes as above; never plain API order), so the
// list keeps its order from run to run: unchanged entries kept as they were, changed ones get the
// new payload, status, hash and timestamp but keep free_ticket_status, new ones get
// free_ticket_status 1 when their product_uuid is free, passes no longer listed are dropped.
// "passes4" keeps every old entry in place, replaces changed ones the same way and appends new
// ones (in time_created order) with free_ticket_status 0. The document timestamp is `now`.
Result<RefreshOutcome> MergeDocument(const CacheDocument& existing,
                                     const std::vector<SharedJson>& active,
                                     const std::vector<SharedJson>& expired, int64_t now,
                                     const std::vector<std::string>& free_product_uuids);

}  // namespace tc
