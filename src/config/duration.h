// Durations in configuration: "90s", "5m", "1h30m", "250ms", "2d". docs/configuration.md.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "error/error.h"

namespace tc {

// "90s", "5m", "1h", "250ms", "2d", or a sequence of them such as "1h30m". Whole numbers only;
// kConfig for anything else (empty, negative, decimals, unknown unit, overflow).
Result<std::chrono::milliseconds> ParseDuration(std::string_view text);

// The shortest form ParseDuration reads back to the same value: 5400000 ms -> "1h30m", 0 -> "0s".
std::string FormatDuration(std::chrono::milliseconds duration);

}  // namespace tc
