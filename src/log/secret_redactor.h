// Masks secrets in text before it is logged. Every log message and field value passes through
// RedactSecrets, so a bearer token or a password cannot reach the log even when a caller (or an
// error message from a library) carries one by mistake.
#pragma once

#include <string>
#include <string_view>

#include "config/config.h"
#include "config/url_credentials.h"  // kRedactedText, the one marker

namespace tc {

// Returns `text` with these replaced by "<redacted>" (case-insensitive where it makes sense):
//   - "Bearer <credential>"                      -> "Bearer <redacted>"
//   - "Authorization: <anything to end of line>" -> "Authorization: <redacted>"
//   - "scheme://user:password@"                  -> "scheme://user:<redacted>@"
//     (config/url_credentials.h: the same rule as configuration checks and `ticketcache config`)
//   - password=…, passwd=…, pwd=…, secret=…, "password":"…"  (value masked)
//   - ?token=… / &access_token=… and "token":"…"  (value masked)
//   - every string registered with RegisterSecret, wherever it appears.
// Thread-safe.
std::string RedactSecrets(std::string_view text);

// Adds a literal secret (e.g. a password from configuration) to mask from now on. Empty strings
// are ignored. Thread-safe; secrets are kept for the life of the process.
void RegisterSecret(std::string secret);

// Registers the passwords of `config`, including passwords embedded in its URLs.
void RegisterConfigSecrets(const Config& config);

// True when `key` names a field whose value is a credential ("password", "token",
// "authorization", …); such field values are logged as "<redacted>" whatever they hold.
bool IsSecretFieldName(std::string_view key);

}  // namespace tc
