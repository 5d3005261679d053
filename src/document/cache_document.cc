#include "document/cache_document.h"

#include <fmt/format.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

namespace tc {
namespace {

Json EntryToJson(const PassEntry& entry) {
  Json json = Json::object();
  json["pass_uuid"] = entry.pass_uuid;
  json["timestamp"] = entry.timestamp;
  json["status"] = entry.status;
  json["free_ticket_status"] = entry.free_ticket_status;
  json["payload"] = PayloadOf(entry).get();
  json["payload_hash"] = entry.payload_hash;
  return json;
}

Json EntriesToJson(const std::vector<PassEntry>& entries) {
  Json json = Json::array();
  for (const PassEntry& entry : entries) json.push_back(EntryToJson(entry));
  return json;
}

Error FieldError(const std::string& field, std::string_view problem) {
  return MakeError(ErrorClass::kMalformed, fmt::format("cache document: {}: {}", field, problem));
}

// A whole number: integer types, or a double with no fraction (other writers, e.g. the Node
// driver or a BSON decoder, may hand numbers back as doubles).
std::optional<int64_t> WholeNumber(const Json& value) {
  if (value.is_number_integer()) return value.get<int64_t>();
  if (value.is_number_unsigned()) {
    const uint64_t number = value.get<uint64_t>();
    if (number > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<int64_t>(number);
  }
  if (value.is_number_float()) {
    const double number = value.get<double>();
    if (std::trunc(number) != number ||
        !(number >= -9223372036854775808.0 && number < 9223372036854775808.0)) {
      return std::nullopt;
    }
    return static_cast<int64_t>(number);
  }
  return std::nullopt;
}

// Unix seconds: any finite number, a fraction truncated (whole seconds, as in the Node job).
std::optional<int64_t> UnixSeconds(const Json& value) {
  if (value.is_number_float()) {
    const double number = std::trunc(value.get<double>());
    if (!(number >= -9223372036854775808.0 && number < 9223372036854775808.0)) {
      return std::nullopt;
    }
    return static_cast<int64_t>(number);
  }
  return WholeNumber(value);
}

// Moves the payload out of `json`.
Result<PassEntry> EntryFromJson(Json& json, const std::string& where) {
  if (!json.is_object()) return FieldError(where, "expected an object");
  PassEntry entry;
  auto member = [&](const char* name) -> Json* {
    auto it = json.find(name);
    return it == json.end() ? nullptr : &*it;
  };
  const Json* uuid = member("pass_uuid");
  if (uuid == nullptr || !uuid->is_string()) {
    return FieldError(where + ".pass_uuid", "expected a string");
  }
  entry.pass_uuid = uuid->get<std::string>();

  const Json* timestamp = member("timestamp");
  std::optional<int64_t> seconds = timestamp ? UnixSeconds(*timestamp) : std::nullopt;
  if (!seconds) return FieldError(where + ".timestamp", "expected unix seconds");
  entry.timestamp = *seconds;

  // A pass without a status was stored by the Node job without the field: read it as "".
  const Json* status = member("status");
  if (status != nullptr && !status->is_null()) {
    if (!status->is_string()) return FieldError(where + ".status", "expected a string");
    entry.status = status->get<std::string>();
  }

  const Json* free = member("free_ticket_status");
  if (free != nullptr && !free->is_null()) {
    std::optional<int64_t> flag =
        free->is_boolean() ? std::optional<int64_t>(free->get<bool>() ? 1 : 0) : WholeNumber(*free);
    if (!flag || (*flag != 0 && *flag != 1)) {
      return FieldError(where + ".free_ticket_status", "expected 0 or 1");
    }
    entry.free_ticket_status = static_cast<int>(*flag);
  }

  Json* payload = member("payload");
  if (payload == nullptr) return FieldError(where + ".payload", "missing");
  entry.payload = std::move(*payload);

  const Json* hash = member("payload_hash");
  if (hash == nullptr || !hash->is_string()) {
    return FieldError(where + ".payload_hash", "expected a string");
  }
  entry.payload_hash = hash->get<std::string>();
  return entry;
}

// A missing or null list reads as empty (documents written before passes4 existed).
Status EntriesFromJson(Json& document, const char* name, std::vector<PassEntry>& entries) {
  auto it = document.find(name);
  if (it == document.end() || it->is_null()) return Status::Ok();
  if (!it->is_array()) return FieldError(name, "expected an array");
  entries.reserve(it->size());
  for (std::size_t i = 0; i < it->size(); ++i) {
    Result<PassEntry> entry = EntryFromJson((*it)[i], fmt::format("{}[{}]", name, i));
    if (!entry.ok()) return entry.error();
    entries.push_back(std::move(entry).value());
  }
  return Status::Ok();
}

}  // namespace

const char* PassListName(PassListKind list) {
  return list == PassListKind::kActive ? "passes" : "passes4";
}

Json DocumentToJson(const CacheDocument& document) {
  Json json = Json::object();
  json["user_id"] = document.user_id;
  json["timestamp"] = document.timestamp;
  json["passes"] = EntriesToJson(document.passes);
  json["passes4"] = EntriesToJson(document.passes4);
  return json;
}

namespace {

void AppendEntriesText(const std::vector<PassEntry>& entries, std::string& out) {
  out += '[';
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const PassEntry& entry = entries[i];
    if (i > 0) out += ',';
    out += "{\"pass_uuid\":";
    JsStringifyStringTo(entry.pass_uuid, out);
    out += ",\"timestamp\":";
    JsStringifyIntegerTo(entry.timestamp, out);
    out += ",\"status\":";
    JsStringifyStringTo(entry.status, out);
    out += ",\"free_ticket_status\":";
    JsStringifyIntegerTo(entry.free_ticket_status, out);
    out += ",\"payload\":";
    if (entry.payload_text.empty()) {
      JsStringifyTo(entry.payload, out);
    } else {
      out += entry.payload_text;
    }
    out += ",\"payload_hash\":";
    JsStringifyStringTo(entry.payload_hash, out);
    out += '}';
  }
  out += ']';
}

std::size_t EstimatedTextSize(const std::vector<PassEntry>& entries) {
  std::size_t size = 2;
  for (const PassEntry& entry : entries) {
    size += 160 + entry.pass_uuid.size() + entry.status.size() +
            (entry.payload_text.empty() ? 512 : entry.payload_text.size());
  }
  return size;
}

}  // namespace

std::string DocumentText(const CacheDocument& document) {
  std::string out;
  out.reserve(64 + EstimatedTextSize(document.passes) + EstimatedTextSize(document.passes4));
  out += "{\"user_id\":";
  JsStringifyIntegerTo(document.user_id, out);
  out += ",\"timestamp\":";
  JsStringifyIntegerTo(document.timestamp, out);
  out += ",\"passes\":";
  AppendEntriesText(document.passes, out);
  out += ",\"passes4\":";
  AppendEntriesText(document.passes4, out);
  out += '}';
  return out;
}

std::string AuditPayloadText(const AuditEntry& entry) {
  return entry.payload_text.empty() ? JsStringify(entry.payload) : entry.payload_text;
}

SharedJson PayloadOf(const PassEntry& entry) {
  if (entry.payload.has_value() || entry.payload_text.empty()) return entry.payload;
  // payload_text is JsStringify output (or stored text checked to be in that form): it parses.
  Result<Json> parsed = ParseJsJson(entry.payload_text);
  return parsed.ok() ? SharedJson(std::move(*parsed)) : SharedJson();
}

Result<CacheDocument> DocumentFromJson(Json json) {
  if (!json.is_object()) return FieldError("document", "expected an object");
  CacheDocument document;
  auto user_id = json.find("user_id");
  std::optional<int64_t> id = user_id == json.end() ? std::nullopt : WholeNumber(*user_id);
  if (!id) return FieldError("user_id", "expected an integer");
  document.user_id = *id;

  auto timestamp = json.find("timestamp");
  std::optional<int64_t> seconds = timestamp == json.end() ? std::nullopt : UnixSeconds(*timestamp);
  if (!seconds) return FieldError("timestamp", "expected unix seconds");
  document.timestamp = *seconds;

  if (Status status = EntriesFromJson(json, "passes", document.passes); !status.ok()) {
    return status.error();
  }
  if (Status status = EntriesFromJson(json, "passes4", document.passes4); !status.ok()) {
    return status.error();
  }
  return document;
}

Json AuditEntryToJson(const AuditEntry& entry) {
  Json json = Json::object();
  json["user_id"] = entry.user_id;
  json["pass_uuid"] = entry.pass_uuid;
  json["list"] = PassListName(entry.list);
  json["action"] = entry.created ? "create" : "update";
  json["status"] = entry.status;
  json["payload"] = entry.payload.get();
  json["payload_hash"] = entry.payload_hash;
  json["timestamp"] = entry.timestamp;
  return json;
}

}  // namespace tc
