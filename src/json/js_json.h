// JSON exactly as the seed's Node.js code sees it: JSON.parse on the API's text, JSON.stringify
// for payload hashes. Hand-written on top of nlohmann::json because no packaged library
// reproduces JavaScript's number formatting and property order. See docs/data-compatibility.md.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "error/error.h"

namespace tc {

// JSON with object key order kept.
using Json = nlohmann::ordered_json;

// JSON.parse semantics: a duplicate key keeps its first position and takes the last value;
// numbers become the double JavaScript would hold (integers beyond 2^53 round as in JS).
// kMalformed (with position, never the text itself) on invalid input.
Result<Json> ParseJsJson(std::string_view text);

// Byte-identical to JavaScript's JSON.stringify(value) (no indentation): integer-like keys first
// in ascending numeric order, then the rest in insertion order; numbers as Number#toString;
// strings escaped as JavaScript escapes them.
std::string JsStringify(const Json& value);

// Lowercase hex MD5 of the UTF-8 bytes of text.
std::string Md5Hex(std::string_view text);

// payload_hash of SPEC §2: Md5Hex(JsStringify(payload)).
std::string PayloadHash(const Json& payload);

}  // namespace tc
