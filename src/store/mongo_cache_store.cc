#include "store/mongo_cache_store.h"

#include <fmt/format.h>
#include <mongoc/mongoc.h>

#include <mutex>
#include <string_view>
#include <utility>
#include <vector>

#include "store/bson_codec.h"
#include "store/mongo_store_documents.h"

namespace tc {
namespace {

// Server error codes (https://www.mongodb.com/docs/manual/reference/error-codes/).
constexpr uint32_t kIndexOptionsConflict = 85;
constexpr uint32_t kIndexKeySpecsConflict = 86;

void InitMongocOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    mongoc_init();
    // Errors come back as values; libmongoc's own stderr lines would break the JSON log format.
    mongoc_log_set_handler(nullptr, nullptr);
  });
}

// Every occurrence of each non-empty secret in `text` replaced by "***".
std::string WithoutSecrets(std::string text, const std::vector<std::string>& secrets) {
  for (const std::string& secret : secrets) {
    if (secret.empty()) continue;
    for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3)) {
      text.replace(at, secret.size(), "***");
    }
  }
  return text;
}

// The password part of a URL's userinfo (between "user:" and "@"), found by hand only to scrub
// it from libmongoc's message about a URL it could not parse (then there is no mongoc_uri_t).
std::string UrlPasswordForScrubbing(std::string_view url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return "";
  std::string_view rest = url.substr(scheme_end + 3);
  const size_t at = rest.rfind('@');
  if (at == std::string_view::npos) return "";
  std::string_view userinfo = rest.substr(0, at);
  const size_t colon = userinfo.find(':');
  if (colon == std::string_view::npos) return "";
  return std::string(userinfo.substr(colon + 1));
}

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

BsonDocument OptionsWithLimit(const char* sort_field, int sort_direction, int limit) {
  BsonDocument options;
  bson_t sort;
  bson_append_document_begin(options.get(), "sort", -1, &sort);
  bson_append_int32(&sort, sort_field, -1, sort_direction);
  bson_append_document_end(options.get(), &sort);
  BSON_APPEND_INT64(options.get(), "limit", limit);
  return options;
}

BsonDocument UpsertOption() {
  BsonDocument options;
  BSON_APPEND_BOOL(options.get(), "upsert", true);
  return options;
}

BsonDocument UnorderedOption() {
  BsonDocument options;
  BSON_APPEND_BOOL(options.get(), "ordered", false);
  return options;
}

// Borrows one client of the pool for the scope; blocks while all are in use.
class PooledClient {
 public:
  explicit PooledClient(mongoc_client_pool_t* pool)
      : pool_(pool), client_(mongoc_client_pool_pop(pool)) {}
  PooledClient(const PooledClient&) = delete;
  PooledClient& operator=(const PooledClient&) = delete;
  ~PooledClient() { mongoc_client_pool_push(pool_, client_); }
  mongoc_client_t* get() const { return client_; }

 private:
  mongoc_client_pool_t* pool_;
  mongoc_client_t* client_;
};

// "mongodb <operation>: <libmongoc message> (code N)", scrubbed of the password in case a server
// or libmongoc ever echoes it.
std::string Describe(std::string_view operation, const bson_error_t& error,
                     const std::vector<std::string>& secrets) {
  return WithoutSecrets(
      fmt::format("mongodb {}: {} (code {})", operation, error.message, error.code), secrets);
}

Status CursorStatus(const CursorHandle& cursor, std::string_view operation,
                    const std::vector<std::string>& secrets) {
  bson_error_t error;
  if (mongoc_cursor_error(cursor.cursor, &error)) {
    return MakeError(ErrorClass::kStore, Describe(operation, error, secrets));
  }
  return Status::Ok();
}

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

}  // namespace

Result<std::unique_ptr<MongoCacheStore>> MongoCacheStore::Open(const StoreConfig& config,
                                                               const Options& options) {
  InitMongocOnce();
  std::vector<std::string> secrets = {config.password, UrlPasswordForScrubbing(config.url)};
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
  Collections collections{
      config.cache_collection, config.log_collection, options.collection_prefix + "runs",
      options.collection_prefix + "user_state", options.collection_prefix + "locks"};
  std::unique_ptr<MongoCacheStore> store(new MongoCacheStore(
      pool, std::move(database_name), std::move(collections), std::move(secrets)));
  if (Status status = store->Ping(); !status.ok()) {
    return MakeError(ErrorClass::kStore,
                     fmt::format("cannot reach MongoDB: {}", status.error().message));
  }
  return store;
}

