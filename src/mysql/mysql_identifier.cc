#include "mysql/mysql_identifier.h"

#include "config/plain_identifier.h"

namespace tc {

Result<std::string> QuoteMysqlIdentifier(std::string_view name, std::string_view setting) {
  const size_t dot = name.find('.');
  std::string_view database =
      dot == std::string_view::npos ? std::string_view() : name.substr(0, dot);
  std::string_view table = dot == std::string_view::npos ? name : name.substr(dot + 1);
  if ((dot != std::string_view::npos && !IsPlainIdentifier(database)) ||
      !IsPlainIdentifier(table)) {
    return MakeError(ErrorClass::kConfig,
                     std::string(setting) +
                         " must be a plain identifier ([A-Za-z_][A-Za-z0-9_]*, optionally "
                         "database.table), got \"" +
                         std::string(name) + "\"");
  }
  std::string quoted;
  if (!database.empty()) quoted += "`" + std::string(database) + "`.";
  quoted += "`" + std::string(table) + "`";
  return quoted;
}

}  // namespace tc
