// Finding the next byte of a JSON string that cannot be copied as it is, eight bytes at a time.
// The reader (ParseJsJson) and the writer (JsStringify) copy the runs between such bytes; this
// scan is most of their work on the passes' text. Written by hand: no packaged library offers a
// "find the first of these bytes" over a buffer (memchr takes one byte).
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace tc {

// Which bytes stop the scan: always '"', '\\' and the controls below 0x20; with kStringify also
// 0xED, the lead byte of U+D000..U+DFFF, where JsStringify looks for a lone surrogate.
enum class JsonStringStop { kParse, kStringify };

// The position of the first stop byte in text at or after `from`, or text.size() when none is.
template <JsonStringStop stop>
inline std::size_t FindJsonStringStop(std::string_view text, std::size_t from) {
  const auto is_stop = [](unsigned char c) {
    return c < 0x20 || c == '"' || c == '\\' || (stop == JsonStringStop::kStringify && c == 0xED);
  };
  std::size_t i = from;
  if constexpr (std::endian::native == std::endian::little) {
    constexpr uint64_t kOnes = 0x0101010101010101ull;
    constexpr uint64_t kHighs = 0x8080808080808080ull;
    // A byte of (x - kOnes) & ~x & kHighs is set where x has a zero byte. A borrow can also set a
    // byte above a true zero, never below one: the lowest set byte is always a true match, which
    // is all this scan needs (little-endian: the lowest byte is the first in the text).
    const auto zero_bytes = [](uint64_t x) { return (x - kOnes) & ~x & kHighs; };
    while (text.size() - i >= 8) {
      uint64_t word;
      std::memcpy(&word, text.data() + i, sizeof word);
      // Bytes below 0x20: (word - 0x20 per byte) borrows exactly where a byte is < 0x20, with
      // the same "lowest set byte is true" property.
      uint64_t found = (word - kOnes * 0x20) & ~word & kHighs;
      found |= zero_bytes(word ^ (kOnes * '"'));
      found |= zero_bytes(word ^ (kOnes * '\\'));
      if constexpr (stop == JsonStringStop::kStringify) found |= zero_bytes(word ^ (kOnes * 0xED));
      if (found != 0) return i + static_cast<std::size_t>(std::countr_zero(found) / 8);
      i += 8;
    }
  }
  while (i < text.size() && !is_stop(static_cast<unsigned char>(text[i]))) ++i;
  return i;
}

}  // namespace tc
