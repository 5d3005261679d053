// Table names come from configuration and cannot be bound as statement parameters, so they are
// validated and quoted before they are spliced into SQL.
#pragma once

#include <string>
#include <string_view>

#include "error/error.h"

namespace tc {

// "`name`" or "`database`.`name`" for `name` / `database.name`, where each part is a plain
// identifier ([A-Za-z_][A-Za-z0-9_]*, at most 64 characters). kConfig naming `setting` otherwise.
Result<std::string> QuoteMysqlIdentifier(std::string_view name, std::string_view setting);

}  // namespace tc
