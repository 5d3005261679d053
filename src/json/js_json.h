// JSON exactly as the Node job's Node.js code sees it: JSON.parse on the API's text, JSON.stringify
// for payload hashes. Hand-written on top of nlohmann::json because no packaged library
// reproduces JavaScript's number formatting and property order. See docs/data-compatibility.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "error/error.h"

namespace tc {

// JSON with object key order kept.
using Json = nlohmann::ordered_json;

// Containers nested deeper than this are refused. Node's JSON.parse has no limit, but its
// JSON.stringify throws past about 4,170 levels (default V8 stack), so the Node job fails such a
// user anyway; every payload Node can hash, wrapped in a stored document, stays below this.
inline constexpr std::size_t kMaxJsonDepth = 5000;

// 2^53: integers of at most this magnitude are exact in a JavaScript number.
inline constexpr int64_t kJsMaxSafeInteger = int64_t{1} << 53;

// Accepts exactly what Node's JSON.parse(body.toString('utf8')) accepts and builds the value it
// builds: ill-formed UTF-8 bytes read as U+FFFD (the WHATWG decoder); a duplicate key keeps its
// first position and takes the last value; numbers become the double JavaScript would hold
// (integers within ±2^53 are kept as int64, others as the rounded double; beyond the double
// range ±Infinity); an escaped lone surrogate ("\ud800") is kept, stored in the std::string as
// its 3-byte WTF-8 form (ED A0..BF 80..BF) — paired escapes become ordinary 4-byte UTF-8. A
// leading UTF-8 BOM is skipped (as Node's HTTP clients strip it). kMalformed (with a byte
// position, never the text itself) on invalid input or nesting deeper than kMaxJsonDepth.
// Iterative: no input can exhaust the stack. See docs/data-compatibility.md.
Result<Json> ParseJsJson(std::string_view text);

// Byte-identical to JavaScript's JSON.stringify(value) (no indentation): integer-like keys first
// in ascending numeric order, then the rest in insertion order; numbers as Number#toString;
// strings escaped as JavaScript escapes them (a WTF-8 lone surrogate as \udxxx, lowercase);
// ±Infinity and NaN as null.
std::string JsStringify(const Json& value);

// JsStringify(value), appended to `out`.
void JsStringifyTo(const Json& value, std::string& out);
// JSON.stringify of a string (quoted and escaped) and of an integer (a double beyond ±2^53),
// appended to `out`: the pieces for writing a document without building it as a Json first.
void JsStringifyStringTo(std::string_view text, std::string& out);
void JsStringifyIntegerTo(int64_t value, std::string& out);

// Lowercase hex MD5 of the UTF-8 bytes of text; "" only if OpenSSL cannot compute MD5 at all.
std::string Md5Hex(std::string_view text);

// payload_hash (docs/data-compatibility.md): Md5Hex(JsStringify(payload)).
std::string PayloadHash(const Json& payload);

}  // namespace tc
