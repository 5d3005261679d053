// CanonicalJsonLength: the JSON grammar of ParseJsJson, walked without building anything, where
// every token must be written the one way JsStringify writes it (docs/data-compatibility.md).
#include "json/canonical_json.h"

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "json/js_json.h"
#include "json/json_string_scan.h"

namespace tc {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// True when no two of the keys are equal. In this form a string has exactly one spelling, so
// equal bytes are equal strings and the other way round.
bool AllDistinct(std::vector<std::string_view>::const_iterator begin,
                 std::vector<std::string_view>::const_iterator end) {
  if (end - begin <= 32) {  // a pass's objects: pairs, most told apart by their size
    for (auto i = begin; i != end; ++i) {
      for (auto j = i + 1; j != end; ++j) {
        if (i->size() == j->size() && *i == *j) return false;
      }
    }
    return true;
  }
  std::vector<std::string_view> sorted(begin, end);  // many keys: O(n log n), never O(n²)
  std::sort(sorted.begin(), sorted.end());
  return std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end();
}

// A decimal "-?I.F" (no exponent) that Number#toString writes back as it is, decided from its
// digits alone: F does not end in 0, and the value's first significant digit is within 6 places
// after the point (else JavaScript writes 1e-7). With at most 15 significant digits (DBL_DIG) the
// double nearest to it has exactly those digits as its shortest form, so the text is that form.
// Answers false when unsure; the caller then checks by writing the double.
bool IsShortDecimalInToStringForm(std::string_view whole, std::string_view fraction) {
  if (fraction.back() == '0') return false;
  std::size_t significant = 0;
  if (whole == "0") {
    const std::size_t zeros = fraction.find_first_not_of('0');
    if (zeros >= 6) return false;
    significant = fraction.size() - zeros;
  } else {
    significant = whole.size() + fraction.size();
  }
  return significant <= 15;
}

// An array or object being read: where its keys start in the list of keys (objects).
struct Open {
  bool object;
  std::size_t first_key;
};

// The lists a scan works in, kept in the thread from one scan to the next with their capacity: a
// stored document's payloads are scanned one after the other, and growing the lists again for
// each cost more than a tenth of the scan. One scan at a time per thread (a scan calls no scan).
struct ScanLists {
  std::vector<Open> open;
  std::vector<std::string_view> keys;  // the keys of the open objects, outermost first
};

ScanLists& ThreadScanLists() {
  thread_local ScanLists lists;
  return lists;
}

class CanonicalScan {
 public:
  explicit CanonicalScan(std::string_view text)
      : text_(text), open_(ThreadScanLists().open), keys_(ThreadScanLists().keys) {
    open_.clear();
    keys_.clear();
  }
  ~CanonicalScan() {  // a huge payload's capacity is given back
    if (open_.capacity() > kKept) open_ = {};
    if (keys_.capacity() > kKept) keys_ = {};
  }
  CanonicalScan(const CanonicalScan&) = delete;
  CanonicalScan& operator=(const CanonicalScan&) = delete;

  std::size_t Length(std::size_t max_depth) {
    while (true) {
      // A value is expected here.
      const char c = Peek();
      bool closed_empty = false;
      if (c == '{' || c == '[') {
        if (open_.size() >= max_depth) return 0;
        ++pos_;
        open_.push_back({c == '{', keys_.size()});
        if (Peek() == (c == '{' ? '}' : ']')) {
          ++pos_;
          open_.pop_back();
          closed_empty = true;
        } else {
          if (c == '{' && !Key()) return 0;
          continue;
        }
      }
      if (!closed_empty && !Scalar()) return 0;
      // After a value: a comma goes on to the next one, a bracket closes the container (which is
      // then the value just read).
      while (true) {
        if (open_.empty()) return pos_;
        const Open top = open_.back();
        const char next = Peek();
        if (next == ',') {
          ++pos_;
          if (top.object && !Key()) return 0;
          break;
        }
        if (next != (top.object ? '}' : ']')) return 0;
        ++pos_;
        if (top.object) {
          const auto first = keys_.begin() + static_cast<std::ptrdiff_t>(top.first_key);
          if (!AllDistinct(first, keys_.end())) return 0;  // JSON.parse keeps the last value
          keys_.erase(first, keys_.end());
        }
        open_.pop_back();
      }
    }
  }

