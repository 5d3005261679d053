// Small text helpers the config stage's checks, codecs and URL parsing share.
#pragma once

#include <fmt/format.h>

#include <string>
#include <string_view>

namespace tc {

// `text` in double quotes, as problems quote a value: "\"5m\"".
inline std::string Quoted(std::string_view text) { return fmt::format("\"{}\"", text); }

// True when `text` starts with `prefix` and has something after it.
inline bool HasAfter(std::string_view text, std::string_view prefix) {
  return text.starts_with(prefix) && text.size() > prefix.size();
}

}  // namespace tc
