// Strict syntax checks of the URLs a configuration names, made when the configuration loads so
// that a malformed URL stops the program (exit 2, naming the key) instead of failing every user
// of every run. Parsed with libcurl's URL API (curl_url), the parser the HTTP client itself uses.
#pragma once

#include <string>
#include <string_view>

namespace tc {

// An http:// or https:// URL with a host, an optional port 1–65535, and no whitespace or control
// character anywhere (a trailing space from a copy-paste included). The problem as text (never
// repeating a password), or empty when the URL is fine.
std::string HttpUrlProblem(std::string_view url);

// The same check for a URL that is itself a secret (a webhook's): the problem never quotes it.
std::string SecretHttpUrlProblem(std::string_view url);

// A network storage URL `scheme://…@host[:port]/…` (mysql://): host present, port 1–65535, no
// whitespace or control character. Empty when fine.
std::string ServerUrlProblem(std::string_view url);

// The first whitespace or control character of `text`, described for a message ("a space at
// position 22"), or empty when there is none.
std::string StrayCharacterProblem(std::string_view text);

}  // namespace tc
