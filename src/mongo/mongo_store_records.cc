// MongoCacheStore's bookkeeping: per-user state, run history, run locks and the audit log
// reader. The cache documents themselves are in mongo_cache_store.cc.
#include <fmt/format.h>
#include <mongoc/mongoc.h>

#include <utility>
#include <vector>

#include "mongo/bson_codec.h"
#include "mongo/mongo_cache_store.h"
#include "mongo/mongo_client.h"
#include "mongo/mongo_store_documents.h"

namespace tc {

using mongo::BulkHandle;
using mongo::CollectionHandle;
using mongo::Describe;
using mongo::OptionsWithLimit;
using mongo::PooledClient;
using mongo::ReadAll;
using mongo::Reply;

Result<std::vector<UserState>> MongoCacheStore::LoadUserStates(std::span<const int64_t> user_ids) {
  if (user_ids.empty()) return std::vector<UserState>();
  PooledClient client(pool_);
  CollectionHandle collection(client.Collection(database_, collections_.user_state));
  BsonDocument filter = IdInFilter(user_ids);
  return ReadAll<UserState>(collection, filter, nullptr, UserStateFromBson, "load user states",
                            secrets_);
}

Status MongoCacheStore::SaveUserStates(std::span<const UserState> states) {
  if (states.empty()) return Status::Ok();
  PooledClient client(pool_);
  CollectionHandle collection(client.Collection(database_, collections_.user_state));
  BsonDocument bulk_options = mongo::UnorderedOption();
  BulkHandle bulk(
      mongoc_collection_create_bulk_operation_with_opts(collection.collection, bulk_options.get()));
  BsonDocument upsert = mongo::UpsertOption();
  bson_error_t error;
  for (const UserState& state : states) {
    BsonDocument selector;
    BSON_APPEND_INT64(selector.get(), "_id", state.user_id);
    BsonDocument replacement = UserStateDocument(state);
    if (!mongoc_bulk_operation_replace_one_with_opts(bulk.bulk, selector.get(), replacement.get(),
                                                     upsert.get(), &error)) {
      return MakeError(ErrorClass::kStore, Describe("save user states", error, secrets_));
    }
  }
  Reply reply;
  if (mongoc_bulk_operation_execute(bulk.bulk, &reply.bson, &error) == 0) {
    return MakeError(ErrorClass::kStore, Describe("save user states", error, secrets_));
  }
  return Status::Ok();
}

Result<std::vector<UserState>> MongoCacheStore::FailingUsers(int limit) {
  PooledClient client(pool_);
  CollectionHandle collection(client.Collection(database_, collections_.user_state));
  BsonDocument filter;
  bson_t condition;
  bson_append_document_begin(filter.get(), "consecutive_failures", -1, &condition);
  BSON_APPEND_INT32(&condition, "$gt", 0);
  bson_append_document_end(filter.get(), &condition);
  BsonDocument options = OptionsWithLimit("consecutive_failures", -1, limit);
  return ReadAll<UserState>(collection, filter, &options, UserStateFromBson, "failing users",
                            secrets_);
}

Status MongoCacheStore::SaveRun(const RunRecord& run) {
  PooledClient client(pool_);
  CollectionHandle collection(client.Collection(database_, collections_.runs));
  BsonDocument selector;
  bson_append_utf8(selector.get(), "_id", -1, run.run_id.data(),
                   static_cast<int>(run.run_id.size()));
  BsonDocument replacement = RunDocument(run);
  BsonDocument options = mongo::UpsertOption();
  Reply reply;
  bson_error_t error;
  if (!mongoc_collection_replace_one(collection.collection, selector.get(), replacement.get(),
                                     options.get(), &reply.bson, &error)) {
    return MakeError(ErrorClass::kStore, Describe("save run", error, secrets_));
  }
  return Status::Ok();
}

Result<std::vector<RunRecord>> MongoCacheStore::RecentRuns(int limit) {
  PooledClient client(pool_);
  CollectionHandle collection(client.Collection(database_, collections_.runs));
  BsonDocument filter;
  BsonDocument options = OptionsWithLimit("started_at_ms", -1, limit);
  return ReadAll<RunRecord>(collection, filter, &options, RunFromBson, "recent runs", secrets_);
}

Result<bool> MongoCacheStore::TryLock(const std::string& name, const std::string& owner,
                                      int64_t now_ms, int64_t expires_at_ms) {
  PooledClient client(pool_);
  CollectionHandle collection(client.Collection(database_, collections_.locks));
  BsonDocument filter = LockFilter(name, owner, now_ms);
  BsonDocument update = LockUpdate(owner, now_ms, expires_at_ms);
  BsonDocument options = mongo::UpsertOption();
  Reply reply;
  bson_error_t error;
  if (mongoc_collection_update_one(collection.collection, filter.get(), update.get(), options.get(),
                                   &reply.bson, &error)) {
    return true;
  }
  if (error.code == MONGOC_ERROR_DUPLICATE_KEY) return false;  // held by another owner
  return MakeError(ErrorClass::kStore, Describe(fmt::format("lock {}", name), error, secrets_));
}

Status MongoCacheStore::Unlock(const std::string& name, const std::string& owner) {
  PooledClient client(pool_);
  CollectionHandle collection(client.Collection(database_, collections_.locks));
  BsonDocument filter = LockOwnerFilter(name, owner);
  Reply reply;
  bson_error_t error;
  if (!mongoc_collection_delete_one(collection.collection, filter.get(), nullptr, &reply.bson,
                                    &error)) {
    return MakeError(ErrorClass::kStore, Describe(fmt::format("unlock {}", name), error, secrets_));
  }
  return Status::Ok();
}

Result<std::optional<LockLease>> MongoCacheStore::ReadLock(const std::string& name) {
  PooledClient client(pool_);
  CollectionHandle collection(client.Collection(database_, collections_.locks));
  BsonDocument filter = LockNameFilter(name);
  auto leases =
      ReadAll<LockLease>(collection, filter, nullptr, LockLeaseFromBson, "read lock", secrets_);
  if (!leases.ok()) return leases.error();
  if (leases->empty()) return std::optional<LockLease>();
  return std::optional<LockLease>(std::move(leases->front()));
}

Result<std::vector<AuditEntry>> MongoCacheStore::AuditLog(int64_t user_id) {
  PooledClient client(pool_);
  CollectionHandle collection(client.Collection(database_, collections_.log));
  BsonDocument filter = UserIdFilter(user_id);
  // ObjectIds made by one process grow with time and a counter: _id order is insertion order.
  BsonDocument options = OptionsWithLimit("_id", 1, 0);
  return ReadAll<AuditEntry>(collection, filter, &options, AuditEntryFromBson, "audit log",
                             secrets_);
}

}  // namespace tc
