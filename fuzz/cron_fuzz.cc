// CronExpression::Parse on arbitrary text, then the next fire times in UTC and in a zone with
// DST. Invariants: no crash; a failure is kConfig; an accepted expression fires (NextFireTime
// never reports its "no fire time within 12 years" internal error) strictly after `after`.
// fuzz-libs: tc_schedule
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "schedule/cron_expression.h"
#include "schedule/cron_schedule.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  tc::Result<tc::CronExpression> expression = tc::CronExpression::Parse(text);
  if (!expression.ok()) {
    if (expression.error().error_class != tc::ErrorClass::kConfig) std::abort();
    return 0;
  }
  static const date::time_zone* const kZones[] = {*tc::LocateTimeZone("UTC"),
                                                  *tc::LocateTimeZone("Europe/Berlin")};
  const std::chrono::sys_seconds after{std::chrono::seconds{1'711'846'800}};  // near a DST change
  for (const date::time_zone* zone : kZones) {
    tc::Result<std::chrono::sys_seconds> next = tc::NextFireTime(*expression, *zone, after);
    if (!next.ok() || *next <= after) std::abort();
  }
  return 0;
}
