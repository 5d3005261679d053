// The one ISO-8601 formatter for instants the program prints: logs, run records, summaries,
// `status` and the status page.
#pragma once

#include <cstdint>
#include <string>

namespace tc {

// "2026-11-28T18:00:00.123Z" (UTC, millisecond precision) for a Unix time in milliseconds.
std::string FormatIsoUtcMillis(int64_t unix_millis);

}  // namespace tc
