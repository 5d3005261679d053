#include "sqlite/sqlite_identifier.h"

#include "config/plain_identifier.h"

namespace tc {

Result<std::string> QuoteSqliteIdentifier(std::string_view name, std::string_view setting) {
  if (!IsPlainIdentifier(name)) {
    return MakeError(ErrorClass::kConfig,
                     std::string(setting) +
                         " must be a plain identifier ([A-Za-z_][A-Za-z0-9_]*), got \"" +
                         std::string(name) + "\"");
  }
  return "\"" + std::string(name) + "\"";
}

}  // namespace tc
