// ParseJsJson: a hand-written, iterative JSON reader that builds the value JavaScript's
// JSON.parse builds. Rules: docs/data-compatibility.md.
#include <fmt/format.h>

#include <cerrno>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "json/js_json.h"
#include "json/json_string_scan.h"
#include "json/utf8_decode.h"

namespace tc {
namespace {

void AppendUtf8(uint32_t code_point, std::string& out) {
  if (code_point < 0x80) {
    out += static_cast<char>(code_point);
  } else if (code_point < 0x800) {
    out += static_cast<char>(0xC0 | (code_point >> 6));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else if (code_point < 0x10000) {  // a lone surrogate lands here too: WTF-8
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

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// An array or object being read.
struct Frame {
  explicit Frame(bool object) : is_object(object) {}

  // Makes a used frame ready for another container, keeping its members' capacity.
  void Reset(bool object) {
    is_object = object;
    key.clear();
    members.clear();
    elements.clear();
  }

  // A duplicate key keeps its first position and takes the last value, as JSON.parse does.
  void Add(Json&& value) {
    if (!is_object) {
      elements.push_back(std::move(value));
      return;
    }
    for (auto& member : members) {
      if (member.first == key) {
        member.second = std::move(value);
        return;
      }
    }
    members.emplace_back(std::move(key), std::move(value));
    key.clear();
  }

  Json Finish() {
    if (!is_object) {
      Json array(Json::value_t::array);
      array.get_ref<Json::array_t&>() = std::move(elements);
      return array;
    }
    Json object(Json::value_t::object);
    auto& map = object.get_ref<Json::object_t&>();
    std::vector<Json::object_t::value_type>& storage = map;
    storage.reserve(members.size());
    for (auto& [name, member] : members) storage.emplace_back(std::move(name), std::move(member));
    return object;
  }

  bool is_object;
  std::string key;  // objects: the key of the value being read
  std::vector<std::pair<std::string, Json>> members;
  Json::array_t elements;
};

// The open containers, on frames that are reused: only the first `size()` are open.
class FrameStack {
 public:
  explicit FrameStack(std::vector<Frame>& frames) : frames_(frames) {}
  ~FrameStack() {
    for (size_t i = 0; i < depth_; ++i) frames_[i].Reset(false);  // a failed parse's leftovers
  }
  FrameStack(const FrameStack&) = delete;
  FrameStack& operator=(const FrameStack&) = delete;

  void Push(bool object) {
    if (depth_ < frames_.size()) {
      frames_[depth_].Reset(object);
    } else {
      frames_.emplace_back(object);
    }
    ++depth_;
  }
  void Pop() {
    --depth_;
    std::vector<std::pair<std::string, Json>>& members = frames_[depth_].members;
    members.clear();  // moved-from members: freed now, capacity kept
    if (members.capacity() > kMembersKept) members = {};  // a huge object's capacity is not
  }
  Frame& back() { return frames_[depth_ - 1]; }
  bool empty() const { return depth_ == 0; }
  size_t size() const { return depth_; }

 private:
  static constexpr size_t kMembersKept = 256;
  std::vector<Frame>& frames_;
  size_t depth_ = 0;
};

// Reads one JSON text (well-formed UTF-8) with an explicit stack instead of recursion.
class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}

  Result<Json> Parse() {
    // Open containers. An object's members are collected in a plain vector and moved into the
    // object when it closes: growing an ordered_json object in place copies every member on each
    // reallocation (its keys are const, so its elements cannot be moved). The frames of closed
    // containers stay for the next container at their depth, with their capacity, in this thread
    // (a page of passes is many objects of about the same size at the same depth).
    thread_local std::vector<Frame> frames;
    FrameStack stack(frames);
    SkipSpace();
    while (true) {
      // Here a value is expected: into the top frame's pending key, the top array, or the root.
      Json value;
      const char c = Peek();
      if (c == '{' || c == '[') {
        ++pos_;
        if (stack.size() >= kMaxJsonDepth) {
          return MakeError(
              ErrorClass::kMalformed,
              fmt::format("malformed JSON: nesting deeper than {} levels", kMaxJsonDepth));
        }
        stack.Push(c == '{');
        SkipSpace();
        if (Peek() != (c == '{' ? '}' : ']')) {
          if (c == '{' && !ReadKey(stack.back().key)) return Fail();
          continue;
        }
        ++pos_;
        value = stack.back().Finish();
        stack.Pop();
      } else if (!ReadScalar(value)) {
        return Fail();
      }
      // After a value: it joins the top container; a comma continues it, a bracket closes it
      // (and the closed container is the next value to place).
      while (true) {
        if (stack.empty()) {
          SkipSpace();
          if (pos_ != text_.size()) return Fail("unexpected text after the value");
          return value;
        }
        Frame& top = stack.back();
        top.Add(std::move(value));
        SkipSpace();
        const char next = Peek();
        if (next == ',') {
          ++pos_;
          SkipSpace();
          if (top.is_object && !ReadKey(top.key)) return Fail();
          break;
        }
        if (next != (top.is_object ? '}' : ']')) {
          return Fail(top.is_object ? "expected ',' or '}'" : "expected ',' or ']'");
        }
        ++pos_;
        value = top.Finish();
        stack.Pop();
      }
    }
  }

 private:
  char Peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }

  void SkipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }

  bool SetReason(const char* reason) {
    if (reason_ == nullptr) reason_ = reason;
    return false;
  }

