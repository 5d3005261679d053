#include "mongo/mongo_store_documents.h"

#include <fmt/format.h>

#include <limits>
#include <string>

namespace tc {
namespace {

constexpr int64_t kTwoTo31 = int64_t{1} << 31;
constexpr int64_t kTwoTo32 = int64_t{1} << 32;

void AppendUtf8(bson_t* document, const char* key, const std::string& value) {
  bson_append_utf8(document, key, -1, value.data(), static_cast<int>(value.size()));
}

void AppendInt64Array(bson_t* parent, const char* key, std::span<const int64_t> values) {
  bson_t array;
  bson_append_array_begin(parent, key, -1, &array);
  uint32_t index = 0;
  for (int64_t value : values) {
    char buffer[16];
    const char* index_key = nullptr;
    const size_t length = bson_uint32_to_string(index++, &index_key, buffer, sizeof buffer);
    bson_append_int64(&array, index_key, static_cast<int>(length), value);
  }
  bson_append_array_end(parent, &array);
}

// Field readers for ticketcache's own collections: absent or mistyped fields read as defaults.
int64_t Int64Field(const bson_t& document, const char* key) {
  bson_iter_t iter;
  if (!bson_iter_init_find(&iter, &document, key)) return 0;
  return BsonNumberAsInt64(iter).value_or(0);
}

std::string StringField(const bson_t& document, const char* key) {
  bson_iter_t iter;
  if (!bson_iter_init_find(&iter, &document, key) || !BSON_ITER_HOLDS_UTF8(&iter)) return "";
  uint32_t length = 0;
  const char* text = bson_iter_utf8(&iter, &length);
  return std::string(text, length);
}

}  // namespace

Result<int64_t> PackMongoVersion(MongoDocumentVersion version) {
  if (version.tc_version < 0 || version.tc_version >= kTwoTo31) {
    return MakeError(ErrorClass::kMalformed,
                     fmt::format("{} {} is out of range", kTcVersionField, version.tc_version));
  }
  if (version.timestamp < 0 || version.timestamp >= kTwoTo32) {
    return MakeError(ErrorClass::kMalformed,
                     fmt::format("timestamp {} is out of range", version.timestamp));
  }
  return version.tc_version * kTwoTo32 + version.timestamp;
}

MongoDocumentVersion UnpackMongoVersion(int64_t version) {
  return MongoDocumentVersion{version / kTwoTo32, version % kTwoTo32};
}

Result<StoredDocument> StoredDocumentFromBson(const bson_t& stored) {
  Result<CacheDocument> document = DocumentFromBson(stored);
  if (!document.ok()) return document.error();
  MongoDocumentVersion version;
  version.timestamp = document->timestamp;
  bson_iter_t iter;
  if (bson_iter_init_find(&iter, &stored, kTcVersionField) && !BSON_ITER_HOLDS_NULL(&iter)) {
    std::optional<int64_t> tc_version = BsonNumberAsInt64(iter);
    if (!tc_version) {
      return MakeError(ErrorClass::kMalformed, fmt::format("{} is not a number", kTcVersionField));
    }
    version.tc_version = *tc_version;
  }
  Result<int64_t> packed = PackMongoVersion(version);
  if (!packed.ok()) return packed.error();
  return StoredDocument{std::move(document).value(), *packed};
}

BsonDocument TimestampsFilter(std::span<const int64_t> user_ids) {
  BsonDocument filter;
  bson_t condition;
  bson_append_document_begin(filter.get(), "user_id", -1, &condition);
  AppendInt64Array(&condition, "$in", user_ids);
  bson_append_document_end(filter.get(), &condition);
  return filter;
}

BsonDocument TimestampsProjection() {
  BsonDocument projection;
  BSON_APPEND_INT32(projection.get(), "_id", 0);
  BSON_APPEND_INT32(projection.get(), "user_id", 1);
  BSON_APPEND_INT32(projection.get(), "timestamp", 1);
  return projection;
}

std::optional<CacheTimestamp> CacheTimestampFromBson(const bson_t& projected) {
  bson_iter_t iter;
  if (!bson_iter_init_find(&iter, &projected, "user_id")) return std::nullopt;
  std::optional<int64_t> user_id = BsonNumberAsInt64(iter);
  if (!bson_iter_init_find(&iter, &projected, "timestamp")) return std::nullopt;
  std::optional<int64_t> timestamp = BsonNumberAsInt64(iter);
  if (!user_id || !timestamp) return std::nullopt;
  return CacheTimestamp{*user_id, *timestamp};
}

BsonDocument UserIdFilter(int64_t user_id) {
  BsonDocument filter;
  BSON_APPEND_INT64(filter.get(), "user_id", user_id);
  return filter;
}

BsonDocument ConditionalReplaceFilter(int64_t user_id, MongoDocumentVersion expected) {
  BsonDocument filter;
  BSON_APPEND_INT64(filter.get(), "user_id", user_id);
  if (expected.tc_version == 0) {
    bson_t condition;
    bson_t values;
    bson_append_document_begin(filter.get(), kTcVersionField, -1, &condition);
    bson_append_array_begin(&condition, "$in", -1, &values);
    BSON_APPEND_NULL(&values, "0");  // also matches a document without the field
    BSON_APPEND_INT32(&values, "1", 0);
    bson_append_array_end(&condition, &values);
    bson_append_document_end(filter.get(), &condition);
  } else {
    BSON_APPEND_INT64(filter.get(), kTcVersionField, expected.tc_version);
  }
  bson_t range;
  bson_append_document_begin(filter.get(), "timestamp", -1, &range);
  BSON_APPEND_INT64(&range, "$gte", expected.timestamp);
  BSON_APPEND_INT64(&range, "$lt", expected.timestamp + 1);
  bson_append_document_end(filter.get(), &range);
  return filter;
}

Result<BsonDocument> ReplaceUpdate(const CacheDocument& document, int64_t new_tc_version) {
  Json fields = DocumentToJson(document);
  fields[kTcVersionField] = new_tc_version;
  BsonDocument update;
  if (Status status = AppendJsonToBson(update.get(), "$set", fields); !status.ok()) {
    return status.error();
  }
  return update;
}

Result<BsonDocument> NewCacheDocument(const CacheDocument& document) {
  Json fields = DocumentToJson(document);
  fields[kTcVersionField] = 1;
  return JsonObjectToBson(fields);
}

BsonDocument CreateIndexesCommand(const std::string& collection,
                                  std::span<const MongoIndex> indexes) {
  BsonDocument command;
  AppendUtf8(command.get(), "createIndexes", collection);
  bson_t array;
  bson_append_array_begin(command.get(), "indexes", -1, &array);
  uint32_t index_number = 0;
  for (const MongoIndex& index : indexes) {
    char buffer[16];
    const char* array_key = nullptr;
    const size_t length = bson_uint32_to_string(index_number++, &array_key, buffer, sizeof buffer);
    bson_t spec;
    bson_t keys;
    bson_append_document_begin(&array, array_key, static_cast<int>(length), &spec);
    bson_append_document_begin(&spec, "key", -1, &keys);
    for (const auto& [field, direction] : index.keys) {
      bson_append_int32(&keys, field.c_str(), -1, direction);
    }
    bson_append_document_end(&spec, &keys);
    AppendUtf8(&spec, "name", index.name);
    if (index.unique) BSON_APPEND_BOOL(&spec, "unique", true);
    bson_append_document_end(&array, &spec);
  }
  bson_append_array_end(command.get(), &array);
  return command;
}

BsonDocument UserStateDocument(const UserState& state) {
  BsonDocument document;
  BSON_APPEND_INT64(document.get(), "_id", state.user_id);
  BSON_APPEND_INT32(document.get(), "consecutive_failures", state.consecutive_failures);
  AppendUtf8(document.get(), "last_error_class", state.last_error_class);
  AppendUtf8(document.get(), "last_error_message", state.last_error_message);
  BSON_APPEND_INT64(document.get(), "last_attempt_at", state.last_attempt_at);
  BSON_APPEND_INT64(document.get(), "next_attempt_at", state.next_attempt_at);
  AppendUtf8(document.get(), "token_fingerprint", state.token_fingerprint);
  return document;
}

Result<UserState> UserStateFromBson(const bson_t& stored) {
  bson_iter_t iter;
  if (!bson_iter_init_find(&iter, &stored, "_id") || !BsonNumberAsInt64(iter)) {
    return MakeError(ErrorClass::kMalformed, "user state without a numeric _id");
  }
  UserState state;
  state.user_id = *BsonNumberAsInt64(iter);
  state.consecutive_failures = static_cast<int>(Int64Field(stored, "consecutive_failures"));
  state.last_error_class = StringField(stored, "last_error_class");
  state.last_error_message = StringField(stored, "last_error_message");
  state.last_attempt_at = Int64Field(stored, "last_attempt_at");
  state.next_attempt_at = Int64Field(stored, "next_attempt_at");
  state.token_fingerprint = StringField(stored, "token_fingerprint");
  return state;
}

BsonDocument IdInFilter(std::span<const int64_t> ids) {
  BsonDocument filter;
  bson_t condition;
  bson_append_document_begin(filter.get(), "_id", -1, &condition);
  AppendInt64Array(&condition, "$in", ids);
  bson_append_document_end(filter.get(), &condition);
  return filter;
}

BsonDocument RunDocument(const RunRecord& run) {
  BsonDocument document;
  AppendUtf8(document.get(), "_id", run.run_id);
  BSON_APPEND_INT64(document.get(), "started_at_ms", run.started_at_ms);
  BSON_APPEND_INT64(document.get(), "finished_at_ms", run.finished_at_ms);
  AppendUtf8(document.get(), "status", run.status);
  AppendUtf8(document.get(), "shard", run.shard);
  AppendUtf8(document.get(), "summary_json", run.summary_json);
  return document;
}

Result<RunRecord> RunFromBson(const bson_t& stored) {
  RunRecord run;
  run.run_id = StringField(stored, "_id");
  if (run.run_id.empty()) return MakeError(ErrorClass::kMalformed, "run without a string _id");
  run.started_at_ms = Int64Field(stored, "started_at_ms");
  run.finished_at_ms = Int64Field(stored, "finished_at_ms");
  run.status = StringField(stored, "status");
  run.shard = StringField(stored, "shard");
  run.summary_json = StringField(stored, "summary_json");
  return run;
}

BsonDocument LockFilter(const std::string& name, const std::string& owner, int64_t now_ms) {
  BsonDocument filter;
  AppendUtf8(filter.get(), "_id", name);
  bson_t alternatives;
  bson_t own;
  bson_t expired;
  bson_t at_or_before;
  bson_append_array_begin(filter.get(), "$or", -1, &alternatives);
  bson_append_document_begin(&alternatives, "0", -1, &own);
  AppendUtf8(&own, "owner", owner);
  bson_append_document_end(&alternatives, &own);
  bson_append_document_begin(&alternatives, "1", -1, &expired);
  bson_append_document_begin(&expired, "expires_at_ms", -1, &at_or_before);
  BSON_APPEND_INT64(&at_or_before, "$lte", now_ms);
  bson_append_document_end(&expired, &at_or_before);
  bson_append_document_end(&alternatives, &expired);
  bson_append_array_end(filter.get(), &alternatives);
  return filter;
}

BsonDocument LockUpdate(const std::string& owner, int64_t now_ms, int64_t expires_at_ms) {
  BsonDocument update;
  bson_t set;
  bson_append_document_begin(update.get(), "$set", -1, &set);
  AppendUtf8(&set, "owner", owner);
  BSON_APPEND_INT64(&set, "acquired_at_ms", now_ms);
  BSON_APPEND_INT64(&set, "expires_at_ms", expires_at_ms);
  bson_append_document_end(update.get(), &set);
  return update;
}

BsonDocument LockOwnerFilter(const std::string& name, const std::string& owner) {
  BsonDocument filter;
  AppendUtf8(filter.get(), "_id", name);
  AppendUtf8(filter.get(), "owner", owner);
  return filter;
}

BsonDocument LockNameFilter(const std::string& name) {
  BsonDocument filter;
  AppendUtf8(filter.get(), "_id", name);
  return filter;
}

Result<LockLease> LockLeaseFromBson(const bson_t& document) {
  LockLease lease;
  bson_iter_t iter;
  if (bson_iter_init_find(&iter, &document, "owner") && BSON_ITER_HOLDS_UTF8(&iter)) {
    uint32_t length = 0;
    const char* owner = bson_iter_utf8(&iter, &length);
    lease.owner.assign(owner, length);
  }
  if (bson_iter_init_find(&iter, &document, "expires_at_ms") && BSON_ITER_HOLDS_NUMBER(&iter)) {
    lease.expires_at_ms = bson_iter_as_int64(&iter);
  }
  return lease;
}

std::string BsonToRelaxedJson(const bson_t& document) {
  size_t length = 0;
  char* text = bson_as_relaxed_extended_json(&document, &length);
  if (text == nullptr) return "";
  std::string result(text, length);
  bson_free(text);
  return result;
}

}  // namespace tc
