#include "mongo/mongo_cache_store.h"

#include <fmt/format.h>
#include <mongoc/mongoc.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/url_credentials.h"
#include "mongo/bson_codec.h"
#include "mongo/mongo_client.h"
#include "mongo/mongo_store_documents.h"
#include "mongo/mongo_write_claim.h"

namespace tc {

using mongo::BulkHandle;
using mongo::CollectionHandle;
using mongo::CursorHandle;
using mongo::CursorStatus;
using mongo::Describe;
using mongo::PooledClient;
using mongo::Reply;
using mongo::WithoutSecrets;

namespace {

void InitMongocOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Errors come back as values; libmongoc's own stderr lines would break the JSON log format.
    // Silenced before mongoc_init, which can itself warn (its shared-memory counters).
    mongoc_log_set_handler(nullptr, nullptr);
    mongoc_init();
  });
}

Status PingWith(mongoc_client_t* client, const std::vector<std::string>& secrets) {
  BsonDocument command;
  BSON_APPEND_INT32(command.get(), "ping", 1);
  Reply reply;
  bson_error_t error;
  if (!mongoc_client_command_simple(client, "admin", command.get(), nullptr, &reply.bson, &error)) {
    return MakeError(ErrorClass::kStore, Describe("ping", error, secrets));
  }
  return Status::Ok();
}

// Inserts the audit entries (one unordered bulk insert) and returns the ids this call inserted.
// An entry whose id exists already (duplicate key, 11000: left by an earlier attempt) counts as
// written and is not returned; any other failure is kStore.
Result<std::vector<bson_oid_t>> InsertAudit(const CollectionHandle& log,
                                            const std::vector<BsonDocument>& documents,
                                            const std::vector<bson_oid_t>& ids,
                                            const std::vector<std::string>& secrets) {
  BsonDocument options = mongo::UnorderedOption();
  BulkHandle bulk(mongoc_collection_create_bulk_operation_with_opts(log.collection, options.get()));
  bson_error_t error;
  for (const BsonDocument& document : documents) {
    if (!mongoc_bulk_operation_insert_with_opts(bulk.bulk, document.get(), nullptr, &error)) {
      return MakeError(ErrorClass::kStore, Describe("audit insert", error, secrets));
    }
  }
  Reply reply;
  if (mongoc_bulk_operation_execute(bulk.bulk, &reply.bson, &error) != 0) return ids;
  std::optional<std::vector<size_t>> duplicates = OnlyDuplicateKeyErrors(reply.bson, ids.size());
  if (!duplicates) return MakeError(ErrorClass::kStore, Describe("audit insert", error, secrets));
  std::vector<bson_oid_t> inserted;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (std::find(duplicates->begin(), duplicates->end(), i) == duplicates->end()) {
      inserted.push_back(ids[i]);
    }
  }
  return inserted;
}

Status DeleteAudit(const CollectionHandle& log, const std::vector<bson_oid_t>& ids,
                   const std::vector<std::string>& secrets) {
  BsonDocument filter;
  bson_t condition;
  bson_t values;
  bson_append_document_begin(filter.get(), "_id", -1, &condition);
  bson_append_array_begin(&condition, "$in", -1, &values);
  for (size_t i = 0; i < ids.size(); ++i) {
    const std::string key = std::to_string(i);
    bson_append_oid(&values, key.c_str(), -1, &ids[i]);
  }
  bson_append_array_end(&condition, &values);
  bson_append_document_end(filter.get(), &condition);
  Reply reply;
  bson_error_t error;
  if (!mongoc_collection_delete_many(log.collection, filter.get(), nullptr, &reply.bson, &error)) {
    return MakeError(ErrorClass::kStore, Describe("audit delete", error, secrets));
  }
  return Status::Ok();
}

// The conditional update (a version was read) or the first insert of a user's document.
// kConflict when another writer got there first.
Status WriteDocument(const CollectionHandle& cache, int64_t user_id,
                     const std::optional<MongoDocumentVersion>& expected,
                     const BsonDocument& written, const std::vector<std::string>& secrets) {
  Reply reply;
  bson_error_t error;
  if (expected) {
    BsonDocument filter = ConditionalReplaceFilter(user_id, *expected);
    if (!mongoc_collection_update_one(cache.collection, filter.get(), written.get(), nullptr,
                                      &reply.bson, &error)) {
      return MakeError(ErrorClass::kStore, Describe("update cache document", error, secrets));
    }
    bson_iter_t iter;
    if (!bson_iter_init_find(&iter, &reply.bson, "matchedCount") ||
        BsonNumberAsInt64(iter).value_or(0) == 0) {
      return MakeError(
          ErrorClass::kConflict,
          fmt::format("the cache document of user {} changed since it was read", user_id));
    }
    return Status::Ok();
  }
  if (!mongoc_collection_insert_one(cache.collection, written.get(), nullptr, &reply.bson,
                                    &error)) {
    if (error.code == MONGOC_ERROR_DUPLICATE_KEY) {
      return MakeError(
          ErrorClass::kConflict,
          fmt::format("the cache document of user {} was created concurrently", user_id));
    }
    return MakeError(ErrorClass::kStore, Describe("insert cache document", error, secrets));
  }
  return Status::Ok();
}

