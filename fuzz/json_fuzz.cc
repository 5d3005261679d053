// ParseJsJson / JsStringify on arbitrary bytes. Invariants: no crash; what parses stringifies to
// text that parses again and stringifies to the same bytes; the body decoder's output is
// well-formed UTF-8 and a fixed point; what CanonicalJsonLength accepts stringifies back to the
// same bytes; DocumentFromText reads what DocumentFromJson(ParseJsJson) reads, or fails as it does.
// fuzz-libs: tc_document tc_json
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "document/cache_document.h"
#include "json/canonical_json.h"
#include "json/js_json.h"
#include "json/utf8_decode.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  const std::string decoded = tc::DecodeUtf8Lossy(text);
  if (tc::FirstInvalidUtf8(decoded) != decoded.size()) std::abort();
  if (tc::DecodeUtf8Lossy(decoded) != decoded) std::abort();

  if (tc::FirstInvalidUtf8(text) == text.size()) {
    const std::size_t length = tc::CanonicalJsonLength(text, tc::kMaxJsonDepth);
    if (length > text.size()) std::abort();
    if (length > 0) {
      tc::Result<tc::Json> value = tc::ParseJsJson(text.substr(0, length));
      if (!value.ok() || tc::JsStringify(*value) != text.substr(0, length)) std::abort();
    }
  }

  tc::Result<tc::Json> parsed = tc::ParseJsJson(text);
  tc::Result<tc::CacheDocument> document = tc::DocumentFromText(text);
  tc::Result<tc::CacheDocument> general =
      parsed.ok() ? tc::DocumentFromJson(*parsed) : tc::Result<tc::CacheDocument>(parsed.error());
  if (document.ok() != general.ok()) std::abort();
  if (document.ok() ? tc::DocumentText(*document) != tc::DocumentText(*general)
                    : document.error().ToString() != general.error().ToString()) {
    std::abort();
  }

  if (!parsed.ok()) {
    if (parsed.error().error_class != tc::ErrorClass::kMalformed) std::abort();
    return 0;
  }
  const std::string first = tc::JsStringify(*parsed);
  tc::Result<tc::Json> reparsed = tc::ParseJsJson(first);
  if (!reparsed.ok()) std::abort();
  if (tc::JsStringify(*reparsed) != first) std::abort();
  if (tc::PayloadHash(*parsed).size() != 32) std::abort();
  return 0;
}
