// JSON exactly as the seed's Node.js code sees it: JSON.parse on the API's text, JSON.stringify
// for payload hashes. Hand-written on top of nlohmann::json because no packaged library
// reproduces JavaScript's number formatting and property order. See docs/data-compatibility.md.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "error/error.h"

namespace tc {

// JSON with object key order kept.
using Json = nlohmann::ordered_json;

// JSON.parse semantics: a duplicate key keeps its first position and takes the last value;
// numbers become the double JavaScript would hold (integers within ±2^53 are kept as int64,
// others as the rounded double). kMalformed (with a byte position, never the text itself) on
// invalid input. Refused on purpose although JSON.parse accepts them: lone surrogate escapes
// ("\ud800"), numbers beyond the double range (1e400), nesting deeper than 1000. A leading
// UTF-8 BOM is skipped (as Node's HTTP clients strip it). See docs/data-compatibility.md.
Result<Json> ParseJsJson(std::string_view text);

// Byte-identical to JavaScript's JSON.stringify(value) (no indentation): integer-like keys first
// in ascending numeric order, then the rest in insertion order; numbers as Number#toString;
// strings escaped as JavaScript escapes them.
std::string JsStringify(const Json& value);

// Lowercase hex MD5 of the UTF-8 bytes of text; "" only if OpenSSL cannot compute MD5 at all.
std::string Md5Hex(std::string_view text);

// payload_hash of SPEC §2: Md5Hex(JsStringify(payload)).
std::string PayloadHash(const Json& payload);

}  // namespace tc
