// DecodeUtf8Lossy: the WHATWG Encoding Standard's UTF-8 decoder, error mode "replacement".
#include "json/utf8_decode.h"

#include <cstdint>
#include <cstring>

namespace tc {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

// The length of the well-formed sequence starting at bytes[i], or 0 when the bytes there are
// ill-formed; `consumed` is then the length of the maximal ill-formed subsequence (at least 1).
std::size_t SequenceAt(std::string_view bytes, std::size_t i, std::size_t& consumed) {
  const auto lead = static_cast<uint8_t>(bytes[i]);
  consumed = 1;
  if (lead < 0x80) return 1;
  std::size_t needed = 0;
  uint8_t lower = 0x80;
  uint8_t upper = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    needed = 1;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    needed = 2;
    if (lead == 0xE0) lower = 0xA0;
    if (lead == 0xED) upper = 0x9F;  // no surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    needed = 3;
    if (lead == 0xF0) lower = 0x90;
    if (lead == 0xF4) upper = 0x8F;  // nothing past U+10FFFF
  } else {
    return 0;
  }
  for (std::size_t k = 1; k <= needed; ++k) {
    if (i + k >= bytes.size()) return 0;  // truncated: the bytes seen so far are one U+FFFD
    const auto byte = static_cast<uint8_t>(bytes[i + k]);
    if (byte < lower || byte > upper) return 0;  // this byte starts the next sequence
    lower = 0x80;
    upper = 0xBF;
    consumed = k + 1;
  }
  return needed + 1;
}

}  // namespace

std::size_t FirstInvalidUtf8(std::string_view bytes) {
  std::size_t i = 0;
  while (i < bytes.size()) {
    // ASCII, most of a body, eight bytes at a time: none of them has its high bit set.
    uint64_t word;
    if (bytes.size() - i >= sizeof word) {
      std::memcpy(&word, bytes.data() + i, sizeof word);
      if ((word & 0x8080808080808080ull) == 0) {
        i += sizeof word;
        continue;
      }
    }
    if (static_cast<uint8_t>(bytes[i]) < 0x80) {
      ++i;
      continue;
    }
    std::size_t consumed = 0;
    const std::size_t length = SequenceAt(bytes, i, consumed);
    if (length == 0) return i;
    i += length;
  }
  return bytes.size();
}

std::string DecodeUtf8Lossy(std::string_view bytes) {
  std::size_t i = FirstInvalidUtf8(bytes);
  std::string out(bytes.substr(0, i));
  out.reserve(bytes.size() + 16);
  while (i < bytes.size()) {
    std::size_t consumed = 0;
    const std::size_t length = SequenceAt(bytes, i, consumed);
    if (length == 0) {
      out += kReplacement;
      i += consumed;
    } else {
      out.append(bytes.substr(i, length));
      i += length;
    }
  }
  return out;
}

}  // namespace tc
