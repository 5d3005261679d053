#include "mongo/bson_codec.h"

#include <fmt/format.h>

#include <cassert>
#include <cmath>
#include <iterator>
#include <limits>
#include <string>
#include <utility>

namespace tc {
namespace {

constexpr double kMaxSafeInteger = 9007199254740992.0;  // 2^53

// The JavaScript number a JSON number stands for (the Node job only ever had doubles).
double JsNumber(const Json& value) {
  if (value.is_number_integer() && !value.is_number_unsigned()) {
    return static_cast<double>(value.get<int64_t>());
  }
  if (value.is_number_unsigned()) return static_cast<double>(value.get<uint64_t>());
  return value.get<double>();
}

bool AppendNumber(bson_t* parent, const char* key, int key_length, double number) {
  const bool negative_zero = number == 0 && std::signbit(number);
  if (!negative_zero && std::trunc(number) == number &&
      number >= std::numeric_limits<int32_t>::min() &&
      number <= std::numeric_limits<int32_t>::max()) {
    return bson_append_int32(parent, key, key_length, static_cast<int32_t>(number));
  }
  return bson_append_double(parent, key, key_length, number);
}

Error TooLarge(std::string_view key) {
  return MakeError(ErrorClass::kInternal,
                   fmt::format("BSON document too large at field '{}'", key));
}

std::string ChildPath(std::string_view path, std::string_view key) {
  if (path.empty()) return std::string(key);
  return fmt::format("{}.{}", path, key);
}

// The code point of a WTF-8 surrogate sequence at text[i] (ED A0..BF 80..BF), or 0.
uint32_t SurrogateAt(std::string_view text, size_t i) {
  if (i + 3 > text.size()) return 0;
  const auto b0 = static_cast<unsigned char>(text[i]);
  const auto b1 = static_cast<unsigned char>(text[i + 1]);
  const auto b2 = static_cast<unsigned char>(text[i + 2]);
  if (b0 != 0xED || b1 < 0xA0 || b1 > 0xBF || b2 < 0x80 || b2 > 0xBF) return 0;
  return 0xD000u | ((b1 & 0x3Fu) << 6) | (b2 & 0x3Fu);
}

}  // namespace

std::string ToWellFormedUtf8(std::string_view text) {
  if (text.find('\xED') == std::string_view::npos) return std::string(text);
  std::string result;
  result.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const uint32_t surrogate = SurrogateAt(text, i);
    if (surrogate == 0) {
      result.push_back(text[i++]);
      continue;
    }
    const uint32_t low = surrogate < 0xDC00 ? SurrogateAt(text, i + 3) : 0;
    if (low >= 0xDC00) {
      const uint32_t code_point = 0x10000 + ((surrogate - 0xD800) << 10) + (low - 0xDC00);
      result.push_back(static_cast<char>(0xF0 | (code_point >> 18)));
      result.push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3F)));
      result.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
      result.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
      i += 6;
    } else {
      result += "\xEF\xBF\xBD";  // U+FFFD
      i += 3;
    }
  }
  return result;
}

Status AppendJsonToBson(bson_t* parent, std::string_view key, const Json& value) {
  if (key.find('\0') != std::string_view::npos) {
    return MakeError(ErrorClass::kMalformed,
                     "a JSON key holds a NUL byte, which BSON cannot store");
  }
  // Copies only a key holding a WTF-8 surrogate (byte ED starts every one).
  std::string well_formed_key;
  if (key.find('\xED') != std::string_view::npos) {
    well_formed_key = ToWellFormedUtf8(key);
    key = well_formed_key;
  }
  const char* key_data = key.data();
  const int key_length = static_cast<int>(key.size());
  bool appended = false;
  switch (value.type()) {
    case Json::value_t::null:
    case Json::value_t::discarded:
      appended = bson_append_null(parent, key_data, key_length);
      break;
    case Json::value_t::boolean:
      appended = bson_append_bool(parent, key_data, key_length, value.get<bool>());
      break;
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float:
      appended = AppendNumber(parent, key_data, key_length, JsNumber(value));
      break;
    case Json::value_t::string: {
      const auto& text = value.get_ref<const std::string&>();
      if (text.find('\xED') != std::string::npos) {
        const std::string well_formed = ToWellFormedUtf8(text);
        appended = bson_append_utf8(parent, key_data, key_length, well_formed.data(),
                                    static_cast<int>(well_formed.size()));
      } else {
        appended = bson_append_utf8(parent, key_data, key_length, text.data(),
                                    static_cast<int>(text.size()));
      }
      break;
    }
    case Json::value_t::object: {
      bson_t child;
      if (!bson_append_document_begin(parent, key_data, key_length, &child)) return TooLarge(key);
      for (const auto& [child_key, child_value] : value.items()) {
        if (Status status = AppendJsonToBson(&child, child_key, child_value); !status.ok()) {
          bson_append_document_end(parent, &child);
          return status;
        }
      }
      appended = bson_append_document_end(parent, &child);
      break;
    }
    case Json::value_t::array: {
      bson_t child;
      if (!bson_append_array_begin(parent, key_data, key_length, &child)) return TooLarge(key);
      uint32_t index = 0;
      for (const Json& element : value) {
        char buffer[16];
        const char* index_key = nullptr;
        const size_t index_length =
            bson_uint32_to_string(index++, &index_key, buffer, sizeof buffer);
        if (Status status =
                AppendJsonToBson(&child, std::string_view(index_key, index_length), element);
            !status.ok()) {
          bson_append_array_end(parent, &child);
          return status;
        }
      }
      appended = bson_append_array_end(parent, &child);
      break;
    }
    case Json::value_t::binary:
      return MakeError(ErrorClass::kInternal, "binary JSON values have no seed representation");
  }
  if (!appended) return TooLarge(key);
  return Status::Ok();
}

