#include "config/value_codecs.h"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <sstream>
#include <utility>

#include "config/config_text.h"
#include "config/duration.h"

namespace tc {
namespace {

std::string_view TrimSpace(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

template <typename Int>
std::optional<Int> ParseInteger(std::string_view text) {
  Int value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

Problem WrongType(std::string_view expected, const toml::node& node) {
  return fmt::format("expected {}, got {}", expected, TomlTypeName(node));
}

template <typename T>
std::string TomlValueText(T value) {
  std::ostringstream out;
  // Without allow_literal_strings: strings print "double-quoted", as in the docs and examples.
  out << toml::toml_formatter(toml::value<T>(std::move(value)), toml::format_flags::none);
  return out.str();
}

template <typename Int>
Problem IntegerFromText(std::string_view text, Int& out) {
  if (auto value = ParseInteger<Int>(TrimSpace(text))) {
    out = *value;
    return std::nullopt;
  }
  return fmt::format("expected a whole number, got {}", Quoted(text));
}

template <typename Int>
Problem IntegerFromToml(const toml::node& node, Int& out) {
  if (!node.is_integer()) return WrongType("a whole number", node);
  const int64_t value = **node.as_integer();
  if (value < std::numeric_limits<Int>::min() || value > std::numeric_limits<Int>::max()) {
    return fmt::format("{} is out of range", value);
  }
  out = static_cast<Int>(value);
  return std::nullopt;
}

}  // namespace

std::string_view TomlTypeName(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    default:
      return "a date/time";
  }
}

Problem ValueCodec<std::string>::FromText(std::string_view text, std::string& out) {
  out = std::string(text);
  return std::nullopt;
}
Problem ValueCodec<std::string>::FromToml(const toml::node& node, std::string& out) {
  if (!node.is_string()) return WrongType("a string", node);
  out = **node.as_string();
  return std::nullopt;
}
std::string ValueCodec<std::string>::Render(const std::string& value) {
  return TomlValueText(value);
}

Problem ValueCodec<int>::FromText(std::string_view text, int& out) {
  return IntegerFromText(text, out);
}
Problem ValueCodec<int>::FromToml(const toml::node& node, int& out) {
  return IntegerFromToml(node, out);
}
std::string ValueCodec<int>::Render(int value) { return TomlValueText<int64_t>(value); }

Problem ValueCodec<int64_t>::FromText(std::string_view text, int64_t& out) {
  return IntegerFromText(text, out);
}
Problem ValueCodec<int64_t>::FromToml(const toml::node& node, int64_t& out) {
  return IntegerFromToml(node, out);
}
std::string ValueCodec<int64_t>::Render(int64_t value) { return TomlValueText(value); }

Problem ValueCodec<double>::FromText(std::string_view text, double& out) {
  const std::string_view trimmed = TrimSpace(text);
  double value = 0;
  auto [end, ec] = std::from_chars(trimmed.data(), trimmed.data() + trimmed.size(), value);
  if (ec != std::errc() || end != trimmed.data() + trimmed.size() || trimmed.empty() ||
      !std::isfinite(value)) {
    return fmt::format("expected a number, got {}", Quoted(text));
  }
  out = value;
  return std::nullopt;
}
Problem ValueCodec<double>::FromToml(const toml::node& node, double& out) {
  if (node.is_integer()) {
    out = static_cast<double>(**node.as_integer());
    return std::nullopt;
  }
  if (!node.is_floating_point()) return WrongType("a number", node);
  const double value = **node.as_floating_point();
  if (!std::isfinite(value)) return WrongType("a finite number", node);
  out = value;
  return std::nullopt;
}
// The shortest text that reads back as the same double ("0.9", not toml++'s 17 significant
// digits "0.90000000000000002"), kept a TOML float: "1.0", not the integer "1".
std::string ValueCodec<double>::Render(double value) {
  std::string text = fmt::format("{}", value);
  if (text.find_first_of(".eni") == std::string::npos) text += ".0";
  return text;
}

Problem ValueCodec<std::chrono::milliseconds>::FromText(std::string_view text,
                                                        std::chrono::milliseconds& out) {
  Result<std::chrono::milliseconds> parsed = ParseDuration(text);
  if (!parsed.ok()) return parsed.error().message;
  out = *parsed;
  return std::nullopt;
}
Problem ValueCodec<std::chrono::milliseconds>::FromToml(const toml::node& node,
                                                        std::chrono::milliseconds& out) {
  if (!node.is_string()) return WrongType("a duration string such as \"90s\"", node);
  return FromText(**node.as_string(), out);
}
std::string ValueCodec<std::chrono::milliseconds>::Render(std::chrono::milliseconds value) {
  return TomlValueText(FormatDuration(value));
}

Problem ValueCodec<std::vector<std::string>>::FromText(std::string_view text,
                                                       std::vector<std::string>& out) {
  out.clear();
  std::string_view rest = text;
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    const std::string_view item = TrimSpace(rest.substr(0, comma));
    if (!item.empty()) out.emplace_back(item);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  return std::nullopt;
}
Problem ValueCodec<std::vector<std::string>>::FromToml(const toml::node& node,
                                                       std::vector<std::string>& out) {
  if (!node.is_array()) return WrongType("an array of strings", node);
  std::vector<std::string> items;
  for (const toml::node& item : *node.as_array()) {
    if (!item.is_string()) return WrongType("an array of strings", node);
    items.push_back(**item.as_string());
  }
  out = std::move(items);
  return std::nullopt;
}
std::string ValueCodec<std::vector<std::string>>::Render(const std::vector<std::string>& value) {
  toml::array array;
  for (const std::string& item : value) array.push_back(item);
  std::ostringstream stream;
  stream << toml::toml_formatter(array, toml::format_flags::none);
  return stream.str();
}

Problem ValueCodec<bool>::FromText(std::string_view text, bool& out) {
  const std::string_view trimmed = TrimSpace(text);
  if (trimmed == "true" || trimmed == "1") {
    out = true;
  } else if (trimmed == "false" || trimmed == "0") {
    out = false;
  } else {
    return fmt::format("expected true or false, got \"{}\"", trimmed);
  }
  return std::nullopt;
}
Problem ValueCodec<bool>::FromToml(const toml::node& node, bool& out) {
  if (!node.is_boolean()) return WrongType("a boolean", node);
  out = **node.as_boolean();
  return std::nullopt;
}
std::string ValueCodec<bool>::Render(bool value) { return value ? "true" : "false"; }

Problem ValueCodec<std::vector<int>>::FromText(std::string_view text, std::vector<int>& out) {
  std::vector<int> items;
  std::string_view rest = text;
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    const std::string_view item = TrimSpace(rest.substr(0, comma));
    if (!item.empty()) {
      int value = 0;
      if (Problem problem = IntegerFromText(item, value)) return problem;
      items.push_back(value);
    }
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  out = std::move(items);
  return std::nullopt;
}
Problem ValueCodec<std::vector<int>>::FromToml(const toml::node& node, std::vector<int>& out) {
  if (!node.is_array()) return WrongType("an array of integers", node);
  std::vector<int> items;
  for (const toml::node& item : *node.as_array()) {
    if (!item.is_integer()) return WrongType("an array of integers", node);
    int value = 0;
    if (Problem problem = IntegerFromToml(item, value)) return problem;
    items.push_back(value);
  }
  out = std::move(items);
  return std::nullopt;
}
std::string ValueCodec<std::vector<int>>::Render(const std::vector<int>& value) {
  toml::array array;
  for (int item : value) array.push_back(int64_t{item});
  std::ostringstream stream;
  stream << toml::toml_formatter(array, toml::format_flags::none);
  return stream.str();
}

}  // namespace tc
