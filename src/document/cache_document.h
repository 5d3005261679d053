// The cache document, exactly as the Node job's apps read it (docs/data-compatibility.md).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "error/error.h"
#include "json/js_json.h"
#include "json/pass_list_kind.h"
#include "json/shared_json.h"

namespace tc {

struct PassEntry {
  std::string pass_uuid;       // payload.uuid
  int64_t timestamp = 0;       // unix seconds when this entry was (re)written
  std::string status;          // payload.status
  int free_ticket_status = 0;  // 0 or 1
  // The pass object as returned. Not held (payload.has_value() is false) when the entry was read
  // from stored text with only payload_text: PayloadOf(entry) gives the object either way.
  SharedJson payload;
  std::string payload_hash;  // lowercase hex MD5 of JSON.stringify(payload)
  // JsStringify(payload) when already known (BuildDocument/MergeDocument set it, DocumentFromText
  // keeps the stored text), so the payload is stringified once per refresh; empty = not known.
  // Whoever changes `payload` afterwards clears it.
  std::string payload_text;
};

struct CacheDocument {
  int64_t user_id = 0;
  int64_t timestamp = 0;  // unix seconds of the last refresh
  std::vector<PassEntry> passes;
  std::vector<PassEntry> passes4;
};

// One created or changed pass, for the BytemarkTicketsLog collection.
struct AuditEntry {
  int64_t user_id = 0;
  std::string pass_uuid;
  PassListKind list = PassListKind::kActive;
  bool created = true;  // "create" | "update"
  std::string status;
  SharedJson payload;  // shared with the document's entry
  std::string payload_hash;
  int64_t timestamp = 0;
  std::string payload_text;  // JsStringify(payload) when known (as in PassEntry), else empty
};

const char* PassListName(PassListKind list);  // "passes" | "passes4"

// Document <-> JSON in the Node job's field order: user_id, timestamp, passes, passes4; entries as
// pass_uuid, timestamp, status, free_ticket_status, payload, payload_hash.
Json DocumentToJson(const CacheDocument& document);

// JsStringify(DocumentToJson(document)), byte for byte, written directly (each entry's
// payload_text when known): how the SQL stores keep a document.
std::string DocumentText(const CacheDocument& document);

// JsStringify(entry.payload), from payload_text when known.
std::string AuditPayloadText(const AuditEntry& entry);

// The entry's payload: `payload`, or parsed from payload_text when only the text is held.
SharedJson PayloadOf(const PassEntry& entry);

// DocumentText's inverse, for the stores that keep a document as text: what
// DocumentFromJson(ParseJsJson(text)) reads, with the same result and errors, except that text laid
// out exactly as DocumentText writes it, with payloads in JSON.stringify's form, is read without
// building the payloads: each entry holds its payload_text and no payload tree. The next refresh
// needs a kept pass's payload only as that text (its hash is stored beside it), and parsing,
// comparing and freeing the trees was about a fifth of the work of refreshing a user.
Result<CacheDocument> DocumentFromText(std::string_view text);

// Reads what the Node job or another writer stored. Tolerates extra fields (Mongo's _id, __v, ...),
// whole numbers stored as doubles, fractional timestamps (truncated), a missing or null list
// (empty), a missing or null entry status (""), free_ticket_status as true/false. Anything else
// out of shape is kMalformed naming the field, e.g. "passes4[1].payload_hash". The entries'
// payloads are moved out of `json` (a stored document's tree is read once and dropped; copying
// every payload cost about as much as parsing it), so pass it with std::move when done with it.
Result<CacheDocument> DocumentFromJson(Json json);

// {user_id, pass_uuid, list, action: "create"|"update", status, payload, payload_hash, timestamp}
Json AuditEntryToJson(const AuditEntry& entry);

}  // namespace tc