Result<BsonDocument> JsonObjectToBson(const Json& object) {
  assert(object.is_object());
  BsonDocument document;
  for (const auto& [key, value] : object.items()) {
    if (Status status = AppendJsonToBson(document.get(), key, value); !status.ok()) {
      return status.error();
    }
  }
  return document;
}

Result<Json> BsonValueToJson(const bson_iter_t& iter, std::string_view path) {
  switch (bson_iter_type(&iter)) {
    case BSON_TYPE_NULL:
    case BSON_TYPE_UNDEFINED:
      return Json(nullptr);
    case BSON_TYPE_BOOL:
      return Json(bson_iter_bool(&iter));
    case BSON_TYPE_INT32:
      return Json(static_cast<int64_t>(bson_iter_int32(&iter)));
    case BSON_TYPE_INT64:
      return Json(bson_iter_int64(&iter));
    case BSON_TYPE_DOUBLE: {
      const double number = bson_iter_double(&iter);
      const bool negative_zero = number == 0 && std::signbit(number);
      if (!negative_zero && std::trunc(number) == number && std::fabs(number) <= kMaxSafeInteger) {
        return Json(static_cast<int64_t>(number));
      }
      return Json(number);
    }
    case BSON_TYPE_UTF8: {
      uint32_t length = 0;
      const char* text = bson_iter_utf8(&iter, &length);
      return Json(std::string(text, length));
    }
    case BSON_TYPE_DOCUMENT:
    case BSON_TYPE_ARRAY: {
      const bool is_array = bson_iter_type(&iter) == BSON_TYPE_ARRAY;
      bson_iter_t child;
      if (!bson_iter_recurse(&iter, &child)) {
        return MakeError(ErrorClass::kMalformed, fmt::format("corrupt BSON at '{}'", path));
      }
      Json result = is_array ? Json::array() : Json::object();
      while (bson_iter_next(&child)) {
        std::string_view key(bson_iter_key(&child), bson_iter_key_len(&child));
        Result<Json> element = BsonValueToJson(child, ChildPath(path, key));
        if (!element.ok()) return element;
        if (is_array) {
          result.push_back(std::move(element).value());
        } else {
          result[std::string(key)] = std::move(element).value();
        }
      }
      return result;
    }
    default:
      return MakeError(ErrorClass::kMalformed,
                       fmt::format("field '{}' has BSON type 0x{:02x}, which JSON cannot hold",
                                   path, static_cast<int>(bson_iter_type(&iter))));
  }
}

Result<Json> BsonToJson(const bson_t& document) {
  bson_iter_t iter;
  if (!bson_iter_init(&iter, &document)) {
    return MakeError(ErrorClass::kMalformed, "corrupt BSON document");
  }
  Json result = Json::object();
  while (bson_iter_next(&iter)) {
    std::string key(bson_iter_key(&iter), bson_iter_key_len(&iter));
    Result<Json> value = BsonValueToJson(iter, key);
    if (!value.ok()) return value;
    result[key] = std::move(value).value();
  }
  return result;
}

std::optional<int64_t> BsonNumberAsInt64(const bson_iter_t& iter) {
  switch (bson_iter_type(&iter)) {
    case BSON_TYPE_INT32:
      return bson_iter_int32(&iter);
    case BSON_TYPE_INT64:
      return bson_iter_int64(&iter);
    case BSON_TYPE_DOUBLE: {
      const double number = std::trunc(bson_iter_double(&iter));
      // 2^63 is exactly representable; anything at or beyond it does not fit.
      if (!(number >= -9223372036854775808.0 && number < 9223372036854775808.0)) {
        return std::nullopt;
      }
      return static_cast<int64_t>(number);
    }
    default:
      return std::nullopt;
  }
}

Result<BsonDocument> DocumentToBson(const CacheDocument& document) {
  return JsonObjectToBson(DocumentToJson(document));
}

Result<CacheDocument> DocumentFromBson(const bson_t& document) {
  bson_iter_t iter;
  if (!bson_iter_init(&iter, &document)) {
    return MakeError(ErrorClass::kMalformed, "corrupt BSON document");
  }
  // Collected by name, then laid out in the Node job's order whatever the stored order is.
  static constexpr std::string_view kFields[] = {"user_id", "timestamp", "passes", "passes4"};
  std::optional<Json> values[std::size(kFields)];
  while (bson_iter_next(&iter)) {
    std::string_view key(bson_iter_key(&iter), bson_iter_key_len(&iter));
    for (size_t i = 0; i < std::size(kFields); ++i) {
      if (key != kFields[i]) continue;
      Result<Json> value = BsonValueToJson(iter, key);
      if (!value.ok()) return value.error();
      values[i] = std::move(value).value();
    }
  }
  Json json = Json::object();
  for (size_t i = 0; i < std::size(kFields); ++i) {
    if (values[i]) json[std::string(kFields[i])] = std::move(*values[i]);
  }
  return DocumentFromJson(std::move(json));
}

}  // namespace tc
