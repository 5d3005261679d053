// JsStringify: JSON.stringify(value) byte for byte. Written by hand because neither nlohmann nor
// any packaged library formats numbers as ECMAScript's Number::toString or orders keys as
// OrdinaryOwnPropertyKeys does. Rules: docs/data-compatibility.md.
#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "json/js_json.h"
#include "json/json_string_scan.h"

namespace tc {
namespace {

// ECMAScript's Number::toString(x) for a finite x (docs/data-compatibility.md): the shortest digits
// that round-trip (std::to_chars gives them, with the same closest-value tie rule), laid out in
// decimal when the exponent is in [-6, 21), else as d.ddde±n.
void AppendNumber(double value, std::string& out) {
  if (!std::isfinite(value)) {  // JSON.stringify(Infinity) and (NaN) are "null"
    out += "null";
    return;
  }
  if (value == 0) {  // covers -0, which JavaScript prints as "0"
    out += '0';
    return;
  }
  if (value < 0) {
    out += '-';
    value = -value;
  }
  // Scientific form "d[.ddd]e±XX" with the shortest round-trip digits.
  std::array<char, 32> buffer;
  const auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value,
                                       std::chars_format::scientific);
  const std::string_view scientific(buffer.data(), static_cast<std::size_t>(end - buffer.data()));
  const std::size_t e = scientific.find('e');
  std::array<char, 20> digits;
  int k = 0;  // number of significant digits
  for (char c : scientific.substr(0, e)) {
    if (c != '.') digits[static_cast<std::size_t>(k++)] = c;
  }
  int exponent = 0;
  const std::string_view exponent_text = scientific.substr(e + 1);  // "+XX" or "-XX"
  std::from_chars(exponent_text.data() + 1, exponent_text.data() + exponent_text.size(), exponent);
  if (exponent_text[0] == '-') exponent = -exponent;
  const int n = exponent + 1;  // value = 0.digits × 10^n
  const std::string_view d(digits.data(), static_cast<std::size_t>(k));

  if (k <= n && n <= 21) {  // integer: digits then n-k zeros
    out += d;
    out.append(static_cast<std::size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {  // decimal point inside the digits
    out += d.substr(0, static_cast<std::size_t>(n));
    out += '.';
    out += d.substr(static_cast<std::size_t>(n));
  } else if (-6 < n && n <= 0) {  // 0.000ddd
    out += "0.";
    out.append(static_cast<std::size_t>(-n), '0');
    out += d;
  } else {  // exponent form: 1e+21, 1.5e-7
    out += d[0];
    if (k > 1) {
      out += '.';
      out += d.substr(1);
    }
    out += 'e';
    out += n - 1 < 0 ? '-' : '+';
    std::array<char, 8> exponent_digits;
    const auto result = std::to_chars(
        exponent_digits.data(), exponent_digits.data() + exponent_digits.size(), std::abs(n - 1));
    out.append(exponent_digits.data(), result.ptr);
  }
}

void AppendInteger(int64_t value, std::string& out) {
  if (value > kJsMaxSafeInteger || value < -kJsMaxSafeInteger) {
    AppendNumber(static_cast<double>(value), out);  // JavaScript would hold the rounded double
    return;
  }
  std::array<char, 24> buffer;
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  out.append(buffer.data(), result.ptr);
}

void AppendUnsigned(uint64_t value, std::string& out) {
  if (value > static_cast<uint64_t>(kJsMaxSafeInteger)) {
    AppendNumber(static_cast<double>(value), out);
    return;
  }
  AppendInteger(static_cast<int64_t>(value), out);
}

// QuoteJSONString: the short escapes, other controls as lowercase \u00xx, a lone surrogate
// (WTF-8 ED A0..BF 80..BF, as ParseJsJson stores it) as lowercase \udxxx, everything else raw.
void AppendString(std::string_view text, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  std::size_t run_start = 0;
  for (std::size_t i = 0;
       (i = FindJsonStringStop<JsonStringStop::kStringify>(text, i)) < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == 0xED) {
      if (i + 2 >= text.size() || static_cast<unsigned char>(text[i + 1]) < 0xA0 ||
          static_cast<unsigned char>(text[i + 1]) > 0xBF) {
        continue;  // U+D000..U+D7FF: ordinary UTF-8
      }
      out.append(text.data() + run_start, i - run_start);
      const auto b1 = static_cast<unsigned char>(text[i + 1]);
      const auto b2 = static_cast<unsigned char>(text[i + 2]);
      const unsigned unit = 0xD000u | ((b1 & 0x3Fu) << 6) | (b2 & 0x3Fu);
      out += "\\u";
      out += kHex[(unit >> 12) & 0xF];
      out += kHex[(unit >> 8) & 0xF];
      out += kHex[(unit >> 4) & 0xF];
      out += kHex[unit & 0xF];
      i += 2;
      run_start = i + 1;
      continue;
    }
    out.append(text.data() + run_start, i - run_start);
    run_start = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xF];
    }
  }
  out.append(text.data() + run_start, text.size() - run_start);
  out += '"';
}

