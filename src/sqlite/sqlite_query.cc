#include "sqlite/sqlite_query.h"

namespace tc {

std::string SqliteIdArray(std::span<const int64_t> ids) {
  std::string text = "[";
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) text += ',';
    text += std::to_string(ids[i]);
  }
  text += ']';
  return text;
}

}  // namespace tc
