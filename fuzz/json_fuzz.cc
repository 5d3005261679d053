// ParseJsJson / JsStringify on arbitrary bytes. Invariants: no crash; what parses stringifies to
// text that parses again and stringifies to the same bytes; the body decoder's output is
// well-formed UTF-8 and a fixed point.
// fuzz-libs: tc_json
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "json/js_json.h"
#include "json/utf8_decode.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  const std::string decoded = tc::DecodeUtf8Lossy(text);
  if (tc::FirstInvalidUtf8(decoded) != decoded.size()) std::abort();
  if (tc::DecodeUtf8Lossy(decoded) != decoded) std::abort();

  tc::Result<tc::Json> parsed = tc::ParseJsJson(text);
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
