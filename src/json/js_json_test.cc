// Unit tests for ParseJsJson / JsStringify / PayloadHash, and the differential test against Node
// (tests/node/js_hash_oracle.js): every corpus text must stringify and hash byte-identically, and
// CanonicalJsonLength must accept as JSON.stringify's form only what Node writes back unchanged.
#include "json/js_json.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "json/canonical_json.h"
#include "json/utf8_decode.h"

namespace tc {
namespace {

std::string RoundTrip(std::string_view text) {
  Result<Json> parsed = ParseJsJson(text);
  EXPECT_TRUE(parsed.ok()) << text << " -> " << parsed.error().ToString();
  if (!parsed.ok()) return "<error>";
  return JsStringify(*parsed);
}

TEST(JsStringifyTest, NumbersAsJavaScriptFormatsThem) {
  EXPECT_EQ(RoundTrip("1.0"), "1");
  EXPECT_EQ(RoundTrip("2.50"), "2.5");
  EXPECT_EQ(RoundTrip("1E3"), "1000");
  EXPECT_EQ(RoundTrip("1e21"), "1e+21");
  EXPECT_EQ(RoundTrip("1e20"), "100000000000000000000");
  EXPECT_EQ(RoundTrip("1e-7"), "1e-7");
  EXPECT_EQ(RoundTrip("1.5e-7"), "1.5e-7");
  EXPECT_EQ(RoundTrip("0.000001"), "0.000001");
  EXPECT_EQ(RoundTrip("0.1"), "0.1");
  EXPECT_EQ(RoundTrip("-0"), "0");
  EXPECT_EQ(RoundTrip("-0.0"), "0");
  EXPECT_EQ(RoundTrip("5e-324"), "5e-324");
  EXPECT_EQ(RoundTrip("1.7976931348623157e308"), "1.7976931348623157e+308");
  EXPECT_EQ(RoundTrip("123456789.125"), "123456789.125");
  EXPECT_EQ(RoundTrip("-42"), "-42");
  EXPECT_EQ(RoundTrip("1e-400"), "0");
}

TEST(JsStringifyTest, IntegersBeyondTwoToThe53RoundAsDoubles) {
  EXPECT_EQ(RoundTrip("9007199254740992"), "9007199254740992");
  EXPECT_EQ(RoundTrip("9007199254740993"), "9007199254740992");
  EXPECT_EQ(RoundTrip("-9007199254740993"), "-9007199254740992");
  EXPECT_EQ(RoundTrip("12345678901234567890"), "12345678901234567000");
  EXPECT_EQ(RoundTrip("18446744073709551616"), "18446744073709552000");
  EXPECT_EQ(RoundTrip("123456789012345678901234567890"), "1.2345678901234568e+29");
  // Values built in C++ (not parsed) print the same way.
  EXPECT_EQ(JsStringify(Json(int64_t{9007199254740993})), "9007199254740992");
  EXPECT_EQ(JsStringify(Json(uint64_t{18446744073709551615u})), "18446744073709552000");
}

TEST(JsStringifyTest, StringsEscapedAsJavaScriptEscapesThem) {
  EXPECT_EQ(RoundTrip(R"("a\/b")"), R"("a/b")");
  EXPECT_EQ(RoundTrip(R"("\u00e9\u00E9")"), "\"\xC3\xA9\xC3\xA9\"");
  EXPECT_EQ(RoundTrip(R"("\b\f\n\r\t\"\\")"), R"("\b\f\n\r\t\"\\")");
  EXPECT_EQ(RoundTrip(R"("\u0001\u001F\u007f")"), "\"\\u0001\\u001f\x7f\"");
  EXPECT_EQ(RoundTrip(R"("\ud83d\ude00")"), "\"\xF0\x9F\x98\x80\"");
  EXPECT_EQ(RoundTrip(R"("\u2028")"), "\"\xE2\x80\xA8\"");
}

TEST(JsStringifyTest, IndexLikeKeysFirstInNumericOrder) {
  EXPECT_EQ(RoundTrip(R"({"b":1,"10":2,"a":3,"2":4,"02":5,"-1":6,"1.5":7,"0":8})"),
            R"({"0":8,"2":4,"10":2,"b":1,"a":3,"02":5,"-1":6,"1.5":7})");
  // 2^32 - 2 is the largest array index; 2^32 - 1 is an ordinary key.
  EXPECT_EQ(RoundTrip(R"({"x":0,"4294967295":1,"4294967294":2})"),
            R"({"4294967294":2,"x":0,"4294967295":1})");
}

TEST(ParseJsJsonTest, DuplicateKeyKeepsFirstPositionAndLastValue) {
  EXPECT_EQ(RoundTrip(R"({"a":1,"b":2,"a":3})"), R"({"a":3,"b":2})");
  EXPECT_EQ(RoundTrip(R"({"a":{"x":1},"b":[],"a":{"y":2}})"), R"({"a":{"y":2},"b":[]})");
}

TEST(ParseJsJsonTest, EmptyContainersAndLiterals) {
  EXPECT_EQ(RoundTrip(" { } "), "{}");
  EXPECT_EQ(RoundTrip("[ ]"), "[]");
  EXPECT_EQ(RoundTrip("[{},[],\"\",null,true,false]"), R"([{},[],"",null,true,false])");
}

TEST(ParseJsJsonTest, MalformedNamesThePositionNotTheText) {
  Result<Json> parsed = ParseJsJson(R"({"secret_token_value": tru})");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().error_class, ErrorClass::kMalformed);
  EXPECT_NE(parsed.error().message.find("byte"), std::string::npos) << parsed.error().message;
  EXPECT_EQ(parsed.error().message.find("secret"), std::string::npos) << parsed.error().message;
  EXPECT_EQ(parsed.error().message.find("tru"), std::string::npos) << parsed.error().message;
}

TEST(ParseJsJsonTest, RejectsWhatJsonParseRejects) {
  for (const char* text :
       {"", "{", "[1,]", R"({"a":1,})", "01", "+1", ".5", "1.", "NaN", "'a'", "[1 2]", R"("\x")",
        R"({"a"})", "tru", R"("abc)", R"("\u12")", "\"\x01\"", "1 2", "{\"a\":1}}"}) {
    Result<Json> parsed = ParseJsJson(text);
    EXPECT_FALSE(parsed.ok()) << text;
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.error().error_class, ErrorClass::kMalformed);
    }
  }
}