// The audit entries, then the document (Replace's contract: see the header).
Status WriteWithAudit(const PooledClient& client, const std::string& database,
                      const std::string& cache_name, const std::string& log_name,
                      const CacheDocument& document,
                      const std::optional<MongoDocumentVersion>& expected,
                      const BsonDocument& written, const std::vector<BsonDocument>& audit_documents,
                      const std::vector<bson_oid_t>& audit_ids,
                      const std::vector<std::string>& secrets) {
  // The audit entries go first: when they cannot be written, nothing is written (the contract:
  // kStore leaves the document unchanged). Their ids are deterministic, so entries left by an
  // earlier failed attempt on the same base are found again, not duplicated.
  std::vector<bson_oid_t> inserted;
  if (!audit_documents.empty()) {
    CollectionHandle log(client.Collection(database, log_name));
    Result<std::vector<bson_oid_t>> audit_inserted =
        InsertAudit(log, audit_documents, audit_ids, secrets);
    if (!audit_inserted.ok()) {
      return MakeError(ErrorClass::kStore,
                       fmt::format("the cache document of user {} was not written: {}",
                                   document.user_id, audit_inserted.error().message));
    }
    inserted = std::move(audit_inserted).value();
  }

  CollectionHandle cache(client.Collection(database, cache_name));
  Status status = WriteDocument(cache, document.user_id, expected, written, secrets);
  if (!status.ok() && status.error().error_class == ErrorClass::kConflict && !inserted.empty()) {
    // The document was certainly not written: its audit entries must not stay. (After a kStore
    // the write may or may not have landed, so they stay: a retry on the same base finds them.)
    CollectionHandle log(client.Collection(database, log_name));
    if (Status removed = DeleteAudit(log, inserted, secrets); !removed.ok()) {
      return MakeError(ErrorClass::kConflict,
                       fmt::format("{}; its audit entries could not be taken back: {}",
                                   status.error().message, removed.error().message));
    }
  }
  return status;
}

}  // namespace

Result<std::unique_ptr<MongoCacheStore>> MongoCacheStore::Open(const StoreConfig& config,
                                                               const Options& options) {
  InitMongocOnce();
  std::vector<std::string> secrets = {config.password, UrlPassword(config.url)};
  bson_error_t error;
  std::unique_ptr<mongoc_uri_t, decltype(&mongoc_uri_destroy)> uri(
      mongoc_uri_new_with_error(config.url.c_str(), &error), &mongoc_uri_destroy);
  if (!uri) {
    return MakeError(
        ErrorClass::kConfig,
        WithoutSecrets(fmt::format("store.url is not a valid MongoDB URL: {}", error.message),
                       secrets));
  }
  if (mongoc_uri_get_password(uri.get()) == nullptr && !config.password.empty()) {
    mongoc_uri_set_password(uri.get(), config.password.c_str());
  }
  if (!config.tls_ca.empty()) {
    mongoc_uri_set_option_as_bool(uri.get(), MONGOC_URI_TLS, true);
    mongoc_uri_set_option_as_utf8(uri.get(), MONGOC_URI_TLSCAFILE, config.tls_ca.c_str());
  }
  if (mongoc_uri_get_option_as_int32(uri.get(), MONGOC_URI_MAXPOOLSIZE, 0) <= 0) {
    mongoc_uri_set_option_as_int32(uri.get(), MONGOC_URI_MAXPOOLSIZE, options.pool_size);
  }
  if (mongoc_uri_get_appname(uri.get()) == nullptr) {
    mongoc_uri_set_appname(uri.get(), "ticketcache");
  }
  const char* database = mongoc_uri_get_database(uri.get());
  std::string database_name = database != nullptr ? database : options.default_database;

  mongoc_client_pool_t* pool = mongoc_client_pool_new_with_error(uri.get(), &error);
  if (pool == nullptr) {
    return MakeError(ErrorClass::kConfig,
                     WithoutSecrets(fmt::format("store.url: {}", error.message), secrets));
  }
  mongoc_client_pool_set_error_api(pool, MONGOC_ERROR_API_VERSION_2);
  Collections collections{config.cache_collection,
                          config.log_collection,
                          options.collection_prefix + "runs",
                          options.collection_prefix + "user_state",
                          options.collection_prefix + "locks",
                          options.collection_prefix + "claims"};
  std::unique_ptr<MongoCacheStore> store(new MongoCacheStore(
      pool, std::move(database_name), std::move(collections), std::move(secrets)));
  // buildInfo doubles as the reachability check.
  Result<bool> ferretdb = [&] {
    PooledClient client(pool);
    return mongo::ServerIsFerretDb(client.get(), store->secrets_);
  }();
  if (!ferretdb.ok()) {
    return MakeError(ErrorClass::kStore,
                     fmt::format("cannot reach MongoDB: {}", ferretdb.error().message));
  }
  store->claim_writes_ = options.write_claims.value_or(*ferretdb);
  return store;
}

