// Every document, filter and command the MongoDB cache store sends, and the readers of what it
// gets back. Pure (no server), so the exact shapes are unit-tested here; MongoCacheStore only
// moves them over the wire. Collections, indexes and field types: docs/stores.md.
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "document/cache_document.h"
#include "error/error.h"
#include "mongo/bson_codec.h"
#include "store/cache_store.h"

namespace tc {

// ticketcache's own write counter in cache documents; apps ignore it, absent means 0.
inline constexpr char kTcVersionField[] = "_tc_version";

// StoredDocument::version of a Mongo cache document packs both things a conditional replace
// must find unchanged: the `_tc_version` ticketcache bumps on every write (catches another
// ticketcache instance, even within the same second) and the document's `timestamp` in whole
// seconds (catches the Node job's apps, which rewrite the document without knowing _tc_version).
// version = tc_version * 2^32 + timestamp.
struct MongoDocumentVersion {
  int64_t tc_version = 0;  // [0, 2^31)
  int64_t timestamp = 0;   // unix seconds, [0, 2^32)
};
// kMalformed when a part is out of range (a timestamp before 1970 or after 2106).
Result<int64_t> PackMongoVersion(MongoDocumentVersion version);
MongoDocumentVersion UnpackMongoVersion(int64_t version);

// One stored cache document with its version; kMalformed naming the bad field.
Result<StoredDocument> StoredDocumentFromBson(const bson_t& stored);

// {user_id: {$in: [...]}} and the projection {_id: 0, user_id: 1, timestamp: 1}.
BsonDocument TimestampsFilter(std::span<const int64_t> user_ids);
BsonDocument TimestampsProjection();
// Reads one projected {user_id, timestamp}; nullopt when either is not a number.
std::optional<CacheTimestamp> CacheTimestampFromBson(const bson_t& projected);

BsonDocument UserIdFilter(int64_t user_id);

// Matches the user's document only while it still is the version that was read:
// {user_id: U, _tc_version: V (or absent/null when V is 0), timestamp: {$gte: T, $lt: T+1}}.
// The range makes a fractional or int64/double timestamp written by another client match too.
BsonDocument ConditionalReplaceFilter(int64_t user_id, MongoDocumentVersion expected);
// {$set: {user_id, timestamp, passes, passes4, _tc_version}}: $set rather than a whole-document
// replacement so `_id` and any field an app added survive; the document's fields are rewritten
// whole.
Result<BsonDocument> ReplaceUpdate(const CacheDocument& document, int64_t new_tc_version);
// The first document of a user: the document's fields then _tc_version 1.
Result<BsonDocument> NewCacheDocument(const CacheDocument& document);

// The `_id` of the `index`-th audit entry of a Replace on top of the document version
// `base_version` (nullopt: no document yet). Shaped like the ObjectIds the Node driver makes, and
// deterministic, so a Replace retried on the same base (after a failure that left the document
// unchanged, in this run or a later one) makes the same ids and entries a failed attempt already
// wrote are not written twice: the first 4 bytes are the base version's timestamp (seconds,
// big-endian; for a first document, the UTC day of the entry's timestamp), so `_id` order follows
// the user's document versions; then the index (2 bytes), so one Replace's entries keep their
// order; then 6 bytes of MD5 over user_id, base version, list, pass_uuid, action and
// payload_hash. When an entry was written is its `timestamp` field.
bson_oid_t AuditEntryId(const AuditEntry& entry, std::optional<int64_t> base_version, size_t index);
// An audit entry with `id` as its ObjectId `_id` first, then the Node job's fields.
Result<BsonDocument> AuditDocument(const AuditEntry& entry, const bson_oid_t& id);
// The indexes of the documents a failed unordered bulk insert of `count` documents left out
// because their `_id` existed (duplicate key, 11000), when that was its only failure: every write
// error a duplicate key, no write concern error, all the others counted inserted. nullopt for
// any other failure (network, another server error).
std::optional<std::vector<size_t>> OnlyDuplicateKeyErrors(const bson_t& bulk_reply, size_t count);
// Reads one back (extra fields, `_id` included, are ignored); kMalformed naming the bad field.
Result<AuditEntry> AuditEntryFromBson(const bson_t& stored);

// createIndexes for one collection; MongoDB accepts it again unchanged (idempotent).
struct MongoIndex {
  std::string name;
  std::vector<std::pair<std::string, int>> keys;  // field, 1 | -1
  bool unique = false;
};
BsonDocument CreateIndexesCommand(const std::string& collection,
                                  std::span<const MongoIndex> indexes);

// Per-user state: {_id: user_id, consecutive_failures, last_error_class, last_error_message,
// last_attempt_at, next_attempt_at, token_fingerprint}.
BsonDocument UserStateDocument(const UserState& state);
Result<UserState> UserStateFromBson(const bson_t& stored);
BsonDocument IdInFilter(std::span<const int64_t> ids);

// Run history: {_id: run_id, started_at_ms, finished_at_ms, status, shard, summary_json}.
BsonDocument RunDocument(const RunRecord& run);
Result<RunRecord> RunFromBson(const bson_t& stored);

// Locks {_id: name, owner, acquired_at_ms, expires_at_ms}. An upsert with this filter takes a free,
// expired or own lock; against a lock held by another owner it matches nothing and its insert fails
// on the duplicate _id, which TryLock reads as "held".
BsonDocument LockFilter(const std::string& name, const std::string& owner, int64_t now_ms);
BsonDocument LockUpdate(const std::string& owner, int64_t now_ms, int64_t expires_at_ms);
BsonDocument LockOwnerFilter(const std::string& name, const std::string& owner);
BsonDocument LockNameFilter(const std::string& name);
Result<LockLease> LockLeaseFromBson(const bson_t& document);

// Relaxed extended JSON of a BSON document, for tests and diagnostics (never holds secrets:
// no document above carries one).
std::string BsonToRelaxedJson(const bson_t& document);

}  // namespace tc
