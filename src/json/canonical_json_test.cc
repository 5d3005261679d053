// CanonicalJsonLength: what it accepts is exactly what JsStringify writes back (checked on
// hand-made cases, on random values and on random damage to their text); the Node oracle's side
// of it is in js_json_test.cc.
#include "json/canonical_json.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <string_view>

#include "json/js_json.h"
#include "json/utf8_decode.h"

namespace tc {
namespace {

std::size_t Length(std::string_view text, std::size_t max_depth = kMaxJsonDepth) {
  return CanonicalJsonLength(text, max_depth);
}

// True when JsStringify(ParseJsJson(text)) is text itself.
bool RoundTrips(std::string_view text) {
  Result<Json> parsed = ParseJsJson(text);
  return parsed.ok() && JsStringify(*parsed) == text;
}

TEST(CanonicalJsonTest, AcceptsWhatJsStringifyWrites) {
  const char* const texts[] = {
      R"({"uuid":"0f80d998","status":"USABLE","time_created":"2083-01-14T12:01:00Z",)"
      R"("name":"Day pass – Zone A/B 🚌","fare":{"amount":1000,"currency":"EUR","tax_rate":0.1,)"
      R"("discount":0},"ticket_number":12345678901234567000,"links":{"qr":null},)"
      R"("instructions":"Show it.\nValid\ton \"all\" lines \\ zones","riders":[{"ages":[4,11]}],)"
      R"("flags":{},"tags":[],"ok":true,"off":false,"price":-2.5})",
      "0",
      "-7",
      "9007199254740994",  // beyond 2^53, and what Number#toString writes for that double
      "1e+21",
      "1.5e-7",
      "0.000001",
      "123.456",
      "-0.5",
      "0.30000000000000004",
      R"("")",
      R"("\b\f\n\r\t\"\\")",
      "\"\x7f\"",
      "[]",
      "{}",
      R"([[],{},[{}],{"a":[]}])",
      R"({"a1":1,"1a":2,"":3})",
  };
  for (const char* text : texts) {
    ASSERT_TRUE(RoundTrips(text)) << "the case itself is wrong: " << text;
    EXPECT_EQ(Length(text), std::string_view(text).size()) << text;
  }
}

TEST(CanonicalJsonTest, MeasuresTheValueAndIgnoresWhatFollows) {
  EXPECT_EQ(Length(R"({"a":[1,"x"]},"payload_hash":"abc"})"), 13u);
  EXPECT_EQ(Length(R"("a\"b"]})"), 6u);
  EXPECT_EQ(Length("12,"), 2u);
  EXPECT_EQ(Length("true}"), 4u);
  EXPECT_EQ(Length("01"), 1u);  // the value 0, then other text: the caller checks what follows
}

TEST(CanonicalJsonTest, RefusesTextJsStringifyWritesOtherwise) {
  const char* const texts[] = {
      R"({"a": 1})",           // spaces
      " 1",                    //
      R"([1 ,2])",             //
      "2.50",                  // Number#toString: 2.5
      "1.0",                   //
      "1E3",                   // 1000
      "1e21",                  // 1e+21
      "0.0000001",             // 1e-7
      "-0",                    // 0
      "-0.0",                  //
      "18446744073709551616",  // 18446744073709552000
      "1234567890123456789",   // 1234567890123456800
      "1e400",                 // overflows: refused, not checked
      R"("a\/b")",             // "a/b"
      R"("\u00e9")",           // é (and every \u escape is refused)
      R"({"a":1,"a":2})",      // JSON.parse keeps {"a":2}
      R"({"b":1,"2":2})",      // JavaScript lists "2" first
  };
  for (const char* text : texts) {
    EXPECT_EQ(Length(text), 0u) << text;
  }
}

TEST(CanonicalJsonTest, RefusesWhatIsNotJson) {
  const char* const texts[] = {"",    "{",         "[1,]",      R"({"a":1,})", "-",
                               "+1",  ".5",        "1.",        "1e",          "tru",
                               "nul", R"("abc)",   "\"a\x01\"", R"({"a"})",    R"({1:2})",
                               "[1}", R"({"a"]})", R"(["\x"])", "\"a\\",       "NaN"};
  for (const char* text : texts) {
    EXPECT_EQ(Length(text), 0u) << text;
  }
}

TEST(CanonicalJsonTest, DuplicateKeysAreFoundAtEveryDepthAndObjectSize) {
  EXPECT_EQ(Length(R"({"a":{"x":1,"x":1}})"), 0u);
  const std::string_view nested = R"({"x":{"x":1},"y":{"x":2}})";  // a key again, elsewhere
  EXPECT_EQ(Length(nested), nested.size());
  std::string many = "{";
  for (int i = 0; i < 100; ++i) many += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  std::string distinct = many + "\"last\":0}";
  EXPECT_EQ(Length(distinct), distinct.size());
  std::string repeated = many + "\"k57\":0}";
  EXPECT_EQ(Length(repeated), 0u);
}

