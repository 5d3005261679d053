#include "json/json_string_scan.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace tc {
namespace {

template <JsonStringStop stop>
std::size_t ByteByByte(std::string_view text, std::size_t from) {
  for (std::size_t i = from; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == '"' || c == '\\' || (stop == JsonStringStop::kStringify && c == 0xED)) {
      return i;
    }
  }
  return text.size();
}

// Bytes next to the stops in value, and bytes whose borrow or carry could fool a word-wise scan.
const std::vector<unsigned char> kFillers = {0x20, 0x21, 0x22 ^ 0x80, 0x41, 0x5B,
                                             0x5D, 0x7F, 0x80,        0x9F, 0xA0,
                                             0xDF, 0xEC, 0xEE,        0xFF, 0x01 ^ 0x80};
const std::vector<unsigned char> kStops = {0x00, 0x01, 0x1F, '"', '\\', 0xED};

TEST(JsonStringScanTest, FindsEveryStopAtEveryPositionOfAWord) {
  for (unsigned char filler : kFillers) {
    for (unsigned char stop : kStops) {
      for (std::size_t length = 0; length <= 40; ++length) {
        for (std::size_t at = 0; at < length; ++at) {
          std::string text(length, static_cast<char>(filler));
          text[at] = static_cast<char>(stop);
          for (std::size_t from = 0; from <= length; from += 3) {
            EXPECT_EQ((FindJsonStringStop<JsonStringStop::kParse>(text, from)),
                      (ByteByByte<JsonStringStop::kParse>(text, from)))
                << "filler " << int{filler} << " stop " << int{stop} << " at " << at << " of "
                << length << " from " << from;
            EXPECT_EQ((FindJsonStringStop<JsonStringStop::kStringify>(text, from)),
                      (ByteByByte<JsonStringStop::kStringify>(text, from)))
                << "filler " << int{filler} << " stop " << int{stop} << " at " << at << " of "
                << length << " from " << from;
          }
        }
      }
    }
  }
}

TEST(JsonStringScanTest, WithoutAStopReturnsTheEnd) {
  for (unsigned char filler : kFillers) {
    for (std::size_t length = 0; length <= 40; ++length) {
      const std::string text(length, static_cast<char>(filler));
      EXPECT_EQ((FindJsonStringStop<JsonStringStop::kParse>(text, 0)), length);
      EXPECT_EQ((FindJsonStringStop<JsonStringStop::kStringify>(text, 0)), length);
    }
  }
}

TEST(JsonStringScanTest, OnlyTheStringifyScanStopsAtEd) {
  const std::string text = "abcdefghij\xED\xA0\x80xyz\"";
  EXPECT_EQ((FindJsonStringStop<JsonStringStop::kParse>(text, 0)), text.size() - 1);
  EXPECT_EQ((FindJsonStringStop<JsonStringStop::kStringify>(text, 0)), 10u);
}

TEST(JsonStringScanTest, AgreesWithAByteByByteScanOnRandomText) {
  std::mt19937 random(20261207);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> length_of(0, 64);
  for (int round = 0; round < 20000; ++round) {
    std::string text(static_cast<std::size_t>(length_of(random)), ' ');
    // Mostly printable text with a rare stop, the shape of the passes' strings.
    for (char& c : text) {
      const int b = byte(random);
      c = static_cast<char>(b < 248 ? 0x20 + b % 0x5F + (b % 3 == 0 ? 0x80 : 0)
                                    : kStops[static_cast<std::size_t>(b) % kStops.size()]);
    }
    std::size_t from = text.empty() ? 0 : static_cast<std::size_t>(byte(random)) % text.size();
    ASSERT_EQ((FindJsonStringStop<JsonStringStop::kParse>(text, from)),
              (ByteByByte<JsonStringStop::kParse>(text, from)));
    ASSERT_EQ((FindJsonStringStop<JsonStringStop::kStringify>(text, from)),
              (ByteByByte<JsonStringStop::kStringify>(text, from)));
  }
}

}  // namespace
}  // namespace tc
