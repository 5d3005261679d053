// JSON values, cache documents and audit entries <-> BSON, typed exactly as the Node job's Node.js
// MongoDB driver types JavaScript values, so apps reading the cache see what they always saw
// (docs/stores.md, "MongoDB field types"). Pure: no server needed; unit-tested by round trips.
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>

#include "document/cache_document.h"
#include "error/error.h"
#include "json/js_json.h"

namespace tc {

// An owned, heap-allocated bson_t. A class rather than std::unique_ptr<bson_t>, because bson_t's
// alignment attribute is dropped (and warned about) in a template argument.
class BsonDocument {
 public:
  BsonDocument() : bson_(bson_new()) {}
  explicit BsonDocument(bson_t* adopted) : bson_(adopted) {}  // takes ownership
  BsonDocument(BsonDocument&& other) noexcept : bson_(std::exchange(other.bson_, nullptr)) {}
  BsonDocument& operator=(BsonDocument&& other) noexcept {
    std::swap(bson_, other.bson_);
    return *this;
  }
  BsonDocument(const BsonDocument&) = delete;
  BsonDocument& operator=(const BsonDocument&) = delete;
  ~BsonDocument() {
    if (bson_ != nullptr) bson_destroy(bson_);
  }

  bson_t* get() const { return bson_; }
  const bson_t& operator*() const { return *bson_; }

 private:
  bson_t* bson_;
};

// `text` with every surrogate code point (U+D800..U+DFFF) it holds as WTF-8 — the 3-byte
// sequence ED A0..BF 80..BF that tc::Json strings use for JSON.parse's lone surrogates
// ("\ud800") — made well-formed UTF-8 the way the Node driver (js-bson) writes a JavaScript
// string: a high surrogate directly followed by a low one becomes their 4-byte character, any
// other surrogate becomes U+FFFD (EF BF BD). Every other byte is kept.
std::string ToWellFormedUtf8(std::string_view text);

// Appends `value` under `key` with the Node driver's typing: a number that is an integer and
// fits in int32 becomes int32, any other number (fractions, -0, integers beyond int32 — int64
// included, as JavaScript holds them as doubles) becomes double; strings, booleans, null,
// objects (key order kept) and arrays map to their BSON types. Keys and strings go through
// ToWellFormedUtf8, as js-bson encodes them.
// kMalformed when a key holds a NUL byte (BSON cannot store it), kInternal when the document
// would exceed BSON's size limit.
Status AppendJsonToBson(bson_t* parent, std::string_view key, const Json& value);

// REQUIRES: object.is_object().
Result<BsonDocument> JsonObjectToBson(const Json& object);

// The value under `iter` as JSON: int32 and int64 become integers, a double becomes an integer
// when it is integral and within ±2^53 (JavaScript cannot tell them apart), else a double;
// undefined becomes null. kMalformed, naming `path`, for types JSON cannot hold (ObjectId, dates,
// binary, decimal128, ...): converting them would silently change their type on the next write.
Result<Json> BsonValueToJson(const bson_iter_t& iter, std::string_view path);

// A whole BSON document as a JSON object, every field included.
Result<Json> BsonToJson(const bson_t& document);

// A BSON number (int32, int64 or double, the latter truncated toward zero) as int64;
// nullopt for any other type or a double outside int64's range.
std::optional<int64_t> BsonNumberAsInt64(const bson_iter_t& iter);

// The document's fields in the Node job's order: user_id, timestamp, passes, passes4.
Result<BsonDocument> DocumentToBson(const CacheDocument& document);

// Reads the document's fields and ignores every other top-level field (`_id`, ticketcache's
// `_tc_version`, anything an app added). kMalformed naming the bad field.
Result<CacheDocument> DocumentFromBson(const bson_t& document);

}  // namespace tc
