// The audit-entry half of mongo_store_documents.h: deterministic ObjectIds, the entry document,
// reading one back, and reading a bulk insert's duplicate-key-only failure.
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <string>

#include "json/js_json.h"
#include "mongo/mongo_store_documents.h"

namespace tc {

bson_oid_t AuditEntryId(const AuditEntry& entry, std::optional<int64_t> base_version,
                        size_t index) {
  const std::string digest = Md5Hex(
      fmt::format("{}\n{}\n{}\n{}\n{}\n{}", entry.user_id,
                  base_version ? std::to_string(*base_version) : "none", PassListName(entry.list),
                  entry.pass_uuid, entry.created ? "create" : "update", entry.payload_hash));
  // The time part must not change when the same change is retried in a later run (a document
  // write whose reply was lost leaves its entries behind; the next run makes the same change on
  // the same base and must find them): the base version's timestamp, or for a user's first
  // document the UTC day of the entry. A first document rebuilt on a later day (after a prune and
  // a new token) gets new entries.
  constexpr int64_t kSecondsPerDay = 86400;
  const int64_t time_part = base_version ? UnpackMongoVersion(*base_version).timestamp
                                         : entry.timestamp / kSecondsPerDay * kSecondsPerDay;
  const auto seconds = static_cast<uint32_t>(
      std::clamp<int64_t>(time_part, 0, std::numeric_limits<uint32_t>::max()));
  const auto batch_index =
      static_cast<uint16_t>(std::min<size_t>(index, std::numeric_limits<uint16_t>::max()));
  bson_oid_t id;
  id.bytes[0] = static_cast<uint8_t>(seconds >> 24);
  id.bytes[1] = static_cast<uint8_t>(seconds >> 16);
  id.bytes[2] = static_cast<uint8_t>(seconds >> 8);
  id.bytes[3] = static_cast<uint8_t>(seconds);
  id.bytes[4] = static_cast<uint8_t>(batch_index >> 8);
  id.bytes[5] = static_cast<uint8_t>(batch_index);
  for (size_t i = 0; i < 6; ++i) {
    // Md5Hex is 32 lowercase hex digits ("" only when OpenSSL has no MD5: zero bytes then).
    const std::string pair = digest.size() == 32 ? digest.substr(2 * i, 2) : "00";
    id.bytes[6 + i] = static_cast<uint8_t>(std::stoul(pair, nullptr, 16));
  }
  return id;
}

Result<BsonDocument> AuditDocument(const AuditEntry& entry, const bson_oid_t& id) {
  BsonDocument document;
  BSON_APPEND_OID(document.get(), "_id", &id);
  const Json fields = AuditEntryToJson(entry);
  for (const auto& [key, value] : fields.items()) {
    if (Status status = AppendJsonToBson(document.get(), key, value); !status.ok()) {
      return status.error();
    }
  }
  return document;
}

std::optional<std::vector<size_t>> OnlyDuplicateKeyErrors(const bson_t& bulk_reply, size_t count) {
  constexpr int64_t kDuplicateKey = 11000;
  bson_iter_t iter;
  bson_iter_t concern_errors;
  if (bson_iter_init_find(&iter, &bulk_reply, "writeConcernErrors") &&
      BSON_ITER_HOLDS_ARRAY(&iter) && bson_iter_recurse(&iter, &concern_errors) &&
      bson_iter_next(&concern_errors)) {
    return std::nullopt;
  }
  std::vector<size_t> duplicates;
  bson_iter_t errors;
  if (!bson_iter_init_find(&iter, &bulk_reply, "writeErrors") || !BSON_ITER_HOLDS_ARRAY(&iter) ||
      !bson_iter_recurse(&iter, &errors)) {
    return std::nullopt;
  }
  while (bson_iter_next(&errors)) {
    bson_iter_t field;
    if (!BSON_ITER_HOLDS_DOCUMENT(&errors) || !bson_iter_recurse(&errors, &field)) {
      return std::nullopt;
    }
    std::optional<int64_t> index;
    std::optional<int64_t> code;
    while (bson_iter_next(&field)) {
      if (strcmp(bson_iter_key(&field), "index") == 0) index = BsonNumberAsInt64(field);
      if (strcmp(bson_iter_key(&field), "code") == 0) code = BsonNumberAsInt64(field);
    }
    if (!index || !code || *code != kDuplicateKey || *index < 0 ||
        static_cast<size_t>(*index) >= count) {
      return std::nullopt;
    }
    duplicates.push_back(static_cast<size_t>(*index));
  }
  if (duplicates.empty()) return std::nullopt;
  if (!bson_iter_init_find(&iter, &bulk_reply, "nInserted") ||
      BsonNumberAsInt64(iter).value_or(-1) != static_cast<int64_t>(count - duplicates.size())) {
    return std::nullopt;
  }
  return duplicates;
}

Result<AuditEntry> AuditEntryFromBson(const bson_t& stored) {
  BsonDocument without_id;
  bson_copy_to_excluding_noinit(&stored, without_id.get(), "_id", nullptr);
  Result<Json> json = BsonToJson(*without_id);
  if (!json.ok()) return json.error();
  auto field = [&](const char* key, bool (Json::*is_type)() const noexcept) -> const Json* {
    auto found = json->find(key);
    return found != json->end() && ((*found).*is_type)() ? &*found : nullptr;
  };
  const Json* user_id = field("user_id", &Json::is_number_integer);
  const Json* pass_uuid = field("pass_uuid", &Json::is_string);
  const Json* list = field("list", &Json::is_string);
  const Json* action = field("action", &Json::is_string);
  const Json* status = field("status", &Json::is_string);
  const Json* payload_hash = field("payload_hash", &Json::is_string);
  const Json* timestamp = field("timestamp", &Json::is_number_integer);
  auto payload = json->find("payload");
  if (user_id == nullptr || pass_uuid == nullptr || list == nullptr || action == nullptr ||
      status == nullptr || payload_hash == nullptr || timestamp == nullptr ||
      payload == json->end()) {
    return MakeError(ErrorClass::kMalformed, "audit entry lacks a field or has a mistyped one");
  }
  AuditEntry entry;
  entry.user_id = user_id->get<int64_t>();
  entry.pass_uuid = pass_uuid->get<std::string>();
  entry.list = list->get<std::string>() == PassListName(PassListKind::kExpired)
                   ? PassListKind::kExpired
                   : PassListKind::kActive;
  entry.created = action->get<std::string>() == "create";
  entry.status = status->get<std::string>();
  entry.payload = std::move(*payload);
  entry.payload_hash = payload_hash->get<std::string>();
  entry.timestamp = timestamp->get<int64_t>();
  return entry;
}

}  // namespace tc
