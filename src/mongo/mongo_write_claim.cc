#include "mongo/mongo_write_claim.h"

#include <fmt/format.h>

namespace tc::mongo {
namespace {

bool InsertClaim(const CollectionHandle& claims, const std::string& key, int64_t now_ms,
                 bson_error_t* error) {
  BsonDocument claim;
  bson_append_utf8(claim.get(), "_id", -1, key.data(), static_cast<int>(key.size()));
  BSON_APPEND_INT64(claim.get(), "expires_at_ms", now_ms + kClaimLeaseMs);
  Reply reply;
  return mongoc_collection_insert_one(claims.collection, claim.get(), nullptr, &reply.bson, error);
}

}  // namespace

std::string ClaimKey(int64_t user_id, int64_t version) {
  return fmt::format("{}:{}", user_id, version);
}

Status TakeClaim(const CollectionHandle& claims, const std::string& key, int64_t now_ms,
                 const std::vector<std::string>& secrets) {
  bson_error_t error;
  if (InsertClaim(claims, key, now_ms, &error)) return Status::Ok();
  if (error.code != MONGOC_ERROR_DUPLICATE_KEY) {
    return MakeError(ErrorClass::kStore, Describe("claim", error, secrets));
  }
  // Held. Taken over only when its writer is long gone: delete it if expired, then insert again
  // (racing takers: one insert wins).
  BsonDocument expired;
  bson_append_utf8(expired.get(), "_id", -1, key.data(), static_cast<int>(key.size()));
  bson_t condition;
  bson_append_document_begin(expired.get(), "expires_at_ms", -1, &condition);
  BSON_APPEND_INT64(&condition, "$lte", now_ms);
  bson_append_document_end(expired.get(), &condition);
  Reply reply;
  bson_iter_t iter;
  if (mongoc_collection_delete_one(claims.collection, expired.get(), nullptr, &reply.bson,
                                   &error) &&
      bson_iter_init_find(&iter, &reply.bson, "deletedCount") && bson_iter_as_int64(&iter) == 1 &&
      InsertClaim(claims, key, now_ms, &error)) {
    return Status::Ok();
  }
  const std::string user = key.substr(0, key.find(':'));
  return MakeError(ErrorClass::kConflict,
                   fmt::format("another writer is replacing the cache document of user {}", user));
}

void ReleaseClaim(const CollectionHandle& claims, const std::string& key) {
  BsonDocument filter;
  bson_append_utf8(filter.get(), "_id", -1, key.data(), static_cast<int>(key.size()));
  Reply reply;
  bson_error_t error;
  mongoc_collection_delete_one(claims.collection, filter.get(), nullptr, &reply.bson, &error);
}

Result<bool> ServerIsFerretDb(mongoc_client_t* client, const std::vector<std::string>& secrets) {
  BsonDocument command;
  BSON_APPEND_INT32(command.get(), "buildInfo", 1);
  Reply reply;
  bson_error_t error;
  if (!mongoc_client_command_simple(client, "admin", command.get(), nullptr, &reply.bson, &error)) {
    return MakeError(ErrorClass::kStore, Describe("buildInfo", error, secrets));
  }
  bson_iter_t iter;
  return bson_iter_init_find(&iter, &reply.bson, "ferretdbVersion");
}

}  // namespace tc::mongo
