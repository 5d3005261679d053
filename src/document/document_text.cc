// DocumentFromText: a stored document's text read back, its payloads kept as text when they are
// in JSON.stringify's form (why: docs/performance.md, "Keeping stored payloads as text").
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "document/cache_document.h"
#include "json/canonical_json.h"
#include "json/js_json.h"
#include "json/json_string_scan.h"
#include "json/utf8_decode.h"

namespace tc {
namespace {

// Nesting left for a payload in a document: the document, its list and the entry are three.
constexpr std::size_t kPayloadDepth = kMaxJsonDepth - 3;

// Reads text laid out exactly as DocumentText writes it and nothing else: std::nullopt at the
// first byte that differs (spaces, another field order, an escape, a number in another form),
// and the caller then reads the text the general way. What it accepts, it reads as
// DocumentFromJson(ParseJsJson(text)) would, except that each payload is kept as its text.
class DocumentTextLayout {
 public:
  explicit DocumentTextLayout(std::string_view text) : text_(text) {}

  std::optional<CacheDocument> Read() {
    CacheDocument document;
    if (!Expect("{\"user_id\":") || !Integer(document.user_id) || !Expect(",\"timestamp\":") ||
        !Integer(document.timestamp) || !Expect(",\"passes\":") || !Entries(document.passes) ||
        !Expect(",\"passes4\":") || !Entries(document.passes4) || !Expect("}") ||
        pos_ != text_.size()) {
      return std::nullopt;
    }
    return document;
  }

 private:
  char Peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }

  bool Expect(std::string_view literal) {
    if (text_.substr(pos_, literal.size()) != literal) return false;
    pos_ += literal.size();
    return true;
  }

  // [] or [{entry},{entry}...]
  bool Entries(std::vector<PassEntry>& entries) {
    if (!Expect("[")) return false;
    if (Expect("]")) return true;
    do {
      PassEntry entry;
      int64_t free_ticket_status = 0;
      if (!Expect("{\"pass_uuid\":") || !String(entry.pass_uuid) || !Expect(",\"timestamp\":") ||
          !Integer(entry.timestamp) || !Expect(",\"status\":") || !String(entry.status) ||
          !Expect(",\"free_ticket_status\":") || !Integer(free_ticket_status) ||
          (free_ticket_status != 0 && free_ticket_status != 1) || !Expect(",\"payload\":")) {
        return false;
      }
      const std::size_t length = CanonicalJsonLength(text_.substr(pos_), kPayloadDepth);
      if (length == 0) return false;
      entry.free_ticket_status = static_cast<int>(free_ticket_status);
      entry.payload_text.assign(text_.substr(pos_, length));
      pos_ += length;
      if (!Expect(",\"payload_hash\":") || !String(entry.payload_hash) || !Expect("}")) {
        return false;
      }
      entries.push_back(std::move(entry));
    } while (Expect(","));
    return Expect("]");
  }

  // A string without escapes (the text is already known to be well-formed UTF-8).
  bool String(std::string& out) {
    if (!Expect("\"")) return false;
    const std::size_t start = pos_;
    pos_ = FindJsonStringStop<JsonStringStop::kParse>(text_, pos_);
    if (pos_ >= text_.size() || text_[pos_] != '"') return false;  // an escape or a control
    out.assign(text_.substr(start, pos_ - start));
    ++pos_;
    return true;
  }

  // An integer as JsStringify writes one within ±2^53: no "-0", no leading zeros.
  bool Integer(int64_t& out) {
    const bool negative = Expect("-");
    if (negative && Peek() == '0') return false;
    const std::size_t digits_start = pos_;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
    const std::size_t digits = pos_ - digits_start;
    if (digits == 0 || digits > 16 || (digits > 1 && text_[digits_start] == '0')) return false;
    int64_t value = 0;
    for (std::size_t i = digits_start; i < pos_; ++i) value = value * 10 + (text_[i] - '0');
    if (value > kJsMaxSafeInteger) return false;
    out = negative ? -value : value;
    return true;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

Result<CacheDocument> DocumentFromText(std::string_view text) {
  if (FirstInvalidUtf8(text) == text.size()) {
    if (std::optional<CacheDocument> document = DocumentTextLayout(text).Read()) {
      return std::move(*document);
    }
  }
  Result<Json> json = ParseJsJson(text);
  if (!json.ok()) return json.error();
  return DocumentFromJson(std::move(*json));
}

}  // namespace tc