 private:
  char Peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }

  // "key": with a key JavaScript lists in insertion order (not only digits).
  bool Key() {
    std::string_view key;
    if (Peek() != '"' || !String(key)) return false;
    if (!key.empty() && IsDigit(key[0]) && std::all_of(key.begin(), key.end(), IsDigit)) {
      return false;
    }
    if (Peek() != ':') return false;
    ++pos_;
    keys_.push_back(key);
    return true;
  }

  bool Scalar() {
    switch (Peek()) {
      case '"': {
        std::string_view unused;
        return String(unused);
      }
      case 't':
        return Literal("true");
      case 'f':
        return Literal("false");
      case 'n':
        return Literal("null");
      default:
        return Number();
    }
  }

  bool Literal(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  // A string whose only escapes are JsStringify's short ones; `contents` is its text between the
  // quotes, as written.
  bool String(std::string_view& contents) {
    const std::size_t start = ++pos_;
    while (true) {
      pos_ = FindJsonStringStop<JsonStringStop::kParse>(text_, pos_);
      if (pos_ >= text_.size()) return false;
      const char c = text_[pos_];
      if (c == '"') {
        contents = text_.substr(start, pos_ - start);
        ++pos_;
        return true;
      }
      if (c != '\\' || pos_ + 1 >= text_.size()) return false;  // a raw control character
      switch (text_[pos_ + 1]) {
        case '"':
        case '\\':
        case 'b':
        case 'f':
        case 'n':
        case 'r':
        case 't':
          pos_ += 2;
          break;
        default:  // "\/" is never written; "\u" is refused (see the header)
          return false;
      }
    }
  }

  std::size_t Digits() {
    const std::size_t start = pos_;
    while (IsDigit(Peek())) ++pos_;
    return pos_ - start;
  }

  // A number written as JsStringify writes the value JSON.parse makes of it: plain decimal for an
  // integer below 10^15 and a short decimal fraction (both checked from the digits),
  // Number#toString of the double for any other (checked by writing that double: "2.50", "1e3",
  // "-0" and 2^64 in full are not in this form, but 1e+21 and 12345678901234567000 are).
  bool Number() {
    const std::size_t start = pos_;
    if (Peek() == '-') ++pos_;
    const std::size_t whole_start = pos_;
    if (Peek() == '0') {
      ++pos_;
    } else if (Digits() == 0) {
      return false;
    }
    const std::string_view whole = text_.substr(whole_start, pos_ - whole_start);
    std::string_view fraction;
    if (Peek() == '.') {
      const std::size_t fraction_start = ++pos_;
      if (Digits() == 0) return false;
      fraction = text_.substr(fraction_start, pos_ - fraction_start);
    }
    bool exponent = false;
    if (Peek() == 'e' || Peek() == 'E') {
      ++pos_;
      exponent = true;
      if (Peek() == '+' || Peek() == '-') ++pos_;
      if (Digits() == 0) return false;
    }
    const std::string_view token = text_.substr(start, pos_ - start);
    if (!exponent && fraction.empty() && whole.size() <= 15) {
      return token != "-0";  // JavaScript writes -0 as "0"
    }
    if (!exponent && !fraction.empty() && IsShortDecimalInToStringForm(whole, fraction)) {
      return true;
    }
    double value = 0;
    const auto result = std::from_chars(token.data(), token.data() + token.size(), value);
    if (result.ec != std::errc()) return false;  // beyond the double range: refused
    written_.clear();
    JsStringifyTo(Json(value), written_);
    return written_ == token;
  }

  static constexpr std::size_t kKept = 1024;  // list entries kept between scans

  std::string_view text_;
  std::size_t pos_ = 0;
  std::vector<Open>& open_;
  std::vector<std::string_view>& keys_;
  std::string written_;  // a number as JsStringify writes it
};

}  // namespace

std::size_t CanonicalJsonLength(std::string_view text, std::size_t max_depth) {
  return CanonicalScan(text).Length(max_depth);
}

}  // namespace tc
