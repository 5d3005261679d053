// MongoCacheStore's data lifecycle: the keyset listing and deletion behind `ticketcache prune`,
// and the retention range deletes (run history, audit log) on their indexes (user_id_1 of the
// cache, _id of the user state, started_at_ms_-1 of the runs, timestamp_1 of the audit log).
#include <mongoc/mongoc.h>

#include <limits>
#include <string>
#include <vector>

#include "mongo/bson_codec.h"
#include "mongo/mongo_cache_store.h"
#include "mongo/mongo_client.h"
#include "mongo/mongo_store_documents.h"

namespace tc {

using mongo::CollectionHandle;
using mongo::CursorHandle;
using mongo::Describe;
using mongo::PooledClient;
using mongo::Reply;

namespace {

// {field: {op: value}}
BsonDocument Int64Condition(const char* field, const char* op, int64_t value) {
  BsonDocument filter;
  bson_t condition;
  bson_append_document_begin(filter.get(), field, -1, &condition);
  bson_append_int64(&condition, op, -1, value);
  bson_append_document_end(filter.get(), &condition);
  return filter;
}

// The deleted count of a deleteMany reply.
int64_t DeletedCount(const Reply& reply) {
  bson_iter_t iter;
  if (bson_iter_init_find(&iter, &reply.bson, "deletedCount") &&
      (BSON_ITER_HOLDS_INT32(&iter) || BSON_ITER_HOLDS_INT64(&iter))) {
    return bson_iter_as_int64(&iter);
  }
  return 0;
}

}  // namespace

Result<std::vector<int64_t>> MongoCacheStore::UserIdsPage(UserRecords kind,
                                                          std::optional<int64_t> after_user_id,
                                                          int limit) {
  std::vector<int64_t> ids;
  if (limit <= 0 || after_user_id == std::numeric_limits<int64_t>::max()) return ids;
  // Cache documents carry user_id (unique index); user states are keyed by _id = user_id.
  const bool caches = kind == UserRecords::kCaches;
  const char* field = caches ? "user_id" : "_id";
  PooledClient client(pool_);
  CollectionHandle collection(
      client.Collection(database_, caches ? collections_.cache : collections_.user_state));
  BsonDocument filter = Int64Condition(
      field, "$gte", after_user_id ? *after_user_id + 1 : std::numeric_limits<int64_t>::min());
  BsonDocument options = mongo::OptionsWithLimit(field, 1, limit);
  BsonDocument projection;
  BSON_APPEND_INT32(projection.get(), "_id", caches ? 0 : 1);
  if (caches) BSON_APPEND_INT32(projection.get(), "user_id", 1);
  BSON_APPEND_DOCUMENT(options.get(), "projection", projection.get());
  CursorHandle cursor(mongoc_collection_find_with_opts(collection.collection, filter.get(),
                                                       options.get(), nullptr));
  const bson_t* found = nullptr;
  while (mongoc_cursor_next(cursor.cursor, &found)) {
    bson_iter_t iter;
    // The Node job writes user_id as a double or an int32; anything else is no user of ours.
    if (!bson_iter_init_find(&iter, found, field)) continue;
    if (const std::optional<int64_t> id = BsonNumberAsInt64(iter)) ids.push_back(*id);
  }
  if (Status status = mongo::CursorStatus(cursor, "list user ids", secrets_); !status.ok()) {
    return status.error();
  }
  return ids;
}

Result<int64_t> MongoCacheStore::CountCaches() {
  PooledClient client(pool_);
  CollectionHandle collection(client.Collection(database_, collections_.cache));
  BsonDocument filter;
  bson_error_t error;
  const int64_t count = mongoc_collection_count_documents(collection.collection, filter.get(),
                                                          nullptr, nullptr, nullptr, &error);
  if (count < 0) return MakeError(ErrorClass::kStore, Describe("count caches", error, secrets_));
  return count;
}

Result<int64_t> MongoCacheStore::DeleteUsers(std::span<const int64_t> user_ids) {
  if (user_ids.empty()) return int64_t{0};
  PooledClient client(pool_);
  int64_t deleted = 0;
  // The document first, then the state: a state left by a failure is an orphan the next prune
  // deletes.
  for (const bool caches : {true, false}) {
    CollectionHandle collection(
        client.Collection(database_, caches ? collections_.cache : collections_.user_state));
    BsonDocument filter = caches ? TimestampsFilter(user_ids) : IdInFilter(user_ids);
    Reply reply;
    bson_error_t error;
    if (!mongoc_collection_delete_many(collection.collection, filter.get(), nullptr, &reply.bson,
                                       &error)) {
      return MakeError(ErrorClass::kStore, Describe("delete users", error, secrets_));
    }
    if (caches) deleted = DeletedCount(reply);
  }
  return deleted;
}

Result<int64_t> MongoCacheStore::DeleteBefore(const std::string& collection_name, const char* field,
                                              int64_t cutoff) {
  PooledClient client(pool_);
  CollectionHandle collection(client.Collection(database_, collection_name));
  BsonDocument filter = Int64Condition(field, "$lt", cutoff);
  Reply reply;
  bson_error_t error;
  if (!mongoc_collection_delete_many(collection.collection, filter.get(), nullptr, &reply.bson,
                                     &error)) {
    return MakeError(ErrorClass::kStore,
                     Describe("delete old documents of " + collection_name, error, secrets_));
  }
  return DeletedCount(reply);
}

Result<int64_t> MongoCacheStore::DeleteRunsStartedBefore(int64_t cutoff_ms) {
  return DeleteBefore(collections_.runs, "started_at_ms", cutoff_ms);
}

Result<int64_t> MongoCacheStore::DeleteAuditBefore(int64_t cutoff_unix_seconds) {
  return DeleteBefore(collections_.log, "timestamp", cutoff_unix_seconds);
}

}  // namespace tc
