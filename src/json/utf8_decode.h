// Bytes to text as Node decodes an HTTP body (`Buffer#toString('utf8')`, the WHATWG UTF-8
// decoder): every maximal ill-formed subsequence becomes one U+FFFD. See
// docs/data-compatibility.md.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace tc {

// The byte offset of the first ill-formed UTF-8 sequence in bytes, or bytes.size() when all of
// it is well-formed UTF-8 (surrogates encoded as UTF-8, overlongs and code points past U+10FFFF
// are ill-formed).
std::size_t FirstInvalidUtf8(std::string_view bytes);

// bytes with each maximal ill-formed subsequence replaced by U+FFFD (EF BF BD), exactly as the
// WHATWG decoder does: "\xED\xA0\x80" is three U+FFFD, "\xF0\x9F\x98" (truncated) is one.
std::string DecodeUtf8Lossy(std::string_view bytes);

}  // namespace tc
