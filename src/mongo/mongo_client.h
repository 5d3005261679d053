// The libmongoc plumbing the MongoDB cache store's files share (internal to src/mongo/):
// owning handles, a client borrowed from the pool, reply documents, error messages scrubbed of
// secrets, and a cursor reader.
#pragma once

#include <bson/bson.h>
#include <mongoc/mongoc.h>

#include <string>
#include <string_view>
#include <vector>

#include "error/error.h"
#include "mongo/bson_codec.h"

namespace tc::mongo {

// Every occurrence of each non-empty secret in `text`, and any URL password, replaced by the one
// redaction marker.
std::string WithoutSecrets(std::string text, const std::vector<std::string>& secrets);

// "mongodb <operation>: <libmongoc message> (code N)", scrubbed of the secrets in case a server
// or libmongoc ever echoes them.
std::string Describe(std::string_view operation, const bson_error_t& error,
                     const std::vector<std::string>& secrets);

struct CollectionHandle {
  explicit CollectionHandle(mongoc_collection_t* adopted) : collection(adopted) {}
  CollectionHandle(const CollectionHandle&) = delete;
  CollectionHandle& operator=(const CollectionHandle&) = delete;
  ~CollectionHandle() { mongoc_collection_destroy(collection); }
  mongoc_collection_t* collection;
};

struct CursorHandle {
  explicit CursorHandle(mongoc_cursor_t* adopted) : cursor(adopted) {}
  CursorHandle(const CursorHandle&) = delete;
  CursorHandle& operator=(const CursorHandle&) = delete;
  ~CursorHandle() { mongoc_cursor_destroy(cursor); }
  mongoc_cursor_t* cursor;
};

struct BulkHandle {
  explicit BulkHandle(mongoc_bulk_operation_t* adopted) : bulk(adopted) {}
  BulkHandle(const BulkHandle&) = delete;
  BulkHandle& operator=(const BulkHandle&) = delete;
  ~BulkHandle() { mongoc_bulk_operation_destroy(bulk); }
  mongoc_bulk_operation_t* bulk;
};

// A reply document that libmongoc always initialises, success or not.
struct Reply {
  Reply() = default;
  Reply(const Reply&) = delete;
  Reply& operator=(const Reply&) = delete;
  ~Reply() { bson_destroy(&bson); }
  bson_t bson = BSON_INITIALIZER;
};

// Borrows one client of the pool for the scope; blocks while all are in use.
class PooledClient {
 public:
  explicit PooledClient(mongoc_client_pool_t* pool)
      : pool_(pool), client_(mongoc_client_pool_pop(pool)) {}
  PooledClient(const PooledClient&) = delete;
  PooledClient& operator=(const PooledClient&) = delete;
  ~PooledClient() { mongoc_client_pool_push(pool_, client_); }
  mongoc_client_t* get() const { return client_; }
  // REQUIRES: destroyed (CollectionHandle) before this client goes back to the pool.
  mongoc_collection_t* Collection(const std::string& database, const std::string& name) const {
    return mongoc_client_get_collection(client_, database.c_str(), name.c_str());
  }

 private:
  mongoc_client_pool_t* pool_;
  mongoc_client_t* client_;
};

// {sort: {sort_field: direction}, limit: limit} (limit 0: no limit).
BsonDocument OptionsWithLimit(const char* sort_field, int sort_direction, int limit);
BsonDocument UpsertOption();     // {upsert: true}
BsonDocument UnorderedOption();  // {ordered: false}

// kStore describing the cursor's error, if it has one.
Status CursorStatus(const CursorHandle& cursor, std::string_view operation,
                    const std::vector<std::string>& secrets);

// Every document `filter` finds, parsed; the first parse error or the cursor's error.
template <typename T>
Result<std::vector<T>> ReadAll(const CollectionHandle& collection, const BsonDocument& filter,
                               const BsonDocument* options, Result<T> (*parse)(const bson_t&),
                               std::string_view operation,
                               const std::vector<std::string>& secrets) {
  CursorHandle cursor(mongoc_collection_find_with_opts(
      collection.collection, filter.get(), options != nullptr ? options->get() : nullptr, nullptr));
  std::vector<T> values;
  const bson_t* found = nullptr;
  while (mongoc_cursor_next(cursor.cursor, &found)) {
    Result<T> value = parse(*found);
    if (!value.ok()) return value.error();
    values.push_back(std::move(value).value());
  }
  if (Status status = CursorStatus(cursor, operation, secrets); !status.ok()) {
    return status.error();
  }
  return values;
}

}  // namespace tc::mongo
