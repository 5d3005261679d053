// Placeholder lists and row bounds of the MySQL store's multi-row statements.
#pragma once

#include <cstddef>
#include <string>

namespace tc {

// Rows per multi-row statement (IN lists, INSERTs). One statement is prepared per distinct row
// count and cached per connection; the bounds keep a statement well under the protocol's 65,535
// placeholders and max_allowed_packet.
inline constexpr size_t kIdsPerStatement = 5000;
inline constexpr size_t kAuditRowsPerStatement = 500;
inline constexpr size_t kStatesPerStatement = 500;

// "?,?,?": `count` placeholders.
inline std::string Placeholders(size_t count) {
  std::string text;
  for (size_t i = 0; i < count; ++i) text += i == 0 ? "?" : ",?";
  return text;
}

// "(?,?,?),(?,?,?)…": `rows` tuples of `columns` placeholders.
inline std::string RowPlaceholders(size_t rows, size_t columns) {
  const std::string row = "(" + Placeholders(columns) + ")";
  std::string text;
  for (size_t i = 0; i < rows; ++i) text += i == 0 ? row : "," + row;
  return text;
}

}  // namespace tc