MongoCacheStore::MongoCacheStore(mongoc_client_pool_t* pool, std::string database,
                                 Collections collections, std::vector<std::string> secrets)
    : pool_(pool),
      database_(std::move(database)),
      collections_(std::move(collections)),
      secrets_(std::move(secrets)) {}

MongoCacheStore::~MongoCacheStore() { mongoc_client_pool_destroy(pool_); }

Status MongoCacheStore::Init() {
  const MongoIndex cache_indexes[] = {{"user_id_1", {{"user_id", 1}}, true},
                                      {"timestamp_1", {{"timestamp", 1}}, false}};
  const MongoIndex log_indexes[] = {{"user_id_1", {{"user_id", 1}}, false}};
  const MongoIndex user_state_indexes[] = {
      {"consecutive_failures_-1", {{"consecutive_failures", -1}}, false}};
  const MongoIndex run_indexes[] = {{"started_at_ms_-1", {{"started_at_ms", -1}}, false}};
  // Locks need no index of their own: the lock name is the (unique) _id.
  const std::pair<const std::string*, std::span<const MongoIndex>> plan[] = {
      {&collections_.cache, cache_indexes},
      {&collections_.log, log_indexes},
      {&collections_.user_state, user_state_indexes},
      {&collections_.runs, run_indexes}};
  PooledClient client(pool_);
  for (const auto& [collection, indexes] : plan) {
    BsonDocument command = CreateIndexesCommand(*collection, indexes);
    Reply reply;
    bson_error_t error;
    if (mongoc_client_write_command_with_opts(client.get(), database_.c_str(), command.get(),
                                              nullptr, &reply.bson, &error)) {
      continue;
    }
    std::string hint;
    if (error.code == kIndexOptionsConflict || error.code == kIndexKeySpecsConflict) {
      hint =
          " (an index on the same fields exists with other options or another name: compare "
          "with docs/stores.md, drop or rename it, then run init again)";
    } else if (error.code == MONGOC_ERROR_DUPLICATE_KEY) {
      hint =
          " (the collection holds several documents for one user_id; the unique index needs "
          "them merged first)";
    }
    return MakeError(
        ErrorClass::kStore,
        Describe(fmt::format("createIndexes on {}", *collection), error, secrets_) + hint);
  }
  return Status::Ok();
}

Status MongoCacheStore::Ping() {
  PooledClient client(pool_);
  return PingWith(client.get(), secrets_);
}

