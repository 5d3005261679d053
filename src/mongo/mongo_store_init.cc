// MongoCacheStore::Init: the indexes of docs/stores.md, created one createIndexes command per
// index, then the one index the store's correctness rests on (unique user_id) checked by listing.
// Both steps are there for FerretDB as much as for MongoDB: FerretDB v1.24 drops the connection
// when one createIndexes names several indexes that all exist already, and answers "all indexes
// already exist" for an index of the same name with other options, where MongoDB fails with
// IndexOptionsConflict (85) or IndexKeySpecsConflict (86).
#include <fmt/format.h>
#include <mongoc/mongoc.h>

#include <string>
#include <utility>

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

// Server error codes (https://www.mongodb.com/docs/manual/reference/error-codes/).
constexpr uint32_t kIndexOptionsConflict = 85;
constexpr uint32_t kIndexKeySpecsConflict = 86;

constexpr char kOtherIndexHint[] =
    " (an index on the same fields exists with other options or another name: compare with "
    "docs/stores.md, drop or rename it, then run init again)";

// True when `collection` has an index whose key is exactly {field: 1} and which is unique.
Result<bool> HasUniqueIndexOn(const CollectionHandle& collection, const char* field,
                              const std::vector<std::string>& secrets) {
  CursorHandle cursor(mongoc_collection_find_indexes_with_opts(collection.collection, nullptr));
  const bson_t* index = nullptr;
  bool found = false;
  while (mongoc_cursor_next(cursor.cursor, &index)) {
    bson_iter_t iter;
    bson_t key;
    uint32_t length = 0;
    const uint8_t* data = nullptr;
    if (!bson_iter_init_find(&iter, index, "key") || !BSON_ITER_HOLDS_DOCUMENT(&iter)) continue;
    bson_iter_document(&iter, &length, &data);
    if (!bson_init_static(&key, data, length) || bson_count_keys(&key) != 1) continue;
    bson_iter_t key_iter;
    if (!bson_iter_init_find(&key_iter, &key, field) ||
        BsonNumberAsInt64(key_iter).value_or(0) != 1) {
      continue;
    }
    found = found || (bson_iter_init_find(&iter, index, "unique") && bson_iter_as_bool(&iter));
  }
  if (Status status = mongo::CursorStatus(cursor, "listIndexes", secrets); !status.ok()) {
    return status.error();
  }
  return found;
}

}  // namespace

Status MongoCacheStore::Init() {
  const MongoIndex cache_indexes[] = {{"user_id_1", {{"user_id", 1}}, true},
                                      {"timestamp_1", {{"timestamp", 1}}, false}};
  const MongoIndex log_indexes[] = {{"user_id_1", {{"user_id", 1}}, false},
                                    {"timestamp_1", {{"timestamp", 1}}, false}};
  const MongoIndex user_state_indexes[] = {
      {"consecutive_failures_-1", {{"consecutive_failures", -1}}, false}};
  const MongoIndex run_indexes[] = {{"started_at_ms_-1", {{"started_at_ms", -1}}, false}};
  // Locks and claims need no index of their own: the name is the (unique) _id.
  const std::pair<const std::string*, std::span<const MongoIndex>> plan[] = {
      {&collections_.cache, cache_indexes},
      {&collections_.log, log_indexes},
      {&collections_.user_state, user_state_indexes},
      {&collections_.runs, run_indexes}};
  PooledClient client(pool_);
  for (const auto& [collection, indexes] : plan) {
    for (const MongoIndex& index : indexes) {
      BsonDocument command = CreateIndexesCommand(*collection, std::span(&index, 1));
      Reply reply;
      bson_error_t error;
      if (mongoc_client_write_command_with_opts(client.get(), database_.c_str(), command.get(),
                                                nullptr, &reply.bson, &error)) {
        continue;
      }
      std::string hint;
      if (error.code == kIndexOptionsConflict || error.code == kIndexKeySpecsConflict) {
        hint = kOtherIndexHint;
      } else if (error.code == MONGOC_ERROR_DUPLICATE_KEY) {
        hint =
            " (the collection holds several documents for one user_id; the unique index needs "
            "them merged first)";
      }
      return MakeError(ErrorClass::kStore,
                       Describe(fmt::format("createIndexes {} on {}", index.name, *collection),
                                error, secrets_) +
                           hint);
    }
  }
  CollectionHandle cache(client.Collection(database_, collections_.cache));
  Result<bool> unique = HasUniqueIndexOn(cache, "user_id", secrets_);
  if (!unique.ok()) return unique.error();
  if (!*unique) {
    return MakeError(ErrorClass::kStore,
                     fmt::format("mongodb init: {} has no unique index on user_id, which "
                                 "concurrent first writes rely on{}",
                                 collections_.cache, kOtherIndexHint));
  }
  return Status::Ok();
}

}  // namespace tc
