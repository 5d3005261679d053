// The one place that knows where a password sits in a URL (scheme://user:password@host…) and the
// one marker that replaces a secret wherever it would be shown. Used by configuration checks,
// `ticketcache config`, the log redactor and store error messages.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace tc {

// What every hidden secret is shown as: logs, `ticketcache config`, error messages.
inline constexpr std::string_view kRedactedText = "<redacted>";

// The [begin, end) range of the password in scheme://user:password@host…, if any. The LAST '@'
// before the path's query ends the user info, so an unencoded '@' inside a password is covered
// (an '@' in a path is taken for it too: over-redacting is the safe mistake).
std::optional<std::pair<size_t, size_t>> UrlPasswordRange(std::string_view url);

// True when `url` carries a password in its user info.
inline bool UrlHasPassword(std::string_view url) { return UrlPasswordRange(url).has_value(); }

// The password of `url`, or empty.
std::string UrlPassword(std::string_view url);

// `url` with its password replaced by kRedactedText; other URLs unchanged.
std::string RedactUrlPassword(std::string_view url);

// `text` with the password of every URL in it (each "scheme://…" up to whitespace) redacted.
std::string RedactUrlPasswordsInText(std::string_view text);

}  // namespace tc