TEST(ParseJsJsonTest, LoneSurrogatesStayLoneAsJsonParseKeepsThem) {
  // Stored as WTF-8 (a surrogate's 3-byte form), written back as JSON.stringify writes them.
  Result<Json> parsed = ParseJsJson(R"(["x\ud800y","\uDC00","\ud800\u0041","\udbff\udfff"])");
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  EXPECT_EQ((*parsed)[0].get<std::string>(), "x\xED\xA0\x80y");
  EXPECT_EQ((*parsed)[1].get<std::string>(), "\xED\xB0\x80");
  EXPECT_EQ((*parsed)[2].get<std::string>(),
            "\xED\xA0\x80"
            "A");
  EXPECT_EQ((*parsed)[3].get<std::string>(), "\xF4\x8F\xBF\xBF");  // a pair: plain UTF-8
  EXPECT_EQ(JsStringify(*parsed), R"(["x\ud800y","\udc00","\ud800A","􏿿"])");
  EXPECT_EQ(RoundTrip(R"({"\udfff":"\ud83d"})"), R"({"\udfff":"\ud83d"})");
  EXPECT_EQ(RoundTrip(R"("\ud83d\ud83d\ude00")"), "\"\\ud83d\xF0\x9F\x98\x80\"");
  // U+D000..U+D7FF start with the same byte and are ordinary characters.
  EXPECT_EQ(RoundTrip("\"\xED\x9F\xBF\""), "\"\xED\x9F\xBF\"");
}

