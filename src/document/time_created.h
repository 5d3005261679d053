// Reading a pass's time_created (ISO-8601 as the API sends it) as an instant, for ordering.
#pragma once

#include <date/date.h>

#include <chrono>
#include <optional>
#include <string_view>

namespace tc {

using Instant = date::sys_time<std::chrono::nanoseconds>;

// "2024-01-05T10:00:00.000Z", "+02:00", "-0500", no offset read as UTC, or a bare date; nullopt
// when unreadable. The common form (YYYY-MM-DDThh:mm:ss[.f{1,9}]Z, a valid date and time) is read
// directly; everything else goes through date::parse with the formats of ParseInstantGeneral.
std::optional<Instant> ParseTimeCreated(std::string_view text);

// The general reader: tries "%FT%TZ", "%FT%T%Ez", "%FT%T%z", "%FT%T", "%F" in turn, the whole
// text matching. ParseTimeCreated gives the same answer for every input.
std::optional<Instant> ParseInstantGeneral(std::string_view text);

}  // namespace tc
