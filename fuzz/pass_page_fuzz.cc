// ParsePassPage on arbitrary bodies (the first byte picks the HTTP status, the rest is the body,
// a Retry-After value when the status is 429). Invariants: no crash; a page holds only objects;
// a failure has one of the documented classes.
// fuzz-libs: tc_bytemark
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "bytemark/bytemark_api.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static constexpr long kStatuses[] = {200, 200, 200, 200, 401, 403, 429, 500, 503, 404, 302};
  tc::HttpResponse response;
  response.status = kStatuses[data[0] % (sizeof kStatuses / sizeof kStatuses[0])];
  response.body.assign(reinterpret_cast<const char*>(data + 1), size - 1);
  if (response.status == 429) response.retry_after = response.body;
  tc::Result<tc::PassPage> page =
      tc::ParsePassPage(response, 1'700'000'000, std::chrono::seconds(10));
  if (page.ok()) {
    for (const tc::Json& pass : page->passes) {
      if (!pass.is_object()) std::abort();
    }
    return 0;
  }
  switch (page.error().error_class) {
    case tc::ErrorClass::kMalformed:
    case tc::ErrorClass::kRejectedToken:
    case tc::ErrorClass::kRateLimited:
    case tc::ErrorClass::kTransient:
      return 0;
    default:
      std::abort();
  }
}
