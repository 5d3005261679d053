#include "json/utf8_decode.h"

#include <gtest/gtest.h>

#include <string>

namespace tc {
namespace {

TEST(Utf8DecodeTest, WellFormedTextHasNoInvalidByte) {
  const std::string text =
      "plain ASCII, caf\xC3\xA9, \xE2\x82\xAC, \xF0\x9F\x9A\x8C and more ASCII";
  EXPECT_EQ(FirstInvalidUtf8(text), text.size());
  EXPECT_EQ(FirstInvalidUtf8(""), 0u);
  EXPECT_EQ(DecodeUtf8Lossy(text), text);
}

// The ASCII runs are read eight bytes at a time: an ill-formed byte is found at every offset of
// and after such a run, and a multi-byte character straddling two words is still checked.
TEST(Utf8DecodeTest, FindsTheFirstIllFormedByteAtEveryOffset) {
  for (std::size_t prefix = 0; prefix <= 40; ++prefix) {
    for (const std::string bad : {"\xFF", "\xC0\x80", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\x80"}) {
      const std::string text = std::string(prefix, 'a') + bad + std::string(17, 'b');
      EXPECT_EQ(FirstInvalidUtf8(text), prefix) << "prefix " << prefix;
    }
    const std::string truncated = std::string(prefix, 'a') + "\xF0\x9F\x98";
    EXPECT_EQ(FirstInvalidUtf8(truncated), prefix) << "prefix " << prefix;
    const std::string straddling = std::string(prefix, 'a') + "\xF0\x9F\x9A\x8C" + "tail ascii";
    EXPECT_EQ(FirstInvalidUtf8(straddling), straddling.size()) << "prefix " << prefix;
  }
}

TEST(Utf8DecodeTest, EachMaximalIllFormedSubsequenceIsOneReplacement) {
  EXPECT_EQ(DecodeUtf8Lossy("a\xED\xA0\x80z"), "a\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBDz");
  EXPECT_EQ(DecodeUtf8Lossy("a\xF0\x9F\x98"), "a\xEF\xBF\xBD");
  EXPECT_EQ(DecodeUtf8Lossy("0123456789\xFF"
                            "0123456789"),
            "0123456789\xEF\xBF\xBD"
            "0123456789");
}

}  // namespace
}  // namespace tc
