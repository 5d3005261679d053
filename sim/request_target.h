// Splits an HTTP request target ("/passes?per_page=10&page=2") into path and query parameters.
//
// Written by hand: Boost.URL (Boost >= 1.81) is not in Debian 12, and the simulator only needs
// origin-form targets with key=value queries.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tc::sim {

struct RequestTarget {
  std::string path;                                        // percent-decoded
  std::vector<std::pair<std::string, std::string>> query;  // in order, percent-decoded

  // First value of `key`, if present.
  std::optional<std::string_view> Param(std::string_view key) const;
  // First value of `key` as a positive integer; `fallback` when absent, nullopt when not a
  // positive integer.
  std::optional<int64_t> PositiveIntParam(std::string_view key, int64_t fallback) const;
};

// nullopt when the target is not origin-form ("/…") or has a broken %-escape.
std::optional<RequestTarget> ParseRequestTarget(std::string_view target);

}  // namespace tc::sim
