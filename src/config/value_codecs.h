// One codec per type of configuration value: read it from text (an environment variable or a
// flag), read it from a TOML node (the file), render it back as TOML. Each returns the problem as
// text ("expected a whole number, got \"x\""); the caller prefixes the key and where the value
// came from. Range and format rules per key live in config/value_checks.h.
#pragma once

#include <toml++/toml.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tc {

using Problem = std::optional<std::string>;

template <typename T>
struct ValueCodec;

template <>
struct ValueCodec<std::string> {
  static Problem FromText(std::string_view text, std::string& out);
  static Problem FromToml(const toml::node& node, std::string& out);
  static std::string Render(const std::string& value);
};

template <>
struct ValueCodec<int> {
  static Problem FromText(std::string_view text, int& out);
  static Problem FromToml(const toml::node& node, int& out);
  static std::string Render(int value);
};

template <>
struct ValueCodec<int64_t> {
  static Problem FromText(std::string_view text, int64_t& out);
  static Problem FromToml(const toml::node& node, int64_t& out);
  static std::string Render(int64_t value);
};

template <>
struct ValueCodec<double> {
  static Problem FromText(std::string_view text, double& out);
  static Problem FromToml(const toml::node& node, double& out);
  static std::string Render(double value);
};

// Durations: "90s", "1h30m" (config/duration.h), a string in TOML.
template <>
struct ValueCodec<std::chrono::milliseconds> {
  static Problem FromText(std::string_view text, std::chrono::milliseconds& out);
  static Problem FromToml(const toml::node& node, std::chrono::milliseconds& out);
  static std::string Render(std::chrono::milliseconds value);
};

// Lists: comma-separated in text (blank items dropped), an array of strings in TOML.
template <>
struct ValueCodec<std::vector<std::string>> {
  static Problem FromText(std::string_view text, std::vector<std::string>& out);
  static Problem FromToml(const toml::node& node, std::vector<std::string>& out);
  static std::string Render(const std::vector<std::string>& value);
};

template <>
struct ValueCodec<bool> {
  static Problem FromText(std::string_view text, bool& out);  // true|false|1|0
  static Problem FromToml(const toml::node& node, bool& out);
  static std::string Render(bool value);
};

// Lists of whole numbers: comma-separated in text, an array of integers in TOML.
template <>
struct ValueCodec<std::vector<int>> {
  static Problem FromText(std::string_view text, std::vector<int>& out);
  static Problem FromToml(const toml::node& node, std::vector<int>& out);
  static std::string Render(const std::vector<int>& value);
};

// "a string", "an integer", … for "expected X, got Y" messages.
std::string_view TomlTypeName(const toml::node& node);

}  // namespace tc