Result<std::vector<CacheTimestamp>> MongoCacheStore::CacheTimestamps(
    std::span<const int64_t> user_ids) {
  std::vector<CacheTimestamp> timestamps;
  if (user_ids.empty()) return timestamps;
  PooledClient client(pool_);
  CollectionHandle cache(
      mongoc_client_get_collection(client.get(), database_.c_str(), collections_.cache.c_str()));
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
  CollectionHandle cache(
      mongoc_client_get_collection(client.get(), database_.c_str(), collections_.cache.c_str()));
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
  audit_documents.reserve(audit.size());
  for (const AuditEntry& entry : audit) {
    Result<BsonDocument> audit_document = AuditDocument(entry);
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
  CollectionHandle cache(
      mongoc_client_get_collection(client.get(), database_.c_str(), collections_.cache.c_str()));
  Reply reply;
  bson_error_t error;
  if (expected) {
    BsonDocument filter = ConditionalReplaceFilter(document.user_id, *expected);
    if (!mongoc_collection_update_one(cache.collection, filter.get(), written->get(), nullptr,
                                      &reply.bson, &error)) {
      return MakeError(ErrorClass::kStore, Describe("update cache document", error, secrets_));
    }
    bson_iter_t iter;
    if (!bson_iter_init_find(&iter, &reply.bson, "matchedCount") ||
        BsonNumberAsInt64(iter).value_or(0) == 0) {
      return MakeError(
          ErrorClass::kConflict,
          fmt::format("the cache document of user {} changed since it was read", document.user_id));
    }
  } else if (!mongoc_collection_insert_one(cache.collection, written->get(), nullptr, &reply.bson,
                                           &error)) {
    if (error.code == MONGOC_ERROR_DUPLICATE_KEY) {
      return MakeError(
          ErrorClass::kConflict,
          fmt::format("the cache document of user {} was created concurrently", document.user_id));
    }
    return MakeError(ErrorClass::kStore, Describe("insert cache document", error, secrets_));
  }
  if (audit_documents.empty()) return Status::Ok();

  CollectionHandle log(
      mongoc_client_get_collection(client.get(), database_.c_str(), collections_.log.c_str()));
  BsonDocument bulk_options = UnorderedOption();
  BulkHandle bulk(
      mongoc_collection_create_bulk_operation_with_opts(log.collection, bulk_options.get()));
  bool queued = true;
  for (const BsonDocument& audit_document : audit_documents) {
    queued = queued && mongoc_bulk_operation_insert_with_opts(bulk.bulk, audit_document.get(),
                                                              nullptr, &error);
  }
  Reply bulk_reply;
  if (!queued || mongoc_bulk_operation_execute(bulk.bulk, &bulk_reply.bson, &error) == 0) {
    return MakeError(ErrorClass::kStore,
                     fmt::format("the cache document of user {} was written, but its {} audit "
                                 "entries were not (no transaction spans two collections): {}",
                                 document.user_id, audit_documents.size(),
                                 Describe("audit insert", error, secrets_)));
  }
  return Status::Ok();
}

Result<std::vector<UserState>> MongoCacheStore::LoadUserStates(std::span<const int64_t> user_ids) {
  if (user_ids.empty()) return std::vector<UserState>();
  PooledClient client(pool_);
  CollectionHandle collection(mongoc_client_get_collection(client.get(), database_.c_str(),
                                                           collections_.user_state.c_str()));
  BsonDocument filter = IdInFilter(user_ids);
  return ReadAll<UserState>(collection, filter, nullptr, UserStateFromBson, "load user states",
                            secrets_);
}

Status MongoCacheStore::SaveUserStates(std::span<const UserState> states) {
  if (states.empty()) return Status::Ok();
  PooledClient client(pool_);
  CollectionHandle collection(mongoc_client_get_collection(client.get(), database_.c_str(),
                                                           collections_.user_state.c_str()));
  BsonDocument bulk_options = UnorderedOption();
  BulkHandle bulk(
      mongoc_collection_create_bulk_operation_with_opts(collection.collection, bulk_options.get()));
  BsonDocument upsert = UpsertOption();
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
  CollectionHandle collection(mongoc_client_get_collection(client.get(), database_.c_str(),
                                                           collections_.user_state.c_str()));
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
  CollectionHandle collection(
      mongoc_client_get_collection(client.get(), database_.c_str(), collections_.runs.c_str()));
  BsonDocument selector;
  bson_append_utf8(selector.get(), "_id", -1, run.run_id.data(),
                   static_cast<int>(run.run_id.size()));
  BsonDocument replacement = RunDocument(run);
  BsonDocument options = UpsertOption();
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
  CollectionHandle collection(
      mongoc_client_get_collection(client.get(), database_.c_str(), collections_.runs.c_str()));
  BsonDocument filter;
  BsonDocument options = OptionsWithLimit("started_at_ms", -1, limit);
  return ReadAll<RunRecord>(collection, filter, &options, RunFromBson, "recent runs", secrets_);
}

Result<bool> MongoCacheStore::TryLock(const std::string& name, const std::string& owner,
                                      int64_t now_ms, int64_t expires_at_ms) {
  PooledClient client(pool_);
  CollectionHandle collection(
      mongoc_client_get_collection(client.get(), database_.c_str(), collections_.locks.c_str()));
  BsonDocument filter = LockFilter(name, owner, now_ms);
  BsonDocument update = LockUpdate(owner, now_ms, expires_at_ms);
  BsonDocument options = UpsertOption();
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
  CollectionHandle collection(
      mongoc_client_get_collection(client.get(), database_.c_str(), collections_.locks.c_str()));
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
  CollectionHandle collection(
      mongoc_client_get_collection(client.get(), database_.c_str(), collections_.locks.c_str()));
  BsonDocument filter = LockNameFilter(name);
  auto leases = ReadAll<LockLease>(collection, filter, nullptr, LockLeaseFromBson, "read lock",
                                   secrets_);
  if (!leases.ok()) return leases.error();
  if (leases->empty()) return std::optional<LockLease>();
  return std::optional<LockLease>(std::move(leases->front()));
}

Result<std::vector<AuditEntry>> MongoCacheStore::AuditLog(int64_t user_id) {
  PooledClient client(pool_);
  CollectionHandle collection(
      mongoc_client_get_collection(client.get(), database_.c_str(), collections_.log.c_str()));
  BsonDocument filter = UserIdFilter(user_id);
  // ObjectIds made by one process grow with time and a counter: _id order is insertion order.
  BsonDocument options = OptionsWithLimit("_id", 1, 0);
  return ReadAll<AuditEntry>(collection, filter, &options, AuditEntryFromBson, "audit log",
                             secrets_);
}

}  // namespace tc