MongoCacheStore::MongoCacheStore(mongoc_client_pool_t* pool, std::string database,
                                 Collections collections, std::vector<std::string> secrets)
    : pool_(pool),
      database_(std::move(database)),
      collections_(std::move(collections)),
      secrets_(std::move(secrets)) {}

MongoCacheStore::~MongoCacheStore() { mongoc_client_pool_destroy(pool_); }

Status MongoCacheStore::Ping() {
  PooledClient client(pool_);
  return PingWith(client.get(), secrets_);
}

Result<std::vector<CacheTimestamp>> MongoCacheStore::CacheTimestamps(
    std::span<const int64_t> user_ids) {
  std::vector<CacheTimestamp> timestamps;
  if (user_ids.empty()) return timestamps;
  PooledClient client(pool_);
  CollectionHandle cache(client.Collection(database_, collections_.cache));
  BsonDocument filter = TimestampsFilter(user_ids);
  BsonDocument options;
  BsonDocument projection = TimestampsProjection();
  BSON_APPEND_DOCUMENT(options.get(), "projection", projection.get());
  CursorHandle cursor(
      mongoc_collection_find_with_opts(cache.collection, filter.get(), options.get(), nullptr));
  const bson_t* found = nullptr;
  while (mongoc_cursor_next(cursor.cursor, &found)) {
    if (std::optional<CacheTimestamp> timestamp = CacheTimestampFromBson(*found)) {
      timestamps.push_back(*timestamp);
    }
  }
  if (Status status = CursorStatus(cursor, "freshness query", secrets_); !status.ok()) {
    return status.error();
  }
  return timestamps;
}

Result<std::optional<StoredDocument>> MongoCacheStore::Load(int64_t user_id) {
  PooledClient client(pool_);
  CollectionHandle cache(client.Collection(database_, collections_.cache));
  BsonDocument filter = UserIdFilter(user_id);
  BsonDocument options;
  BSON_APPEND_INT64(options.get(), "limit", 1);
  CursorHandle cursor(
      mongoc_collection_find_with_opts(cache.collection, filter.get(), options.get(), nullptr));
  const bson_t* found = nullptr;
  std::optional<StoredDocument> stored;
  if (mongoc_cursor_next(cursor.cursor, &found)) {
    Result<StoredDocument> parsed = StoredDocumentFromBson(*found);
    if (!parsed.ok()) {
      return MakeError(parsed.error().error_class, fmt::format("cache document of user {}: {}",
                                                               user_id, parsed.error().message));
    }
    stored = std::move(parsed).value();
  }
  if (Status status = CursorStatus(cursor, "load", secrets_); !status.ok()) {
    return status.error();
  }
  return stored;
}

Status MongoCacheStore::Replace(const CacheDocument& document,
                                std::optional<int64_t> expected_version,
                                std::span<const AuditEntry> audit) {
  // Everything is encoded before anything is sent, so a value BSON cannot hold writes nothing.
  std::vector<BsonDocument> audit_documents;
  std::vector<bson_oid_t> audit_ids;
  audit_documents.reserve(audit.size());
  audit_ids.reserve(audit.size());
  for (size_t i = 0; i < audit.size(); ++i) {
    audit_ids.push_back(AuditEntryId(audit[i], expected_version, i));
    Result<BsonDocument> audit_document = AuditDocument(audit[i], audit_ids.back());
    if (!audit_document.ok()) return audit_document.error();
    audit_documents.push_back(std::move(audit_document).value());
  }
  std::optional<MongoDocumentVersion> expected;
  if (expected_version) expected = UnpackMongoVersion(*expected_version);
  Result<BsonDocument> written =
      expected ? ReplaceUpdate(document, expected->tc_version + 1 >= (int64_t{1} << 31)
                                             ? 1  // wraps, so the version stays packable
                                             : expected->tc_version + 1)
               : NewCacheDocument(document);
  if (!written.ok()) return written.error();

  PooledClient client(pool_);
  std::string claim;
  if (expected_version && claim_writes_) {
    claim = mongo::ClaimKey(document.user_id, *expected_version);
    CollectionHandle claims(client.Collection(database_, collections_.claims));
    const int64_t now_ms = wall_clock_.NowUnixMillis();
    if (Status taken = mongo::TakeClaim(claims, claim, now_ms, secrets_); !taken.ok()) {
      return taken;
    }
  }
  Status status = WriteWithAudit(client, database_, collections_.cache, collections_.log, document,
                                 expected, *written, audit_documents, audit_ids, secrets_);
  if (!claim.empty()) {
    CollectionHandle claims(client.Collection(database_, collections_.claims));
    mongo::ReleaseClaim(claims, claim);
  }
  return status;
}

}  // namespace tc