TEST(CanonicalJsonTest, NestingBeyondTheLimitIsRefused) {
  const std::string three = "[[[1]]]";
  EXPECT_EQ(Length(three, 3), three.size());
  EXPECT_EQ(Length(three, 2), 0u);
  const std::string objects = R"({"a":{"b":{}}})";
  EXPECT_EQ(Length(objects, 3), objects.size());
  EXPECT_EQ(Length(objects, 2), 0u);
  const std::string deep = std::string(6000, '[') + std::string(6000, ']');
  EXPECT_EQ(Length(deep), 0u);  // and no recursion to exhaust the stack
  EXPECT_EQ(Length(deep, 6000), deep.size());
}

// Random values of the shape a pass has (and odder), written by JsStringify: accepted whole,
// unless they hold something the scan refuses on purpose (a \u escape, a digits-only key).
class RandomValue {
 public:
  explicit RandomValue(uint64_t seed) : random_(seed) {}

  Json Value(int depth) {
    switch (Pick(depth > 0 ? 9 : 6)) {
      case 0:
        return Json(Pick(2) == 0);
      case 1:
        return Json(nullptr);
      case 2:
        return Json(static_cast<int64_t>(random_()) >> Pick(64));
      case 3: {
        const double values[] = {0.1,    2.5,   -1.75, 1e21, 1e-7, 123456.789, 5e-324,
                                 1.8e19, 1e300, 0.3,   -0.0, 7.0,  1e-6,       99.99};
        return Json(values[Pick(14)] * (Pick(3) == 0 ? 3.0 : 1.0));
      }
      case 4:
      case 5:
        return Json(String());
      case 6:
      case 7: {
        Json object = Json::object();
        const int members = Pick(6);
        for (int i = 0; i < members; ++i) object[Key()] = Value(depth - 1);
        return object;
      }
      default: {
        Json array = Json::array();
        const int elements = Pick(5);
        for (int i = 0; i < elements; ++i) array.push_back(Value(depth - 1));
        return array;
      }
    }
  }

 private:
  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(random_); }

  std::string String() {
    static constexpr const char* kPieces[] = {"a",  "Zone A/B", "\"",   "\\",   "\n",          "\t",
                                              "\b", "é",        "🚌",    "\x01", "\x7f",        " ",
                                              "/",  "東京",     "\x1f", "0",    "\xED\xA0\x80"};
    std::string text;
    const int pieces = Pick(5);
    for (int i = 0; i < pieces; ++i) text += kPieces[Pick(17)];
    return text;
  }

  std::string Key() {
    static constexpr const char* kKeys[] = {"uuid", "status", "fare", "amount", "a", "",
                                            "7",    "12",     "x1",   "1x",     "é", "k\n"};
    return kKeys[Pick(12)];
  }

  std::mt19937_64 random_;
};

bool RefusedOnPurpose(std::string_view text) {
  if (text.find("\\u") != std::string_view::npos) return true;
  // A digits-only key: "7": or "12": right after '{' or ','.
  for (std::size_t i = 1; i + 1 < text.size(); ++i) {
    if ((text[i - 1] == '{' || text[i - 1] == ',') && text[i] == '"') {
      std::size_t j = i + 1;
      while (j < text.size() && text[j] >= '0' && text[j] <= '9') ++j;
      if (j > i + 1 && text.substr(j, 2) == "\":") return true;
    }
  }
  return text.find("e-324") != std::string_view::npos;  // a subnormal: from_chars says ERANGE
}

TEST(CanonicalJsonTest, RandomValuesAsJsStringifyWritesThem) {
  RandomValue generator(20261208);
  int accepted = 0;
  for (int i = 0; i < 4000; ++i) {
    const std::string text = JsStringify(generator.Value(4));
    const std::size_t length = Length(text);
    if (length == 0) {
      EXPECT_TRUE(RefusedOnPurpose(text)) << text;
      continue;
    }
    EXPECT_EQ(length, text.size()) << text;
    ++accepted;
  }
  EXPECT_GT(accepted, 2000);  // most are accepted: the scan is worth running
}

// Damage to canonical text (a byte inserted, removed or changed): whatever the scan still accepts
// must read back to those same bytes.
TEST(CanonicalJsonTest, WhatItAcceptsAfterDamageStillRoundTrips) {
  RandomValue generator(7);
  std::mt19937_64 random(11);
  const std::string bytes = " ,:{}[]\"\\0123456789.eE+-ntfau/\x01";
  int accepted_damaged = 0;
  for (int i = 0; i < 6000; ++i) {
    std::string text = JsStringify(generator.Value(3));
    const std::size_t at = random() % (text.size() + 1);
    const char byte = bytes[random() % bytes.size()];
    switch (random() % 3) {
      case 0:
        text.insert(at, 1, byte);
        break;
      case 1:
        if (at < text.size()) text.erase(at, 1);
        break;
      default:
        if (at < text.size()) text[at] = byte;
    }
    if (FirstInvalidUtf8(text) != text.size()) continue;  // a character cut in two
    const std::size_t length = Length(text);
    if (length == 0) continue;
    ASSERT_LE(length, text.size());
    EXPECT_TRUE(RoundTrips(std::string_view(text).substr(0, length))) << text;
    if (length == text.size()) ++accepted_damaged;
  }
  EXPECT_GT(accepted_damaged, 100);  // the damage often leaves canonical text: the check ran
}

}  // namespace
}  // namespace tc