// An ECMAScript array index: canonical decimal of an integer in [0, 2^32 - 2]. Objects list these
// keys first, in ascending numeric order.
bool ParseArrayIndex(std::string_view key, uint32_t& index) {
  if (key.empty() || key.size() > 10) return false;
  if (key.size() > 1 && key[0] == '0') return false;
  uint64_t value = 0;
  for (char c : key) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  if (value > 4294967294u) return false;
  index = static_cast<uint32_t>(value);
  return true;
}

// True when the object has a key JavaScript lists first (an array index): then the members must
// be reordered. Most objects have none and are written in insertion order.
bool HasArrayIndexKey(const Json& object) {
  uint32_t unused = 0;
  for (auto it = object.begin(); it != object.end(); ++it) {
    const std::string& key = it.key();
    if (!key.empty() && key[0] >= '0' && key[0] <= '9' && ParseArrayIndex(key, unused)) {
      return true;
    }
  }
  return false;
}

// The members of an object in JavaScript's order: array-index keys first, ascending, then the
// rest in insertion order.
std::vector<std::pair<const std::string*, const Json*>> MembersInJsOrder(const Json& object) {
  std::vector<std::pair<const std::string*, const Json*>> members;
  members.reserve(object.size());
  std::vector<std::pair<uint32_t, Json::const_iterator>> index_keys;
  for (auto it = object.begin(); it != object.end(); ++it) {
    uint32_t index = 0;
    if (ParseArrayIndex(it.key(), index)) index_keys.emplace_back(index, it);
  }
  std::sort(index_keys.begin(), index_keys.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [index, it] : index_keys) members.emplace_back(&it.key(), &it.value());
  uint32_t unused = 0;
  for (auto it = object.begin(); it != object.end(); ++it) {
    if (!ParseArrayIndex(it.key(), unused)) members.emplace_back(&it.key(), &it.value());
  }
  return members;
}

// Appends a value that is not an array or an object.
void AppendScalar(const Json& value, std::string& out) {
  switch (value.type()) {
    case Json::value_t::boolean:
      out += value.get<bool>() ? "true" : "false";
      return;
    case Json::value_t::number_integer:
      AppendInteger(value.get<int64_t>(), out);
      return;
    case Json::value_t::number_unsigned:
      AppendUnsigned(value.get<uint64_t>(), out);
      return;
    case Json::value_t::number_float:
      AppendNumber(value.get<double>(), out);
      return;
    case Json::value_t::string:
      AppendString(value.get_ref<const std::string&>(), out);
      return;
    default:  // null, and binary/discarded, which have no JSON form (ParseJsJson never makes them)
      out += "null";
      return;
  }
}

// One array or object being written and how far we are. Arrays and objects without array-index
// keys are walked in place; only reordered objects list their members.
struct OpenContainer {
  const Json* value = nullptr;
  bool is_object = false;
  bool reordered = false;
  Json::const_iterator position;                                    // in place
  std::vector<std::pair<const std::string*, const Json*>> members;  // reordered objects
  size_t next = 0;
};

// Iterative on purpose: payloads may nest kMaxJsonDepth levels, and recursion that deep would
// overflow a worker thread's stack (or a sanitizer build's).
void AppendValue(const Json& root, std::string& out) {
  std::vector<OpenContainer> open;
  const auto enter = [&](const Json& value) {
    if (!value.is_array() && !value.is_object()) {
      AppendScalar(value, out);
      return;
    }
    OpenContainer container;
    container.value = &value;
    container.is_object = value.is_object();
    out += container.is_object ? '{' : '[';
    if (container.is_object && HasArrayIndexKey(value)) {
      container.reordered = true;
      container.members = MembersInJsOrder(value);
    } else {
      container.position = value.cbegin();
    }
    open.push_back(std::move(container));
  };
  enter(root);
  while (!open.empty()) {
    OpenContainer& top = open.back();
    const std::string* key = nullptr;
    const Json* child = nullptr;
    if (top.reordered) {
      if (top.next < top.members.size()) std::tie(key, child) = top.members[top.next];
    } else if (top.position != top.value->cend()) {
      if (top.is_object) key = &top.position.key();
      child = &top.position.value();
      ++top.position;
    }
    if (child == nullptr) {
      out += top.is_object ? '}' : ']';
      open.pop_back();
      continue;
    }
    if (top.next++ > 0) out += ',';
    if (key != nullptr) {
      AppendString(*key, out);
      out += ':';
    }
    enter(*child);  // may grow `open`: `top` is not used after this
  }
}

}  // namespace

std::string JsStringify(const Json& value) {
  std::string out;
  out.reserve(1024);
  AppendValue(value, out);
  return out;
}

void JsStringifyTo(const Json& value, std::string& out) { AppendValue(value, out); }

void JsStringifyStringTo(std::string_view text, std::string& out) { AppendString(text, out); }

void JsStringifyIntegerTo(int64_t value, std::string& out) { AppendInteger(value, out); }

}  // namespace tc
