// ParseJsJson: nlohmann's lexer and parser driven through a SAX handler that builds the value the
// way JavaScript's JSON.parse does. Rules and known divergences: docs/data-compatibility.md.
#include <fmt/format.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "json/js_json.h"

namespace tc {
namespace {

// Deeper payloads are refused: JsStringify recurses, and no pass object comes near this.
constexpr std::size_t kMaxDepth = 1000;

// Integers JavaScript holds exactly; others are stored as the double JS would round them to.
constexpr int64_t kMaxSafeInteger = (int64_t{1} << 53);

// Builds a Json from SAX events. A duplicate key keeps its first position and takes the last
// value (ordered_json's operator[] finds the existing member), as JSON.parse does.
class JsJsonBuilder {
 public:
  bool null() { return Put(Json(nullptr)); }
  bool boolean(bool value) { return Put(Json(value)); }
  bool number_integer(int64_t value) {
    if (value > kMaxSafeInteger || value < -kMaxSafeInteger) {
      return Put(Json(static_cast<double>(value)));
    }
    return Put(Json(value));
  }
  bool number_unsigned(uint64_t value) {
    if (value > static_cast<uint64_t>(kMaxSafeInteger)) {
      return Put(Json(static_cast<double>(value)));
    }
    return Put(Json(static_cast<int64_t>(value)));
  }
  bool number_float(double value, const std::string& /*text*/) { return Put(Json(value)); }
  bool string(std::string& value) { return Put(Json(std::move(value))); }
  bool binary(Json::binary_t& /*value*/) { return false; }  // not produced by the JSON lexer

  bool start_object(std::size_t /*size*/) { return Open(Json::object()); }
  bool key(std::string& key) {
    key_ = std::move(key);
    return true;
  }
  bool end_object() {
    stack_.pop_back();
    return true;
  }
  bool start_array(std::size_t /*size*/) { return Open(Json::array()); }
  bool end_array() {
    stack_.pop_back();
    return true;
  }

  bool parse_error(std::size_t position, const std::string& /*last_token*/,
                   const nlohmann::detail::exception& exception) {
    // out_of_range.406 is a number beyond the double range: JSON.parse would give ±Infinity
    // (stringified as null); nlohmann stops there, so we refuse it (a documented divergence).
    const std::string reason = exception.id == 406 ? std::string("number out of the double range")
                                                   : ReasonWithoutInput(exception.what());
    error_ = MakeError(ErrorClass::kMalformed,
                       fmt::format("malformed JSON at byte {}: {}", position, reason));
    return false;
  }

  Json& root() { return root_; }
  bool has_error() const { return error_.has_value(); }
  Error& error() { return *error_; }

 private:
  // A syntax error's message ends with "; last read: '<input>'": keep only the reason (a fixed
  // phrase), so no part of the payload (which may hold personal data) reaches a log.
  static std::string ReasonWithoutInput(std::string_view what) {
    const std::size_t last_read = what.find("; last read");
    if (last_read != std::string_view::npos) what = what.substr(0, last_read);
    const std::size_t column = what.find("column ");
    if (column != std::string_view::npos) {
      const std::size_t colon = what.find(": ", column);
      if (colon != std::string_view::npos) what = what.substr(colon + 2);
    }
    return std::string(what);
  }

  // Places value in the current container (or as the root) and returns where it now lives.
  Json* Place(Json&& value) {
    if (stack_.empty()) {
      root_ = std::move(value);
      return &root_;
    }
    Json& container = *stack_.back();
    if (container.is_array()) {
      container.push_back(std::move(value));
      return &container.back();
    }
    Json& member = container[key_];
    member = std::move(value);
    return &member;
  }

  bool Put(Json&& value) {
    Place(std::move(value));
    return true;
  }

  bool Open(Json&& container) {
    if (stack_.size() >= kMaxDepth) {
      error_ = MakeError(ErrorClass::kMalformed,
                         fmt::format("malformed JSON: nesting deeper than {} levels", kMaxDepth));
      return false;
    }
    stack_.push_back(Place(std::move(container)));
    return true;
  }

  Json root_;
  std::vector<Json*> stack_;  // open containers; pointers stay valid, as only the top grows
  std::string key_;
  std::optional<Error> error_;
};

}  // namespace

Result<Json> ParseJsJson(std::string_view text) {
  JsJsonBuilder builder;
  const bool ok = Json::sax_parse(text.begin(), text.end(), &builder);
  if (!ok || builder.has_error()) {
    if (builder.has_error()) return std::move(builder.error());
    return MakeError(ErrorClass::kMalformed, "malformed JSON");
  }
  return std::move(builder.root());
}

}  // namespace tc