TEST(ParseJsJsonTest, InvalidUtf8ReadsAsReplacementCharacters) {
  // Node decodes the body with the WHATWG decoder before JSON.parse.
  EXPECT_EQ(RoundTrip("\"a\xff"
                      "b\""),
            "\"a\xEF\xBF\xBD"
            "b\"");
  // A surrogate encoded as raw UTF-8 is three ill-formed bytes, a truncated sequence one.
  EXPECT_EQ(RoundTrip("\"\xed\xa0\x80\""), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
  EXPECT_EQ(RoundTrip("[\"\xf0\x9f\x98\"]"), "[\"\xEF\xBF\xBD\"]");
  // Outside a string a replacement character is a syntax error, as in JSON.parse.
  EXPECT_FALSE(ParseJsJson("[1,\xff]").ok());
}

TEST(ParseJsJsonTest, NumbersBeyondTheDoubleRangeAreInfinity) {
  Result<Json> parsed = ParseJsJson("[1e400,-1e400,1.8e308,1e-400,-1e-400]");
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  EXPECT_EQ((*parsed)[0].get<double>(), HUGE_VAL);
  EXPECT_EQ((*parsed)[1].get<double>(), -HUGE_VAL);
  EXPECT_EQ(JsStringify(*parsed), "[null,null,null,0,0]");
}

TEST(ParseJsJsonTest, DeepNestingUpToTheLimitWithoutRecursion) {
  const std::size_t limit = kMaxJsonDepth;
  Result<Json> arrays = ParseJsJson(std::string(limit, '[') + std::string(limit, ']'));
  ASSERT_TRUE(arrays.ok()) << arrays.error().ToString();
  EXPECT_EQ(JsStringify(*arrays), std::string(limit, '[') + std::string(limit, ']'));
  std::string objects;
  for (std::size_t i = 0; i < limit; ++i) objects += "{\"a\":";
  objects += "1" + std::string(limit, '}');
  Result<Json> parsed_objects = ParseJsJson(objects);
  ASSERT_TRUE(parsed_objects.ok());
  EXPECT_EQ(JsStringify(*parsed_objects), objects);
  Result<Json> deep = ParseJsJson(std::string(limit + 1, '[') + std::string(limit + 1, ']'));
  ASSERT_FALSE(deep.ok());
  EXPECT_EQ(deep.error().error_class, ErrorClass::kMalformed);
  // Far deeper input is refused without exhausting the stack.
  EXPECT_FALSE(ParseJsJson(std::string(1'000'000, '[')).ok());
}

TEST(ParseJsJsonTest, SmallIntegersStayIntegers) {
  Result<Json> parsed = ParseJsJson(R"({"user_id":42,"big":9007199254740993})");
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE((*parsed)["user_id"].is_number_integer());
  EXPECT_EQ((*parsed)["user_id"].get<int64_t>(), 42);
  EXPECT_TRUE((*parsed)["big"].is_number_float());
}

TEST(PayloadHashTest, Md5OfStringify) {
  EXPECT_EQ(Md5Hex(""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(Md5Hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
  Result<Json> parsed = ParseJsJson(R"({"b":1.0,"a":"\/"})");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(PayloadHash(*parsed), Md5Hex(R"({"b":1,"a":"/"})"));
}

// ---- Differential test against Node ----

// Hand-made texts that exercise every rule in docs/data-compatibility.md.
std::vector<std::string> AwkwardCorpus() {
  std::vector<std::string> corpus = {
      R"({"name":"Café ☕ 東京 😀","note":"a\/b","e":"\u00e9\u00C9"})",
      R"("\b\f\n\r\t\"\\\/\u0000\u0001\u001f\u007f\u0080\u2028\u2029\ufeff\uffff")",
      R"(["\ud83d\ude00","\uD83D\uDE00","😀","\udbff\udfff"])",
      R"([1.0,2.50,1E3,1e21,1e-7,0.1,-0,-0.0,5e-324,1.7976931348623157e308])",
      R"([1e20,1e-6,0.000001,0.0000001,1.5e-7,123e-20,4.35,0.30000000000000004,2e-7,1E+2])",
      R"([9007199254740991,9007199254740992,9007199254740993,-9007199254740993])",
      R"([12345678901234567890,18446744073709551615,18446744073709551616,-18446744073709551617])",
      R"([123456789012345678901234567890,9223372036854775807,-9223372036854775808])",
      R"([1e-400,-1e-400,2.2250738585072014e-308,4.9406564584124654e-324,1e308,-1.7976931348623157e308])",
      R"([0.1000000000000000055511151231257827,100000000000000000000000,123456789012345680000])",
      "{}",
      "[]",
      "[{}]",
      R"({"a":[],"b":{}})",
      R"("")",
      "true",
      "false",
      "null",
      " \t\n\r[ 1 , { \"a\" : null } ]\n",
      R"({"a":1,"b":2,"a":3})",
      R"({"a":{"x":1},"b":2,"a":{"y":[1,2]}})",
      R"({"b":1,"2":2,"a":3,"1":4,"01":5,"-1":6,"1.5":7,"4294967294":8,"4294967295":9,"0":10})",
      R"({"10":1,"9":2,"1e3":3," 1":4,"1 ":5,"00":6,"4294967296":7,"99999999999":8,"":9})",
      R"({"__proto__":1,"a":2,"constructor":3,"toString":4})",
      R"({"x":1,"2":"a","x":2,"2":"b"})",
      R"({"uuid":"5f0c-…","status":"USABLE","time_created":"2024-01-05T10:00:00.000Z",)"
      R"("product_uuid":"p-1","price":2.50,"fare":{"amount":1.0,"currency":"USD"},)"
      R"("rider":{"name":"Zoë \/ O'Brien"},"tags":[],"meta":{}})",
  };
  std::string deep_arrays = std::string(200, '[') + "1" + std::string(200, ']');
  std::string deep_objects;
  for (int i = 0; i < 150; ++i) deep_objects += "{\"k" + std::to_string(i % 3) + "\":";
  deep_objects += "0.5" + std::string(150, '}');
  corpus.push_back(deep_arrays);
  corpus.push_back(deep_objects);
  return corpus;
}

// Texts JSON.parse rejects; ParseJsJson must reject them too.
std::vector<std::string> MalformedCorpus() {
  return {"",        "{",          "[1,]", R"({"a":1,})", "01",        "-01",      "+1",
          ".5",      "1.",         "1e",   "NaN",         "Infinity",  "'a'",      "[1 2]",
          R"("\x")", R"({"a"})",   "tru",  R"("abc)",     R"("\u12")", "\"\x01\"", "\"a\nb\"",
          "1 2",     "{\"a\":1}}", "[",    "]",           "{,}",       "// c\n1",  "0x10"};
}

// Texts JSON.parse accepts that a library lexer would refuse: lone surrogates, numbers that
// overflow to Infinity, raw ill-formed UTF-8 (decoded to U+FFFD first), deep nesting.
std::vector<std::string> OutsideUtf8AndDoubleCorpus() {
  std::vector<std::string> corpus = {
      R"("\ud800")",
      R"("\udc00abc")",
      R"(["\ud800\u0041"])",
      R"({"\udfff":1})",
      R"("x\ud800y")",
      R"(["\uDBFF","\uDC00\uD800","\ud83d\ud83d\ude00","\ude00\ud83d"])",
      R"({"\ud800":1,"\ud800":2,"\udc00":3})",
      "1e400",
      "[-1e400]",
      "1.8e308",
      "-1.8e308",
      R"({"a":1e999999,"b":-0e999999,"c":1e-999999})",
      "\"\xff\"",
      "\"\xed\xa0\x80\"",
      "[\"\xf0\x9f\x98\",\"\xc0\xaf\",\"\xe0\x80\x80\"]",
      "{\"k\xfe\":\"\xf4\x90\x80\x80\"}",
      "\"\xf0\x9f\x98"
      "A\"",
      "\"\x80\x80\xbf\""};
  constexpr int kDeep = 3000;  // well inside what Node's JSON.stringify manages
  corpus.push_back(std::string(kDeep, '[') + "\"\\ud800\"" + std::string(kDeep, ']'));
  std::string objects;
  for (int i = 0; i < kDeep; ++i) objects += "{\"k\":";
  corpus.push_back(objects + "1e400" + std::string(kDeep, '}'));
  return corpus;
}

// Random JSON texts in every form the grammar allows, from a seeded generator.
class RandomJsonText {
 public:
  explicit RandomJsonText(uint64_t seed) : random_(seed) {}

  std::string Value(int depth) {
    std::string out;
    AppendValue(depth, out);
    return out;
  }

 private:
  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(random_); }

  void Space(std::string& out) {
    static constexpr const char* kSpaces[] = {"", "", "", " ", "\n", "\t", "\r\n  "};
    out += kSpaces[Pick(7)];
  }

  void Digits(int count, bool nonzero_first, std::string& out) {
    for (int i = 0; i < count; ++i) {
      out += static_cast<char>('0' + (i == 0 && nonzero_first ? 1 + Pick(9) : Pick(10)));
    }
  }

  void AppendNumber(std::string& out) {
    switch (Pick(6)) {
      case 0:  // small integer
        out += std::to_string(Pick(2001) - 1000);
        return;
      case 1: {  // integer of any length, past 2^53, 2^64 and beyond
        if (Pick(2)) out += '-';
        const int length = 1 + Pick(30);
        if (length == 1) {
          Digits(1, false, out);
        } else {
          Digits(length, true, out);
        }
        return;
      }
      case 2:
      case 3: {  // decimal and/or exponent in every spelling
        if (Pick(3) == 0) out += '-';
        if (Pick(3) == 0) {
          out += '0';
        } else {
          Digits(1 + Pick(12), true, out);
        }
        if (Pick(4) != 0) {
          out += '.';
          Digits(1 + Pick(20), false, out);
        }
        if (Pick(2)) {
          out += Pick(2) ? 'e' : 'E';
          const int sign = Pick(3);
          if (sign == 1) out += '+';
          if (sign == 2) out += '-';
          // Now and then past the double range: underflow to 0, overflow to Infinity.
          out += std::to_string(Pick(5) == 0 ? Pick(400) : Pick(290));
        }
        return;
      }
      default: {  // an arbitrary double, printed with 17 significant digits
        double value = 0;
        do {
          const uint64_t bits = random_();
          std::memcpy(&value, &bits, sizeof value);
        } while (!std::isfinite(value));
        char buffer[40];
        std::snprintf(buffer, sizeof buffer, Pick(2) ? "%.17g" : "%.6g", value);
        out += buffer;
        return;
      }
    }
  }

  static void AppendUtf8(uint32_t code_point, std::string& out) {
    if (code_point < 0x80) {
      out += static_cast<char>(code_point);
    } else if (code_point < 0x800) {
      out += static_cast<char>(0xC0 | (code_point >> 6));
      out += static_cast<char>(0x80 | (code_point & 0x3F));
    } else if (code_point < 0x10000) {
      out += static_cast<char>(0xE0 | (code_point >> 12));
      out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (code_point & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (code_point >> 18));
      out += static_cast<char>(0x80 | ((code_point >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (code_point & 0x3F));
    }
  }

  void AppendEscape(uint32_t unit, std::string& out) {
    char buffer[8];
    std::snprintf(buffer, sizeof buffer, Pick(2) ? "\\u%04x" : "\\u%04X", unit);
    out += buffer;
  }

  uint32_t NonSurrogate(uint32_t low, uint32_t high) {
    uint32_t code_point;
    do {
      code_point = std::uniform_int_distribution<uint32_t>(low, high)(random_);
    } while (code_point >= 0xD800 && code_point <= 0xDFFF);
    return code_point;
  }

  void AppendStringBody(std::string& out) {
    const int pieces = Pick(4) == 0 ? 0 : Pick(12);
    for (int i = 0; i < pieces; ++i) {
      switch (Pick(10)) {
        case 0: {
          static constexpr const char* kEscapes[] = {"\\n", "\\t", "\\b",  "\\f",
                                                     "\\r", "\\/", "\\\\", "\\\""};
          out += kEscapes[Pick(8)];
          break;
        }
        case 1:
          AppendEscape(static_cast<uint32_t>(Pick(0x20)), out);  // control characters
          break;
        case 2:
          AppendEscape(NonSurrogate(0x20, 0xFFFF), out);
          break;
        case 3: {  // a surrogate pair, escaped
          const uint32_t code_point = NonSurrogate(0x10000, 0x10FFFF) - 0x10000;
          AppendEscape(0xD800 + (code_point >> 10), out);
          AppendEscape(0xDC00 + (code_point & 0x3FF), out);
          break;
        }
        case 4:
          if (Pick(4) == 0) {  // a lone surrogate, escaped, high or low
            AppendEscape(static_cast<uint32_t>(0xD800 + Pick(0x800)), out);
          } else if (Pick(8) == 0) {  // a raw ill-formed byte: the body decoder makes it U+FFFD
            static constexpr const char* kBadBytes[] = {"\xff",     "\xc0",     "\x80",
                                                        "\xed\xa0", "\xf0\x9f", "\xe0\x80"};
            out += kBadBytes[Pick(6)];
          } else {
            AppendUtf8(NonSurrogate(0x80, 0x7FF), out);
          }
          break;
        case 5:
          AppendUtf8(NonSurrogate(0x800, 0xFFFF), out);
          break;
        case 6:
          AppendUtf8(NonSurrogate(0x10000, 0x10FFFF), out);
          break;
        default: {
          const char c = static_cast<char>(0x20 + Pick(0x5F));  // printable ASCII and DEL
          if (c == '"' || c == '\\') out += '\\';
          out += c;
        }
      }
    }
  }

  void AppendKey(std::string& out) {
    static constexpr const char* kKeys[] = {
        "0",          "1",          "7", "42", "10", "007",  "-1",        "1.5", "4294967294",
        "4294967295", "4294967296", "",  "a",  "b",  "uuid", "__proto__", "1e3", " 2"};
    out += '"';
    switch (Pick(3)) {
      case 0:
        out += kKeys[Pick(18)];
        break;
      case 1:
        out += std::to_string(std::uniform_int_distribution<uint64_t>(0, 5'000'000'000)(random_) >>
                              (Pick(33)));
        break;
      default:
        AppendStringBody(out);
    }
    out += '"';
  }

  void AppendValue(int depth, std::string& out) {
    Space(out);
    const int kind = depth <= 0 ? Pick(4) : Pick(7);
    switch (kind) {
      case 0:
        AppendNumber(out);
        break;
      case 1:
        out += '"';
        AppendStringBody(out);
        out += '"';
        break;
      case 2: {
        static constexpr const char* kLiterals[] = {"true", "false", "null"};
        out += kLiterals[Pick(3)];
        break;
      }
      case 3:
        AppendNumber(out);
        break;
      case 4:
      case 5: {
        out += '{';
        const int members = Pick(8);
        for (int i = 0; i < members; ++i) {
          if (i > 0) out += ',';
          Space(out);
          AppendKey(out);
          Space(out);
          out += ':';
          AppendValue(depth - 1, out);
        }
        Space(out);
        out += '}';
        break;
      }
      default: {
        out += '[';
        const int elements = Pick(6);
        for (int i = 0; i < elements; ++i) {
          if (i > 0) out += ',';
          AppendValue(depth - 1, out);
        }
        Space(out);
        out += ']';
      }
    }
    Space(out);
  }

  std::mt19937_64 random_;
};

struct OracleResult {
  bool ok = false;
  std::string out;
  std::string md5;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Runs the Node oracle once over all texts. Empty on failure (the test then reports why).
std::vector<OracleResult> RunNodeOracle(const std::vector<std::string>& texts,
                                        std::string& failure) {
  const std::string directory = testing::TempDir();
  const std::string stem = directory + "/js_hash_oracle_" + std::to_string(getpid());
  const std::string input = stem + "_in.json";
  const std::string output = stem + "_out.json";
  {
    std::ofstream out(input, std::ios::binary);
    // Hex: texts may hold ill-formed UTF-8, which the oracle decodes as Node decodes a body.
    nlohmann::json hex = nlohmann::json::array();
    for (const std::string& text : texts) {
      std::string digits;
      for (unsigned char c : text) digits += fmt::format("{:02x}", c);
      hex.push_back(std::move(digits));
    }
    out << hex.dump();
  }
  const std::string command = std::string("/usr/bin/node '") + TICKETCACHE_SOURCE_DIR +
                              "/tests/node/js_hash_oracle.js' '" + input + "' '" + output + "'";
  const int status = std::system(command.c_str());
  std::vector<OracleResult> results;
  if (status != 0) {
    failure = "node exited with status " + std::to_string(status);
  } else {
    const nlohmann::json parsed = nlohmann::json::parse(ReadFile(output));
    for (const auto& item : parsed) {
      OracleResult result;
      result.ok = item.at("ok").get<bool>();
      if (result.ok) {
        result.out = item.at("out").get<std::string>();
        result.md5 = item.at("md5").get<std::string>();
      }
      results.push_back(std::move(result));
    }
  }
  std::remove(input.c_str());
  std::remove(output.c_str());
  return results;
}

TEST(JsJsonNodeDifferentialTest, IdenticalBytesAndHashesAsNode) {
  if (access("/usr/bin/node", X_OK) != 0) {
    GTEST_SKIP() << "/usr/bin/node is not installed: the Node oracle cannot run";
  }
  enum class Expect { kSame, kBothReject };
  std::vector<std::string> texts;
  std::vector<Expect> expectations;
  for (std::string& text : AwkwardCorpus()) {
    texts.push_back(std::move(text));
    expectations.push_back(Expect::kSame);
  }
  for (std::string& text : MalformedCorpus()) {
    texts.push_back(std::move(text));
    expectations.push_back(Expect::kBothReject);
  }
  for (std::string& text : OutsideUtf8AndDoubleCorpus()) {
    texts.push_back(std::move(text));
    expectations.push_back(Expect::kSame);
  }
  constexpr int kRandomValues = 6000;
  RandomJsonText generator(20240105);
  for (int i = 0; i < kRandomValues; ++i) {
    texts.push_back(generator.Value(i % 5));
    expectations.push_back(Expect::kSame);
  }

  std::string failure;
  const std::vector<OracleResult> oracle = RunNodeOracle(texts, failure);
  ASSERT_TRUE(failure.empty()) << failure;
  ASSERT_EQ(oracle.size(), texts.size());

  int compared = 0;
  int canonical_inputs = 0;
  int canonical_node_outputs = 0;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    Result<Json> parsed = ParseJsJson(texts[i]);
    switch (expectations[i]) {
      case Expect::kSame: {
        ASSERT_TRUE(oracle[i].ok) << "node rejected corpus text #" << i << ": " << texts[i];
        ASSERT_TRUE(parsed.ok()) << "#" << i << " " << texts[i] << ": "
                                 << parsed.error().ToString();
        const std::string ours = JsStringify(*parsed);
        EXPECT_EQ(ours, oracle[i].out) << "#" << i << " input: " << texts[i];
        EXPECT_EQ(Md5Hex(ours), oracle[i].md5) << "#" << i;
        EXPECT_EQ(PayloadHash(*parsed), oracle[i].md5) << "#" << i;
        ++compared;
        // CanonicalJsonLength: a text it accepts whole is what Node writes back, byte for byte,
        // and what Node writes it accepts whole or refuses, never in part.
        if (FirstInvalidUtf8(texts[i]) == texts[i].size() &&
            CanonicalJsonLength(texts[i], kMaxJsonDepth) == texts[i].size()) {
          EXPECT_EQ(texts[i], oracle[i].out) << "#" << i << " taken as canonical";
          ++canonical_inputs;
        }
        const std::size_t node_length = CanonicalJsonLength(oracle[i].out, kMaxJsonDepth);
        EXPECT_TRUE(node_length == 0 || node_length == oracle[i].out.size()) << oracle[i].out;
        if (node_length == oracle[i].out.size()) ++canonical_node_outputs;
        break;
      }
      case Expect::kBothReject:
        EXPECT_FALSE(oracle[i].ok) << "node accepted " << texts[i];
        EXPECT_FALSE(parsed.ok()) << "we accepted " << texts[i];
        break;
    }
  }
  EXPECT_GE(compared, kRandomValues);
  // Both sides of the canonical check ran on many texts (the counts are printed for the log).
  std::printf("canonical: %d inputs accepted whole, %d of %d Node outputs\n", canonical_inputs,
              canonical_node_outputs, compared);
  EXPECT_GT(canonical_inputs, 100);
  EXPECT_GT(canonical_node_outputs, compared / 4);
}

}  // namespace
}  // namespace tc