  // Never quotes the text: a payload may hold personal data, and errors reach logs.
  Error Fail(const char* reason = nullptr) {
    if (reason != nullptr) SetReason(reason);
    return MakeError(ErrorClass::kMalformed,
                     fmt::format("malformed JSON at byte {}: {}", pos_,
                                 reason_ != nullptr ? reason_ : "syntax error"));
  }

  // "key" then ':' then spaces; leaves pos_ at the value.
  bool ReadKey(std::string& key) {
    if (Peek() != '"') return SetReason("expected a string key");
    key.clear();
    if (!ReadString(key)) return false;
    SkipSpace();
    if (Peek() != ':') return SetReason("expected ':'");
    ++pos_;
    SkipSpace();
    return true;
  }

  bool ReadScalar(Json& value) {
    const char c = Peek();
    switch (c) {
      case '"': {
        std::string text;
        if (!ReadString(text)) return false;
        value = Json(std::move(text));
        return true;
      }
      case 't':
        return ReadLiteral("true", Json(true), value);
      case 'f':
        return ReadLiteral("false", Json(false), value);
      case 'n':
        return ReadLiteral("null", Json(nullptr), value);
      default:
        if (c == '-' || (c >= '0' && c <= '9')) return ReadNumber(value);
        return SetReason(pos_ == text_.size() ? "unexpected end of input" : "expected a value");
    }
  }

  bool ReadLiteral(std::string_view word, Json literal, Json& value) {
    if (text_.substr(pos_, word.size()) != word) return SetReason("invalid literal");
    pos_ += word.size();
    value = std::move(literal);
    return true;
  }

  bool ReadDigits() {
    const std::size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
    return pos_ > start;
  }

  // -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? as the double JavaScript holds (±Infinity
  // beyond the double range); integers within ±2^53 stay int64.
  bool ReadNumber(Json& value) {
    const std::size_t start = pos_;
    if (Peek() == '-') ++pos_;
    if (Peek() == '0') {
      ++pos_;
    } else if (!ReadDigits()) {
      return SetReason("invalid number");
    }
    bool integer = true;
    if (Peek() == '.') {
      ++pos_;
      integer = false;
      if (!ReadDigits()) return SetReason("invalid number");
    }
    if (Peek() == 'e' || Peek() == 'E') {
      ++pos_;
      integer = false;
      if (Peek() == '+' || Peek() == '-') ++pos_;
      if (!ReadDigits()) return SetReason("invalid number");
    }
    const std::string_view token = text_.substr(start, pos_ - start);
    if (integer && token.size() <= 17) {
      int64_t parsed = 0;
      std::from_chars(token.data(), token.data() + token.size(), parsed);
      // Integers JavaScript holds exactly; others are stored as the double JS would round them to.
      if (parsed <= kJsMaxSafeInteger && parsed >= -kJsMaxSafeInteger) {
        value = Json(parsed);
        return true;
      }
    }
    double parsed = 0;
    const auto result = std::from_chars(token.data(), token.data() + token.size(), parsed);
    if (result.ec == std::errc::result_out_of_range) {
      // Overflow or underflow: strtod rounds to ±HUGE_VAL (= ±Infinity) or to ±0 / a subnormal,
      // as JavaScript does. The token holds only ASCII digits, sign, '.', 'e'.
      const std::string copy(token);
      parsed = std::strtod(copy.c_str(), nullptr);
    }
    value = Json(parsed);
    return true;
  }

  // Four hex digits after "\u" at pos_; -1 when malformed.
  int ReadHex4() {
    if (text_.size() - pos_ < 4) return -1;
    int unit = 0;
    for (int i = 0; i < 4; ++i) {
      const int digit = HexValue(text_[pos_ + static_cast<std::size_t>(i)]);
      if (digit < 0) return -1;
      unit = unit * 16 + digit;
    }
    pos_ += 4;
    return unit;
  }

  // A string at pos_ (on its opening quote) appended to out. Escaped surrogate pairs become the
  // code point; a lone surrogate becomes its 3-byte WTF-8 form (ED A0..BF 80..BF).
  bool ReadString(std::string& out) {
    ++pos_;  // opening quote
    while (true) {
      const std::size_t run = FindJsonStringStop<JsonStringStop::kParse>(text_, pos_);
      out.append(text_.substr(pos_, run - pos_));
      pos_ = run;
      if (pos_ >= text_.size()) return SetReason("unterminated string");
      const char c = text_[pos_];
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c != '\\') return SetReason("control character in a string");
      ++pos_;
      if (pos_ >= text_.size()) return SetReason("unterminated string");
      const char escape = text_[pos_++];
      switch (escape) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          const int unit = ReadHex4();
          if (unit < 0) return SetReason("invalid \\u escape");
          auto code_point = static_cast<uint32_t>(unit);
          if (unit >= 0xD800 && unit <= 0xDBFF && text_.substr(pos_, 2) == "\\u") {
            const std::size_t before = pos_;
            pos_ += 2;
            const int low = ReadHex4();
            if (low >= 0xDC00 && low <= 0xDFFF) {
              code_point =
                  0x10000 + ((code_point - 0xD800) << 10) + (static_cast<uint32_t>(low) - 0xDC00);
            } else {
              pos_ = before;  // not a pair: the next escape is read on its own
            }
          }
          AppendUtf8(code_point, out);
          break;
        }
        default:
          --pos_;
          return SetReason("invalid escape");
      }
    }
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  const char* reason_ = nullptr;
};

}  // namespace

Result<Json> ParseJsJson(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  if (FirstInvalidUtf8(text) != text.size()) {
    const std::string decoded = DecodeUtf8Lossy(text);
    return Reader(decoded).Parse();
  }
  return Reader(text).Parse();
}

}  // namespace tc
